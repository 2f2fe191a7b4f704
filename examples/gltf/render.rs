//! Draws a [`GltfScene`](super::scene::GltfScene) into its `picture` with the ray-query compute
//! shader `shaders/gltf_query.wgsl`, and reads the picture back. The descriptor set's layout is
//! the bundle's `descriptor_bindings()` (its texture binding array widened to the shader's
//! fixed size, partially bound) and its contents are written by `write_descriptors()`; the
//! pipeline, set and command buffer are plain ash.

use std::sync::Arc;

use vkres::{Context, DescriptorBinding, DescriptorKind, Error, ResourceAllocator, ShaderModule, vk};

use super::scene::{GltfScene, MAX_TEXTURES};

/// The committed SPIR-V of the tracer (compiled from WGSL by naga; see `tests/runtime/shaders.rs`).
const QUERY_SPV: &[u8] = include_bytes!("../../shaders/gltf_query.spv");

/// Maps a failed Vulkan call to vkres' error.
fn failed(operation: &'static str) -> impl FnOnce(vk::Result) -> Error {
    move |result| Error::Vulkan { operation, result }
}

/// The compute pipeline with a descriptor set pointing at one scene's resources, and the
/// command buffer that traces it. Holds only handles of the scene: keep the scene alive while
/// it exists.
pub struct Renderer {
    ctx: Arc<Context>,
    set_layout: vk::DescriptorSetLayout,
    pipeline_layout: vk::PipelineLayout,
    descriptor_pool: vk::DescriptorPool,
    pipeline: vk::Pipeline,
    command_pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
}

/// The scene's bindings as the shader declares them: the texture array at its fixed size.
pub fn shader_bindings(scene: &GltfScene) -> Vec<DescriptorBinding> {
    let mut bindings = scene.descriptor_bindings();
    for b in &mut bindings {
        if b.field == "textures" {
            b.count = MAX_TEXTURES;
            b.flags |= vk::DescriptorBindingFlags::PARTIALLY_BOUND;
        }
    }
    bindings
}

