//! What the two ray-traced examples (`examples/raytrace/`, `examples/gltf/`) share: the choice of
//! tracer (a compute shader with ray queries, or a ray-tracing pipeline of raygen, miss and
//! closest-hit shaders for drivers without ray queries), and [`Tracing`], which owns the
//! pipeline, its one descriptor set (layout made from a bundle's `DescriptorBinding`s), the
//! shader binding table laid out by the device's handle size and alignments, and the command
//! buffer that traces one picture. Each example's `render.rs` includes it with `#[path]` and
//! adds what is its own (which descriptors it writes, the picture's size). Not an example of its
//! own (no `main.rs`).

// A module of several examples and of the test binary: each uses part of it.
#![allow(dead_code)]

use std::sync::Arc;

use vkres::{
    Buffer, BufferDesc, Context, DescriptorBinding, DeviceCapabilities, Error, Image, MappingType, ResourceAllocator,
    vk,
};

/// How the picture is traced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tracer {
    /// A compute shader with `VK_KHR_ray_query`.
    RayQuery,
    /// A ray-tracing pipeline (`VK_KHR_ray_tracing_pipeline`).
    Pipeline,
}

impl Tracer {
    /// Whether the device has this tracer's extension enabled.
    pub fn enabled_on(self, caps: &DeviceCapabilities) -> bool {
        match self {
            Tracer::RayQuery => caps.enabled.ray_query,
            Tracer::Pipeline => caps.enabled.ray_tracing_pipeline,
        }
    }

    /// `wanted` if the device has it, else ray queries where present, else the pipeline; `Err`
    /// says why nothing can trace.
    pub fn pick(caps: &DeviceCapabilities, wanted: Option<Tracer>) -> Result<Tracer, String> {
        match wanted {
            Some(t) if t.enabled_on(caps) => Ok(t),
            Some(t) => Err(format!("{} lacks what {t:?} needs ({})", caps.device_name, t.extension())),
            None if !caps.enabled.acceleration_structure => {
                Err(format!("{} has no VK_KHR_acceleration_structure", caps.device_name))
            }
            None => [Tracer::RayQuery, Tracer::Pipeline].into_iter().find(|&t| t.enabled_on(caps)).ok_or_else(|| {
                format!("{} has neither VK_KHR_ray_query nor VK_KHR_ray_tracing_pipeline", caps.device_name)
            }),
        }
    }

    /// The extension it needs.
    pub fn extension(self) -> &'static str {
        match self {
            Tracer::RayQuery => "VK_KHR_ray_query",
            Tracer::Pipeline => "VK_KHR_ray_tracing_pipeline",
        }
    }

    /// The stage the tracer writes the picture in.
    pub fn stage(self) -> vk::PipelineStageFlags2 {
        match self {
            Tracer::RayQuery => vk::PipelineStageFlags2::COMPUTE_SHADER,
            Tracer::Pipeline => vk::PipelineStageFlags2::RAY_TRACING_SHADER_KHR,
        }
    }

    /// Where its pipeline binds.
    pub fn bind_point(self) -> vk::PipelineBindPoint {
        match self {
            Tracer::RayQuery => vk::PipelineBindPoint::COMPUTE,
            Tracer::Pipeline => vk::PipelineBindPoint::RAY_TRACING_KHR,
        }
    }
}

/// Maps a failed Vulkan call to vkres' error.
pub fn failed(operation: &'static str) -> impl FnOnce(vk::Result) -> Error {
    move |result| Error::Vulkan { operation, result }
}

/// The SPIR-V of an example's two tracers and the name its objects get.
pub struct Shaders {
    /// The ray-query compute shader (entry point `main`).
    pub query: &'static [u8],
    /// The ray-tracing pipeline's module (`raygen`, `miss`, `closest_hit`).
    pub pipeline: &'static [u8],
    /// Names the modules and the binding table (`{name}_query`, `{name} shader binding table`).
    pub name: &'static str,
}

/// The shader binding table of the ray-tracing pipeline: one raygen, one miss, one hit group.
struct BindingTable {
    /// Kept alive while the regions point into it.
    _buffer: Buffer,
    raygen: vk::StridedDeviceAddressRegionKHR,
    miss: vk::StridedDeviceAddressRegionKHR,
    hit: vk::StridedDeviceAddressRegionKHR,
}

