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
    assert!(matches!(err, Err(Error::InvalidDescription { .. })), "{err:?}");
    let err = gpu.alloc().create_typed_buffer::<u32>(&BufferDesc::new(6, vk::BufferUsageFlags::STORAGE_BUFFER));
    assert!(matches!(err, Err(Error::InvalidDescription { .. })), "6 bytes are not whole u32s: {err:?}");
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
    assert!(matches!(err, Error::InvalidDescription { .. }), "{err}");
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
    assert!(matches!(gpu.alloc().create_image(&undefined), Err(Error::InvalidDescription { .. })));
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
    assert!(matches!(gpu.alloc().create_image(&desc), Err(Error::InvalidDescription { .. })), "4x4 has 3 mips");
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
