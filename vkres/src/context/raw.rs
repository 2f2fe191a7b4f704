//! Bring your own device: a [`Context`] over an instance and device the caller made.

use std::sync::Arc;

use ash::vk;

use super::assemble::assemble;
use super::{Context, EnabledFeatures, MessageLog};
use crate::error::Result;

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

/// An instance and device made by the caller, for [`Context::from_raw`].
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
    /// [`Context::transfer_queue_family_index`]); `None` sends everything to the queue above.
    pub transfer_queue: Option<(u32, u32)>,
    /// What the creator enabled.
    pub enabled: EnabledFeatures,
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

impl Context {
    /// Wraps an instance and device that the caller created (bring your own device).
    ///
    /// With [`Ownership::Borrowed`] the caller destroys device and instance, after this
    /// context and every resource made from it have dropped (each holds an `Arc<Context>`);
    /// with [`Ownership::Owned`] the context destroys them as [`Context::new`]'s would, and so
    /// does this function when it fails (a queue that `raw` names does not exist). This is the
    /// assembly [`Context::new`] goes through too, after it made its instance and device.
    ///
    /// # Safety
    /// `raw` must describe live objects that belong together: the device was created from
    /// `physical_device` of `instance`, with API version 1.3, `bufferDeviceAddress`,
    /// `synchronization2`, a queue at `queue_family_index`/`queue_index`, and every feature
    /// and extension `raw.enabled` claims. No other code may use that queue without holding
    /// [`Context::lock_queue`] (nor the transfer queue without [`Context::lock_transfer_queue`]).
    /// With `Borrowed`, device and instance must outlive the context.
    pub unsafe fn from_raw(raw: RawDevice, ownership: Ownership) -> Result<Arc<Self>> {
        // SAFETY: the caller's contract, which is `assemble`'s.
        unsafe { assemble(raw, ownership, None) }.map(Arc::new)
    }
}
