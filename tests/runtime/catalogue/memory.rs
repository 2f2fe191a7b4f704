//! Bad input that needs more than one call to show: allocations no heap holds, the memory
//! budget, the resource-size limit, short data, a feature the context did not enable (the
//! one-call cases are in the other files of the catalogue).

use vkres::{BufferDesc, Error, ImageDesc, vk};

use crate::support::Gpu;

#[test]
fn data_shorter_than_its_resource() {
    let gpu = Gpu::new();
    // A buffer: by design the data fills its start (`len`/`size` larger than the data is how a
    // derived buffer reserves room), so shorter data is not an error, and nothing else is written.
    let desc =
        BufferDesc::new(16, vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_SRC).name("roomy");
    let buffer = gpu.alloc().create_buffer_with_data(&desc, &[7u8; 4]).expect("shorter data fills the start");
    assert_eq!(&gpu.read_back(&buffer)[..4], &[7; 4]);
    // An image: every texel of every level and layer must be given.
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST;
    let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 8, 8, usage).name("short");
    let image = gpu.alloc().create_image(&desc).expect("image");
    let mut batch = gpu.alloc().batch().expect("batch");
    let err = batch.upload_image(&image, &[0; 255], &vkres::ImageUpload::default()).expect_err("one byte short");
    assert!(matches!(&err, Error::ImageDataSize { expected: 256, given: 255, name } if name == "short"), "{err}");
    assert_eq!(batch.commands(), 0);
}

#[test]
fn unsupported_usage_for_the_device() {
    let gpu = Gpu::new();
    // The first of these formats the device cannot use as a storage image (sRGB and
    // block-compressed formats have no storage support on any device we know of).
    let candidates = [vk::Format::R8G8B8A8_SRGB, vk::Format::B8G8R8A8_SRGB, vk::Format::BC1_RGBA_SRGB_BLOCK];
    let ctx = gpu.ctx();
    let format = candidates
        .into_iter()
        .find(|&f| {
            // SAFETY: a plain query on the context's physical device.
            let props = unsafe { ctx.instance().get_physical_device_format_properties(ctx.physical_device(), f) };
            !props.optimal_tiling_features.contains(vk::FormatFeatureFlags::STORAGE_IMAGE)
        })
        .expect("a format without storage support");
    let desc = ImageDesc::new_2d(format, 16, 16, vk::ImageUsageFlags::STORAGE).name("storage srgb");
    let err = gpu.alloc().create_image(&desc).expect_err("no storage support");
    assert!(
        matches!(&err, Error::UnsupportedFormat { usage, .. } if usage.contains(vk::ImageUsageFlags::STORAGE)),
        "{err}"
    );
    // A buffer usage whose feature is not enabled: acceleration-structure storage on a context
    // without acceleration structures is refused before Vulkan sees it.
    let gpu_plain = Gpu::with(vkres::ContextOptions::new().ray_tracing(false));
    let err = gpu_plain
        .alloc()
        .create_acceleration_structure(vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL, 256, "no feature")
        .expect_err("no acceleration structures");
    assert!(matches!(err, Error::MissingFeature { .. }), "{err}");
}

#[test]
fn out_of_device_memory_from_a_huge_allocation() {
    let gpu = Gpu::new();
    let caps = gpu.ctx().capabilities();
    let props = &caps.memory_properties;
    let largest = props.memory_heaps[..props.memory_heap_count as usize].iter().map(|h| h.size).max().unwrap_or(0);
    // A buffer larger than every heap, where maxBufferSize and maxMemoryAllocationSize allow
    // one (checked by the default allocator and by the one on the driver's budget). Where they
    // do not (lavapipe: 4 GiB buffers and resources, heaps of the machine's memory; the H100:
    // 4 GiB allocations, an 80 GiB heap; a larger buffer is `LimitExceeded` before VMA is
    // asked), the heaps are capped at 1 GiB (VMA's heap size limit, as on a device with that
    // much memory) and the buffer is 2 GiB.
    let fits_limits = |size: u64| size <= caps.max_buffer_size && size <= caps.max_memory_allocation_size;
    let (memories, size) = if fits_limits(largest + (1 << 30)) {
        let default = vkres::VmaAllocator::new(gpu.ctx()).expect("vma");
        let budget = vkres::VmaAllocator::with_memory_budget(gpu.ctx()).expect("vma");
        (vec![default, budget], largest + (1 << 30))
    } else {
        (vec![vkres::VmaAllocator::with_heap_limit(gpu.ctx(), 1 << 30).expect("vma")], 2 << 30)
    };
    for memory in memories {
        let alloc = vkres::ResourceAllocator::with_memory_allocator(std::sync::Arc::new(memory), Default::default())
            .expect("allocator");
        let desc = BufferDesc::new(size, vk::BufferUsageFlags::STORAGE_BUFFER).name("huge");
        let err = alloc.create_buffer(&desc).map(drop).expect_err("no heap holds it");
        assert_eq!(err.vk_result(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY), "{err}");
        assert_eq!(alloc.memory_allocator().live_allocations(), 0);
        // The device goes on working.
        let desc = BufferDesc::new(64, vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_SRC);
        let small = alloc.create_buffer_with_data(&desc.name("small"), &[1u8; 64]).expect("small");
        assert_eq!(gpu.read_back(&small), [1u8; 64]);
    }
}

#[test]
fn allocator_on_the_memory_budget_creates_uploads_and_frees() {
    let gpu = Gpu::new();
    let memory = std::sync::Arc::new(vkres::VmaAllocator::with_memory_budget(gpu.ctx()).expect("vma"));
    let alloc = vkres::ResourceAllocator::with_memory_allocator(memory.clone(), Default::default()).expect("allocator");
    let desc = BufferDesc::new(256, vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_SRC);
    let data: Vec<u8> = (0..=255).collect();
    let buffer = alloc.create_buffer_with_data(&desc.name("budgeted"), &data).expect("buffer");
    assert_eq!(gpu.read_back(&buffer), data);
    assert_eq!(vkres::MemoryAllocator::live_allocation_names(&*memory).iter().filter(|n| *n == "budgeted").count(), 1);
    drop(buffer);
    drop(alloc);
    assert_eq!(vkres::MemoryAllocator::live_allocations(&*memory), 0);
}

#[test]
fn image_larger_than_the_resource_size_limit() {
    let gpu = Gpu::new();
    let limits = gpu.ctx().capabilities().limits;
    let side = limits.max_image_dimension2_d.min(16384);
    let layers = limits.max_image_array_layers.min(2048);
    let desc = ImageDesc::new_2d(vk::Format::R32G32B32A32_SFLOAT, side, side, vk::ImageUsageFlags::SAMPLED)
        .array_layers(layers)
        .name("enormous");
    match gpu.alloc().create_image(&desc) {
        Err(Error::LimitExceeded { what: "resource size", .. }) => {}
        Err(e) if e.vk_result() == Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY) => {} // a device without the limit
        other => panic!("{side}x{side}x{layers} RGBA32F: {:?}", other.map(drop)),
    }
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), 0);
}
