//! How a [`Context`](crate::Context) is made: [`ContextOptions`] and [`DeviceSelector`].

use std::ffi::CStr;
use std::fmt;
use std::sync::Arc;

use ash::vk;

/// A caller's device choice: given every enumerated device, the index to use.
pub type DeviceChooser = dyn Fn(&[DeviceSummary]) -> Option<usize> + Send + Sync;

/// Which physical device a context uses.
///
/// `Send + Sync`: plain data.
#[derive(Clone, Default)]
pub enum DeviceSelector {
    /// The best device that has what vkres needs (Vulkan 1.3, buffer device address,
    /// synchronization2): discrete before integrated before virtual before CPU, and among
    /// equals the one with acceleration structures. The environment variable `VKRES_DEVICE`
    /// (an index, or part of a device name) overrides this choice.
    #[default]
    Auto,
    /// The device at this index of `vkEnumeratePhysicalDevices`.
    Index(usize),
    /// The first device whose name contains this text (case-insensitive).
    NameContains(String),
    /// A caller's choice among the enumerated devices: return the index to use.
    Custom(Arc<DeviceChooser>),
}

impl fmt::Debug for DeviceSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("Auto"),
            Self::Index(i) => f.debug_tuple("Index").field(i).finish(),
            Self::NameContains(s) => f.debug_tuple("NameContains").field(s).finish(),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// What a [`DeviceSelector::Custom`] sees of each physical device.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone)]
pub struct DeviceSummary {
    /// Index in `vkEnumeratePhysicalDevices`.
    pub index: usize,
    /// Device name.
    pub name: String,
    /// Discrete, integrated, virtual, CPU.
    pub device_type: vk::PhysicalDeviceType,
    /// Highest supported Vulkan version.
    pub api_version: u32,
    /// Whether vkres can use it at all.
    pub suitable: bool,
}

/// Options of [`Context::new`](crate::Context::new). Build with the methods:
///
/// ```
/// let options = vkres::ContextOptions::new().validation(true).ray_tracing(false);
/// # let _ = options;
/// ```
///
/// `Send + Sync`: plain data and a `Send + Sync` device chooser.
#[derive(Debug, Clone)]
pub struct ContextOptions {
    pub(crate) application_name: String,
    pub(crate) validation: bool,
    pub(crate) synchronization_validation: bool,
    pub(crate) debug_utils: bool,
    pub(crate) echo_messages: bool,
    pub(crate) ray_tracing: bool,
    pub(crate) transfer_queue: bool,
    pub(crate) device: DeviceSelector,
    pub(crate) instance_extensions: Vec<&'static CStr>,
    pub(crate) device_extensions: Vec<&'static CStr>,
    pub(crate) wait_timeout: std::time::Duration,
}

impl Default for ContextOptions {
    fn default() -> Self {
        Self {
            application_name: "vkres".into(),
            validation: false,
            synchronization_validation: false,
            debug_utils: true,
            echo_messages: true,
            ray_tracing: true,
            transfer_queue: false,
            device: DeviceSelector::Auto,
            instance_extensions: Vec::new(),
            device_extensions: Vec::new(),
            wait_timeout: super::wait::DEFAULT_WAIT_TIMEOUT,
        }
    }
}

impl ContextOptions {
    /// The defaults: no validation, debug names on where available, ray tracing enabled where
    /// the device has it, automatic device choice.
    pub fn new() -> Self {
        Self::default()
    }

    /// The application name given to the instance.
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = name.into();
        self
    }

    /// Enables the Khronos validation layer (`VK_LAYER_KHRONOS_validation`) and routes its
    /// messages into the context's [`MessageLog`](crate::MessageLog). Creation fails with
    /// [`Error::LayerMissing`](crate::Error::LayerMissing) where the layer is not installed.
    pub fn validation(mut self, on: bool) -> Self {
        self.validation = on;
        self
    }

    /// Also enables the layer's synchronization validation (implies [`validation`](Self::validation)).
    pub fn synchronization_validation(mut self, on: bool) -> Self {
        self.synchronization_validation = on;
        if on {
            self.validation = true;
        }
        self
    }

    /// Names every object vkres creates through `VK_EXT_debug_utils`, where the loader has it
    /// (default on). Validation always turns it on.
    pub fn debug_utils(mut self, on: bool) -> Self {
        self.debug_utils = on;
        self
    }

    /// Whether debug messages are also printed to standard error (default on).
    pub fn echo_messages(mut self, on: bool) -> Self {
        self.echo_messages = on;
        self
    }

    /// Enables acceleration structures, ray queries and ray-tracing pipelines where the device
    /// has them (default on). Off: the context never enables them, even where present.
    pub fn ray_tracing(mut self, on: bool) -> Self {
        self.ray_tracing = on;
        self
    }

    /// Opens a second queue, of a family that only transfers, where the device has one (default
    /// off): batches then copy large whole-buffer uploads there, on a copy engine, while the
    /// main queue goes on with other work (see [`Context::transfer_queue_family_index`](crate::Context::transfer_queue_family_index)).
    ///
    /// For programs that upload while they render. Off by default because on an idle device
    /// the main queue moves data as fast or faster: on the H100, 1 GiB through the default
    /// staging budget took 30-38 ms on the transfer queue (28-36 GB/s) against 24-28 ms on the
    /// graphics queue, 256 MiB about the same (docs/BENCHMARKS.md).
    pub fn transfer_queue(mut self, on: bool) -> Self {
        self.transfer_queue = on;
        self
    }

    /// The longest vkres waits for a fence or a semaphore before it gives up with
    /// [`Error::Timeout`](crate::Error::Timeout) (default 60 s; see
    /// [`Context::set_wait_timeout`](crate::Context::set_wait_timeout)). Every wait vkres makes
    /// has this bound: a hung device or work that is never submitted is an error, not a thread
    /// blocked forever. Zero is refused by [`Context::new`](crate::Context::new)
    /// ([`Error::InvalidDescription`](crate::Error::InvalidDescription)): every wait would time
    /// out at once.
    pub fn wait_timeout(mut self, bound: std::time::Duration) -> Self {
        self.wait_timeout = bound;
        self
    }

    /// Which physical device to use.
    pub fn device(mut self, selector: DeviceSelector) -> Self {
        self.device = selector;
        self
    }

    /// Instance extensions to enable besides vkres's own: for a window, the surface extensions
    /// that `ash_window::enumerate_required_extensions` names. Creation fails with
    /// [`Error::MissingFeature`](crate::Error::MissingFeature) naming the first one the loader
    /// does not offer.
    pub fn instance_extensions(mut self, names: impl IntoIterator<Item = &'static CStr>) -> Self {
        self.instance_extensions.extend(names);
        self
    }

    /// Device extensions to enable besides vkres's own, for example `VK_KHR_swapchain`
    /// (`ash::khr::swapchain::NAME`). A device without all of them is not suitable: automatic
    /// choice passes it over, and choosing it gives [`Error::NoSuitableDevice`](crate::Error::NoSuitableDevice).
    /// vkres enables only the extensions; features they need are the caller's to check.
    pub fn device_extensions(mut self, names: impl IntoIterator<Item = &'static CStr>) -> Self {
        self.device_extensions.extend(names);
        self
    }
}
