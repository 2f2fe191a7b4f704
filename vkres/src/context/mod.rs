//! The [`Context`]: instance, debug messenger, physical device, device, queue, extension
//! loaders and [`DeviceCapabilities`].
//!
//! # Drop order
//! Every allocator and every resource holds an `Arc<Context>`, so a context is dropped only when
//! nothing made from it is left: VMA's allocator is always gone before the device. `Drop` then
//! waits for the device to be idle, destroys the device, the debug messenger and the instance,
//! in that order. A context made with [`Context::from_raw`] and [`Ownership::Borrowed`] destroys
//! neither device nor instance (their owner does, after the context is gone).

mod assemble;
mod capabilities;
mod create;
mod debug;
mod extension_deps;
mod extension_deps_table;
mod faults;
mod objects;
mod options;
mod raw;
mod wait;

pub(crate) use faults::FaultCounter;

use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ash::vk;

pub use capabilities::{DeviceCapabilities, EnabledFeatures};
pub use debug::{DebugMessage, MessageLog};
pub use options::{ContextOptions, DeviceChooser, DeviceSelector, DeviceSummary};
pub use raw::{Ownership, RawDevice};

use crate::error::{Result, VkContext};
use crate::handle_map::HandleMap;

/// The instance-level debug messenger and its loader.
struct Messenger {
    loader: ash::ext::debug_utils::Instance,
    handle: vk::DebugUtilsMessengerEXT,
}

/// A queue of the context; `vkQueueSubmit` needs external synchronisation, so it sits behind a lock.
struct Queue {
    handle: vk::Queue,
    lock: Mutex<()>,
}

