//! Descriptor writes: a resource that does not fit its binding is refused by
//! `DescriptorWrites::with_writes` before the caller's `vkUpdateDescriptorSets` sees it.

use vkres::{BufferDesc, DescriptorKind, DescriptorWrites, Error, ImageDesc, ImageViewDesc, SamplerDesc, vk};

use super::{Case, case};
use crate::support::Gpu;

const RGBA: vk::Format = vk::Format::R8G8B8A8_UNORM;

/// The writes' error, with a null set (never written: the closure must not run).
fn written(writes: &DescriptorWrites) -> vkres::Result<()> {
    writes.with_writes(|_| panic!("a refused write reached the update"))
}

fn buffer_as(gpu: &Gpu, size: u64, usage: vk::BufferUsageFlags, kind: DescriptorKind) -> vkres::Result<()> {
    let buffer = gpu.alloc().create_buffer(&BufferDesc::new(size, usage).name("bound buffer"))?;
    written(DescriptorWrites::new(vk::DescriptorSet::null()).buffer(0, kind, &buffer))
}

fn image_as(gpu: &Gpu, usage: vk::ImageUsageFlags, kind: DescriptorKind, layout: vk::ImageLayout) -> vkres::Result<()> {
    let image = gpu.alloc().create_image(&ImageDesc::new_2d(RGBA, 4, 4, usage).name("bound image"))?;
    let view = gpu.alloc().create_image_view(&image, &ImageViewDesc::default())?;
    written(DescriptorWrites::new(vk::DescriptorSet::null()).image(0, kind, &view, layout))
}

