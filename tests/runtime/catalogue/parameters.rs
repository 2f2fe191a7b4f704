//! Flags and enums no Vulkan version or extension defines (`ash` types take any raw value:
//! `vk::ImageUsageFlags::from_raw(1 << 30)`), and values that need an extension or feature
//! vkres does not enable: each is a typed error before Vulkan sees it (a sampler's unknown
//! border colour segfaulted lavapipe; the rest were `*-parameter` messages of the layer).

use vkres::{
    Aabb, AabbGeometry, BlasDesc, Buffer, BufferDesc, Error, ImageDesc, ImageRegion, SamplerDesc, TriangleGeometry, vk,
};

use super::{Case, case};
use crate::support::Gpu;

const RGBA: vk::Format = vk::Format::R8G8B8A8_UNORM;
const UNKNOWN: u32 = 1 << 30;
const INPUT: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR.as_raw()
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

fn image(gpu: &Gpu, usage: vk::ImageUsageFlags, flags: vk::ImageCreateFlags) -> vkres::Result<()> {
    let desc = ImageDesc { flags, ..ImageDesc::new_2d(RGBA, 4, 4, usage).name("hostile image") };
    gpu.alloc().create_image(&desc).map(drop)
}

fn sampler(gpu: &Gpu, edit: impl FnOnce(&mut SamplerDesc)) -> vkres::Result<()> {
    let mut desc = SamplerDesc::linear();
    edit(&mut desc);
    gpu.alloc().create_sampler(&desc).map(drop)
}

/// A transition of a fresh transfer-destination image to `layout`, in a batch dropped unsubmitted.
fn transition(gpu: &Gpu, layout: vk::ImageLayout) -> vkres::Result<()> {
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST;
    let image = gpu.alloc().create_image(&ImageDesc::new_2d(RGBA, 4, 4, usage).name("moved"))?;
    gpu.alloc().batch()?.transition_image(&image, layout)
}

/// An upload into a fresh image ending in `layout`, whole or one region.
fn upload(gpu: &Gpu, layout: vk::ImageLayout, region: bool) -> vkres::Result<()> {
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST;
    let image = gpu.alloc().create_image(&ImageDesc::new_2d(RGBA, 4, 4, usage).name("uploaded"))?;
    let mut batch = gpu.alloc().batch()?;
    match region {
        false => {
            batch.upload_image(&image, &[0; 64], &vkres::ImageUpload { final_layout: layout, ..Default::default() })
        }
        true => batch.upload_image_region(&image, &ImageRegion::level(0), &[0; 64], layout),
    }
}

fn triangles(gpu: &Gpu, flags: vk::GeometryFlagsKHR) -> vkres::Result<()> {
    let desc = BufferDesc::elements::<[f32; 3]>(3, INPUT);
    let vertices: Buffer<[f32; 3]> =
        gpu.alloc().create_buffer_with_data(&desc, &[[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])?;
    let geometry = TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT).flags(flags);
    gpu.alloc().batch()?.build_blas(&BlasDesc::new("flagged").triangles(geometry)).map(drop)
}

fn boxes(gpu: &Gpu, flags: vk::GeometryFlagsKHR) -> vkres::Result<()> {
    let unit = Aabb { min: [0.0; 3], max: [1.0; 3] };
    let boxes: Buffer<Aabb> = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<Aabb>(1, INPUT), &[unit])?;
    gpu.alloc().batch()?.build_blas(&BlasDesc::new("flagged").aabbs(AabbGeometry::new(&boxes).flags(flags))).map(drop)
}

