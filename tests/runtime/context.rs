//! Context creation and drop, bring-your-own device, the validation check itself, device
//! selection, and acceleration-structure storage (which needs what the context enabled).

use std::sync::Arc;

use vkres::{
    BufferDesc, Context, ContextOptions, DeviceSelector, EnabledFeatures, Error, ImageDesc, MessageLog, Ownership,
    RawDevice, ResourceAllocator, vk,
};

use crate::support::{Gpu, create_zero_size_buffer, list};

#[test]
fn context_reports_what_it_enabled() {
    let gpu = Gpu::new();
    let caps = gpu.ctx().capabilities();
    println!(
        "device: {} ({:?}), Vulkan {}, driver {}",
        caps.device_name,
        caps.device_type,
        caps.api_version_string(),
        caps.driver
    );
    println!(
        "acceleration structures: {}, ray query: {}, ray-tracing pipeline: {}",
        caps.enabled.acceleration_structure, caps.enabled.ray_query, caps.enabled.ray_tracing_pipeline
    );
    assert!(!caps.device_name.is_empty());
    assert!(caps.api_version >= vk::API_VERSION_1_3);
    assert!(caps.buffer_device_address && caps.synchronization2);
    if caps.enabled.acceleration_structure {
        assert!(caps.min_acceleration_structure_scratch_offset_alignment.is_power_of_two());
    }
    assert_eq!(gpu.ctx().submission_count(), 0);
}

#[test]
fn ray_tracing_off_gives_missing_feature() {
    let gpu = Gpu::with(ContextOptions::new().ray_tracing(false));
    let caps = gpu.ctx().capabilities();
    assert!(!caps.enabled.acceleration_structure && !caps.enabled.ray_query && !caps.enabled.ray_tracing_pipeline);
    let err = gpu
        .alloc()
        .create_acceleration_structure(vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL, 4096, "blas")
        .expect_err("no acceleration structures without the extension");
    assert!(
        matches!(err, Error::MissingFeature { feature: "VK_KHR_acceleration_structure", .. }),
        "unexpected error: {err}"
    );
}

#[test]
fn acceleration_structure_storage_is_created_and_dropped() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let triangles = vk::AccelerationStructureGeometryTrianglesDataKHR::default()
        .vertex_format(vk::Format::R32G32B32_SFLOAT)
        .vertex_stride(12)
        .max_vertex(2)
        .index_type(vk::IndexType::NONE_KHR);
    let geometry = vk::AccelerationStructureGeometryKHR::default()
        .geometry_type(vk::GeometryTypeKHR::TRIANGLES)
        .geometry(vk::AccelerationStructureGeometryDataKHR { triangles })
        .flags(vk::GeometryFlagsKHR::OPAQUE);
    // SAFETY: one triangle geometry of a BLAS, its union member (with its `s_type`) set by
    // `default()`, no `p_next`, a known format and flags.
    let sizes = unsafe {
        gpu.alloc().acceleration_structure_build_sizes(
            vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL,
            vk::BuildAccelerationStructureFlagsKHR::PREFER_FAST_TRACE,
            &[geometry],
            &[1],
        )
    }
    .expect("build sizes");
    assert!(sizes.acceleration_structure_size > 0 && sizes.build_scratch_size > 0);
    let blas = gpu
        .alloc()
        .create_acceleration_structure(
            vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL,
            sizes.acceleration_structure_size,
            "test.blas",
        )
        .expect("blas storage");
    assert_ne!(blas.handle(), vk::AccelerationStructureKHR::null());
    assert_ne!(blas.device_address(), 0);
    assert_eq!(blas.buffer().size(), sizes.acceleration_structure_size);
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), 1);
    // SAFETY: the same geometry; the count mismatch is refused before Vulkan is called.
    let err = unsafe {
        gpu.alloc().acceleration_structure_build_sizes(
            vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL,
            vk::BuildAccelerationStructureFlagsKHR::empty(),
            &[geometry],
            &[1, 2],
        )
    };
    assert!(matches!(
        err,
        Err(Error::ValidUsage { vuid: "VUID-vkGetAccelerationStructureBuildSizesKHR-pBuildInfo-03619", .. })
    ));
    drop(blas);
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), 0);
}

