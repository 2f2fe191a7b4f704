//! Validation and debug-utils messages, routed into a [`MessageLog`] that tests assert on, and
//! to the `log` facade (target `vkres::validation`) for a program's logger.

use std::ffi::{CStr, c_void};
use std::sync::{Arc, Mutex, MutexGuard};

use ash::vk;

/// One message from the validation layer, the loader or the driver.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebugMessage {
    /// Warning or error (the log subscribes to nothing below warnings).
    pub severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    /// General, validation or performance.
    pub types: vk::DebugUtilsMessageTypeFlagsEXT,
    /// The message id name, e.g. `VUID-VkBufferCreateInfo-size-00912`.
    pub id_name: String,
    /// The full text.
    pub text: String,
}

impl std::fmt::Display for DebugMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{:?} {:?}] {}: {}", self.severity, self.types, self.id_name, self.text)
    }
}

/// Collects every warning and error that Vulkan reports through `VK_EXT_debug_utils`.
///
/// A [`Context`](crate::Context) made with validation owns one; tests take its messages and fail
/// when there are any. `MessageLog` is `Send + Sync`: the layer may call back from any thread.
#[derive(Debug, Default)]
pub struct MessageLog {
    messages: Mutex<Vec<DebugMessage>>,
    echo: bool,
}

impl MessageLog {
    /// A new, empty log. With `echo`, each message is also printed to standard error as it
    /// arrives (so a failing test shows where it came from).
    pub fn new(echo: bool) -> Arc<Self> {
        Arc::new(Self { messages: Mutex::new(Vec::new()), echo })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<DebugMessage>> {
        // A poisoned lock only means a panic happened while pushing; the Vec is still valid.
        self.messages.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every message so far.
    pub fn messages(&self) -> Vec<DebugMessage> {
        self.lock().clone()
    }

    /// Removes and returns every message so far.
    pub fn take(&self) -> Vec<DebugMessage> {
        std::mem::take(&mut *self.lock())
    }

    /// How many messages arrived so far.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no message arrived.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a message (the callback's job; public so that other sources can feed the log).
    pub fn push(&self, message: DebugMessage) {
        if self.echo {
            eprintln!("vkres: {message}");
        }
        self.lock().push(message);
    }

    /// A messenger description whose callback pushes into this log: warnings and errors of
    /// every type. Chain it into `VkInstanceCreateInfo` (to catch instance creation) or create
    /// a messenger with it, also for an instance you made yourself.
    ///
    /// The description points at this log: it is valid only while `self` is alive, so keep an
    /// `Arc` of the log until the messenger and the instance are destroyed.
    pub fn messenger_create_info(self: &Arc<Self>) -> vk::DebugUtilsMessengerCreateInfoEXT<'static> {
        vk::DebugUtilsMessengerCreateInfoEXT::default()
            .message_severity(
                vk::DebugUtilsMessageSeverityFlagsEXT::WARNING | vk::DebugUtilsMessageSeverityFlagsEXT::ERROR,
            )
            .message_type(
                vk::DebugUtilsMessageTypeFlagsEXT::GENERAL
                    | vk::DebugUtilsMessageTypeFlagsEXT::VALIDATION
                    | vk::DebugUtilsMessageTypeFlagsEXT::PERFORMANCE,
            )
            .pfn_user_callback(Some(callback))
            .user_data(Arc::as_ptr(self) as *mut c_void)
    }
}

/// The `log` level of a message of `severity`: errors and warnings as such, info as info,
/// verbose as trace.
fn level(severity: vk::DebugUtilsMessageSeverityFlagsEXT) -> log::Level {
    use vk::DebugUtilsMessageSeverityFlagsEXT as S;
    if severity.contains(S::ERROR) {
        log::Level::Error
    } else if severity.contains(S::WARNING) {
        log::Level::Warn
    } else if severity.contains(S::INFO) {
        log::Level::Info
    } else {
        log::Level::Trace
    }
}

/// The debug-utils callback: sends the message to the `log` facade (target
/// `vkres::validation`, at its severity) and copies it into the [`MessageLog`] behind `user_data`.
unsafe extern "system" fn callback(
    severity: vk::DebugUtilsMessageSeverityFlagsEXT,
    types: vk::DebugUtilsMessageTypeFlagsEXT,
    data: *const vk::DebugUtilsMessengerCallbackDataEXT<'_>,
    user_data: *mut c_void,
) -> vk::Bool32 {
    if data.is_null() || user_data.is_null() {
        return vk::FALSE;
    }
    // SAFETY: `user_data` is the pointer `messenger_create_info` stored: an `Arc<MessageLog>`
    // that the owner keeps alive for as long as the messenger exists (its documented contract).
    let log = unsafe { &*(user_data as *const MessageLog) };
    // SAFETY: the layer passes a valid callback-data struct for the duration of the call.
    let data = unsafe { &*data };
    let text = |p: *const std::ffi::c_char| {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: the layer's strings are NUL-terminated and live for the call.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    let message = DebugMessage { severity, types, id_name: text(data.p_message_id_name), text: text(data.p_message) };
    log::log!(target: "vkres::validation", level(severity), "{}: {}", message.id_name, message.text);
    log.push(message);
    vk::FALSE
}
