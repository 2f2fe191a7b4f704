//! Headless creation: instance, messenger, physical-device choice, device and queue.

use std::ffi::{CStr, CString, c_char};
use std::sync::Arc;

use ash::vk;

use super::assemble::assemble;
use super::capabilities::{EnabledFeatures, fixed_cstr};
use super::options::{ContextOptions, DeviceSelector, DeviceSummary};
use super::raw::{Ownership, RawDevice};
use super::{Context, MessageLog, Messenger};
use crate::error::{Error, Result, VkContext};

const VALIDATION_LAYER: &CStr = c"VK_LAYER_KHRONOS_validation";

/// Destroys a half-built instance (and its messenger) if creation fails after it exists.
struct InstanceGuard {
    instance: ash::Instance,
    /// Cleared once the context owns the instance.
    armed: bool,
    messenger: Option<Messenger>,
    /// Whether `VK_EXT_debug_utils` is enabled on the instance.
    debug_utils: bool,
}

impl Drop for InstanceGuard {
    fn drop(&mut self) {
        // SAFETY: only reached on an error path, before any device exists; the messenger is a
        // child of the instance and goes first.
        if !self.armed {
            return;
        }
        unsafe {
            if let Some(m) = self.messenger.take() {
                m.loader.destroy_debug_utils_messenger(m.handle, None);
            }
            self.instance.destroy_instance(None);
        }
    }
}

pub(super) fn create(options: ContextOptions) -> Result<Context> {
    // A zero bound makes every wait a poll: `submit_and_wait` and every creation that waits
    // would time out at once and keep what the work holds (issue 16, helper "sound3"; a
    // plausible reading of zero as "no timeout").
    if options.wait_timeout.is_zero() {
        return Err(Error::InvalidDescription {
            name: "ContextOptions::wait_timeout".into(),
            reason: "a zero bound makes every wait vkres makes time out at once; give the longest wait to accept \
                     (the default is 60 s)"
                .into(),
        });
    }
    // SAFETY: loading libvulkan runs its initialisers; the loader is a well-behaved library.
    let entry = unsafe { ash::Entry::load() }.map_err(|e| Error::LoaderMissing(e.to_string()))?;
    let log = MessageLog::new(options.echo_messages);
    let mut guard = create_instance(&entry, &options, &log)?;
    let instance = guard.instance.clone();

    let chosen = choose_device(&instance, &options)?;
    let (device, enabled, transfer_family) = create_device(&instance, &chosen, &options, guard.debug_utils)?;
    let raw = RawDevice {
        entry,
        instance,
        physical_device: chosen.physical_device,
        device,
        queue_family_index: chosen.queue_family,
        queue_index: 0,
        transfer_queue: transfer_family.map(|family| (family, 0)),
        enabled,
        device_extensions: options.device_extensions.clone(),
        message_log: Some(log),
    };
    let messenger = guard.messenger.take();
    guard.armed = false; // ownership passes to `assemble`, which destroys all on failure
    // SAFETY: the device was just made from this physical device of this instance, with the
    // queues named above, Vulkan 1.3, the required features and everything `enabled` says;
    // the messenger is the instance's. The context owns them all.
    let mut ctx = unsafe { assemble(raw, Ownership::Owned, messenger) }?;
    ctx.features_chosen = true;
    ctx.set_wait_timeout(options.wait_timeout);
    Ok(ctx)
}