/// "No messages" only means something if a message would arrive: an invalid call must be seen.
#[test]
fn validation_reports_an_invalid_call() {
    let gpu = Gpu::new();
    create_zero_size_buffer(gpu.ctx().device());
    let messages = gpu.log().take();
    assert!(
        messages.iter().any(|m| m.id_name.contains("VkBufferCreateInfo-size")),
        "the layer did not report a zero-size buffer; got:\n{}",
        list(&messages)
    );
}

#[test]
fn device_selection_by_name_and_index() {
    let err = Context::new(ContextOptions::new().device(DeviceSelector::NameContains("no such device".into())))
        .expect_err("no device has that name");
    assert!(matches!(err, Error::NoSuitableDevice(_)), "{err}");
    let err = Context::new(ContextOptions::new().device(DeviceSelector::Index(1000))).expect_err("no such index");
    assert!(matches!(err, Error::NoSuitableDevice(_)), "{err}");
    let name = Gpu::new().ctx().capabilities().device_name.clone();
    let by_name = Gpu::with(ContextOptions::new().device(DeviceSelector::NameContains(name.clone())));
    assert_eq!(by_name.ctx().capabilities().device_name, name);
    let custom = Gpu::with(
        ContextOptions::new()
            .device(DeviceSelector::Custom(Arc::new(|devices| devices.iter().find(|d| d.suitable).map(|d| d.index)))),
    );
    assert!(!custom.ctx().capabilities().device_name.is_empty());
}

/// What a caller of `Context::from_raw` makes by hand on `instance`: the first Vulkan 1.3
/// physical device, its first compute-capable queue family, and a device on it with
/// bufferDeviceAddress, synchronization2 and one queue of that family.
///
/// # Safety
/// `instance` is a live Vulkan 1.3 instance; the caller destroys the device (or hands it to an
/// owning `Context::from_raw`) before the instance.
unsafe fn hand_made_device(instance: &vkres::ash::Instance) -> (vk::PhysicalDevice, u32, vkres::ash::Device) {
    // SAFETY: `instance` is live (the caller's contract); every create-info below is complete.
    unsafe {
        let physical_device = instance
            .enumerate_physical_devices()
            .expect("devices")
            .into_iter()
            .find(|&pd| instance.get_physical_device_properties(pd).api_version >= vk::API_VERSION_1_3)
            .expect("a Vulkan 1.3 device");
        let family = instance
            .get_physical_device_queue_family_properties(physical_device)
            .iter()
            .position(|f| f.queue_flags.contains(vk::QueueFlags::COMPUTE))
            .expect("compute queue") as u32;
        let mut v12 = vk::PhysicalDeviceVulkan12Features::default().buffer_device_address(true);
        let mut v13 = vk::PhysicalDeviceVulkan13Features::default().synchronization2(true);
        let priorities = [1.0];
        let queues = [vk::DeviceQueueCreateInfo::default().queue_family_index(family).queue_priorities(&priorities)];
        let device = instance
            .create_device(
                physical_device,
                &vk::DeviceCreateInfo::default().queue_create_infos(&queues).push_next(&mut v12).push_next(&mut v13),
                None,
            )
            .expect("device");
        (physical_device, family, device)
    }
}

