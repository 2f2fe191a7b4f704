//! [`DeviceCapabilities`]: what the chosen device has and what the context enabled.

use std::ffi::CStr;

use ash::vk;

/// The optional features and extensions enabled on a device: what a [`Context`](crate::Context)
/// made by [`Context::new`](crate::Context::new) turned on, or what the creator of a
/// [`RawDevice`](crate::RawDevice) says it enabled (vkres cannot read enabled features back
/// from a `VkDevice`). vkres uses only these. Part of [`DeviceCapabilities`].
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
    /// `VK_EXT_external_memory_host`: [`ResourceAllocator::upload_now`](crate::ResourceAllocator::upload_now)
    /// imports the caller's memory for large uploads.
    pub external_memory_host: bool,
    /// `VK_KHR_external_memory_fd`: memory can be exported as a file descriptor
    /// ([`BufferDesc::export`](crate::BufferDesc::export)).
    pub external_memory_fd: bool,
    /// `VK_EXT_external_memory_dma_buf` (with `VK_KHR_external_memory_fd`): memory can be
    /// exported as a dma-buf.
    pub external_memory_dma_buf: bool,
    /// `VK_EXT_debug_utils` on the instance (vkres then names its objects).
    pub debug_utils: bool,
    /// Every Vulkan 1.2 descriptor-indexing feature the bindless arrays of the
    /// [`ResourceManager`](crate::manager::ResourceManager) need, all enabled:
    /// `runtimeDescriptorArray`, `descriptorBindingPartiallyBound`,
    /// `descriptorBindingUpdateUnusedWhilePending`, `descriptorBindingStorageBufferUpdateAfterBind`,
    /// `descriptorBindingSampledImageUpdateAfterBind`, `shaderStorageBufferArrayNonUniformIndexing`,
    /// `shaderSampledImageArrayNonUniformIndexing` and `descriptorBindingVariableDescriptorCount`.
    pub descriptor_indexing: bool,
    /// `VK_KHR_swapchain` (one of [`ContextOptions::device_extensions`](crate::ContextOptions::device_extensions)):
    /// images may be transitioned to `PRESENT_SRC_KHR`.
    pub swapchain: bool,
}

/// What a context's device offers and which optional features the context enabled.
///
/// [`enabled`](Self::enabled) says what is *enabled* on the context's device, which is what
/// resource creation checks: a device with acceleration structures, opened with
/// [`ContextOptions::ray_tracing(false)`](crate::ContextOptions::ray_tracing), reports `false`.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeviceCapabilities {
    /// Device name, e.g. `llvmpipe (LLVM 19.1.7, 256 bits)` or `NVIDIA H100 80GB HBM3`.
    pub device_name: String,
    /// Discrete, integrated, virtual, CPU.
    pub device_type: vk::PhysicalDeviceType,
    /// PCI vendor id.
    pub vendor_id: u32,
    /// Driver name and info (from `VkPhysicalDeviceDriverProperties`).
    pub driver: String,
    /// Highest Vulkan version the device supports (`vk::make_api_version` encoding).
    pub api_version: u32,
    /// `bufferDeviceAddress` (always on: vkres requires it).
    pub buffer_device_address: bool,
    /// `synchronization2` (always on: vkres requires it).
    pub synchronization2: bool,
    /// The optional features and extensions enabled on the device: what resource creation
    /// checks (e.g. `capabilities().enabled.acceleration_structure`).
    pub enabled: EnabledFeatures,
    /// `minImportedHostPointerAlignment` (0 without `VK_EXT_external_memory_host`).
    pub min_imported_host_pointer_alignment: u64,
    /// `minAccelerationStructureScratchOffsetAlignment` (0 without acceleration structures).
    pub min_acceleration_structure_scratch_offset_alignment: u32,
    /// `maxGeometryCount`: most geometries in one BLAS (0 without acceleration structures).
    pub max_acceleration_structure_geometry_count: u64,
    /// `maxInstanceCount`: most instances in one TLAS (0 without acceleration structures).
    pub max_acceleration_structure_instance_count: u64,
    /// `maxPrimitiveCount`: most triangles or boxes over all geometries of one BLAS (0
    /// without acceleration structures).
    pub max_acceleration_structure_primitive_count: u64,
    /// The device's core limits.
    pub limits: vk::PhysicalDeviceLimits,
    /// `maxBufferSize` (Vulkan 1.3): the largest buffer the device can create.
    pub max_buffer_size: u64,
    /// `maxMemoryAllocationSize` (Vulkan 1.1): the largest single memory allocation; a buffer
    /// is bound to one allocation, so none larger can be backed.
    pub max_memory_allocation_size: u64,
    /// Memory heaps and types.
    pub memory_properties: vk::PhysicalDeviceMemoryProperties,
    /// The queue family of the context's queue.
    pub queue_family_index: u32,
    /// The family of the context's transfer queue, if it opened one (see
    /// [`Context::transfer_queue_family_index`](crate::Context::transfer_queue_family_index)).
    pub transfer_queue_family_index: Option<u32>,
    /// Every optional device extension enabled: those [`enabled`](Self::enabled) names, and
    /// [`ContextOptions::device_extensions`](crate::ContextOptions::device_extensions) (or
    /// [`RawDevice::device_extensions`](crate::RawDevice::device_extensions)). A flag bit that an
    /// extension defines is refused unless its extension is here.
    pub device_extensions: Vec<&'static CStr>,
}

impl DeviceCapabilities {
    /// Whether the device extension `name` is enabled (see [`device_extensions`](Self::device_extensions)).
    pub fn has_extension(&self, name: &CStr) -> bool {
        self.device_extensions.contains(&name)
    }