fn create_instance(entry: &ash::Entry, options: &ContextOptions, log: &Arc<MessageLog>) -> Result<InstanceGuard> {
    // SAFETY: plain enumeration calls on a loaded entry.
    let layers = unsafe { entry.enumerate_instance_layer_properties() }.op("vkEnumerateInstanceLayerProperties")?;
    let has_layer = |name: &CStr| layers.iter().any(|l| l.layer_name_as_c_str() == Ok(name));
    if options.validation && !has_layer(VALIDATION_LAYER) {
        return Err(Error::LayerMissing { layer: "VK_LAYER_KHRONOS_validation" });
    }
    // SAFETY: as above.
    let extensions =
        unsafe { entry.enumerate_instance_extension_properties(None) }.op("vkEnumerateInstanceExtensionProperties")?;
    let has_debug_utils = extensions.iter().any(|e| e.extension_name_as_c_str() == Ok(ash::ext::debug_utils::NAME));
    let debug_utils = (options.debug_utils || options.validation) && has_debug_utils;

    let mut layer_names: Vec<*const c_char> = Vec::new();
    let mut extension_names: Vec<*const c_char> = Vec::new();
    if options.validation {
        layer_names.push(VALIDATION_LAYER.as_ptr());
        // VK_EXT_validation_features comes with the layer; it switches synchronization validation on.
        if options.synchronization_validation {
            extension_names.push(ash::ext::validation_features::NAME.as_ptr());
        }
    }
    if debug_utils {
        extension_names.push(ash::ext::debug_utils::NAME.as_ptr());
    }
    for &name in &options.instance_extensions {
        if !extensions.iter().any(|e| e.extension_name_as_c_str() == Ok(name)) {
            return Err(Error::MissingFeature {
                feature: name.to_str().unwrap_or("an instance extension that is not UTF-8"),
                operation: "Context::new (ContextOptions::instance_extensions)",
            });
        }
        if !extension_names.contains(&name.as_ptr()) {
            extension_names.push(name.as_ptr());
        }
    }

    // Each extension's own dependencies are enabled on the instance too
    // (VUID-vkCreateInstance-ppEnabledExtensionNames-01388).
    // SAFETY: every pointer in `extension_names` is a NUL-terminated static extension name.
    let instance_names: Vec<&CStr> = extension_names.iter().map(|&n| unsafe { CStr::from_ptr(n) }).collect();
    super::extension_deps::check(&instance_names, &instance_names, &[])?;

    let app_name = CString::new(options.application_name.replace('\0', " ")).unwrap_or_default();
    let app = vk::ApplicationInfo::default()
        .application_name(&app_name)
        .engine_name(c"vkres")
        .engine_version(vk::make_api_version(0, 0, 1, 0))
        .api_version(vk::API_VERSION_1_3);
    let enabled_features = [vk::ValidationFeatureEnableEXT::SYNCHRONIZATION_VALIDATION];
    let mut validation_features = vk::ValidationFeaturesEXT::default().enabled_validation_features(&enabled_features);
    // Chained into the instance info, this messenger also catches vkCreateInstance and vkDestroyInstance.
    let mut messenger_info = log.messenger_create_info();
    let mut info = vk::InstanceCreateInfo::default()
        .application_info(&app)
        .enabled_layer_names(&layer_names)
        .enabled_extension_names(&extension_names);
    if debug_utils && options.validation {
        info = info.push_next(&mut messenger_info);
    }
    if options.validation && options.synchronization_validation {
        info = info.push_next(&mut validation_features);
    }
    // SAFETY: every pointer in `info` refers to locals that outlive the call.
    let instance = unsafe { entry.create_instance(&info, None) }.op("vkCreateInstance")?;
    let mut guard = InstanceGuard { instance: instance.clone(), armed: true, messenger: None, debug_utils };

    if debug_utils && options.validation {
        let loader = ash::ext::debug_utils::Instance::new(entry, &instance);
        let info = log.messenger_create_info();
        // SAFETY: the messenger's user data is the log, which the context keeps alive in an Arc
        // for longer than the messenger (it is destroyed in Context::drop before the log).
        let handle =
            unsafe { loader.create_debug_utils_messenger(&info, None) }.op("vkCreateDebugUtilsMessengerEXT")?;
        guard.messenger = Some(Messenger { loader, handle });
    }
    Ok(guard)
}