/// A context over an instance and device made by hand with ash, borrowed: vkres creates,
/// uploads and frees through it, and leaves device and instance to their creator.
#[test]
fn bring_your_own_device() {
    let log = MessageLog::new(true);
    // SAFETY: this block is what a caller of `Context::from_raw` writes: a Vulkan 1.3 instance
    // with the validation layer, a device with bufferDeviceAddress and synchronization2 and one
    // queue of a compute-capable family. Each object is destroyed after its last user, below.
    unsafe {
        let entry = vkres::ash::Entry::load().expect("loader");
        let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_3);
        let layers = [c"VK_LAYER_KHRONOS_validation".as_ptr()];
        let extensions = [vkres::ash::ext::debug_utils::NAME.as_ptr()];
        let instance = entry
            .create_instance(
                &vk::InstanceCreateInfo::default()
                    .application_info(&app)
                    .enabled_layer_names(&layers)
                    .enabled_extension_names(&extensions),
                None,
            )
            .expect("instance");
        let debug_utils = vkres::ash::ext::debug_utils::Instance::new(&entry, &instance);
        let messenger =
            debug_utils.create_debug_utils_messenger(&log.messenger_create_info(), None).expect("messenger");
        let (physical_device, family, device) = hand_made_device(&instance);

        let raw = RawDevice {
            entry: entry.clone(),
            instance: instance.clone(),
            physical_device,
            device: device.clone(),
            queue_family_index: family,
            transfer_queue: None,
            queue_index: 0,
            enabled: EnabledFeatures { debug_utils: true, ..Default::default() },
            device_extensions: Vec::new(),
            message_log: Some(log.clone()),
        };
        let ctx = Context::from_raw(raw, Ownership::Borrowed).expect("context from raw");
        assert!(!ctx.capabilities().enabled.acceleration_structure, "not enabled by the creator");
        let alloc = ResourceAllocator::new(&ctx).expect("allocator");
        let data: Vec<u32> = (0..1000).collect();
        let desc = BufferDesc::elements::<u32>(1000, vk::BufferUsageFlags::STORAGE_BUFFER).name("byo");
        let buffer = alloc.create_buffer_with_data(&desc, &data).expect("buffer");
        assert_eq!(ctx.submission_count(), 1);
        drop(buffer);
        drop(alloc);
        assert_eq!(Arc::strong_count(&ctx), 1);
        drop(ctx); // must not destroy the borrowed device

        // The device is still ours and alive: using it must work and report nothing.
        device.device_wait_idle().expect("device still alive");
        device.destroy_device(None);
        debug_utils.destroy_debug_utils_messenger(messenger, None);
        instance.destroy_instance(None);
    }
    let messages = log.take();
    assert!(messages.is_empty(), "validation reported:\n{}", list(&messages));
}

/// The harness's end-of-test checks can fail: a resource leaked by a test is caught by name.
#[test]
fn harness_catches_a_leaked_resource() {
    let result = std::panic::catch_unwind(|| {
        let gpu = Gpu::new();
        let desc = BufferDesc::new(16, vk::BufferUsageFlags::STORAGE_BUFFER).name("leaked on purpose");
        std::mem::forget(gpu.alloc().create_buffer(&desc).expect("buffer"));
        drop(gpu);
    });
    let panic = result.expect_err("the harness must fail a test that leaks");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("leaked on purpose"), "unexpected harness message: {message}");
}

#[test]
fn leak_report_counts_named_and_unnamed_allocations() {
    let gpu = Gpu::new();
    let memory = gpu.alloc().memory_allocator().clone();
    let usage = vk::BufferUsageFlags::STORAGE_BUFFER;
    let unnamed: Vec<_> =
        (0..3).map(|_| gpu.alloc().create_buffer(&BufferDesc::new(64, usage)).expect("unnamed")).collect();
    let named = gpu.alloc().create_buffer(&BufferDesc::new(64, usage).name("named one")).expect("named");
    let image = gpu
        .alloc()
        .create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, vk::ImageUsageFlags::SAMPLED))
        .expect("unnamed image");
    assert_eq!(memory.live_allocations(), 5);
    let names = memory.live_allocation_names();
    assert_eq!(names.len(), 5, "{names:?}");
    assert_eq!(names.iter().filter(|n| n.is_empty()).count(), 4, "{names:?}");
    assert!(names.contains(&"named one".to_string()), "{names:?}");
    assert_eq!(named.memory().info().name, "named one");
    assert_eq!(image.memory().info().name, "");
    drop((unnamed, image));
    assert_eq!(memory.live_allocation_names(), ["named one"]);
    drop(named);
    assert_eq!((memory.live_allocations(), memory.live_allocation_names().len()), (0, 0));
}

