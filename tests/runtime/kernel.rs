//! A compute shader run by hand-written ash, for tests that check what the device computes
//! from vkres resources (ray queries against a TLAS, reads of uploaded data): one descriptor
//! set of storage buffers and acceleration structures, one dispatch, one wait.

use std::sync::Arc;

use vkres::{Buffer, Context, DescriptorBinding, DescriptorKind, DescriptorWrites, vk};

use crate::support::Gpu;

/// What one binding of the kernel's set holds.
pub enum Binding<'a> {
    Storage(&'a Buffer),
    Accel(vk::AccelerationStructureKHR),
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
            DescriptorBinding { binding, kind: b.kind(), stages, field: "kernel" }.layout_binding()
        })
        .collect();
    let pool_sizes: Vec<_> = bindings
        .iter()
        .map(|b| vk::DescriptorPoolSize::default().ty(b.kind().descriptor_type()).descriptor_count(1))
        .collect();
    let module = gpu.alloc().create_shader_module(bytemuck::cast_slice(spirv), "kernel").expect("module");
    // SAFETY (whole block): plain creation of objects of this device from valid create infos,
    // recording into a fresh command buffer, one submission waited for on its own fence, and
    // destruction of every object once that wait returned.
    unsafe {
        let set_layout = device
            .create_descriptor_set_layout(
                &vk::DescriptorSetLayoutCreateInfo::default().bindings(&layout_bindings),
                None,
            )
            .expect("set layout");
        let set_layouts = [set_layout];
        let pipeline_layout = device
            .create_pipeline_layout(&vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts), None)
            .expect("pipeline layout");
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module.handle())
            .name(c"main");
        let pipeline = device
            .create_compute_pipelines(
                vk::PipelineCache::null(),
                &[vk::ComputePipelineCreateInfo::default().stage(stage).layout(pipeline_layout)],
                None,
            )
            .map_err(|(_, e)| e)
            .expect("pipeline")[0];
        let pool = device
            .create_descriptor_pool(&vk::DescriptorPoolCreateInfo::default().max_sets(1).pool_sizes(&pool_sizes), None)
            .expect("descriptor pool");
        let set = device
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default().descriptor_pool(pool).set_layouts(&set_layouts),
            )
            .expect("set")[0];
        let mut writes = DescriptorWrites::new(set);
        for (i, b) in (0..).zip(bindings) {
            match b {
                Binding::Storage(buffer) => writes.buffer(i, DescriptorKind::StorageBuffer, buffer),
                Binding::Accel(handle) => writes.acceleration_structure(i, *handle),
            };
        }
        writes.with_writes(|writes| device.update_descriptor_sets(writes, &[]));

        run_once(ctx, |cmd| {
            device.cmd_bind_pipeline(cmd, vk::PipelineBindPoint::COMPUTE, pipeline);
            device.cmd_bind_descriptor_sets(cmd, vk::PipelineBindPoint::COMPUTE, pipeline_layout, 0, &[set], &[]);
            device.cmd_dispatch(cmd, invocations.div_ceil(64), 1, 1);
        });

        device.destroy_descriptor_pool(pool, None);
        device.destroy_pipeline(pipeline, None);
        device.destroy_pipeline_layout(pipeline_layout, None);
        device.destroy_descriptor_set_layout(set_layout, None);
    }
}

/// Records `record` into a fresh command buffer followed by a barrier from compute-shader
/// writes to host reads and every later command, submits it and waits; then destroys it.
pub fn run_once(ctx: &Arc<Context>, record: impl FnOnce(vk::CommandBuffer)) {
    let device = ctx.device();
    // SAFETY: a pool and fence made here, a command buffer recorded by the caller's commands on
    // the caller's live objects, one submission waited for before everything made is destroyed.
    unsafe {
        let pool = device
            .create_command_pool(
                &vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index()),
                None,
            )
            .expect("command pool");
        let cmd = device
            .allocate_command_buffers(
                &vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1),
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
        let fence = device.create_fence(&vk::FenceCreateInfo::default(), None).expect("fence");
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
        ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], fence).expect("submit");
        device.wait_for_fences(&[fence], true, u64::MAX).expect("wait");
        device.destroy_fence(fence, None);
        device.destroy_command_pool(pool, None);
    }
}
