//! The one assembly of a [`Context`] from a [`RawDevice`]: queue checks, extension loaders,
//! capabilities. [`Context::from_raw`] is here; [`Context::new`] builds a `RawDevice` and comes
//! here too.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use ash::vk;

use super::capabilities;
use super::raw::{Ownership, RawDevice};
use super::{Context, Extensions, MessageLog, Messenger, Queue};
use crate::error::{Error, Result};

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

/// Builds the context over `raw`; `messenger` is the debug messenger [`Context::new`] made on
/// the instance (the context destroys it). On an error an [`Ownership::Owned`] device, the
/// messenger and the instance are destroyed here: the caller handed them over.
///
/// # Safety
/// As [`Context::from_raw`]; `messenger` (if any) belongs to `raw.instance`.
pub(super) unsafe fn assemble(raw: RawDevice, ownership: Ownership, messenger: Option<Messenger>) -> Result<Context> {
    // SAFETY: the caller vouches that the physical device belongs to the instance.
    let families = unsafe { raw.instance.get_physical_device_queue_family_properties(raw.physical_device) };
    if let Err(e) = check_queues(&raw, &families) {
        if ownership == Ownership::Owned {
            // SAFETY: nothing was made from the device yet; children go before parents.
            unsafe {
                raw.device.destroy_device(None);
                if let Some(m) = messenger {
                    m.loader.destroy_debug_utils_messenger(m.handle, None);
                }
                raw.instance.destroy_instance(None);
            }
        }
        return Err(e);
    }
    // SAFETY: the caller vouches the queue was requested at device creation.
    let queue = unsafe { raw.device.get_device_queue(raw.queue_family_index, raw.queue_index) };
    let transfer = raw.transfer_queue.map(|(family, index)| {
        // SAFETY: as above; `check_queues` saw that the family has this queue.
        Queue::new(unsafe { raw.device.get_device_queue(family, index) })
    });
    let e = raw.enabled;
    let extensions = Extensions {
        debug_utils: e.debug_utils.then(|| ash::ext::debug_utils::Device::new(&raw.instance, &raw.device)),
        acceleration_structure: e
            .acceleration_structure
            .then(|| ash::khr::acceleration_structure::Device::new(&raw.instance, &raw.device)),
        external_memory_host: e
            .external_memory_host
            .then(|| ash::ext::external_memory_host::Device::new(&raw.instance, &raw.device)),
        external_memory_fd: e
            .external_memory_fd
            .then(|| ash::khr::external_memory_fd::Device::new(&raw.instance, &raw.device)),
    };
    let capabilities = capabilities::query(
        &raw.instance,
        raw.physical_device,
        raw.queue_family_index,
        raw.transfer_queue.map(|(family, _)| family),
        e,
        &raw.device_extensions,
    );
    log::debug!(
        "vkres context on {} ({}, Vulkan {}), enabled: {:?}",
        capabilities.device_name,
        capabilities.driver,
        capabilities.api_version_string(),
        capabilities.enabled
    );
    Ok(Context {
        entry: raw.entry,
        instance: raw.instance,
        messenger,
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
        alias_epoch: AtomicU64::new(0),
        refused_extension_bits: Default::default(),
        pooled_samplers: AtomicU64::new(0),
        features_chosen: false,
    })
}

/// The main queue computes; the transfer queue (if any) transfers, in another family.
fn check_queues(raw: &RawDevice, families: &[vk::QueueFamilyProperties]) -> Result<()> {
    let family = families
        .get(raw.queue_family_index as usize)
        .ok_or_else(|| Error::NoSuitableDevice(format!("queue family {} does not exist", raw.queue_family_index)))?;
    if !family.queue_flags.contains(vk::QueueFlags::COMPUTE) || raw.queue_index >= family.queue_count {
        return Err(Error::NoSuitableDevice(format!(
            "queue {} of family {} is not a compute queue of that family",
            raw.queue_index, raw.queue_family_index
        )));
    }
    if let Some((family, index)) = raw.transfer_queue {
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
    }
    Ok(())
}
