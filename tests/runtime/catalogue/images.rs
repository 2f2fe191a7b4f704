//! Images: `create_image` and `create_texture` with descriptions Vulkan refuses.

use vkres::{Error, ImageDesc, SamplerDesc, vk};

use super::{Case, case};

const SAMPLED: vk::ImageUsageFlags = vk::ImageUsageFlags::SAMPLED;
const RGBA: vk::Format = vk::Format::R8G8B8A8_UNORM;

fn d2(w: u32, h: u32) -> ImageDesc {
    ImageDesc::new_2d(RGBA, w, h, SAMPLED).name("bad image")
}

fn d3(w: u32, h: u32, d: u32) -> ImageDesc {
    ImageDesc::new_3d(RGBA, vk::Extent3D { width: w, height: h, depth: d }, SAMPLED).name("bad image")
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("width zero", |gpu| gpu.alloc().create_image(&d2(0, 4)) => Error::ZeroSize { kind: "image", .. }),
        case!("height zero", |gpu| gpu.alloc().create_image(&d2(4, 0)) => Error::ZeroSize { kind: "image", .. }),
        case!("depth zero", |gpu| gpu.alloc().create_image(&d3(4, 4, 0)) => Error::ZeroSize { kind: "image", .. }),
        case!("no mips", |gpu| gpu.alloc().create_image(&d2(4, 4).mip_levels(0)) => Error::ZeroSize { .. }),
        case!("no layers", |gpu| gpu.alloc().create_image(&d2(4, 4).array_layers(0)) => Error::ZeroSize { .. }),
        case!("UNDEFINED format", |gpu| gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::UNDEFINED, 4, 4, SAMPLED))
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-pNext-01975", .. }),
        case!("no usage", |gpu| gpu.alloc().create_image(&ImageDesc::new_2d(RGBA, 4, 4, vk::ImageUsageFlags::empty()))
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-usage-requiredbitmask", .. }),
        case!("4x4 with 4 mips", |gpu| gpu.alloc().create_image(&d2(4, 4).mip_levels(4))
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-mipLevels-00958", .. }),
        case!("1x1 with 2 mips", |gpu| gpu.alloc().create_image(&d2(1, 1).mip_levels(2))
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-mipLevels-00958", .. }),
        case!("wider than maxImageDimension2D", |gpu| {
            let max = gpu.ctx().capabilities().limits.max_image_dimension2_d;
            gpu.alloc().create_image(&d2(max + 1, 1))
        } => Error::LimitExceeded { what: "width", .. }),
        case!("taller than maxImageDimension2D", |gpu| {
            let max = gpu.ctx().capabilities().limits.max_image_dimension2_d;
            gpu.alloc().create_image(&d2(1, max + 1))
        } => Error::LimitExceeded { what: "height", .. }),
        case!("deeper than maxImageDimension3D", |gpu| {
            let max = gpu.ctx().capabilities().limits.max_image_dimension3_d;
            gpu.alloc().create_image(&d3(4, 4, max + 1))
        } => Error::LimitExceeded { what: "depth", .. }),
        case!("more layers than maxImageArrayLayers", |gpu| {
            let max = gpu.ctx().capabilities().limits.max_image_array_layers;
            gpu.alloc().create_image(&d2(4, 4).array_layers(max + 1))
        } => Error::LimitExceeded { what: "array layers", .. }),
        case!("BC1 colour attachment", |gpu| gpu.alloc().create_image(&ImageDesc::new_2d(
            vk::Format::BC1_RGBA_UNORM_BLOCK, 64, 64, vk::ImageUsageFlags::COLOR_ATTACHMENT))
            => Error::UnsupportedFormat { format: vk::Format::BC1_RGBA_UNORM_BLOCK, .. }),
        case!("BC1 storage", |gpu| gpu.alloc().create_image(&ImageDesc::new_2d(
            vk::Format::BC1_RGBA_UNORM_BLOCK, 64, 64, vk::ImageUsageFlags::STORAGE))
            => Error::UnsupportedFormat { .. }),
        case!("sRGB storage", |gpu| gpu.alloc().create_image(&ImageDesc::new_2d(
            vk::Format::R8G8B8A8_SRGB, 16, 16, vk::ImageUsageFlags::STORAGE))
            => Error::UnsupportedFormat { usage, .. } if usage.contains(vk::ImageUsageFlags::STORAGE)),
        case!("depth format as colour attachment", |gpu| gpu.alloc().create_image(&ImageDesc::new_2d(
            vk::Format::D32_SFLOAT, 16, 16, vk::ImageUsageFlags::COLOR_ATTACHMENT))
            => Error::UnsupportedFormat { .. }),
        case!("colour format as depth attachment", |gpu| gpu.alloc().create_image(&ImageDesc::new_2d(
            RGBA, 16, 16, vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT))
            => Error::UnsupportedFormat { .. }),
        case!("cube that is not square", |gpu| {
            let mut desc = ImageDesc::new_cube(RGBA, 8, SAMPLED);
            desc.extent.height = 4;
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-imageType-00954", .. }),
        case!("cube of 5 layers", |gpu| gpu.alloc().create_image(&ImageDesc::new_cube(RGBA, 8, SAMPLED).array_layers(5))
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-imageType-00954", .. }),
        case!("cube-compatible 3D image", |gpu| {
            let mut desc = d3(4, 4, 4);
            desc.flags = vk::ImageCreateFlags::CUBE_COMPATIBLE;
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-flags-00949", .. }),
        case!("multisampled with mips", |gpu| {
            let mut desc = ImageDesc::new_2d(RGBA, 16, 16, vk::ImageUsageFlags::COLOR_ATTACHMENT).mip_levels(2);
            desc.samples = vk::SampleCountFlags::TYPE_4;
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-samples-02257", .. }),
        case!("multisampled 3D", |gpu| {
            let mut desc = d3(4, 4, 4);
            desc.samples = vk::SampleCountFlags::TYPE_4;
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-samples-02257", .. }),
        case!("multisampled cube", |gpu| {
            let mut desc = ImageDesc::new_cube(RGBA, 8, vk::ImageUsageFlags::COLOR_ATTACHMENT);
            desc.samples = vk::SampleCountFlags::TYPE_4;
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-samples-02257", .. }),
        case!("64 samples", |gpu| {
            let mut desc = ImageDesc::new_2d(RGBA, 16, 16, vk::ImageUsageFlags::COLOR_ATTACHMENT);
            desc.samples = vk::SampleCountFlags::TYPE_64;
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-samples-02258", .. }),
        case!("1D image two texels high", |gpu| {
            let mut desc = d2(8, 2);
            desc.ty = vk::ImageType::TYPE_1D;
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-imageType-00956", .. }),
        case!("2D image two texels deep", |gpu| {
            let mut desc = d2(8, 8);
            desc.extent.depth = 2;
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-imageType-00957", .. }),
        case!("3D image with two layers", |gpu| gpu.alloc().create_image(&d3(4, 4, 4).array_layers(2))
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-imageType-00961", .. }),
        case!("texture of UNDEFINED format", |gpu| gpu.alloc().create_texture(
            &ImageDesc::new_2d(vk::Format::UNDEFINED, 4, 4, SAMPLED), &SamplerDesc::linear())
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-pNext-01975", .. }),
        case!("texture of size zero", |gpu| gpu.alloc().create_texture(&d2(0, 0), &SamplerDesc::linear())
            => Error::ZeroSize { .. }),
        case!("texture with a NaN LOD bias", |gpu| gpu.alloc().create_texture(
            &d2(4, 4), &SamplerDesc { mip_lod_bias: f32::NAN, ..SamplerDesc::linear() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-mipLodBias-01069", .. }),
    ]
}

#[test]
fn image_cases() {
    super::run("images", cases);
}