pub fn cases() -> Vec<Case> {
    use vk::BufferUsageFlags as B;
    use vk::ImageLayout as L;
    use vk::ImageUsageFlags as I;
    vec![
        case!("uniform buffer without UNIFORM_BUFFER", |gpu| buffer_as(gpu, 64, B::STORAGE_BUFFER, DescriptorKind::UniformBuffer)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00330", .. }),
        case!("storage buffer without STORAGE_BUFFER", |gpu| buffer_as(gpu, 64, B::UNIFORM_BUFFER, DescriptorKind::StorageBuffer)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00331", .. }),
        case!("uniform buffer over maxUniformBufferRange", |gpu| {
            let max = u64::from(gpu.ctx().capabilities().limits.max_uniform_buffer_range);
            buffer_as(gpu, max + 16, B::UNIFORM_BUFFER, DescriptorKind::UniformBuffer)
        } => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00332", .. }),
        case!("buffer as a sampled image", |gpu| buffer_as(gpu, 64, B::STORAGE_BUFFER, DescriptorKind::SampledImage)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00322", .. }),
        case!("buffer as a sampler", |gpu| buffer_as(gpu, 64, B::STORAGE_BUFFER, DescriptorKind::Sampler)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00322", .. }),
        case!("sampled image without SAMPLED", |gpu| image_as(gpu, I::STORAGE, DescriptorKind::SampledImage, L::GENERAL)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00337", .. }),
        case!("storage image without STORAGE", |gpu| image_as(gpu, I::SAMPLED, DescriptorKind::StorageImage, L::GENERAL)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00339", .. }),
        case!("storage image in SHADER_READ_ONLY_OPTIMAL", |gpu| image_as(gpu, I::STORAGE | I::SAMPLED, DescriptorKind::StorageImage, L::SHADER_READ_ONLY_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-04152", .. }),
        case!("sampled image in TRANSFER_DST_OPTIMAL", |gpu| image_as(gpu, I::SAMPLED, DescriptorKind::SampledImage, L::TRANSFER_DST_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-04150", .. }),
        case!("sampled image in UNDEFINED", |gpu| image_as(gpu, I::SAMPLED, DescriptorKind::SampledImage, L::UNDEFINED)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-04150", .. }),
        case!("image view as a combined image sampler without a sampler", |gpu| image_as(gpu, I::SAMPLED, DescriptorKind::CombinedImageSampler, L::SHADER_READ_ONLY_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00325", .. }),
        case!("image view as a uniform buffer", |gpu| image_as(gpu, I::SAMPLED, DescriptorKind::UniformBuffer, L::SHADER_READ_ONLY_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00324", .. }),
        case!("a depth-stencil view with both aspects", |gpu| {
            let usage = I::SAMPLED | I::DEPTH_STENCIL_ATTACHMENT;
            let image = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::D32_SFLOAT_S8_UINT, 4, 4, usage))?;
            let both = vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL;
            let view = gpu.alloc().create_image_view(&image, &ImageViewDesc { aspect: Some(both), ..Default::default() })?;
            let layout = L::DEPTH_STENCIL_READ_ONLY_OPTIMAL;
            written(DescriptorWrites::new(vk::DescriptorSet::null()).image(0, DescriptorKind::SampledImage, &view, layout))
        } => Error::ValidUsage { vuid: "VUID-VkDescriptorImageInfo-imageView-01976", .. }),
        case!("texture in TRANSFER_DST_OPTIMAL", |gpu| {
            let texture = gpu.alloc().create_texture(&ImageDesc::new_2d(RGBA, 4, 4, I::SAMPLED), &SamplerDesc::linear())?;
            written(DescriptorWrites::new(vk::DescriptorSet::null()).texture(0, &texture, L::TRANSFER_DST_OPTIMAL))
        } => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-04150", .. }),
        case!("storage buffer array with a buffer without STORAGE_BUFFER", |gpu| {
            let good = gpu.alloc().create_buffer(&BufferDesc::new(64, B::STORAGE_BUFFER))?;
            let bad = gpu.alloc().create_buffer(&BufferDesc::new(64, B::UNIFORM_BUFFER).name("uniform only"))?;
            written(DescriptorWrites::new(vk::DescriptorSet::null()).buffer_array(0, DescriptorKind::StorageBuffer, &[good, bad]))
        } => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00331", ref name, .. } if name == "uniform only"),
        case!("uniform buffer array over maxUniformBufferRange", |gpu| {
            let max = u64::from(gpu.ctx().capabilities().limits.max_uniform_buffer_range);
            let big = gpu.alloc().create_buffer(&BufferDesc::new(max + 16, B::UNIFORM_BUFFER))?;
            written(DescriptorWrites::new(vk::DescriptorSet::null()).buffer_array(0, DescriptorKind::UniformBuffer, &[big]))
        } => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00332", .. }),
        case!("buffer array as sampled images", |gpu| {
            let buffer = gpu.alloc().create_buffer(&BufferDesc::new(64, B::STORAGE_BUFFER))?;
            written(DescriptorWrites::new(vk::DescriptorSet::null()).buffer_array(0, DescriptorKind::SampledImage, &[buffer]))
        } => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00322", .. }),
        case!("sampled image array with a view without SAMPLED", |gpu| {
            let image = gpu.alloc().create_image(&ImageDesc::new_2d(RGBA, 4, 4, I::STORAGE).name("storage only"))?;
            let view = gpu.alloc().create_image_view(&image, &ImageViewDesc::default())?;
            let layout = L::SHADER_READ_ONLY_OPTIMAL;
            written(DescriptorWrites::new(vk::DescriptorSet::null()).image_array(0, DescriptorKind::SampledImage, &[view], layout))
        } => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00337", ref name, .. } if name == "storage only"),
        case!("storage image array in SHADER_READ_ONLY_OPTIMAL", |gpu| {
            let image = gpu.alloc().create_image(&ImageDesc::new_2d(RGBA, 4, 4, I::STORAGE | I::SAMPLED))?;
            let view = gpu.alloc().create_image_view(&image, &ImageViewDesc::default())?;
            let layout = L::SHADER_READ_ONLY_OPTIMAL;
            written(DescriptorWrites::new(vk::DescriptorSet::null()).image_array(0, DescriptorKind::StorageImage, &[view], layout))
        } => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-04152", .. }),
        case!("image array as uniform buffers", |gpu| {
            let image = gpu.alloc().create_image(&ImageDesc::new_2d(RGBA, 4, 4, I::SAMPLED))?;
            let view = gpu.alloc().create_image_view(&image, &ImageViewDesc::default())?;
            let layout = L::SHADER_READ_ONLY_OPTIMAL;
            written(DescriptorWrites::new(vk::DescriptorSet::null()).image_array(0, DescriptorKind::UniformBuffer, &[view], layout))
        } => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00324", .. }),
        case!("texture array in TRANSFER_DST_OPTIMAL", |gpu| {
            let texture = gpu.alloc().create_texture(&ImageDesc::new_2d(RGBA, 4, 4, I::SAMPLED), &SamplerDesc::linear())?;
            written(DescriptorWrites::new(vk::DescriptorSet::null()).texture_array(0, &[texture], L::TRANSFER_DST_OPTIMAL))
        } => Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-04150", .. }),
        case!("the first bad write of several", |gpu| {
            let good = gpu.alloc().create_buffer(&BufferDesc::new(64, B::STORAGE_BUFFER))?;
            let bad = gpu.alloc().create_buffer(&BufferDesc::new(64, B::STORAGE_BUFFER).name("second"))?;
            let mut writes = DescriptorWrites::new(vk::DescriptorSet::null());
            writes.buffer(0, DescriptorKind::StorageBuffer, &good).buffer(1, DescriptorKind::UniformBuffer, &bad);
            written(&writes)
        } => Error::ValidUsage { name, .. } if name == "second"),
    ]
}

#[test]
fn descriptor_cases() {
    super::run("descriptors", cases);
}