pub fn cases() -> Vec<Case> {
    use vk::ImageCreateFlags as F;
    use vk::ImageUsageFlags as I;
    vec![
        case!("buffer usage with a bit no Vulkan defines", |gpu| {
            gpu.alloc().create_buffer(&BufferDesc::new(64, vk::BufferUsageFlags::from_raw(UNKNOWN)).name("odd")).map(drop)
        } => Error::ValidUsage { vuid: "VUID-VkBufferCreateInfo-None-09499", ref name, .. } if name == "odd"),
        case!("storage buffer usage plus an undefined bit", |gpu| {
            let usage = vk::BufferUsageFlags::from_raw(vk::BufferUsageFlags::STORAGE_BUFFER.as_raw() | UNKNOWN);
            gpu.alloc().create_buffer(&BufferDesc::new(64, usage)).map(drop)
        } => Error::ValidUsage { vuid: "VUID-VkBufferCreateInfo-None-09499", .. }),
        case!("buffer with data and an undefined usage bit", |gpu| {
            let usage = vk::BufferUsageFlags::from_raw(vk::BufferUsageFlags::VERTEX_BUFFER.as_raw() | UNKNOWN);
            gpu.alloc().create_buffer_with_data(&BufferDesc::new(4, usage), &[1u32]).map(drop)
        } => Error::ValidUsage { vuid: "VUID-VkBufferCreateInfo-None-09499", .. }),
        case!("image usage with a bit no Vulkan defines", |gpu| image(gpu, I::from_raw(I::SAMPLED.as_raw() | UNKNOWN), F::empty())
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-usage-parameter", ref name, .. } if name == "hostile image"),
        case!("image creation flags with a bit no Vulkan defines", |gpu| image(gpu, I::SAMPLED, F::from_raw(1 << 29))
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-flags-parameter", .. }),
        case!("sparse-binding image", |gpu| image(gpu, I::SAMPLED, F::SPARSE_BINDING)
            => Error::MissingFeature { feature: "sparseBinding", .. }),
        case!("sparse-residency image", |gpu| image(gpu, I::SAMPLED, F::SPARSE_BINDING | F::SPARSE_RESIDENCY)
            => Error::MissingFeature { feature: "sparseBinding", .. }),
        case!("texture with an undefined usage bit", |gpu| {
            let desc = ImageDesc::new_2d(RGBA, 4, 4, I::from_raw(I::SAMPLED.as_raw() | UNKNOWN));
            gpu.alloc().create_texture(&desc, &SamplerDesc::linear()).map(drop)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-usage-parameter", .. }),
        case!("transition to a layout no Vulkan defines", |gpu| transition(gpu, vk::ImageLayout::from_raw(12345))
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-newLayout-parameter", ref name, .. } if name == "moved"),
        case!("transition to a negative layout", |gpu| transition(gpu, vk::ImageLayout::from_raw(-7))
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-newLayout-parameter", .. }),
        case!("transition to PRESENT_SRC_KHR without VK_KHR_swapchain", |gpu| transition(gpu, vk::ImageLayout::PRESENT_SRC_KHR)
            => Error::MissingFeature { feature: "VK_KHR_swapchain", .. }),
        case!("transition to SHARED_PRESENT_KHR", |gpu| transition(gpu, vk::ImageLayout::SHARED_PRESENT_KHR)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-newLayout-parameter", .. }),
        case!("transition to a video layout", |gpu| transition(gpu, vk::ImageLayout::VIDEO_DECODE_DST_KHR)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-newLayout-parameter", .. }),
        case!("upload ending in a layout no Vulkan defines", |gpu| upload(gpu, vk::ImageLayout::from_raw(999), false)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-newLayout-parameter", .. }),
        case!("region upload ending in a layout no Vulkan defines", |gpu| upload(gpu, vk::ImageLayout::from_raw(999), true)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-newLayout-parameter", .. }),
        case!("upload ending in PRESENT_SRC_KHR without VK_KHR_swapchain", |gpu| upload(gpu, vk::ImageLayout::PRESENT_SRC_KHR, false)
            => Error::MissingFeature { feature: "VK_KHR_swapchain", .. }),
        case!("sampler with a border colour no Vulkan defines", |gpu| sampler(gpu, |d| {
            d.border_color = vk::BorderColor::from_raw(99);
            d.address_mode = [vk::SamplerAddressMode::CLAMP_TO_BORDER; 3];
        }) => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-addressModeU-01078", .. }),
        case!("sampler with an unknown border colour it does not read", |gpu| sampler(gpu, |d| d.border_color = vk::BorderColor::from_raw(-1))
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-addressModeU-01078", .. }),
        case!("sampler with a magnification filter no Vulkan defines", |gpu| sampler(gpu, |d| d.mag_filter = vk::Filter::from_raw(77))
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-magFilter-parameter", .. }),
        case!("sampler with a minification filter no Vulkan defines", |gpu| sampler(gpu, |d| d.min_filter = vk::Filter::from_raw(-3))
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-minFilter-parameter", .. }),
        case!("sampler with a mipmap mode no Vulkan defines", |gpu| sampler(gpu, |d| d.mipmap_mode = vk::SamplerMipmapMode::from_raw(5))
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-mipmapMode-parameter", .. }),
        case!("sampler with an address mode no Vulkan defines (u)", |gpu| sampler(gpu, |d| d.address_mode[0] = vk::SamplerAddressMode::from_raw(99))
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-addressModeU-parameter", .. }),
        case!("sampler with an address mode no Vulkan defines (w)", |gpu| sampler(gpu, |d| d.address_mode[2] = vk::SamplerAddressMode::from_raw(5))
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-addressModeW-parameter", .. }),
        case!("sampler with a compare op no Vulkan defines", |gpu| sampler(gpu, |d| d.compare_op = Some(vk::CompareOp::from_raw(99)))
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-compareEnable-01080", .. }),
        case!("triangle geometry with flags no Vulkan defines", |gpu| triangles(gpu, vk::GeometryFlagsKHR::from_raw(1 << 20))
            => Error::ValidUsage { vuid: "VUID-VkAccelerationStructureGeometryKHR-flags-parameter", .. } | Error::MissingFeature { .. }),
        case!("box geometry with flags no Vulkan defines", |gpu| boxes(gpu, vk::GeometryFlagsKHR::from_raw(1 << 9))
            => Error::ValidUsage { vuid: "VUID-VkAccelerationStructureGeometryKHR-flags-parameter", .. } | Error::MissingFeature { .. }),
        case!("sampled image written in a layout no Vulkan defines", |gpu| {
            let image = gpu.alloc().create_image(&ImageDesc::new_2d(RGBA, 4, 4, I::SAMPLED))?;
            let view = gpu.alloc().create_image_view(&image, &vkres::ImageViewDesc::default())?;
            let mut writes = vkres::DescriptorWrites::new(vk::DescriptorSet::null());
            writes.image(0, vkres::DescriptorKind::SampledImage, &view, vk::ImageLayout::from_raw(4242));
            writes.with_writes(|_| ())
        } => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-04150", .. }),
    ]
}

#[test]
fn parameter_cases() {
    super::run("parameters", cases);
}