/// A tracer's pipeline with one descriptor set of its layout, and a command buffer that traces
/// a picture with that set. Holds only handles of what the set points at: keep the scene alive
/// while it exists.
pub struct Tracing {
    ctx: Arc<Context>,
    tracer: Tracer,
    set_layout: vk::DescriptorSetLayout,
    pipeline_layout: vk::PipelineLayout,
    descriptor_pool: vk::DescriptorPool,
    pipeline: vk::Pipeline,
    command_pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    /// The descriptor set, from the pool above; its contents are the caller's to write.
    set: vk::DescriptorSet,
    fence: vk::Fence,
    /// The pipeline's binding table (the pipeline tracer only).
    table: Option<BindingTable>,
    /// Set when a trace did not finish within the context's wait bound: its command buffer may
    /// still be pending, so `Drop` leaks the objects it uses rather than destroy them under it.
    hung: std::cell::Cell<bool>,
    rt: Option<ash::khr::ray_tracing_pipeline::Device>,
}

impl Tracing {
    /// The pipeline of `tracer` (which the device must have) from `shaders`, and an unwritten
    /// descriptor set of the layout `bindings` make (their binding flags, and the layout's and
    /// pool's update-after-bind flag where one needs it).
    pub fn new(
        alloc: &ResourceAllocator,
        tracer: Tracer,
        bindings: &[DescriptorBinding],
        shaders: &Shaders,
    ) -> vkres::Result<Self> {
        let ctx = alloc.context().clone();
        let mut t = Self {
            ctx: ctx.clone(),
            tracer,
            set_layout: vk::DescriptorSetLayout::null(),
            pipeline_layout: vk::PipelineLayout::null(),
            descriptor_pool: vk::DescriptorPool::null(),
            pipeline: vk::Pipeline::null(),
            command_pool: vk::CommandPool::null(),
            cmd: vk::CommandBuffer::null(),
            set: vk::DescriptorSet::null(),
            fence: vk::Fence::null(),
            table: None,
            hung: std::cell::Cell::new(false),
            rt: None,
        };
        // Built step by step into `t`, whose `Drop` destroys whatever was made when a step fails.
        let device = ctx.device();
        let layout_bindings: Vec<_> = bindings.iter().map(DescriptorBinding::layout_binding).collect();
        let flags: Vec<_> = bindings.iter().map(|b| b.flags).collect();
        let layout_flags = DescriptorBinding::layout_flags(bindings);
        let pool_flags = if layout_flags.contains(vk::DescriptorSetLayoutCreateFlags::UPDATE_AFTER_BIND_POOL) {
            vk::DescriptorPoolCreateFlags::UPDATE_AFTER_BIND
        } else {
            vk::DescriptorPoolCreateFlags::empty()
        };
        let mut sizes: Vec<vk::DescriptorPoolSize> = Vec::new();
        for b in bindings {
            let ty = b.kind.descriptor_type();
            match sizes.iter_mut().find(|s| s.ty == ty) {
                Some(s) => s.descriptor_count += b.count,
                None => sizes.push(vk::DescriptorPoolSize { ty, descriptor_count: b.count }),
            }
        }
        // SAFETY: creation of objects of this device from valid create infos; each handle is
        // stored in `t` at once, whose `Drop` destroys it; the pool has room for the one set.
        unsafe {
            let mut binding_flags = vk::DescriptorSetLayoutBindingFlagsCreateInfo::default().binding_flags(&flags);
            let mut info = vk::DescriptorSetLayoutCreateInfo::default().flags(layout_flags).bindings(&layout_bindings);
            // Only where a binding has flags: a layout without them needs no descriptor indexing.
            if flags.iter().any(|f| !f.is_empty()) {
                info = info.push_next(&mut binding_flags);
            }
            t.set_layout =
                device.create_descriptor_set_layout(&info, None).map_err(failed("vkCreateDescriptorSetLayout"))?;
            let set_layouts = [t.set_layout];
            t.pipeline_layout = device
                .create_pipeline_layout(&vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts), None)
                .map_err(failed("vkCreatePipelineLayout"))?;
            t.descriptor_pool = device
                .create_descriptor_pool(
                    &vk::DescriptorPoolCreateInfo::default().flags(pool_flags).max_sets(1).pool_sizes(&sizes),
                    None,
                )
                .map_err(failed("vkCreateDescriptorPool"))?;
            t.command_pool = device
                .create_command_pool(
                    &vk::CommandPoolCreateInfo::default()
                        .queue_family_index(ctx.queue_family_index())
                        .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER),
                    None,
                )
                .map_err(failed("vkCreateCommandPool"))?;
            t.fence = device.create_fence(&vk::FenceCreateInfo::default(), None).map_err(failed("vkCreateFence"))?;
            t.set = device
                .allocate_descriptor_sets(
                    &vk::DescriptorSetAllocateInfo::default()
                        .descriptor_pool(t.descriptor_pool)
                        .set_layouts(&set_layouts),
                )
                .map_err(failed("vkAllocateDescriptorSets"))?[0];
        }
        match tracer {
            Tracer::RayQuery => t.pipeline = compute_pipeline(alloc, t.pipeline_layout, shaders)?,
            Tracer::Pipeline => {
                // The device has VK_KHR_ray_tracing_pipeline enabled (the caller chose a tracer
                // it has), so its functions load.
                let rt = ash::khr::ray_tracing_pipeline::Device::new(ctx.instance(), device);
                t.pipeline = ray_tracing_pipeline(alloc, &rt, t.pipeline_layout, shaders)?;
                t.table = Some(binding_table(alloc, &rt, t.pipeline, shaders.name)?);
                t.rt = Some(rt);
            }
        }
        Ok(t)
    }

    /// How it traces.
    pub fn tracer(&self) -> Tracer {
        self.tracer
    }

    /// The descriptor set (written by the caller before [`record`](Self::record)).
    pub fn set(&self) -> vk::DescriptorSet {
        self.set
    }

    /// The layout of the descriptor set.
    pub fn set_layout(&self) -> vk::DescriptorSetLayout {
        self.set_layout
    }

    /// Records the one command buffer of the pool: trace every pixel of a `extent` picture with
    /// the set bound. Called once, after the set is written.
    pub fn record(&mut self, extent: vk::Extent2D) -> vkres::Result<()> {
        let device = self.ctx.device();
        // SAFETY: the pool is this tracing's; the command buffer is recorded once, with objects
        // this tracing owns and the resources behind its set, which the caller keeps alive.
        unsafe {
            let cmd = device
                .allocate_command_buffers(
                    &vk::CommandBufferAllocateInfo::default().command_pool(self.command_pool).command_buffer_count(1),
                )
                .map_err(failed("vkAllocateCommandBuffers"))?[0];
            self.cmd = cmd;
            device
                .begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default())
                .map_err(failed("vkBeginCommandBuffer"))?;
            self.record_trace_with(cmd, self.set, extent);
            device.end_command_buffer(cmd).map_err(failed("vkEndCommandBuffer"))?;
        }
        Ok(())
    }

    /// Records the trace of every pixel of a picture of `extent` into `cmd` with `set` bound,
    /// followed by a barrier that makes the picture's writes visible to every later command.
    /// It waits for nothing before it: a caller whose earlier commands read the picture (a
    /// blit of the last frame) orders them with a barrier first.
    ///
    /// # Safety
    /// `cmd` must be in the recording state, of this device and queue family, and be submitted
    /// only while this tracing and what `set` points at live; `set` must be a live set of
    /// [`set_layout`](Self::set_layout) that stays alive and unchanged until the work has
    /// finished.
    pub unsafe fn record_trace_with(&self, cmd: vk::CommandBuffer, set: vk::DescriptorSet, extent: vk::Extent2D) {
        let device = self.ctx.device();
        let (width, height) = (extent.width, extent.height);
        let bind_point = self.tracer.bind_point();
        // SAFETY: the caller's contract: `cmd` is recording; the pipeline, layout and set are
        // live, the first two this tracing's.
        unsafe {
            device.cmd_bind_pipeline(cmd, bind_point, self.pipeline);
            device.cmd_bind_descriptor_sets(cmd, bind_point, self.pipeline_layout, 0, &[set], &[]);
            match (&self.rt, &self.table) {
                (Some(rt), Some(table)) => {
                    let callable = vk::StridedDeviceAddressRegionKHR::default();
                    rt.cmd_trace_rays(cmd, &table.raygen, &table.miss, &table.hit, &callable, width, height, 1);
                }
                _ => device.cmd_dispatch(cmd, width.div_ceil(8), height.div_ceil(8), 1),
            }
            // The picture's writes, made visible to whatever runs next (the download's copy).
            let barrier = [vk::MemoryBarrier2::default()
                .src_stage_mask(self.tracer.stage())
                .src_access_mask(vk::AccessFlags2::SHADER_STORAGE_WRITE)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
                .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)];
            device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().memory_barriers(&barrier));
        }
    }

    /// Traces the picture: one submission of the recorded command buffer, waited for at most
    /// the context's wait timeout (as every wait of vkres): a trace that does not finish is
    /// [`Error::Timeout`] naming it, a lost device [`Error::DeviceLost`], never a thread blocked
    /// for good. After either, the tracing's objects are leaked when it is dropped (the trace
    /// may still be pending).
    pub fn render(&self) -> vkres::Result<()> {
        if self.hung.get() {
            return Err(Error::Timeout { what: self.what(), waited: std::time::Duration::ZERO });
        }
        let device = self.ctx.device();
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(self.cmd)];
        let bound = u64::try_from(self.ctx.wait_timeout().as_nanos()).unwrap_or(u64::MAX).min(u64::MAX - 1);
        // SAFETY: the command buffer is executable (`record` ran) and not pending (every
        // submission is waited for below, and none is made after a wait that did not end); the
        // fence is unsignalled (reset after each wait).
        unsafe {
            self.ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], self.fence)?;
            let start = std::time::Instant::now();
            match device.wait_for_fences(&[self.fence], true, bound) {
                Ok(()) => {}
                Err(vk::Result::TIMEOUT) => {
                    self.hung.set(true);
                    return Err(Error::Timeout { what: self.what(), waited: start.elapsed() });
                }
                Err(vk::Result::ERROR_DEVICE_LOST) => {
                    self.hung.set(true);
                    return Err(Error::DeviceLost { what: self.what() });
                }
                Err(e) => return Err(failed("vkWaitForFences")(e)),
            }
            device.reset_fences(&[self.fence]).map_err(failed("vkResetFences"))?;
        }
        Ok(())
    }

    /// What [`render`](Self::render) waits for, for its errors.
    fn what(&self) -> String {
        format!("the fence of a picture's trace ({:?} tracer, fence {:?})", self.tracer, self.fence)
    }
}