/// A physical device that vkres can use, with what it offers.
struct Candidate {
    physical_device: vk::PhysicalDevice,
    summary: DeviceSummary,
    queue_family: u32,
    /// A family that transfers but neither draws nor computes, if the device has one.
    transfer_family: Option<u32>,
    extensions: Vec<CString>,
}

impl Candidate {
    fn has(&self, name: &CStr) -> bool {
        self.extensions.iter().any(|e| e.as_c_str() == name)
    }
    fn has_acceleration_structures(&self) -> bool {
        self.has(ash::khr::acceleration_structure::NAME) && self.has(ash::khr::deferred_host_operations::NAME)
    }
}

fn describe(instance: &ash::Instance, index: usize, pd: vk::PhysicalDevice) -> Result<Candidate> {
    // SAFETY: `pd` comes from vkEnumeratePhysicalDevices of this instance.
    let props = unsafe { instance.get_physical_device_properties(pd) };
    // SAFETY: as above.
    let families = unsafe { instance.get_physical_device_queue_family_properties(pd) };
    // SAFETY: as above.
    let extensions = unsafe { instance.enumerate_device_extension_properties(pd) }
        .op("vkEnumerateDeviceExtensionProperties")?
        .iter()
        .filter_map(|e| e.extension_name_as_c_str().ok().map(CStr::to_owned))
        .collect();
    // A queue that does graphics and compute (and so transfers and blits); else compute alone.
    let universal = vk::QueueFlags::GRAPHICS | vk::QueueFlags::COMPUTE;
    let family = families
        .iter()
        .position(|f| f.queue_flags.contains(universal))
        .or_else(|| families.iter().position(|f| f.queue_flags.contains(vk::QueueFlags::COMPUTE)));
    // The transfer-only family with the fewest other abilities (sparse binding, video...).
    let transfer_family = families
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.queue_count > 0
                && f.queue_flags.contains(vk::QueueFlags::TRANSFER)
                && !f.queue_flags.intersects(vk::QueueFlags::GRAPHICS | vk::QueueFlags::COMPUTE)
        })
        .min_by_key(|(_, f)| f.queue_flags.as_raw().count_ones())
        .map(|(i, _)| i as u32);

    let mut v12 = vk::PhysicalDeviceVulkan12Features::default();
    let mut v13 = vk::PhysicalDeviceVulkan13Features::default();
    let mut features = vk::PhysicalDeviceFeatures2::default().push_next(&mut v12).push_next(&mut v13);
    let api_ok = props.api_version >= vk::API_VERSION_1_3;
    if api_ok {
        // SAFETY: Vulkan 1.3 devices accept the 1.2 and 1.3 feature structs.
        unsafe { instance.get_physical_device_features2(pd, &mut features) };
    }
    let suitable =
        api_ok && family.is_some() && v12.buffer_device_address == vk::TRUE && v13.synchronization2 == vk::TRUE;
    Ok(Candidate {
        physical_device: pd,
        summary: DeviceSummary {
            index,
            name: fixed_cstr(&props.device_name),
            device_type: props.device_type,
            api_version: props.api_version,
            suitable,
        },
        queue_family: family.unwrap_or(0) as u32,
        transfer_family,
        extensions,
    })
}

