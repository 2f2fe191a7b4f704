//! `binding = N` fields: the layout bindings a derived bundle declares, and its descriptor
//! writes applied to a real descriptor set under the validation layer.

use vkres::{Buffer, DescriptorKind, GpuResources, ImageView, Sampler, ShaderModule, Texture, vk};

use crate::kernel::{ComputePipeline, DescriptorSet, main_stage};
use crate::support::Gpu;

#[derive(GpuResources)]
struct Bound {
    #[gpu(buffer(usage = UNIFORM, data = [[1.0f32; 4]]), binding = 0, stages = COMPUTE)]
    params: Buffer<[f32; 4]>,
    #[gpu(buffer(usage = STORAGE, len = 64), binding = 1, stages = COMPUTE | FRAGMENT)]
    results: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [2, 2], data = [9u8; 16], sampler = smp), binding = 2)]
    albedo: Texture,
    #[gpu(texture(format = R32_SFLOAT, extent = [8, 8], usage = STORAGE), binding = 3, stages = COMPUTE)]
    target: ImageView,
    #[gpu(sampler(filter = nearest), binding = 4, stages = COMPUTE)]
    smp: Sampler,
    #[gpu(texture(format = R8_UNORM, extent = [4, 4]), binding = 5, stages = COMPUTE)]
    plain: ImageView,
    /// Not a descriptor.
    #[gpu(shader(path = "tests/fixtures/empty_compute.spv"))]
    shader: ShaderModule,
}

#[test]
fn bindings_describe_the_layout() {
    let bindings = Bound::descriptor_bindings();
    let kinds: Vec<(u32, DescriptorKind, &str)> = bindings.iter().map(|b| (b.binding, b.kind, b.field)).collect();
    assert_eq!(
        kinds,
        [
            (0, DescriptorKind::UniformBuffer, "params"),
            (1, DescriptorKind::StorageBuffer, "results"),
            (2, DescriptorKind::CombinedImageSampler, "albedo"),
            (3, DescriptorKind::StorageImage, "target"),
            (4, DescriptorKind::Sampler, "smp"),
            (5, DescriptorKind::SampledImage, "plain"),
        ]
    );
    assert_eq!(bindings[1].stages, vk::ShaderStageFlags::COMPUTE | vk::ShaderStageFlags::FRAGMENT);
    assert_eq!(bindings[2].stages, vk::ShaderStageFlags::ALL, "stages default to all");
    let layout = bindings[2].layout_binding();
    assert_eq!(layout.descriptor_type, vk::DescriptorType::COMBINED_IMAGE_SAMPLER);
    assert_eq!(layout.descriptor_count, 1);
}

#[test]
fn writes_fill_a_descriptor_set_and_a_pipeline_uses_it() {
    let gpu = Gpu::new();
    let bound = Bound::create(gpu.alloc()).expect("bound");
    assert_eq!(bound.target.image().layout(), vk::ImageLayout::GENERAL, "a storage image is left in GENERAL");
    let device = gpu.ctx().device();
    let layout_bindings: Vec<_> = Bound::descriptor_bindings().iter().map(|b| b.layout_binding()).collect();
    let set = DescriptorSet::new(device, &layout_bindings);
    let w = bound.write_descriptors(set.set());
    assert_eq!(w.bindings().len(), 6);
    // SAFETY: the writes name the bundle's live resources, of the layout's types; the set is
    // not in use. The bundle outlives the set and the pipeline (declared after it).
    w.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) }).expect("writes");
    let _pipeline = ComputePipeline::new(device, main_stage(bound.shader.handle()), &[set.layout()], &[]);
}

/// `DescriptorWrites::update` writes the set with the context's device: the pipeline's layout
/// accepts it with validation on; the writes' device is the context's.
#[test]
fn update_writes_the_set_with_the_context_device() {
    let gpu = Gpu::new();
    let bound = Bound::create(gpu.alloc()).expect("bound");
    let device = gpu.ctx().device();
    let layout_bindings: Vec<_> = Bound::descriptor_bindings().iter().map(|b| b.layout_binding()).collect();
    let set = DescriptorSet::new(device, &layout_bindings);
    let w = bound.write_descriptors(set.set());
    assert_eq!(w.device(), Some(device.handle()));
    // SAFETY: the set is of the context's device, with the bundle's layout, not in use; the
    // bundle outlives the set and the pipeline (declared after it).
    unsafe { w.update(gpu.ctx()) }.expect("update");
    let _pipeline = ComputePipeline::new(device, main_stage(bound.shader.handle()), &[set.layout()], &[]);
}
