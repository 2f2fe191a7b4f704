//! Buffers: `create_buffer`, `create_typed_buffer`, `create_buffer_with_data`, mapping.

use vkres::{BufferDesc, Error, MappingType, vk};

use super::{Case, case};

const STORAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::STORAGE_BUFFER;

pub fn cases() -> Vec<Case> {
    vec![
        case!("size zero", |gpu| gpu.alloc().create_buffer(&BufferDesc::new(0, STORAGE).name("empty"))
            => Error::ZeroSize { kind: "buffer", name } if name == "empty"),
        case!("size zero with data", |gpu| gpu.alloc().create_buffer_with_data::<u8>(&BufferDesc::new(0, STORAGE), &[])
            => Error::ZeroSize { kind: "buffer", .. }),
        case!("no usage", |gpu| gpu.alloc().create_buffer(&BufferDesc::new(16, vk::BufferUsageFlags::empty()))
            => Error::ValidUsage { vuid: "VUID-VkBufferCreateInfo-usage-requiredbitmask", .. }),
        case!("typed buffer of size zero", |gpu| gpu.alloc().create_typed_buffer::<u32>(&BufferDesc::new(0, STORAGE))
            => Error::ZeroSize { kind: "buffer", .. }),
        case!("6 bytes of u32", |gpu| gpu.alloc().create_typed_buffer::<u32>(&BufferDesc::new(6, STORAGE))
            => Error::NotWholeElements { bytes: 6, element: 4, .. }),
        case!("12 bytes of u64", |gpu| gpu.alloc().create_typed_buffer::<u64>(&BufferDesc::new(12, STORAGE))
            => Error::NotWholeElements { bytes: 12, element: 8, .. }),
        case!("17 bytes of [f32; 4]", |gpu| gpu.alloc().create_typed_buffer::<[f32; 4]>(&BufferDesc::new(17, STORAGE))
            => Error::NotWholeElements { bytes: 17, element: 16, .. }),
        case!("over maxBufferSize", |gpu| {
            let max = gpu.ctx().capabilities().max_buffer_size;
            gpu.alloc().create_buffer(&BufferDesc::new(max.saturating_add(1), STORAGE))
        } => Error::LimitExceeded { what: "buffer size", .. }),
        case!("u64::MAX bytes", |gpu| gpu.alloc().create_buffer(&BufferDesc::new(u64::MAX, STORAGE))
            => Error::LimitExceeded { what: "buffer size", .. }),
        case!("u64::MAX elements (saturated size)", |gpu| gpu.alloc().create_buffer(&BufferDesc::elements::<u32>(u64::MAX, STORAGE))
            => Error::LimitExceeded { what: "buffer size", .. }),
        case!("9 bytes of data into 8", |gpu| gpu
            .alloc()
            .create_buffer_with_data(&BufferDesc::new(8, STORAGE).name("small"), &[0u8; 9])
            => Error::DataTooLarge { given: 9, capacity: 8, offset: 0, .. }),
        case!("3 u32s into 8 bytes", |gpu| gpu.alloc().create_buffer_with_data(&BufferDesc::new(8, STORAGE), &[0u32; 3])
            => Error::DataTooLarge { given: 12, capacity: 8, .. }),
        case!("map device-only memory", |gpu| {
            let buffer = gpu
                .alloc()
                .create_buffer(&BufferDesc::new(64, STORAGE).mapping(MappingType::None).name("gpu only"))
                .expect("buffer");
            buffer.map().map(drop)
        } => Error::NotHostVisible { name, .. } if name == "gpu only"),
        case!("map an image's memory", |gpu| {
            let image = gpu
                .alloc()
                .create_image(&vkres::ImageDesc::new_2d(vk::Format::R8_UNORM, 4, 4, vk::ImageUsageFlags::SAMPLED))
                .expect("image");
            image.memory().map().map(drop)
        } => Error::NotHostVisible { .. }),
        case!("upload_now past the end", |gpu| {
            let desc = BufferDesc::new(16, STORAGE | vk::BufferUsageFlags::TRANSFER_DST).name("now");
            let buffer = gpu.alloc().create_typed_buffer::<u32>(&desc).expect("buffer");
            gpu.alloc().upload_now(&buffer, 2, &[1u32; 3])
        } => Error::DataTooLarge { .. }),
        case!("upload_now at offset u64::MAX", |gpu| {
            let desc = BufferDesc::new(16, STORAGE | vk::BufferUsageFlags::TRANSFER_DST);
            let buffer = gpu.alloc().create_typed_buffer::<u32>(&desc).expect("buffer");
            gpu.alloc().upload_now(&buffer, u64::MAX, &[1u32])
        } => Error::DataTooLarge { .. } | Error::Overflow { .. }),
        case!("upload_now without TRANSFER_DST", |gpu| {
            let buffer = gpu.alloc().create_typed_buffer::<u32>(&BufferDesc::new(16, STORAGE)).expect("buffer");
            gpu.alloc().upload_now(&buffer, 0, &[1u32])
        } => Error::MissingUsage { operation: "an upload", .. }),
        case!("acceleration-structure storage of size zero", |gpu| gpu.alloc().create_acceleration_structure(
            vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL, 0, "empty as")
            => Error::ZeroSize { .. } | Error::MissingFeature { .. }),
        case!("generic acceleration structure", |gpu| gpu.alloc().create_acceleration_structure(
            vk::AccelerationStructureTypeKHR::GENERIC, 256, "generic")
            => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
    ]
}

#[test]
fn buffer_cases() {
    super::run("buffers", cases);
}
