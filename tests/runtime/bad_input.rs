//! Bad input gets a typed error and leaks nothing (the harness checks for live allocations
//! and validation messages when each test ends).

use vkres::{BufferDesc, Error, ImageDesc, MappingType, vk};

use crate::support::Gpu;

#[test]
fn zero_size_buffer() {
    let gpu = Gpu::new();
    let err = gpu.alloc().create_buffer(&BufferDesc::new(0, vk::BufferUsageFlags::STORAGE_BUFFER).name("empty"));
    assert!(matches!(&err, Err(Error::ZeroSize { name, kind: "buffer" }) if name == "empty"), "{err:?}");
    let err = gpu.alloc().create_buffer(&BufferDesc::new(16, vk::BufferUsageFlags::empty()).name("no usage"));
    assert!(
        matches!(err, Err(Error::ValidUsage { vuid: "VUID-VkBufferCreateInfo-usage-requiredbitmask", .. })),
        "{err:?}"
    );
    let err = gpu.alloc().create_typed_buffer::<u32>(&BufferDesc::new(6, vk::BufferUsageFlags::STORAGE_BUFFER));
    assert!(
        matches!(err, Err(Error::NotWholeElements { bytes: 6, element: 4, .. })),
        "6 bytes are not whole u32s: {err:?}"
    );
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), 0);
}

#[test]
fn data_longer_than_its_buffer() {
    let gpu = Gpu::new();
    let desc = BufferDesc::new(8, vk::BufferUsageFlags::STORAGE_BUFFER).name("small");
    let err = gpu.alloc().create_buffer_with_data(&desc, &[0u8; 9]).expect_err("9 bytes into 8");
    assert!(matches!(&err, Error::DataTooLarge { given: 9, capacity: 8, offset: 0, name } if name == "small"), "{err}");
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), 0, "checked before creating anything");

    let buffer = gpu.alloc().create_buffer(&desc.clone().name("target")).expect("buffer");
    let mut batch = gpu.alloc().batch().expect("batch");
    let err = batch.upload_bytes(&buffer, 4, &[0u8; 5]).expect_err("4 + 5 > 8");
    assert!(matches!(err, Error::DataTooLarge { offset: 4, given: 5, capacity: 8, .. }), "{err}");
    let err = batch.upload_bytes(&buffer, 0, &[0u8; 4]).expect_err("no TRANSFER_DST");
    assert!(matches!(&err, Error::MissingUsage { name, .. } if name == "target"), "{err}");
    assert_eq!(batch.commands(), 0);
    batch.submit_and_wait().expect("empty batch");
    assert_eq!(gpu.ctx().submission_count(), 0);
}

#[test]
fn unsupported_format() {
    let gpu = Gpu::new();
    // No device renders into a block-compressed format.
    let desc = ImageDesc::new_2d(vk::Format::BC1_RGBA_UNORM_BLOCK, 64, 64, vk::ImageUsageFlags::COLOR_ATTACHMENT)
        .name("bc1 target");
    let err = gpu.alloc().create_image(&desc).expect_err("unsupported");
    assert!(
        matches!(&err, Error::UnsupportedFormat { format: vk::Format::BC1_RGBA_UNORM_BLOCK, name, .. } if name == "bc1 target"),
        "{err}"
    );
    let undefined = ImageDesc::new_2d(vk::Format::UNDEFINED, 4, 4, vk::ImageUsageFlags::SAMPLED);
    assert!(matches!(gpu.alloc().create_image(&undefined), Err(Error::ValidUsage { .. })));
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), 0);
}

#[test]
fn image_over_the_device_limits() {
    let gpu = Gpu::new();
    let max = gpu.ctx().capabilities().limits.max_image_dimension2_d;
    let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, max + 1, 1, vk::ImageUsageFlags::SAMPLED).name("wide");
    let err = gpu.alloc().create_image(&desc).expect_err("too wide");
    assert!(matches!(err, Error::LimitExceeded { what: "width", .. }), "{err}");
    let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, vk::ImageUsageFlags::SAMPLED).mip_levels(4);
    assert!(
        matches!(
            gpu.alloc().create_image(&desc),
            Err(Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-mipLevels-00958", .. })
        ),
        "4x4 has 3 mips"
    );
    let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 0, 4, vk::ImageUsageFlags::SAMPLED);
    assert!(matches!(gpu.alloc().create_image(&desc), Err(Error::ZeroSize { kind: "image", .. })));
}

