//! Flag bits that an extension defines, on a context that did not enable the extension: each
//! is `MissingFeature` naming the extension and the bit, before Vulkan sees it. The test
//! contexts enable none of these extensions (checked first, so that a case cannot pass by a
//! context that has it).

use vkres::{BufferDesc, Error, ImageDesc, vk};

use super::{Case, case};

const RGBA: vk::Format = vk::Format::R8G8B8A8_UNORM;
const SAMPLED: vk::ImageUsageFlags = vk::ImageUsageFlags::SAMPLED;

fn buffer(usage: vk::BufferUsageFlags) -> BufferDesc {
    BufferDesc::new(256, vk::BufferUsageFlags::STORAGE_BUFFER | usage).name("extension usage")
}

fn image(usage: vk::ImageUsageFlags, flags: vk::ImageCreateFlags) -> ImageDesc {
    let mut desc = ImageDesc::new_2d(RGBA, 4, 4, SAMPLED | usage).name("extension image");
    desc.flags = flags;
    desc
}

/// A binding of `kind` seen by `stages`, checked for the test context's device.
fn binding(gpu: &crate::support::Gpu, kind: vkres::DescriptorKind, stages: vk::ShaderStageFlags) -> vkres::Result<()> {
    vkres::DescriptorBinding::single(0, kind, stages, "staged").checked_layout_binding(gpu.ctx()).map(drop)
}

/// `binding` on a context opened without ray tracing (`ContextOptions::ray_tracing(false)`).
fn binding_without_ray_tracing(kind: vkres::DescriptorKind, stages: vk::ShaderStageFlags) -> vkres::Result<()> {
    let gpu = crate::support::Gpu::with(vkres::ContextOptions::new().ray_tracing(false));
    binding(&gpu, kind, stages)
}

/// `operation` names the bit.
fn names(operation: &str, bit: &str) -> bool {
    operation.ends_with(bit)
}

