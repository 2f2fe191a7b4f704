//! Bring your own device: a [`Context`] over an instance and device the caller made.

use std::sync::atomic::AtomicU64;

use ash::vk;

use super::{Context, Extensions, MessageLog, Queue};
use crate::error::{Error, Result};

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

/// The optional features and extensions the creator of a device enabled on it. vkres cannot
/// read enabled features back from a `VkDevice`, so the creator says; vkres uses only these.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnabledFeatures {
    /// `samplerAnisotropy`.
    pub sampler_anisotropy: bool,
    /// `VK_KHR_acceleration_structure` (with `VK_KHR_deferred_host_operations`) and its feature.
    pub acceleration_structure: bool,
    /// `VK_KHR_ray_query` and its feature.
    pub ray_query: bool,
    /// `VK_KHR_ray_tracing_pipeline` and its feature.
    pub ray_tracing_pipeline: bool,
    /// `VK_EXT_memory_budget`.
    pub memory_budget: bool,
    /// `VK_EXT_external_memory_host`: uploads may import the caller's memory.
    pub external_memory_host: bool,
    /// `VK_EXT_debug_utils` on the instance (vkres then names its objects).
    pub debug_utils: bool,
    /// Every Vulkan 1.2 descriptor-indexing feature the bindless arrays of the
    /// [`ResourceManager`](crate::manager::ResourceManager) need (see
    /// [`DeviceCapabilities::descriptor_indexing`](crate::DeviceCapabilities::descriptor_indexing)).
    pub descriptor_indexing: bool,
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
    pub message_log: Option<std::sync::Arc<MessageLog>>,
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
    /// with [`Ownership::Owned`] the context destroys them as [`Context::new`]'s would.
    ///
    /// # Safety
    /// `raw` must describe live objects that belong together: the device was created from
    /// `physical_device` of `instance`, with API version 1.3, `bufferDeviceAddress`,
    /// `synchronization2`, a queue at `queue_family_index`/`queue_index`, and every feature
    /// and extension `raw.enabled` claims. No other code may use that queue without holding
    /// [`Context::lock_queue`] (nor the transfer queue without [`Context::lock_transfer_queue`]).
    /// With `Borrowed`, device and instance must outlive the context.
    pub unsafe fn from_raw(raw: RawDevice, ownership: Ownership) -> Result<std::sync::Arc<Self>> {
        // SAFETY: the caller vouches that the physical device belongs to the instance.
        let families = unsafe { raw.instance.get_physical_device_queue_family_properties(raw.physical_device) };
        let family = families.get(raw.queue_family_index as usize).ok_or_else(|| {
            Error::NoSuitableDevice(format!("queue family {} does not exist", raw.queue_family_index))
        })?;
        if !family.queue_flags.contains(vk::QueueFlags::COMPUTE) || raw.queue_index >= family.queue_count {
            return Err(Error::NoSuitableDevice(format!(
                "queue {} of family {} is not a compute queue of that family",
                raw.queue_index, raw.queue_family_index
            )));
        }
        // SAFETY: the caller vouches the queue was requested at device creation.
        let queue = unsafe { raw.device.get_device_queue(raw.queue_family_index, raw.queue_index) };
        let transfer = match raw.transfer_queue {
            Some((family, index)) => {
                // Graphics and compute queues transfer too, whether or not they say so.
                let transfers = vk::QueueFlags::TRANSFER | vk::QueueFlags::GRAPHICS | vk::QueueFlags::COMPUTE;
                let ok = families.get(family as usize).is_some_and(|f| {
                    f.queue_flags.intersects(transfers) && index < f.queue_count && family != raw.queue_family_index
                });
                if !ok {
                    return Err(Error::NoSuitableDevice(format!(
                        "queue {index} of family {family} is not a queue that transfers, of another family than the main queue's"
                    )));
                }
                // SAFETY: the caller vouches the queue was requested at device creation.
                Some((family, Queue::new(unsafe { raw.device.get_device_queue(family, index) })))
            }
            None => None,
        };
        let e = raw.enabled;
        let extensions = Extensions {
            debug_utils: e.debug_utils.then(|| ash::ext::debug_utils::Device::new(&raw.instance, &raw.device)),
            acceleration_structure: e
                .acceleration_structure
                .then(|| ash::khr::acceleration_structure::Device::new(&raw.instance, &raw.device)),
            external_memory_host: e
                .external_memory_host
                .then(|| ash::ext::external_memory_host::Device::new(&raw.instance, &raw.device)),
        };
        let capabilities = super::create::query_capabilities(
            &raw.instance,
            raw.physical_device,
            raw.queue_family_index,
            transfer.as_ref().map(|(family, _)| *family),
            e,
        );
        let transfer = transfer.map(|(_, queue)| queue);
        Ok(std::sync::Arc::new(Context {
            entry: raw.entry,
            instance: raw.instance,
            messenger: None,
            log: raw.message_log.unwrap_or_else(|| MessageLog::new(true)),
            physical_device: raw.physical_device,
            device: raw.device,
            queue: Queue::new(queue),
            transfer,
            extensions,
            capabilities,
            ownership,
            submissions: AtomicU64::new(0),
            transfer_submissions: AtomicU64::new(0),
            image_formats: Default::default(),
            formats: Default::default(),
            faults: Default::default(),
            wait_timeout_ns: AtomicU64::new(super::wait::nanos(super::wait::DEFAULT_WAIT_TIMEOUT)),
        }))
    }
}