#[test]
fn mapping_memory_that_is_not_host_visible() {
    let gpu = Gpu::new();
    let buffer = gpu
        .alloc()
        .create_buffer(
            &BufferDesc::new(64, vk::BufferUsageFlags::STORAGE_BUFFER).mapping(MappingType::None).name("gpu only"),
        )
        .expect("buffer");
    let err = buffer.map().expect_err("not mappable");
    assert!(matches!(&err, Error::NotHostVisible { name, .. } if name == "gpu only"), "{err}");
    let image = gpu
        .alloc()
        .create_image(&ImageDesc::new_2d(vk::Format::R8_UNORM, 4, 4, vk::ImageUsageFlags::SAMPLED))
        .expect("image");
    assert!(matches!(image.memory().map(), Err(Error::NotHostVisible { .. })));
}

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
fn layers_depth_and_buffer_size_over_the_device_limits() {
    let gpu = Gpu::new();
    let limits = gpu.ctx().capabilities().limits;
    let desc = ImageDesc::new_2d(vk::Format::R8_UNORM, 4, 4, vk::ImageUsageFlags::SAMPLED)
        .array_layers(limits.max_image_array_layers + 1)
        .name("layers");
    let err = gpu.alloc().create_image(&desc).expect_err("too many layers");
    assert!(matches!(err, Error::LimitExceeded { what: "array layers", .. }), "{err}");
    let extent = vk::Extent3D { width: 4, height: 4, depth: limits.max_image_dimension3_d + 1 };
    let desc = ImageDesc::new_3d(vk::Format::R8_UNORM, extent, vk::ImageUsageFlags::SAMPLED).name("deep");
    let err = gpu.alloc().create_image(&desc).expect_err("too deep");
    assert!(matches!(err, Error::LimitExceeded { what: "depth", .. }), "{err}");
    let max = gpu.ctx().capabilities().max_buffer_size;
    if max < u64::MAX {
        let err = gpu
            .alloc()
            .create_buffer(&BufferDesc::new(max + 1, vk::BufferUsageFlags::STORAGE_BUFFER).name("long"))
            .expect_err("over maxBufferSize");
        assert!(matches!(err, Error::LimitExceeded { what: "buffer size", .. }), "{err}");
    }
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), 0);
}

#[test]
fn out_of_device_memory_from_a_huge_allocation() {
    let gpu = Gpu::new();
    let caps = gpu.ctx().capabilities();
    let props = &caps.memory_properties;
    let largest = props.memory_heaps[..props.memory_heap_count as usize].iter().map(|h| h.size).max().unwrap_or(0);
    // A buffer larger than every heap, where maxBufferSize allows one (checked by the default
    // allocator and by the one on the driver's budget). Where it does not (lavapipe: 4 GiB
    // buffers and resources, heaps of the machine's memory), the heaps are capped at 1 GiB
    // (VMA's heap size limit, as on a device with that much memory) and the buffer is 2 GiB.
    let (memories, size) = if caps.max_buffer_size > largest {
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

#[test]
fn shader_code_that_is_not_spirv() {
    let gpu = Gpu::new();
    type Expected = fn(&vkres::SpirvProblem) -> bool;
    let cases: [(&[u8], Expected); 3] = [
        (b"#version 450\nvoid main() {}\n", |p| {
            matches!(p, vkres::SpirvProblem::BadMagic { .. } | vkres::SpirvProblem::NotWordAligned { .. })
        }),
        (&[3, 2, 35, 7, 0, 0], |p| matches!(p, vkres::SpirvProblem::NotWordAligned { len: 6 })),
        (&[3, 2, 35, 7], |p| matches!(p, vkres::SpirvProblem::TooShort { words: 1 })),
    ];
    for (code, expected) in cases {
        let err = gpu.alloc().create_shader_module(code, "bad").expect_err("not SPIR-V");
        assert!(matches!(&err, Error::InvalidSpirv { reason, .. } if expected(reason)), "{err}");
    }
    let err = gpu.alloc().create_shader_module(&[0u8; 20], "zeros").expect_err("no magic");
    assert!(matches!(err, Error::InvalidSpirv { reason: vkres::SpirvProblem::BadMagic { found: 0 }, .. }), "{err}");
}