impl Renderer {
    /// The pipeline, its set written with `scene`'s resources, and the recorded trace of a
    /// `width` x `height` picture. Needs ray queries and descriptor indexing (the caller checks).
    pub fn new(alloc: &ResourceAllocator, scene: &GltfScene, width: u32, height: u32) -> vkres::Result<Self> {
        let ctx = alloc.context().clone();
        let mut r = Self {
            ctx: ctx.clone(),
            set_layout: vk::DescriptorSetLayout::null(),
            pipeline_layout: vk::PipelineLayout::null(),
            descriptor_pool: vk::DescriptorPool::null(),
            pipeline: vk::Pipeline::null(),
            command_pool: vk::CommandPool::null(),
            cmd: vk::CommandBuffer::null(),
            fence: vk::Fence::null(),
        };
        let device = ctx.device();
        let bindings = shader_bindings(scene);
        let layout_bindings: Vec<_> = bindings.iter().map(DescriptorBinding::layout_binding).collect();
        let flags: Vec<_> = bindings.iter().map(|b| b.flags).collect();
        let layout_flags = DescriptorBinding::layout_flags(&bindings);
        let pool_flags = if layout_flags.contains(vk::DescriptorSetLayoutCreateFlags::UPDATE_AFTER_BIND_POOL) {
            vk::DescriptorPoolCreateFlags::UPDATE_AFTER_BIND
        } else {
            vk::DescriptorPoolCreateFlags::empty()
        };
        let mut sizes: Vec<vk::DescriptorPoolSize> = Vec::new();
        for b in &bindings {
            let ty = b.kind.descriptor_type();
            match sizes.iter_mut().find(|s| s.ty == ty) {
                Some(s) => s.descriptor_count += b.count,
                None => sizes.push(vk::DescriptorPoolSize { ty, descriptor_count: b.count }),
            }
        }
        // SAFETY: creation of objects of this device from valid create infos; each handle is
        // stored in `r` at once, whose `Drop` destroys it.
        let set = unsafe {
            let mut binding_flags = vk::DescriptorSetLayoutBindingFlagsCreateInfo::default().binding_flags(&flags);
            let info = vk::DescriptorSetLayoutCreateInfo::default()
                .flags(layout_flags)
                .bindings(&layout_bindings)
                .push_next(&mut binding_flags);
            r.set_layout =
                device.create_descriptor_set_layout(&info, None).map_err(failed("vkCreateDescriptorSetLayout"))?;
            let set_layouts = [r.set_layout];
            r.pipeline_layout = device
                .create_pipeline_layout(&vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts), None)
                .map_err(failed("vkCreatePipelineLayout"))?;
            r.descriptor_pool = device
                .create_descriptor_pool(
                    &vk::DescriptorPoolCreateInfo::default().flags(pool_flags).max_sets(1).pool_sizes(&sizes),
                    None,
                )
                .map_err(failed("vkCreateDescriptorPool"))?;
            r.command_pool = device
                .create_command_pool(
                    &vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index()),
                    None,
                )
                .map_err(failed("vkCreateCommandPool"))?;
            r.fence = device.create_fence(&vk::FenceCreateInfo::default(), None).map_err(failed("vkCreateFence"))?;
            device
                .allocate_descriptor_sets(
                    &vk::DescriptorSetAllocateInfo::default()
                        .descriptor_pool(r.descriptor_pool)
                        .set_layouts(&set_layouts),
                )
                .map_err(failed("vkAllocateDescriptorSets"))?[0]
        };
        r.pipeline = compute_pipeline(alloc, r.pipeline_layout)?;
        let writes = scene.write_descriptors(set);
        debug_assert!(writes.bindings().iter().any(|&(_, kind)| kind == DescriptorKind::AccelerationStructure));
        // SAFETY: the writes name live resources of the scene, of the layout's types and within
        // its counts; the set is not in use.
        writes.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) })?;
        // SAFETY: the pool is this renderer's; the command buffer is recorded once, with objects
        // this renderer owns and the scene's resources behind `set`.
        unsafe {
            let cmd = device
                .allocate_command_buffers(
                    &vk::CommandBufferAllocateInfo::default().command_pool(r.command_pool).command_buffer_count(1),
                )
                .map_err(failed("vkAllocateCommandBuffers"))?[0];
            r.cmd = cmd;
            device
                .begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default())
                .map_err(failed("vkBeginCommandBuffer"))?;
            device.cmd_bind_pipeline(cmd, vk::PipelineBindPoint::COMPUTE, r.pipeline);
            device.cmd_bind_descriptor_sets(cmd, vk::PipelineBindPoint::COMPUTE, r.pipeline_layout, 0, &[set], &[]);
            device.cmd_dispatch(cmd, width.div_ceil(8), height.div_ceil(8), 1);
            // The picture's writes, made visible to whatever runs next (the download's copy).
            let barrier = [vk::MemoryBarrier2::default()
                .src_stage_mask(vk::PipelineStageFlags2::COMPUTE_SHADER)
                .src_access_mask(vk::AccessFlags2::SHADER_STORAGE_WRITE)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
                .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)];
            device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().memory_barriers(&barrier));
            device.end_command_buffer(cmd).map_err(failed("vkEndCommandBuffer"))?;
        }
        Ok(r)
    }

    /// Traces the picture: one submission, waited for.
    pub fn render(&self) -> vkres::Result<()> {
        let device = self.ctx.device();
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(self.cmd)];
        // SAFETY: the command buffer is executable and not pending (every submission is waited
        // for below); the fence is unsignalled (reset after each wait).
        unsafe {
            self.ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], self.fence)?;
            device.wait_for_fences(&[self.fence], true, u64::MAX).map_err(failed("vkWaitForFences"))?;
            device.reset_fences(&[self.fence]).map_err(failed("vkResetFences"))?;
        }
        Ok(())
    }
}

impl Drop for Renderer {
    fn drop(&mut self) {
        let device = self.ctx.device();
        // SAFETY: every submission was waited for; each handle is this renderer's (or null,
        // which the destroy functions ignore).
        unsafe {
            device.destroy_fence(self.fence, None);
            device.destroy_command_pool(self.command_pool, None);
            device.destroy_descriptor_pool(self.descriptor_pool, None);
            device.destroy_pipeline(self.pipeline, None);
            device.destroy_pipeline_layout(self.pipeline_layout, None);
            device.destroy_descriptor_set_layout(self.set_layout, None);
        }
    }
}

/// The ray-query compute pipeline.
fn compute_pipeline(alloc: &ResourceAllocator, layout: vk::PipelineLayout) -> vkres::Result<vk::Pipeline> {
    let module: ShaderModule = alloc.create_shader_module(QUERY_SPV, "gltf_query")?;
    let stage = vk::PipelineShaderStageCreateInfo::default()
        .stage(vk::ShaderStageFlags::COMPUTE)
        .module(module.handle())
        .name(c"main");
    let info = vk::ComputePipelineCreateInfo::default().stage(stage).layout(layout);
    // SAFETY: a valid create info; the module may go once the pipeline exists.
    unsafe { alloc.context().device().create_compute_pipelines(vk::PipelineCache::null(), &[info], None) }
        .map_err(|(_, e)| failed("vkCreateComputePipelines")(e))
        .map(|p| p[0])
}

/// Copies the picture back to the host: one batch, one submission. Linear RGBA, row by row.
pub fn download(alloc: &ResourceAllocator, scene: &GltfScene) -> vkres::Result<Vec<[f32; 4]>> {
    let mut batch = alloc.batch()?;
    let picture = batch.download_image(scene.picture.image())?;
    batch.submit_and_wait()?;
    picture.read::<[f32; 4]>()
}