impl Drop for Tracing {
    fn drop(&mut self) {
        if self.hung.get() {
            // A trace may still be pending on these objects: leaked, not destroyed under it.
            std::mem::forget(self.table.take());
            return;
        }
        let device = self.ctx.device();
        // SAFETY: every submission was waited for; each handle is this tracing's (or null,
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
fn compute_pipeline(
    alloc: &ResourceAllocator,
    layout: vk::PipelineLayout,
    shaders: &Shaders,
) -> vkres::Result<vk::Pipeline> {
    let module = alloc.create_shader_module(shaders.query, &format!("{}_query", shaders.name))?;
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

/// The ray-tracing pipeline: groups 0 raygen, 1 miss, 2 the triangle hit group; recursion
/// depth 1 (only the raygen shader traces).
fn ray_tracing_pipeline(
    alloc: &ResourceAllocator,
    rt: &ash::khr::ray_tracing_pipeline::Device,
    layout: vk::PipelineLayout,
    shaders: &Shaders,
) -> vkres::Result<vk::Pipeline> {
    let module = alloc.create_shader_module(shaders.pipeline, &format!("{}_pipeline", shaders.name))?;
    let stage =
        |stage, name| vk::PipelineShaderStageCreateInfo::default().stage(stage).module(module.handle()).name(name);
    let stages = [
        stage(vk::ShaderStageFlags::RAYGEN_KHR, c"raygen"),
        stage(vk::ShaderStageFlags::MISS_KHR, c"miss"),
        stage(vk::ShaderStageFlags::CLOSEST_HIT_KHR, c"closest_hit"),
    ];
    let unused = vk::RayTracingShaderGroupCreateInfoKHR::default()
        .general_shader(vk::SHADER_UNUSED_KHR)
        .closest_hit_shader(vk::SHADER_UNUSED_KHR)
        .any_hit_shader(vk::SHADER_UNUSED_KHR)
        .intersection_shader(vk::SHADER_UNUSED_KHR);
    let groups = [
        unused.ty(vk::RayTracingShaderGroupTypeKHR::GENERAL).general_shader(0),
        unused.ty(vk::RayTracingShaderGroupTypeKHR::GENERAL).general_shader(1),
        unused.ty(vk::RayTracingShaderGroupTypeKHR::TRIANGLES_HIT_GROUP).closest_hit_shader(2),
    ];
    let info = vk::RayTracingPipelineCreateInfoKHR::default()
        .stages(&stages)
        .groups(&groups)
        .max_pipeline_ray_recursion_depth(1)
        .layout(layout);
    // SAFETY: a valid create info for a device with the extension enabled; the module may go
    // once the pipeline exists.
    unsafe {
        rt.create_ray_tracing_pipelines(vk::DeferredOperationKHR::null(), vk::PipelineCache::null(), &[info], None)
    }
    .map_err(|(_, e)| failed("vkCreateRayTracingPipelinesKHR")(e))
    .map(|p| p[0])
}

/// The device's shader-group handle size and alignments.
fn pipeline_properties(ctx: &Context) -> vk::PhysicalDeviceRayTracingPipelinePropertiesKHR<'static> {
    let mut rt = vk::PhysicalDeviceRayTracingPipelinePropertiesKHR::default();
    let mut props = vk::PhysicalDeviceProperties2::default().push_next(&mut rt);
    // SAFETY: the physical device is the context's, which has the extension.
    unsafe { ctx.instance().get_physical_device_properties2(ctx.physical_device(), &mut props) };
    rt
}

/// One region per group, each starting at a multiple of `shaderGroupBaseAlignment`, each
/// handle in its own record of `shaderGroupHandleAlignment`-aligned size; the buffer is
/// larger by one base alignment so that the first region's address can be aligned.
fn binding_table(
    alloc: &ResourceAllocator,
    rt: &ash::khr::ray_tracing_pipeline::Device,
    pipeline: vk::Pipeline,
    name: &str,
) -> vkres::Result<BindingTable> {
    let props = pipeline_properties(alloc.context());
    let handle_size = u64::from(props.shader_group_handle_size);
    let record = handle_size.next_multiple_of(u64::from(props.shader_group_handle_alignment.max(1)));
    let base = u64::from(props.shader_group_base_alignment.max(1));
    let region = record.next_multiple_of(base);
    // SAFETY: the pipeline has 3 groups; the data size is 3 handles.
    let handles = unsafe { rt.get_ray_tracing_shader_group_handles(pipeline, 0, 3, 3 * handle_size as usize) }
        .map_err(failed("vkGetRayTracingShaderGroupHandlesKHR"))?;
    let buffer = alloc.create_buffer(
        &BufferDesc::new(
            3 * region + base,
            vk::BufferUsageFlags::SHADER_BINDING_TABLE_KHR | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS,
        )
        .mapping(MappingType::HostAccessSequentialWrite)
        .name(format!("{name} shader binding table")),
    )?;
    let address = buffer
        .device_address()
        .ok_or(Error::MissingFeature { feature: "bufferDeviceAddress", operation: "a shader binding table" })?;
    let start = address.next_multiple_of(base);
    let offset = start - address;
    for (group, bytes) in handles.chunks_exact(handle_size as usize).enumerate() {
        buffer.write(offset + group as u64 * region, bytes)?;
    }
    let at = |group: u64, stride: u64| vk::StridedDeviceAddressRegionKHR {
        device_address: start + group * region,
        stride,
        size: region,
    };
    Ok(BindingTable { raygen: at(0, region), miss: at(1, record), hit: at(2, record), _buffer: buffer })
}

/// Copies `picture` back to the host: one batch, one submission. Linear RGBA, row by row.
pub fn download(alloc: &ResourceAllocator, picture: &Image) -> vkres::Result<Vec<[f32; 4]>> {
    let mut batch = alloc.batch()?;
    let picture = batch.download_image(picture)?;
    batch.submit_and_wait()?;
    picture.read::<[f32; 4]>()
}