fn choose_device(instance: &ash::Instance, options: &ContextOptions) -> Result<Candidate> {
    // SAFETY: plain enumeration on a live instance.
    let devices = unsafe { instance.enumerate_physical_devices() }.op("vkEnumeratePhysicalDevices")?;
    let mut candidates =
        devices.iter().enumerate().map(|(i, &pd)| describe(instance, i, pd)).collect::<Result<Vec<_>>>()?;
    // A device without every extension the caller asked for is not suitable.
    for c in &mut candidates {
        c.summary.suitable &= options.device_extensions.iter().all(|&e| c.has(e));
    }
    if candidates.is_empty() {
        return Err(Error::NoSuitableDevice("the loader reports no Vulkan device; is a driver installed?".into()));
    }
    let summaries: Vec<DeviceSummary> = candidates.iter().map(|c| c.summary.clone()).collect();
    let list =
        summaries.iter().map(|s| format!("#{} {} (suitable: {})", s.index, s.name, s.suitable)).collect::<Vec<_>>();

    let env = std::env::var("VKRES_DEVICE").ok().filter(|s| !s.is_empty());
    let selector = match (&options.device, env) {
        (DeviceSelector::Auto, Some(v)) => match v.parse() {
            Ok(i) => DeviceSelector::Index(i),
            Err(_) => DeviceSelector::NameContains(v),
        },
        (s, _) => s.clone(),
    };
    let index = match &selector {
        DeviceSelector::Auto => {
            let rank = |c: &Candidate| {
                let ty = match c.summary.device_type {
                    vk::PhysicalDeviceType::DISCRETE_GPU => 4,
                    vk::PhysicalDeviceType::INTEGRATED_GPU => 3,
                    vk::PhysicalDeviceType::VIRTUAL_GPU => 2,
                    vk::PhysicalDeviceType::CPU => 1,
                    _ => 0,
                };
                (ty, c.has_acceleration_structures())
            };
            candidates.iter().filter(|c| c.summary.suitable).max_by_key(|c| rank(c)).map(|c| c.summary.index)
        }
        DeviceSelector::Index(i) => Some(*i).filter(|i| *i < candidates.len()),
        DeviceSelector::NameContains(s) => {
            let s = s.to_lowercase();
            summaries.iter().find(|d| d.name.to_lowercase().contains(&s)).map(|d| d.index)
        }
        DeviceSelector::Custom(f) => f(&summaries).filter(|i| *i < candidates.len()),
    };
    let Some(index) = index else {
        return Err(Error::NoSuitableDevice(format!("{selector:?} matches none of: {}", list.join(", "))));
    };
    let chosen = candidates.swap_remove(index);
    if !chosen.summary.suitable {
        return Err(Error::NoSuitableDevice(format!(
            "{} lacks Vulkan 1.3 with bufferDeviceAddress and synchronization2, a compute queue or one of \
             the extensions asked for ({:?}) (devices: {})",
            chosen.summary.name,
            options.device_extensions,
            list.join(", ")
        )));
    }
    Ok(chosen)
}