    /// `major.minor.patch` of [`api_version`](Self::api_version).
    pub fn api_version_string(&self) -> String {
        let v = self.api_version;
        format!("{}.{}.{}", vk::api_version_major(v), vk::api_version_minor(v), vk::api_version_patch(v))
    }

    /// Whether every memory type that is device-local is also host-visible (true on lavapipe
    /// and other unified-memory devices).
    pub fn unified_memory(&self) -> bool {
        let p = &self.memory_properties;
        p.memory_types[..p.memory_type_count as usize]
            .iter()
            .filter(|t| t.property_flags.contains(vk::MemoryPropertyFlags::DEVICE_LOCAL))
            .all(|t| t.property_flags.contains(vk::MemoryPropertyFlags::HOST_VISIBLE))
    }
}

/// Reads properties and limits of `pd` into [`DeviceCapabilities`]: the one place that asks,
/// for [`Context::new`](crate::Context::new) and [`Context::from_raw`](crate::Context::from_raw) alike.
pub(super) fn query(
    instance: &ash::Instance,
    pd: vk::PhysicalDevice,
    queue_family_index: u32,
    transfer_queue_family_index: Option<u32>,
    enabled: EnabledFeatures,
    extra_extensions: &[&'static CStr],
) -> DeviceCapabilities {
    let mut accel_props = vk::PhysicalDeviceAccelerationStructurePropertiesKHR::default();
    let mut driver = vk::PhysicalDeviceDriverProperties::default();
    let mut maintenance4 = vk::PhysicalDeviceMaintenance4Properties::default();
    let mut maintenance3 = vk::PhysicalDeviceMaintenance3Properties::default();
    let mut props2 = vk::PhysicalDeviceProperties2::default()
        .push_next(&mut driver)
        .push_next(&mut maintenance4)
        .push_next(&mut maintenance3);
    if enabled.acceleration_structure {
        props2 = props2.push_next(&mut accel_props);
    }
    let mut host_props = vk::PhysicalDeviceExternalMemoryHostPropertiesEXT::default();
    if enabled.external_memory_host {
        props2 = props2.push_next(&mut host_props);
    }
    // SAFETY: `pd` is a device of `instance`; chained structs are core 1.2 or 1.3 (a vkres
    // context needs 1.3) or of enabled extensions.
    unsafe { instance.get_physical_device_properties2(pd, &mut props2) };
    let props = props2.properties;
    // SAFETY: as above.
    let memory_properties = unsafe { instance.get_physical_device_memory_properties(pd) };
    DeviceCapabilities {
        device_name: fixed_cstr(&props.device_name),
        device_type: props.device_type,
        vendor_id: props.vendor_id,
        driver: format!("{} {}", fixed_cstr(&driver.driver_name), fixed_cstr(&driver.driver_info)),
        api_version: props.api_version,
        buffer_device_address: true,
        synchronization2: true,
        enabled,
        min_imported_host_pointer_alignment: host_props.min_imported_host_pointer_alignment,
        min_acceleration_structure_scratch_offset_alignment: if enabled.acceleration_structure {
            accel_props.min_acceleration_structure_scratch_offset_alignment
        } else {
            0
        },
        max_acceleration_structure_geometry_count: accel_limit(enabled, accel_props.max_geometry_count),
        max_acceleration_structure_instance_count: accel_limit(enabled, accel_props.max_instance_count),
        max_acceleration_structure_primitive_count: accel_limit(enabled, accel_props.max_primitive_count),
        limits: props.limits,
        // 0 where the driver did not fill it in: no known limit.
        max_buffer_size: if maintenance4.max_buffer_size == 0 { u64::MAX } else { maintenance4.max_buffer_size },
        max_memory_allocation_size: match maintenance3.max_memory_allocation_size {
            0 => u64::MAX,
            size => size,
        },
        memory_properties,
        queue_family_index,
        transfer_queue_family_index,
        device_extensions: enabled_extensions(enabled, extra_extensions),
    }
}

/// An acceleration-structure limit where the device has them (queried), else 0.
fn accel_limit(enabled: EnabledFeatures, limit: u64) -> u64 {
    if enabled.acceleration_structure { limit } else { 0 }
}

/// The extensions `enabled` names, then `extra` (without repeats).
fn enabled_extensions(enabled: EnabledFeatures, extra: &[&'static CStr]) -> Vec<&'static CStr> {
    let named = [
        (enabled.acceleration_structure, ash::khr::acceleration_structure::NAME),
        (enabled.acceleration_structure, ash::khr::deferred_host_operations::NAME),
        (enabled.ray_query, ash::khr::ray_query::NAME),
        (enabled.ray_tracing_pipeline, ash::khr::ray_tracing_pipeline::NAME),
        (enabled.memory_budget, ash::ext::memory_budget::NAME),
        (enabled.external_memory_host, ash::ext::external_memory_host::NAME),
        (enabled.external_memory_fd, ash::khr::external_memory_fd::NAME),
        (enabled.external_memory_dma_buf, ash::ext::external_memory_dma_buf::NAME),
        (enabled.swapchain, ash::khr::swapchain::NAME),
    ];
    let mut all: Vec<&'static CStr> = named.iter().filter(|(on, _)| *on).map(|&(_, name)| name).collect();
    for &name in extra {
        if !all.contains(&name) {
            all.push(name);
        }
    }
    all
}

/// The name in a fixed-size C string array, lossily.
pub(crate) fn fixed_cstr(raw: &[std::ffi::c_char]) -> String {
    // SAFETY: c_char and u8 have the same size and alignment; the slice stays in bounds.
    let bytes = unsafe { std::slice::from_raw_parts(raw.as_ptr().cast::<u8>(), raw.len()) };
    CStr::from_bytes_until_nul(bytes)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned())
}
