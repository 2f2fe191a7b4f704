//! [`DeviceCapabilities`]: what the chosen device has and what the context enabled.

use std::ffi::CStr;

use ash::vk;

/// What a context's device offers and which optional features the context enabled.
///
/// The `bool` features say what is *enabled* on the context's device, which is what
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
    /// `samplerAnisotropy`.
    pub sampler_anisotropy: bool,
    /// `VK_KHR_acceleration_structure`.
    pub acceleration_structure: bool,
    /// `VK_KHR_ray_query`.
    pub ray_query: bool,
    /// `VK_KHR_ray_tracing_pipeline`.
    pub ray_tracing_pipeline: bool,
    /// `VK_EXT_memory_budget`.
    pub memory_budget: bool,
    /// `VK_EXT_external_memory_host`: [`ResourceAllocator::upload_now`](crate::ResourceAllocator::upload_now)
    /// imports the caller's memory for large uploads.
    pub external_memory_host: bool,
    /// `VK_KHR_external_memory_fd`: memory can be exported as a file descriptor
    /// ([`BufferDesc::export`](crate::BufferDesc::export)).
    pub external_memory_fd: bool,
    /// `VK_EXT_external_memory_dma_buf`: memory can be exported as a dma-buf.
    pub external_memory_dma_buf: bool,
    /// `minImportedHostPointerAlignment` (0 without `VK_EXT_external_memory_host`).
    pub min_imported_host_pointer_alignment: u64,
    /// The Vulkan 1.2 descriptor-indexing features bindless descriptor arrays need, all
    /// enabled: `runtimeDescriptorArray`, `descriptorBindingPartiallyBound`,
    /// `descriptorBindingUpdateUnusedWhilePending`, `descriptorBindingStorageBufferUpdateAfterBind`,
    /// `descriptorBindingSampledImageUpdateAfterBind`, `shaderStorageBufferArrayNonUniformIndexing`,
    /// `shaderSampledImageArrayNonUniformIndexing` and `descriptorBindingVariableDescriptorCount`.
    /// `false` if the device lacks any of them.
    pub descriptor_indexing: bool,
    /// `minAccelerationStructureScratchOffsetAlignment` (0 without acceleration structures).
    pub min_acceleration_structure_scratch_offset_alignment: u32,
    /// The device's core limits.
    pub limits: vk::PhysicalDeviceLimits,
    /// `maxBufferSize` (Vulkan 1.3): the largest buffer the device can create.
    pub max_buffer_size: u64,
    /// Memory heaps and types.
    pub memory_properties: vk::PhysicalDeviceMemoryProperties,
    /// The queue family of the context's queue.
    pub queue_family_index: u32,
    /// The family of the context's transfer queue, if it opened one (see
    /// [`Context::transfer_queue_family_index`](crate::Context::transfer_queue_family_index)).
    pub transfer_queue_family_index: Option<u32>,
}

impl DeviceCapabilities {
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

/// The name in a fixed-size C string array, lossily.
pub(crate) fn fixed_cstr(raw: &[std::ffi::c_char]) -> String {
    // SAFETY: c_char and u8 have the same size and alignment; the slice stays in bounds.
    let bytes = unsafe { std::slice::from_raw_parts(raw.as_ptr().cast::<u8>(), raw.len()) };
    CStr::from_bytes_until_nul(bytes)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned())
}