fn create_device(
    instance: &ash::Instance,
    chosen: &Candidate,
    options: &ContextOptions,
    debug_utils: bool,
) -> Result<(ash::Device, EnabledFeatures, Option<u32>)> {
    let pd = chosen.physical_device;
    let want_rt = options.ray_tracing && chosen.has_acceleration_structures();
    let ray_query = want_rt && chosen.has(ash::khr::ray_query::NAME);
    let rt_pipeline = want_rt && chosen.has(ash::khr::ray_tracing_pipeline::NAME);
    let memory_budget = chosen.has(ash::ext::memory_budget::NAME);
    let external_memory_host = chosen.has(ash::ext::external_memory_host::NAME);
    let external_memory_fd = chosen.has(ash::khr::external_memory_fd::NAME);
    let external_memory_dma_buf = external_memory_fd && chosen.has(ash::ext::external_memory_dma_buf::NAME);

    // What the device supports, queried only through structs of extensions it has.
    let mut v12 = vk::PhysicalDeviceVulkan12Features::default();
    let mut v13 = vk::PhysicalDeviceVulkan13Features::default();
    let mut accel = vk::PhysicalDeviceAccelerationStructureFeaturesKHR::default();
    let mut rq = vk::PhysicalDeviceRayQueryFeaturesKHR::default();
    let mut rtp = vk::PhysicalDeviceRayTracingPipelineFeaturesKHR::default();
    {
        let mut query = vk::PhysicalDeviceFeatures2::default().push_next(&mut v12).push_next(&mut v13);
        if want_rt {
            query = query.push_next(&mut accel);
        }
        if ray_query {
            query = query.push_next(&mut rq);
        }
        if rt_pipeline {
            query = query.push_next(&mut rtp);
        }
        // SAFETY: only structs of extensions the device has are chained.
        unsafe { instance.get_physical_device_features2(pd, &mut query) };
    }
    // SAFETY: as above.
    let supported = unsafe { instance.get_physical_device_features(pd) };
    let accel_on = want_rt && accel.acceleration_structure == vk::TRUE;
    let ray_query = ray_query && accel_on && rq.ray_query == vk::TRUE;
    let rt_pipeline = rt_pipeline && accel_on && rtp.ray_tracing_pipeline == vk::TRUE;

    // What we enable: only what we use, and only where supported.
    let core = vk::PhysicalDeviceFeatures::default()
        .sampler_anisotropy(supported.sampler_anisotropy == vk::TRUE)
        .shader_int64(supported.shader_int64 == vk::TRUE)
        .fragment_stores_and_atomics(supported.fragment_stores_and_atomics == vk::TRUE)
        .shader_storage_image_write_without_format(supported.shader_storage_image_write_without_format == vk::TRUE);
    let mut en12 = vk::PhysicalDeviceVulkan12Features::default()
        .buffer_device_address(true)
        .timeline_semaphore(v12.timeline_semaphore == vk::TRUE)
        .scalar_block_layout(v12.scalar_block_layout == vk::TRUE)
        .shader_int8(v12.shader_int8 == vk::TRUE)
        .storage_buffer8_bit_access(v12.storage_buffer8_bit_access == vk::TRUE);
    let descriptor_indexing = descriptor_indexing_supported(&v12);
    if descriptor_indexing {
        en12 = enable_descriptor_indexing(en12);
    }
    let mut en13 =
        vk::PhysicalDeviceVulkan13Features::default().synchronization2(true).maintenance4(v13.maintenance4 == vk::TRUE);
    let mut en_accel = vk::PhysicalDeviceAccelerationStructureFeaturesKHR::default().acceleration_structure(true);
    let mut en_rq = vk::PhysicalDeviceRayQueryFeaturesKHR::default().ray_query(true);
    let mut en_rtp = vk::PhysicalDeviceRayTracingPipelineFeaturesKHR::default().ray_tracing_pipeline(true);
    let mut features = vk::PhysicalDeviceFeatures2::default().features(core).push_next(&mut en12).push_next(&mut en13);

    let mut ext_names: Vec<*const c_char> = Vec::new();
    if accel_on {
        ext_names.push(ash::khr::acceleration_structure::NAME.as_ptr());
        ext_names.push(ash::khr::deferred_host_operations::NAME.as_ptr());
        features = features.push_next(&mut en_accel);
    }
    if ray_query {
        ext_names.push(ash::khr::ray_query::NAME.as_ptr());
        features = features.push_next(&mut en_rq);
    }
    if rt_pipeline {
        ext_names.push(ash::khr::ray_tracing_pipeline::NAME.as_ptr());
        features = features.push_next(&mut en_rtp);
    }
    if memory_budget {
        ext_names.push(ash::ext::memory_budget::NAME.as_ptr());
    }
    if external_memory_host {
        ext_names.push(ash::ext::external_memory_host::NAME.as_ptr());
    }
    if external_memory_fd {
        ext_names.push(ash::khr::external_memory_fd::NAME.as_ptr());
    }
    if external_memory_dma_buf {
        ext_names.push(ash::ext::external_memory_dma_buf::NAME.as_ptr());
    }
    for &name in &options.device_extensions {
        // SAFETY: every pointer in `ext_names` is a NUL-terminated static extension name.
        let named = |n: &*const c_char| unsafe { CStr::from_ptr(*n) } == name;
        if !ext_names.iter().any(named) {
            ext_names.push(name.as_ptr());
        }
    }

    // Each device extension's dependencies are enabled (VUID-vkCreateDevice-ppEnabledExtensionNames-01387):
    // the instance's as `create_instance` enabled them, the device's above.
    let mut instance_names: Vec<&CStr> = options.instance_extensions.clone();
    if debug_utils {
        instance_names.push(ash::ext::debug_utils::NAME);
    }
    // SAFETY: every pointer in `ext_names` is a NUL-terminated static extension name.
    let device_names: Vec<&CStr> = ext_names.iter().map(|&n| unsafe { CStr::from_ptr(n) }).collect();
    super::extension_deps::check(&device_names, &instance_names, &device_names)?;

    // The transfer-only family the context opens a queue of, if any.
    let transfer_family = chosen.transfer_family.filter(|_| options.transfer_queue);
    if options.transfer_queue && transfer_family.is_none() {
        log::warn!(
            "vkres: a transfer queue was asked for, but {} has no transfer-only queue family; \
             everything runs on the main queue",
            chosen.summary.name
        );
    }
    let priorities = [1.0f32];
    let mut queue_infos = vec![
        vk::DeviceQueueCreateInfo::default().queue_family_index(chosen.queue_family).queue_priorities(&priorities),
    ];
    if let Some(family) = transfer_family {
        queue_infos.push(vk::DeviceQueueCreateInfo::default().queue_family_index(family).queue_priorities(&priorities));
    }
    let info = vk::DeviceCreateInfo::default()
        .queue_create_infos(&queue_infos)
        .enabled_extension_names(&ext_names)
        .push_next(&mut features);
    // SAFETY: every feature and extension enabled was checked as supported above; pointers
    // in `info` refer to locals that outlive the call.
    let device = unsafe { instance.create_device(pd, &info, None) }.op("vkCreateDevice")?;

    let enabled = EnabledFeatures {
        sampler_anisotropy: supported.sampler_anisotropy == vk::TRUE,
        acceleration_structure: accel_on,
        ray_query,
        ray_tracing_pipeline: rt_pipeline,
        memory_budget,
        external_memory_host,
        external_memory_fd,
        external_memory_dma_buf,
        debug_utils,
        descriptor_indexing,
        swapchain: options.device_extensions.contains(&ash::khr::swapchain::NAME),
    };
    Ok((device, enabled, transfer_family))
}