pub fn cases() -> Vec<Case> {
    use vk::BufferUsageFlags as B;
    use vk::ImageCreateFlags as C;
    use vk::ImageUsageFlags as U;
    vec![
        case!("buffer usage TRANSFORM_FEEDBACK_BUFFER_EXT", |gpu| gpu.alloc().create_buffer(&buffer(B::TRANSFORM_FEEDBACK_BUFFER_EXT))
            => Error::MissingFeature { feature: "VK_EXT_transform_feedback", operation } if names(operation, "TRANSFORM_FEEDBACK_BUFFER_EXT")),
        case!("buffer usage TRANSFORM_FEEDBACK_COUNTER_BUFFER_EXT", |gpu| gpu.alloc().create_buffer(&buffer(B::TRANSFORM_FEEDBACK_COUNTER_BUFFER_EXT))
            => Error::MissingFeature { feature: "VK_EXT_transform_feedback", .. }),
        case!("buffer usage CONDITIONAL_RENDERING_EXT", |gpu| gpu.alloc().create_buffer(&buffer(B::CONDITIONAL_RENDERING_EXT))
            => Error::MissingFeature { feature: "VK_EXT_conditional_rendering", operation } if names(operation, "CONDITIONAL_RENDERING_EXT")),
        case!("buffer usage SAMPLER_DESCRIPTOR_BUFFER_EXT", |gpu| gpu.alloc().create_buffer(&buffer(B::SAMPLER_DESCRIPTOR_BUFFER_EXT))
            => Error::MissingFeature { feature: "VK_EXT_descriptor_buffer", .. }),
        case!("buffer usage MICROMAP_STORAGE_EXT", |gpu| gpu.alloc().create_buffer(&buffer(B::MICROMAP_STORAGE_EXT))
            => Error::MissingFeature { feature: "VK_EXT_opacity_micromap", .. }),
        case!("buffer usage VIDEO_DECODE_SRC_KHR (with data)", |gpu| gpu.alloc().create_buffer_with_data(&buffer(B::VIDEO_DECODE_SRC_KHR), &[0u8; 16])
            => Error::MissingFeature { feature: "VK_KHR_video_decode_queue", .. }),
        case!("buffer usage VIDEO_ENCODE_DST_KHR", |gpu| gpu.alloc().create_buffer(&buffer(B::VIDEO_ENCODE_DST_KHR))
            => Error::MissingFeature { feature: "VK_KHR_video_encode_queue", .. }),
        case!("buffer usage EXECUTION_GRAPH_SCRATCH_AMDX", |gpu| gpu.alloc().create_buffer(&buffer(B::EXECUTION_GRAPH_SCRATCH_AMDX))
            => Error::MissingFeature { feature: "VK_AMDX_shader_enqueue", .. }),
        case!("image usage FRAGMENT_DENSITY_MAP_EXT", |gpu| gpu.alloc().create_image(&image(U::FRAGMENT_DENSITY_MAP_EXT, C::empty()))
            => Error::MissingFeature { feature: "VK_EXT_fragment_density_map", operation } if names(operation, "FRAGMENT_DENSITY_MAP_EXT")),
        case!("image usage FRAGMENT_SHADING_RATE_ATTACHMENT_KHR", |gpu| gpu.alloc().create_image(&image(U::FRAGMENT_SHADING_RATE_ATTACHMENT_KHR, C::empty()))
            => Error::MissingFeature { feature: "VK_KHR_fragment_shading_rate", .. }),
        case!("image usage HOST_TRANSFER_EXT", |gpu| gpu.alloc().create_image(&image(U::HOST_TRANSFER_EXT, C::empty()))
            => Error::MissingFeature { feature: "VK_EXT_host_image_copy", .. }),
        case!("image usage ATTACHMENT_FEEDBACK_LOOP_EXT", |gpu| gpu.alloc().create_image(&image(U::ATTACHMENT_FEEDBACK_LOOP_EXT, C::empty()))
            => Error::MissingFeature { feature: "VK_EXT_attachment_feedback_loop_layout", .. }),
        case!("image usage SAMPLE_WEIGHT_QCOM", |gpu| gpu.alloc().create_image(&image(U::SAMPLE_WEIGHT_QCOM, C::empty()))
            => Error::MissingFeature { feature: "VK_QCOM_image_processing", .. }),
        case!("image flag CORNER_SAMPLED_NV", |gpu| gpu.alloc().create_image(&image(U::empty(), C::CORNER_SAMPLED_NV))
            => Error::MissingFeature { feature: "VK_NV_corner_sampled_image", operation } if names(operation, "CORNER_SAMPLED_NV")),
        case!("image flag SUBSAMPLED_EXT", |gpu| gpu.alloc().create_image(&image(U::empty(), C::SUBSAMPLED_EXT))
            => Error::MissingFeature { feature: "VK_EXT_fragment_density_map", .. }),
        case!("image flag TYPE_2D_VIEW_COMPATIBLE_EXT", |gpu| gpu.alloc().create_image(&image(U::empty(), C::TYPE_2D_VIEW_COMPATIBLE_EXT))
            => Error::MissingFeature { feature: "VK_EXT_image_2d_view_of_3d", .. }),
        case!("image flag MULTISAMPLED_RENDER_TO_SINGLE_SAMPLED_EXT", |gpu| gpu.alloc().create_image(
            &image(U::empty(), C::MULTISAMPLED_RENDER_TO_SINGLE_SAMPLED_EXT))
            => Error::MissingFeature { feature: "VK_EXT_multisampled_render_to_single_sampled", .. }),
        case!("image flag VIDEO_PROFILE_INDEPENDENT_KHR", |gpu| gpu.alloc().create_image(&image(U::empty(), C::VIDEO_PROFILE_INDEPENDENT_KHR))
            => Error::MissingFeature { feature: "VK_KHR_video_maintenance1", .. }),
        case!("descriptor binding seen by stage MESH_EXT", |gpu| binding(gpu, vkres::DescriptorKind::StorageBuffer, vk::ShaderStageFlags::MESH_EXT)
            => Error::MissingFeature { feature: "VK_EXT_mesh_shader", operation } if names(operation, "MESH_EXT")),
        case!("descriptor binding seen by stages TASK_EXT | FRAGMENT", |gpu| binding(
            gpu, vkres::DescriptorKind::UniformBuffer, vk::ShaderStageFlags::TASK_EXT | vk::ShaderStageFlags::FRAGMENT)
            => Error::MissingFeature { feature: "VK_EXT_mesh_shader", operation } if names(operation, "TASK_EXT")),
        case!("descriptor binding seen by stage CLUSTER_CULLING_HUAWEI", |gpu| binding(
            gpu, vkres::DescriptorKind::StorageBuffer, vk::ShaderStageFlags::CLUSTER_CULLING_HUAWEI)
            => Error::MissingFeature { feature: "VK_HUAWEI_cluster_culling_shader", .. }),
        case!("descriptor binding seen by stage SUBPASS_SHADING_HUAWEI", |gpu| binding(
            gpu, vkres::DescriptorKind::SampledImage, vk::ShaderStageFlags::SUBPASS_SHADING_HUAWEI)
            => Error::MissingFeature { feature: "VK_HUAWEI_subpass_shading", .. }),
        case!("descriptor binding seen by stage bit 30 (no Vulkan defines it)", |gpu| binding(
            gpu, vkres::DescriptorKind::StorageBuffer, vk::ShaderStageFlags::from_raw(1 << 30))
            => Error::ValidUsage { vuid: "VUID-VkDescriptorSetLayoutBinding-descriptorCount-00283", .. }),
        case!("descriptor binding seen by stage RAYGEN_KHR without ray tracing", |_gpu| binding_without_ray_tracing(
            vkres::DescriptorKind::StorageBuffer, vk::ShaderStageFlags::RAYGEN_KHR | vk::ShaderStageFlags::COMPUTE)
            => Error::MissingFeature { feature: "VK_KHR_ray_tracing_pipeline", operation } if names(operation, "RAYGEN_KHR")),
        case!("descriptor binding seen by stage CLOSEST_HIT_KHR without ray tracing", |_gpu| binding_without_ray_tracing(
            vkres::DescriptorKind::UniformBuffer, vk::ShaderStageFlags::CLOSEST_HIT_KHR)
            => Error::MissingFeature { feature: "VK_KHR_ray_tracing_pipeline", .. }),
        case!("acceleration-structure binding without ray tracing", |_gpu| binding_without_ray_tracing(
            vkres::DescriptorKind::AccelerationStructure, vk::ShaderStageFlags::COMPUTE)
            => Error::MissingFeature { feature: "VK_KHR_acceleration_structure", .. }),
        case!("descriptor binding seen by ALL and ALL_GRAPHICS | COMPUTE (accepted), then MESH_EXT", |gpu| {
            binding(gpu, vkres::DescriptorKind::StorageBuffer, vk::ShaderStageFlags::ALL)?;
            binding(gpu, vkres::DescriptorKind::StorageBuffer, vk::ShaderStageFlags::ALL_GRAPHICS | vk::ShaderStageFlags::COMPUTE)?;
            binding(gpu, vkres::DescriptorKind::StorageBuffer, vk::ShaderStageFlags::MESH_EXT)
        } => Error::MissingFeature { feature: "VK_EXT_mesh_shader", .. }),
    ]
}

#[test]
fn extension_bit_cases() {
    super::run("extensions", cases);
}

/// The cases above mean something only where the context lacks their extensions.
#[test]
fn the_test_context_enables_none_of_the_refused_extensions() {
    let gpu = crate::support::Gpu::new();
    let caps = gpu.ctx().capabilities();
    for ext in [
        c"VK_EXT_transform_feedback",
        c"VK_EXT_fragment_density_map",
        c"VK_NV_corner_sampled_image",
        c"VK_EXT_mesh_shader",
        c"VK_NV_mesh_shader",
    ] {
        assert!(!caps.has_extension(ext), "{ext:?} is enabled on the test context");
    }
    if caps.enabled.acceleration_structure {
        assert!(caps.has_extension(c"VK_KHR_acceleration_structure"));
    }
}