/// `Context::from_raw` with `Ownership::Owned` owns what it is given from the call on: when it
/// fails (here: a queue family the device does not have) it destroys the device and the
/// instance, and the layer, listening from the instance's creation, reports no device left alive.
#[test]
fn owned_raw_device_is_destroyed_when_from_raw_fails() {
    let log = MessageLog::new(true);
    // SAFETY: as in `bring_your_own_device`; the instance's messenger is chained into its
    // create-info, so it covers vkDestroyInstance and needs no destruction of its own. After
    // `from_raw` (which owns them) nothing here touches the device or the instance again.
    let err = unsafe {
        let entry = vkres::ash::Entry::load().expect("loader");
        let app = vk::ApplicationInfo::default().api_version(vk::API_VERSION_1_3);
        let layers = [c"VK_LAYER_KHRONOS_validation".as_ptr()];
        let extensions = [vkres::ash::ext::debug_utils::NAME.as_ptr()];
        let mut messenger = log.messenger_create_info();
        let instance = entry
            .create_instance(
                &vk::InstanceCreateInfo::default()
                    .application_info(&app)
                    .enabled_layer_names(&layers)
                    .enabled_extension_names(&extensions)
                    .push_next(&mut messenger),
                None,
            )
            .expect("instance");
        let (physical_device, _, device) = hand_made_device(&instance);
        let families = instance.get_physical_device_queue_family_properties(physical_device);
        let raw = RawDevice {
            entry,
            instance,
            physical_device,
            device,
            queue_family_index: families.len() as u32, // one past the last family
            transfer_queue: None,
            queue_index: 0,
            enabled: EnabledFeatures::default(),
            device_extensions: Vec::new(),
            message_log: Some(log.clone()),
        };
        Context::from_raw(raw, Ownership::Owned).expect_err("no such queue family")
    };
    assert!(matches!(err, Error::NoSuitableDevice(_)), "{err}");
    let messages = log.take();
    assert!(messages.is_empty(), "validation reported:\n{}", list(&messages));
}

/// Extensions a caller asks for (a window's surface and swapchain): enabled where present, a
/// typed error where not, and the device's list consulted in the device choice.
#[test]
fn extensions_the_caller_asks_for() {
    // VK_KHR_swapchain, where the device has it (lavapipe and the NVIDIA driver do).
    let probe = Gpu::new();
    // SAFETY: plain enumeration on the probe's live instance and physical device.
    let has_swapchain =
        unsafe { probe.ctx().instance().enumerate_device_extension_properties(probe.ctx().physical_device()) }
            .expect("device extensions")
            .iter()
            .any(|e| e.extension_name_as_c_str() == Ok(ash::khr::swapchain::NAME));
    drop(probe);
    if has_swapchain {
        // VK_KHR_swapchain requires VK_KHR_surface on the instance.
        let gpu = Gpu::with(
            ContextOptions::new()
                .instance_extensions([ash::khr::surface::NAME])
                .device_extensions([ash::khr::swapchain::NAME]),
        );
        // The extension's functions load and answer: the device enabled it.
        let _loader = ash::khr::swapchain::Device::new(gpu.ctx().instance(), gpu.ctx().device());
    }
    let err = Context::new(ContextOptions::new().instance_extensions([c"VK_KHR_no_such_instance_extension"]))
        .expect_err("an instance extension the loader lacks");
    assert!(matches!(err, Error::MissingFeature { feature: "VK_KHR_no_such_instance_extension", .. }), "{err}");
    let err = Context::new(ContextOptions::new().device_extensions([c"VK_KHR_no_such_device_extension"]))
        .expect_err("a device extension no device has");
    assert!(matches!(err, Error::NoSuitableDevice(_)), "{err}");
}