/// Whether `v12` (the device's supported features) has every descriptor-indexing feature the
/// bindless arrays of the resource manager use.
fn descriptor_indexing_supported(v12: &vk::PhysicalDeviceVulkan12Features<'_>) -> bool {
    [
        v12.runtime_descriptor_array,
        v12.descriptor_binding_partially_bound,
        v12.descriptor_binding_update_unused_while_pending,
        v12.descriptor_binding_storage_buffer_update_after_bind,
        v12.descriptor_binding_sampled_image_update_after_bind,
        v12.shader_storage_buffer_array_non_uniform_indexing,
        v12.shader_sampled_image_array_non_uniform_indexing,
        v12.descriptor_binding_variable_descriptor_count,
    ]
    .iter()
    .all(|&f| f == vk::TRUE)
}

/// `en12` with the descriptor-indexing features of [`descriptor_indexing_supported`] on.
fn enable_descriptor_indexing(en12: vk::PhysicalDeviceVulkan12Features<'_>) -> vk::PhysicalDeviceVulkan12Features<'_> {
    en12.runtime_descriptor_array(true)
        .descriptor_binding_partially_bound(true)
        .descriptor_binding_update_unused_while_pending(true)
        .descriptor_binding_storage_buffer_update_after_bind(true)
        .descriptor_binding_sampled_image_update_after_bind(true)
        .shader_storage_buffer_array_non_uniform_indexing(true)
        .shader_sampled_image_array_non_uniform_indexing(true)
        .descriptor_binding_variable_descriptor_count(true)
}
