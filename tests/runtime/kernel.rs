//! A compute shader run by hand-written ash, for tests that check what the device computes
//! from vkres resources (ray queries against a TLAS, reads of uploaded data): one descriptor
//! set of storage buffers and acceleration structures, one dispatch, one wait.
//!
//! Also the small RAII pieces every test that makes its own Vulkan objects shares: a
//! descriptor set with its layout and pool ([`DescriptorSet`]), a compute pipeline with its
//! layout ([`ComputePipeline`]), and one command buffer submitted once and waited for
//! ([`run_once`]). Each destroys what it made when dropped; drop them only once every
//! submission that used them was waited for (as `run_once` does).

use std::sync::Arc;

use vkres::{Buffer, Context, DescriptorBinding, DescriptorKind, DescriptorWrites, vk};

use crate::support::Gpu;

/// A descriptor set layout of the given bindings, a pool with room for one set of it, and
/// that set; the pool and the layout are destroyed on drop.
pub struct DescriptorSet<'a> {
    device: &'a ash::Device,
    layout: vk::DescriptorSetLayout,
    pool: vk::DescriptorPool,
    set: vk::DescriptorSet,
}

impl<'a> DescriptorSet<'a> {
    pub fn new(device: &'a ash::Device, bindings: &[vk::DescriptorSetLayoutBinding<'_>]) -> Self {
        let sizes: Vec<_> = bindings
            .iter()
            .map(|b| vk::DescriptorPoolSize { ty: b.descriptor_type, descriptor_count: b.descriptor_count })
            .collect();
        // SAFETY: plain creation of objects of this device from valid create infos; each is
        // stored in `this` at once, whose `Drop` destroys it (a null handle is ignored there).
        unsafe {
            let layout = device
                .create_descriptor_set_layout(&vk::DescriptorSetLayoutCreateInfo::default().bindings(bindings), None)
                .expect("set layout");
            let mut this = Self { device, layout, pool: vk::DescriptorPool::null(), set: vk::DescriptorSet::null() };
            this.pool = device
                .create_descriptor_pool(&vk::DescriptorPoolCreateInfo::default().max_sets(1).pool_sizes(&sizes), None)
                .expect("descriptor pool");
            this.set = device
                .allocate_descriptor_sets(
                    &vk::DescriptorSetAllocateInfo::default().descriptor_pool(this.pool).set_layouts(&[layout]),
                )
                .expect("set")[0];
            this
        }
    }

    /// The set (freed with the pool).
    pub fn set(&self) -> vk::DescriptorSet {
        self.set
    }

    pub fn layout(&self) -> vk::DescriptorSetLayout {
        self.layout
    }
}

impl Drop for DescriptorSet<'_> {
    fn drop(&mut self) {
        // SAFETY: the objects are this value's; every submission that used the set was waited
        // for (the contract of this module).
        unsafe {
            self.device.destroy_descriptor_pool(self.pool, None);
            self.device.destroy_descriptor_set_layout(self.layout, None);
        }
    }
}

/// The compute stage of `module`'s `main`.
pub fn main_stage(module: vk::ShaderModule) -> vk::PipelineShaderStageCreateInfo<'static> {
    vk::PipelineShaderStageCreateInfo::default().stage(vk::ShaderStageFlags::COMPUTE).module(module).name(c"main")
}

/// A pipeline layout of `set_layouts` and `push_constant_ranges`, and a compute pipeline of
/// one stage with it; both destroyed on drop.
pub struct ComputePipeline<'a> {
    device: &'a ash::Device,
    layout: vk::PipelineLayout,
    pipeline: vk::Pipeline,
}

impl<'a> ComputePipeline<'a> {
    pub fn new(
        device: &'a ash::Device,
        stage: vk::PipelineShaderStageCreateInfo<'_>,
        set_layouts: &[vk::DescriptorSetLayout],
        push_constant_ranges: &[vk::PushConstantRange],
    ) -> Self {
        let info =
            vk::PipelineLayoutCreateInfo::default().set_layouts(set_layouts).push_constant_ranges(push_constant_ranges);
        // SAFETY: plain creation of objects of this device from valid create infos; each is
        // stored in `this` at once, whose `Drop` destroys it (a null handle is ignored there).
        unsafe {
            let layout = device.create_pipeline_layout(&info, None).expect("pipeline layout");
            let mut this = Self { device, layout, pipeline: vk::Pipeline::null() };
            this.pipeline = device
                .create_compute_pipelines(
                    vk::PipelineCache::null(),
                    &[vk::ComputePipelineCreateInfo::default().stage(stage).layout(layout)],
                    None,
                )
                .map_err(|(_, e)| e)
                .expect("pipeline")[0];
            this
        }
    }

    pub fn pipeline(&self) -> vk::Pipeline {
        self.pipeline
    }

    pub fn layout(&self) -> vk::PipelineLayout {
        self.layout
    }
}

impl Drop for ComputePipeline<'_> {
    fn drop(&mut self) {
        // SAFETY: the objects are this value's; every submission that used them was waited for
        // (the contract of this module).
        unsafe {
            self.device.destroy_pipeline(self.pipeline, None);
            self.device.destroy_pipeline_layout(self.layout, None);
        }
    }
}

