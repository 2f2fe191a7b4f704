//! Bring your own device: what the caller made, for [`Context::from_raw`](super::Context::from_raw).

use std::ffi::CStr;
use std::sync::Arc;

use ash::vk;

use super::{EnabledFeatures, MessageLog};

/// Who destroys the instance and device of a context.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// The context destroys them when it drops.
    Owned,
    /// Their creator does, after the context and everything made from it are gone.
    Borrowed,
}

/// An instance and device made by the caller, for [`Context::from_raw`](crate::Context::from_raw).
///
/// `Send + Sync`: Vulkan handles and `ash` function tables, plain data.
pub struct RawDevice {
    /// The loader the instance was made with.
    pub entry: ash::Entry,
    /// The instance.
    pub instance: ash::Instance,
    /// The physical device the device was made on.
    pub physical_device: vk::PhysicalDevice,
    /// The device: made with Vulkan 1.3, `bufferDeviceAddress` and `synchronization2`.
    pub device: ash::Device,
    /// The family of the queue vkres submits to (it must support compute and transfer).
    pub queue_family_index: u32,
    /// The index of that queue in its family.
    pub queue_index: u32,
    /// A second queue for large uploads, as `(family, index in the family)`, of a family other
    /// than the main queue's, best one that only transfers (see
    /// [`Context::transfer_queue_family_index`](crate::Context::transfer_queue_family_index));
    /// `None` sends everything to the queue above.
    pub transfer_queue: Option<(u32, u32)>,
    /// What the creator enabled.
    pub enabled: EnabledFeatures,
    /// Device extensions the creator enabled besides those [`enabled`](Self::enabled) names
    /// (e.g. `VK_EXT_transform_feedback`): a flag bit that an extension defines is refused
    /// with [`Error::MissingFeature`](crate::Error::MissingFeature) unless its extension is
    /// named here or in `enabled`.
    pub device_extensions: Vec<&'static CStr>,
    /// Where validation messages go, if the creator routes them (see
    /// [`MessageLog::messenger_create_info`]); `None` gives the context an empty log.
    pub message_log: Option<Arc<MessageLog>>,
}

impl std::fmt::Debug for RawDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawDevice")
            .field("device", &self.device.handle())
            .field("queue_family_index", &self.queue_family_index)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}