impl Queue {
    fn new(handle: vk::Queue) -> Self {
        Self { handle, lock: Mutex::new(()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Device-level extension function tables, present where the context enabled the extension.
pub(crate) struct Extensions {
    pub(crate) debug_utils: Option<ash::ext::debug_utils::Device>,
    pub(crate) acceleration_structure: Option<ash::khr::acceleration_structure::Device>,
    pub(crate) external_memory_host: Option<ash::ext::external_memory_host::Device>,
    pub(crate) external_memory_fd: Option<ash::khr::external_memory_fd::Device>,
}

/// A Vulkan instance and device with one queue, shared as `Arc<Context>` by everything made
/// from it.
///
/// `Context` is `Send + Sync`: its queue is behind a lock and everything else is immutable
/// after creation.
pub struct Context {
    entry: ash::Entry,
    instance: ash::Instance,
    messenger: Option<Messenger>,
    log: Arc<MessageLog>,
    physical_device: vk::PhysicalDevice,
    device: ash::Device,
    queue: Queue,
    /// A queue of a family that only transfers, where the device has one and the options
    /// asked for it: batches copy large buffer uploads on it.
    transfer: Option<Queue>,
    extensions: Extensions,
    capabilities: DeviceCapabilities,
    ownership: Ownership,
    submissions: AtomicU64,
    /// Of `submissions`, those made to the transfer queue.
    transfer_submissions: AtomicU64,
    faults: faults::FaultCounter,
    /// Answers of `vkGetPhysicalDeviceImageFormatProperties`, which do not change.
    image_formats: Mutex<HandleMap<ImageFormatKey, ImageFormatAnswer>>,
    /// Answers of `vkGetPhysicalDeviceFormatProperties` (vertex formats of BLAS builds, blit
    /// support of mip generation), which do not change either.
    formats: Mutex<HandleMap<vk::Format, vk::FormatProperties>>,
    /// The bound of every wait, in nanoseconds (`wait.rs`).
    wait_timeout_ns: AtomicU64,
    /// Alias barriers recorded on this device (`memory/transient.rs`: the active member).
    pub(crate) alias_epoch: AtomicU64,
    /// Flag bits that an extension defines and this device refuses (`valid/extension_bits.rs`),
    /// computed on first use: each resource's check is then one mask test.
    refused_extension_bits: std::sync::OnceLock<[u32; 3]>,
    /// `VkSampler`s of this device that vkres's sampler pools hold (`resources/sampler.rs`):
    /// bounded by `maxSamplerAllocationCount` (issue 16, helper "sound4").
    pub(crate) pooled_samplers: AtomicU64,
    /// Whether vkres chose the device's features ([`Context::new`]): then every feature it
    /// did not enable is known to be off (shader capabilities that need one are refused,
    /// `valid/spirv_capabilities.rs`). `false` for [`Context::from_raw`], whose creator may
    /// have enabled more than [`EnabledFeatures`] names.
    pub(crate) features_chosen: bool,
}

/// What `vkGetPhysicalDeviceImageFormatProperties` is asked.
type ImageFormatKey = (vk::Format, vk::ImageType, vk::ImageTiling, vk::ImageUsageFlags, vk::ImageCreateFlags);
/// What it answers: the properties, or `ERROR_FORMAT_NOT_SUPPORTED`.
type ImageFormatAnswer = std::result::Result<vk::ImageFormatProperties, vk::Result>;

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("device", &self.capabilities.device_name)
            .field("api", &self.capabilities.api_version_string())
            .field("ownership", &self.ownership)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Creates an instance, a device and a queue, headless.
    ///
    /// Needs a device with Vulkan 1.3, `bufferDeviceAddress` and `synchronization2`. Enables
    /// acceleration structures, ray queries and ray-tracing pipelines where present (unless
    /// [`ContextOptions::ray_tracing`] is off) and reports them in [`capabilities`](Self::capabilities).
    pub fn new(options: ContextOptions) -> Result<Arc<Self>> {
        create::create(options).map(Arc::new)
    }

    /// The loader entry points.
    pub fn entry(&self) -> &ash::Entry {
        &self.entry
    }

    /// The instance.
    pub fn instance(&self) -> &ash::Instance {
        &self.instance
    }

    /// The physical device.
    pub fn physical_device(&self) -> vk::PhysicalDevice {
        self.physical_device
    }

    /// The device.
    pub fn device(&self) -> &ash::Device {
        &self.device
    }

    /// What the device offers and what this context enabled.
    pub fn capabilities(&self) -> &DeviceCapabilities {
        &self.capabilities
    }

    /// Warnings and errors reported by the validation layer, the loader and the driver (empty
    /// unless validation or a messenger is on).
    pub fn message_log(&self) -> &Arc<MessageLog> {
        &self.log
    }

    /// The queue family of [`queue`](Self::queue).
    pub fn queue_family_index(&self) -> u32 {
        self.capabilities.queue_family_index
    }

    /// The context's queue. Submit through [`submit`](Self::submit), which holds the queue's
    /// lock; anything else that uses the queue must hold [`lock_queue`](Self::lock_queue).
    pub fn queue(&self) -> vk::Queue {
        self.queue.handle
    }

    /// Locks the queue for a caller's own `vkQueue*` call.
    pub fn lock_queue(&self) -> std::sync::MutexGuard<'_, ()> {
        self.queue.lock()
    }

    /// The family of the context's transfer queue: a family that transfers but neither draws
    /// nor computes (a copy engine of a discrete GPU), where the device has one and
    /// [`ContextOptions::transfer_queue`] turned it on. Batches copy large whole-buffer uploads on it,
    /// with the queue-family ownership transfer back to [`queue_family_index`](Self::queue_family_index).
    /// `None` on devices with a single family (lavapipe): everything runs on [`queue`](Self::queue).
    pub fn transfer_queue_family_index(&self) -> Option<u32> {
        self.capabilities.transfer_queue_family_index
    }

    /// The transfer queue (see [`transfer_queue_family_index`](Self::transfer_queue_family_index)).
    /// Anything outside vkres that uses it must hold [`lock_transfer_queue`](Self::lock_transfer_queue).
    pub fn transfer_queue(&self) -> Option<vk::Queue> {
        self.transfer.as_ref().map(|t| t.handle)
    }

    /// Locks the transfer queue for a caller's own `vkQueue*` call (`None` without one).
    pub fn lock_transfer_queue(&self) -> Option<std::sync::MutexGuard<'_, ()>> {
        self.transfer.as_ref().map(Queue::lock)
    }

    /// Submits to the context's queue under its lock, and counts the submission.
    ///
    /// # Safety
    /// Everything `submits` names must be valid and in a state that allows submission
    /// (recorded command buffers, semaphores of this device), and `fence` must be unsignalled
    /// and not in use by another submission.
    pub unsafe fn submit(&self, submits: &[vk::SubmitInfo2<'_>], fence: vk::Fence) -> Result<()> {
        let guard = self.lock_queue();
        // SAFETY: the caller vouches for the submit infos and the fence; `guard` locks the queue.
        unsafe { self.submit_locked(&guard, submits, fence) }
    }

    /// [`submit`](Self::submit) under a lock of the queue the caller already holds (from
    /// [`lock_queue`](Self::lock_queue)): a batch checks the layouts its recording found, submits
    /// and applies the layouts it leaves in one step, so that no other hand-off comes between.
    ///
    /// # Safety
    /// As [`submit`](Self::submit); `guard` must be this context's [`lock_queue`](Self::lock_queue).
    pub(crate) unsafe fn submit_locked(
        &self,
        guard: &std::sync::MutexGuard<'_, ()>,
        submits: &[vk::SubmitInfo2<'_>],
        fence: vk::Fence,
    ) -> Result<()> {
        let _ = guard;
        self.fault_point("vkQueueSubmit2")?;
        // SAFETY: the caller vouches for the submit infos and the fence; the queue belongs to
        // this device and is externally synchronised by the lock the caller holds.
        unsafe { self.device.queue_submit2(self.queue.handle, submits, fence) }.op("vkQueueSubmit2")?;
        self.submissions.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// [`submit`](Self::submit) to the transfer queue.
    ///
    /// # Safety
    /// As [`submit`](Self::submit), with command buffers of the transfer family; the context
    /// must have a transfer queue.
    pub(crate) unsafe fn submit_transfer(&self, submits: &[vk::SubmitInfo2<'_>], fence: vk::Fence) -> Result<()> {
        self.fault_point("vkQueueSubmit2")?;
        // A `match`, not `ok_or`: the error (whose enum has drop glue) is built only when it is
        // returned.
        let Some(transfer) = self.transfer.as_ref() else {
            return Err(crate::Error::MissingFeature {
                feature: "a transfer-only queue family",
                operation: "submit to the transfer queue",
            });
        };
        let _guard = transfer.lock();
        // SAFETY: as in `submit`, on the transfer queue, locked above.
        unsafe { self.device.queue_submit2(transfer.handle, submits, fence) }.op("vkQueueSubmit2")?;
        self.submissions.fetch_add(1, Ordering::Relaxed);
        self.transfer_submissions.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Waits until the transfer queue (if any) is idle: what a batch does when a submission
    /// that was to wait for the transfer queue's work failed, before it frees what that work reads.
    pub(crate) fn wait_transfer_idle(&self) -> Result<()> {
        let Some(transfer) = &self.transfer else { return Ok(()) };
        let _guard = transfer.lock();
        // SAFETY: a queue of this device, externally synchronised by the lock held above.
        unsafe { self.device.queue_wait_idle(transfer.handle) }.op("vkQueueWaitIdle")
    }

    /// `vkGetPhysicalDeviceFormatProperties` for the context's physical device, asked of the
    /// driver once per format.
    pub(crate) fn format_properties(&self, format: vk::Format) -> vk::FormatProperties {
        let mut known = self.formats.lock().unwrap_or_else(|e| e.into_inner());
        // SAFETY: a plain query on the context's physical device, valid for any format value.
        *known.entry(format).or_insert_with(|| unsafe {
            self.instance.get_physical_device_format_properties(self.physical_device, format)
        })
    }

    /// `vkGetPhysicalDeviceImageFormatProperties` for the context's physical device, asked of
    /// the driver once per set of parameters (its answers do not change): every image creation
    /// checks its description against it.
    pub(crate) fn image_format_properties(
        &self,
        format: vk::Format,
        ty: vk::ImageType,
        tiling: vk::ImageTiling,
        usage: vk::ImageUsageFlags,
        flags: vk::ImageCreateFlags,
    ) -> ImageFormatAnswer {
        let key = (format, ty, tiling, usage, flags);
        let lock = || self.image_formats.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(answer) = lock().get(&key) {
            return *answer;
        }
        // SAFETY: a plain query on the context's physical device.
        let answer = unsafe {
            self.instance.get_physical_device_image_format_properties(
                self.physical_device,
                format,
                ty,
                tiling,
                usage,
                flags,
            )
        };
        // Out-of-memory answers are not the format's: asked again next time.
        if matches!(answer, Ok(_) | Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED)) {
            lock().insert(key, answer);
        }
        answer
    }

    /// Queue submissions made through this context so far (to both of its queues).
    pub fn submission_count(&self) -> u64 {
        self.submissions.load(Ordering::Relaxed)
    }

    /// Of [`submission_count`](Self::submission_count), those made to the transfer queue.
    pub fn transfer_submission_count(&self) -> u64 {
        self.transfer_submissions.load(Ordering::Relaxed)
    }

    /// Waits until the device is idle.
    pub fn wait_idle(&self) -> Result<()> {
        let _guard = self.lock_queue();
        let _transfer = self.lock_transfer_queue();
        // SAFETY: the device is alive; vkDeviceWaitIdle needs every queue externally
        // synchronised, and this context's queues are both locked above.
        unsafe { self.device.device_wait_idle() }.op("vkDeviceWaitIdle")
    }

    pub(crate) fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// The `VK_KHR_acceleration_structure` functions, or [`Error::MissingFeature`](crate::Error::MissingFeature).
    pub(crate) fn acceleration_structure_fns(
        &self,
        operation: &'static str,
    ) -> Result<&ash::khr::acceleration_structure::Device> {
        // A `match`, not `ok_or`: the error is built (and dropped) only when it is returned.
        match self.extensions.acceleration_structure.as_ref() {
            Some(fns) => Ok(fns),
            None => Err(crate::Error::MissingFeature { feature: "VK_KHR_acceleration_structure", operation }),
        }
    }

    /// The `VK_KHR_external_memory_fd` functions, or [`Error::MissingFeature`](crate::Error::MissingFeature).
    pub(crate) fn external_memory_fd_fns(
        &self,
        operation: &'static str,
    ) -> Result<&ash::khr::external_memory_fd::Device> {
        // A `match`, not `ok_or`: the error is built (and dropped) only when it is returned.
        match self.extensions.external_memory_fd.as_ref() {
            Some(fns) => Ok(fns),
            None => Err(crate::Error::MissingFeature { feature: "VK_KHR_external_memory_fd", operation }),
        }
    }

    /// Whether [`set_debug_name`](Self::set_debug_name) names anything (debug utils are on):
    /// callers that build a name for it skip building it otherwise.
    pub(crate) fn names_objects(&self) -> bool {
        self.extensions.debug_utils.is_some()
    }

    /// The cache of `valid/extension_bits.rs`: the refused bits of buffer usage, image usage
    /// and image creation flags.
    #[inline]
    pub(crate) fn refused_extension_bits(&self) -> &std::sync::OnceLock<[u32; 3]> {
        &self.refused_extension_bits
    }

    /// Gives `handle` a debug name where debug utils are on; a no-op otherwise.
    ///
    /// # Safety
    /// `handle` must be a valid object of this context's device (or the device itself).
    #[inline]
    pub unsafe fn set_debug_name<H: vk::Handle>(&self, handle: H, name: &str) {
        // Inline, so that with debug utils off (the usual case) naming costs one test and no call.
        if let Some(debug_utils) = &self.extensions.debug_utils {
            // SAFETY: the caller's contract.
            unsafe { name_object(debug_utils, H::TYPE, handle.as_raw(), name) }
        }
    }
}

/// [`Context::set_debug_name`] with debug utils on: one function for every handle type.
///
/// # Safety
/// `handle` must be a valid object of type `ty` of the device `debug_utils` was loaded for.
#[inline(never)]
unsafe fn name_object(debug_utils: &ash::ext::debug_utils::Device, ty: vk::ObjectType, handle: u64, name: &str) {
    // A name with an interior NUL is cut there rather than rejected: it is only a label.
    let name = CString::new(name.split('\0').next().unwrap_or_default()).unwrap_or_default();
    let info = vk::DebugUtilsObjectNameInfoEXT { object_type: ty, object_handle: handle, ..Default::default() }
        .object_name(&name);
    // SAFETY: the caller vouches that the handle is an object of this type of the device.
    // Naming can only fail on host memory exhaustion, and a missing label is harmless, so the
    // result is ignored.
    let _ = unsafe { debug_utils.set_debug_utils_object_name(&info) };
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: every object made from this context holds an Arc to it, so none is left;
        // after the device is idle nothing of ours is in flight. Objects are destroyed
        // child-first: device, then messenger, then instance, each only if this context owns it.
        unsafe {
            let _ = self.device.device_wait_idle();
            if self.ownership == Ownership::Owned {
                self.device.destroy_device(None);
            }
            if let Some(m) = self.messenger.take() {
                m.loader.destroy_debug_utils_messenger(m.handle, None);
            }
            if self.ownership == Ownership::Owned {
                self.instance.destroy_instance(None);
            }
        }
    }
}