/// What each binding of the kernel's set holds.
pub enum Binding<'a> {
    Storage(&'a Buffer),
    Accel(&'a vkres::Tlas),
}

impl Binding<'_> {
    fn kind(&self) -> DescriptorKind {
        match self {
            Binding::Storage(_) => DescriptorKind::StorageBuffer,
            Binding::Accel(_) => DescriptorKind::AccelerationStructure,
        }
    }
}

/// Runs `spirv`'s `main` over `invocations` invocations (workgroups of 64) with `bindings`
/// as set 0 (binding `i` = `bindings[i]`) and waits; every object made here is destroyed.
pub fn dispatch(gpu: &Gpu, spirv: &[u32], bindings: &[Binding<'_>], invocations: u32) {
    let ctx = gpu.ctx();
    let device = ctx.device();
    let layout_bindings: Vec<_> = (0..)
        .zip(bindings)
        .map(|(binding, b)| {
            let stages = vk::ShaderStageFlags::COMPUTE;
            DescriptorBinding::single(binding, b.kind(), stages, "kernel").layout_binding()
        })
        .collect();
    let module = gpu.alloc().create_shader_module(bytemuck::cast_slice(spirv), "kernel").expect("module");
    let set = DescriptorSet::new(device, &layout_bindings);
    let pipeline = ComputePipeline::new(device, main_stage(module.handle()), &[set.layout()], &[]);
    let mut writes = DescriptorWrites::new(set.set());
    for (i, b) in (0..).zip(bindings) {
        match b {
            Binding::Storage(buffer) => writes.buffer(i, DescriptorKind::StorageBuffer, buffer),
            Binding::Accel(tlas) => writes.acceleration_structure(i, tlas),
        };
    }
    // SAFETY: the writes name live resources of the caller, of the layout's types; the set is
    // not in use. The commands record into `run_once`'s fresh command buffer with live objects,
    // and `run_once` waits for the submission before `set` and `pipeline` are dropped.
    unsafe {
        writes.with_writes(|writes| device.update_descriptor_sets(writes, &[])).expect("writes");
        run_once(ctx, |cmd| {
            device.cmd_bind_pipeline(cmd, vk::PipelineBindPoint::COMPUTE, pipeline.pipeline());
            device.cmd_bind_descriptor_sets(
                cmd,
                vk::PipelineBindPoint::COMPUTE,
                pipeline.layout(),
                0,
                &[set.set()],
                &[],
            );
            device.cmd_dispatch(cmd, invocations.div_ceil(64), 1, 1);
        });
    }
}

/// A command pool and a fence for one submission; destroyed on drop.
struct OneShot<'a> {
    device: &'a ash::Device,
    pool: vk::CommandPool,
    fence: vk::Fence,
}

impl Drop for OneShot<'_> {
    fn drop(&mut self) {
        // SAFETY: the objects are this value's; its one submission was waited for (or never
        // made) before it is dropped.
        unsafe {
            self.device.destroy_fence(self.fence, None);
            self.device.destroy_command_pool(self.pool, None);
        }
    }
}

/// Records `record` into a fresh command buffer followed by a barrier from compute-shader
/// writes to host reads and every later command, submits it through `ctx.submit` and waits;
/// then destroys it.
pub fn run_once(ctx: &Arc<Context>, record: impl FnOnce(vk::CommandBuffer)) {
    let device = ctx.device();
    let mut once = OneShot { device, pool: vk::CommandPool::null(), fence: vk::Fence::null() };
    // SAFETY: a pool and fence made here (each stored in `once` at once, whose `Drop` destroys
    // them), a command buffer recorded by the caller's commands on the caller's live objects,
    // one submission waited for before `once` is dropped.
    unsafe {
        once.pool = device
            .create_command_pool(
                &vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index()),
                None,
            )
            .expect("command pool");
        once.fence = device.create_fence(&vk::FenceCreateInfo::default(), None).expect("fence");
        let cmd = device
            .allocate_command_buffers(
                &vk::CommandBufferAllocateInfo::default().command_pool(once.pool).command_buffer_count(1),
            )
            .expect("command buffer")[0];
        device.begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default()).expect("begin");
        record(cmd);
        let barrier = [vk::MemoryBarrier2::default()
            .src_stage_mask(vk::PipelineStageFlags2::COMPUTE_SHADER)
            .src_access_mask(vk::AccessFlags2::SHADER_WRITE)
            .dst_stage_mask(vk::PipelineStageFlags2::HOST | vk::PipelineStageFlags2::ALL_COMMANDS)
            .dst_access_mask(vk::AccessFlags2::HOST_READ | vk::AccessFlags2::MEMORY_READ)];
        device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().memory_barriers(&barrier));
        device.end_command_buffer(cmd).expect("end");
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
        ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], once.fence).expect("submit");
        device.wait_for_fences(&[once.fence], true, u64::MAX).expect("wait");
    }
}
