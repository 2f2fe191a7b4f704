//! Image views: `create_image_view` with ranges, types, formats and aspects that do not fit
//! their image.

use vkres::{Error, Image, ImageDesc, ImageViewDesc, vk};

use super::{Case, case};

const SAMPLED: vk::ImageUsageFlags = vk::ImageUsageFlags::SAMPLED;
const RGBA: vk::Format = vk::Format::R8G8B8A8_UNORM;

/// An 8x8 RGBA image with 2 mips and `layers` layers.
fn image(gpu: &crate::support::Gpu, layers: u32) -> Image {
    let desc = ImageDesc::new_2d(RGBA, 8, 8, SAMPLED).mip_levels(2).array_layers(layers).name("viewed");
    gpu.alloc().create_image(&desc).expect("image")
}

fn cube(gpu: &crate::support::Gpu, layers: u32) -> Image {
    gpu.alloc().create_image(&ImageDesc::new_cube(RGBA, 8, SAMPLED).array_layers(layers).name("cube")).expect("cube")
}

fn view(ty: vk::ImageViewType) -> ImageViewDesc {
    ImageViewDesc { view_type: Some(ty), ..Default::default() }
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("base mip past the image", |gpu| gpu.alloc().create_image_view(&image(gpu, 1),
            &ImageViewDesc { base_mip_level: 2, ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subresourceRange-01478", .. }),
        case!("3 mips of 2", |gpu| gpu.alloc().create_image_view(&image(gpu, 1),
            &ImageViewDesc { mip_levels: Some(3), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subresourceRange-01718", .. }),
        case!("mip 1 and 2 more", |gpu| gpu.alloc().create_image_view(&image(gpu, 1),
            &ImageViewDesc { base_mip_level: 1, mip_levels: Some(2), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subresourceRange-01718", .. }),
        case!("mip count u32::MAX", |gpu| gpu.alloc().create_image_view(&image(gpu, 1),
            &ImageViewDesc { base_mip_level: 1, mip_levels: Some(u32::MAX), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subresourceRange-01718", .. }),
        case!("base layer past the image", |gpu| gpu.alloc().create_image_view(&image(gpu, 1),
            &ImageViewDesc { base_array_layer: 1, ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-image-01482", .. }),
        case!("3 layers of 2", |gpu| gpu.alloc().create_image_view(&image(gpu, 2),
            &ImageViewDesc { array_layers: Some(3), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subresourceRange-01483", .. }),
        case!("no mips", |gpu| gpu.alloc().create_image_view(&image(gpu, 1),
            &ImageViewDesc { mip_levels: Some(0), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageSubresourceRange-levelCount-01720", .. }),
        case!("no layers", |gpu| gpu.alloc().create_image_view(&image(gpu, 1),
            &ImageViewDesc { array_layers: Some(0), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageSubresourceRange-layerCount-01721", .. }),
        case!("3D view of a 2D image", |gpu| gpu.alloc().create_image_view(&image(gpu, 1), &view(vk::ImageViewType::TYPE_3D))
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subResourceRange-01021", .. }),
        case!("1D view of a 2D image", |gpu| gpu.alloc().create_image_view(&image(gpu, 1), &view(vk::ImageViewType::TYPE_1D))
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subResourceRange-01021", .. }),
        case!("2D view of a 3D image", |gpu| {
            let desc = ImageDesc::new_3d(RGBA, vk::Extent3D { width: 4, height: 4, depth: 4 }, SAMPLED);
            let image = gpu.alloc().create_image(&desc).expect("3d");
            gpu.alloc().create_image_view(&image, &view(vk::ImageViewType::TYPE_2D))
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subResourceRange-01021", .. }),
        case!("1D array view of a 3D image", |gpu| {
            let desc = ImageDesc::new_3d(RGBA, vk::Extent3D { width: 4, height: 4, depth: 4 }, SAMPLED);
            let image = gpu.alloc().create_image(&desc).expect("3d");
            gpu.alloc().create_image_view(&image, &view(vk::ImageViewType::TYPE_1D_ARRAY))
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subResourceRange-01021", .. }),
        case!("cube view of a plain 6-layer image", |gpu| gpu.alloc().create_image_view(&image(gpu, 6), &view(vk::ImageViewType::CUBE))
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-image-01003", .. }),
        case!("cube view of a one-layer image", |gpu| gpu.alloc().create_image_view(&image(gpu, 1), &view(vk::ImageViewType::CUBE))
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-image-01003", .. }),
        case!("cube view of 5 faces", |gpu| gpu.alloc().create_image_view(&cube(gpu, 6),
            &ImageViewDesc { view_type: Some(vk::ImageViewType::CUBE), array_layers: Some(5), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-viewType-02960", .. }),
        case!("cube-array view of 7 layers", |gpu| gpu.alloc().create_image_view(&cube(gpu, 12),
            &ImageViewDesc { view_type: Some(vk::ImageViewType::CUBE_ARRAY), array_layers: Some(7), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-viewType-02961", .. }),
        case!("cube-array view without imageCubeArray", |gpu| gpu.alloc().create_image_view(&cube(gpu, 12), &view(vk::ImageViewType::CUBE_ARRAY))
            => Error::MissingFeature { feature: "imageCubeArray", .. }),
        case!("default view of 12 cube layers", |gpu| gpu.alloc().create_image_view(&cube(gpu, 12), &ImageViewDesc::default())
            => Error::MissingFeature { feature: "imageCubeArray", .. }),
        case!("2D view of 2 layers", |gpu| gpu.alloc().create_image_view(&image(gpu, 2), &view(vk::ImageViewType::TYPE_2D))
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-imageViewType-04973", .. }),
        case!("another format, not MUTABLE_FORMAT", |gpu| gpu.alloc().create_image_view(&image(gpu, 1),
            &ImageViewDesc { format: Some(vk::Format::R8G8B8A8_SRGB), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-image-01762", .. }),
        case!("an incompatible format of a MUTABLE_FORMAT image", |gpu| {
            let mut desc = ImageDesc::new_2d(RGBA, 8, 8, SAMPLED);
            desc.flags = vk::ImageCreateFlags::MUTABLE_FORMAT;
            let image = gpu.alloc().create_image(&desc).expect("mutable");
            gpu.alloc().create_image_view(&image, &ImageViewDesc { format: Some(vk::Format::R16G16B16A16_SFLOAT), ..Default::default() })
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-image-01761", .. }),
        case!("a depth view of a MUTABLE_FORMAT colour image", |gpu| {
            let mut desc = ImageDesc::new_2d(vk::Format::R32_SFLOAT, 8, 8, SAMPLED);
            desc.flags = vk::ImageCreateFlags::MUTABLE_FORMAT;
            let image = gpu.alloc().create_image(&desc).expect("mutable");
            gpu.alloc().create_image_view(&image, &ImageViewDesc { format: Some(vk::Format::D32_SFLOAT), ..Default::default() })
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-image-01761", .. }),
        case!("an sRGB storage view of a MUTABLE_FORMAT storage image", |gpu| {
            let mut desc = ImageDesc::new_2d(RGBA, 8, 8, vk::ImageUsageFlags::STORAGE);
            desc.flags = vk::ImageCreateFlags::MUTABLE_FORMAT;
            let image = gpu.alloc().create_image(&desc).expect("mutable");
            gpu.alloc().create_image_view(&image, &ImageViewDesc { format: Some(vk::Format::R8G8B8A8_SRGB), ..Default::default() })
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-usage-02275", .. }),
        case!("depth aspect of a colour image", |gpu| gpu.alloc().create_image_view(&image(gpu, 1),
            &ImageViewDesc { aspect: Some(vk::ImageAspectFlags::DEPTH), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subresourceRange-09594", .. }),
        case!("no aspect", |gpu| gpu.alloc().create_image_view(&image(gpu, 1),
            &ImageViewDesc { aspect: Some(vk::ImageAspectFlags::empty()), ..Default::default() })
            => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subresourceRange-09594", .. }),
        case!("colour aspect of a depth image", |gpu| {
            let desc = ImageDesc::new_2d(vk::Format::D32_SFLOAT, 8, 8, SAMPLED);
            let image = gpu.alloc().create_image(&desc).expect("depth");
            gpu.alloc().create_image_view(&image, &ImageViewDesc { aspect: Some(vk::ImageAspectFlags::COLOR), ..Default::default() })
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subresourceRange-09594", .. }),
        case!("stencil aspect of a depth-only image", |gpu| {
            let desc = ImageDesc::new_2d(vk::Format::D32_SFLOAT, 8, 8, SAMPLED);
            let image = gpu.alloc().create_image(&desc).expect("depth");
            gpu.alloc().create_image_view(&image, &ImageViewDesc { aspect: Some(vk::ImageAspectFlags::STENCIL), ..Default::default() })
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subresourceRange-09594", .. }),
    ]
}

#[test]
fn view_cases() {
    super::run("views", cases);
}
