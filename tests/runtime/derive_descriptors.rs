//! `binding = N` fields: the layout bindings a derived bundle declares, and its descriptor
//! writes applied to a real descriptor set under the validation layer.

use vkres::{Buffer, DescriptorKind, GpuResources, ImageView, Sampler, ShaderModule, Texture, vk};

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
    let sizes: Vec<_> =
        layout_bindings.iter().map(|b| vk::DescriptorPoolSize { ty: b.descriptor_type, descriptor_count: 1 }).collect();
    let writes = |set| bound.write_descriptors(set);
    // SAFETY: objects created and destroyed here on a live device; the set is written while no
    // command uses it; the bundle outlives every object that refers to its resources.
    unsafe {
        let set_layout = device
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&layout_bindings),
                None,
            )
            .expect("set layout");
        let pool = device
            .create_descriptor_pool(&vk::DescriptorPoolCreateInfo::default().max_sets(1).pool_sizes(&sizes), None)
            .expect("pool");
        let layouts = [set_layout];
        let set = device
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default().descriptor_pool(pool).set_layouts(&layouts),
            )
            .expect("set")[0];
        let w = writes(set);
        assert_eq!(w.bindings().len(), 6);
        w.with_writes(|w| device.update_descriptor_sets(w, &[]));

        let pipeline_layout = device
            .create_pipeline_layout(&vk::PipelineLayoutCreateInfo::default().set_layouts(&layouts), None)
            .expect("pipeline layout");
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(bound.shader.handle())
            .name(c"main");
        let info = vk::ComputePipelineCreateInfo::default().stage(stage).layout(pipeline_layout);
        let pipeline = device
            .create_compute_pipelines(vk::PipelineCache::null(), &[info], None)
            .map_err(|(_, e)| e)
            .expect("pipeline")[0];
        device.destroy_pipeline(pipeline, None);
        device.destroy_pipeline_layout(pipeline_layout, None);
        device.destroy_descriptor_pool(pool, None);
        device.destroy_descriptor_set_layout(set_layout, None);
    }
}
