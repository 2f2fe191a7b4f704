//! Draws a [`RaytraceScene`](super::scene::RaytraceScene) into its `picture` and reads it back.
//!
//! Two tracers draw the same picture: a compute shader with ray queries
//! (`shaders/raytrace_query.wgsl`), and, for drivers without `VK_KHR_ray_query` (NVIDIA's), a
//! ray-tracing pipeline (`shaders/raytrace_pipeline.wgsl`: raygen, miss, closest hit) with a
//! shader binding table laid out by the device's handle size and alignments. Both use one
//! descriptor set whose layout is `RaytraceScene::descriptor_bindings()` and whose contents are
//! written by `write_descriptors()`: no descriptor of the scene is written by hand here. The
//! pipeline objects, the set and the command buffer are plain ash; what they draw with is the
//! bundle's.

use std::sync::Arc;

use vkres::{
    Buffer, BufferDesc, Context, DescriptorKind, DeviceCapabilities, Error, MappingType, ResourceAllocator,
    ShaderModule, vk,
};

use super::scene::{HEIGHT, RaytraceScene, WIDTH};

/// The committed SPIR-V of the two tracers (compiled from WGSL by naga; see `tests/runtime/shaders.rs`).
const QUERY_SPV: &[u8] = include_bytes!("../../shaders/raytrace_query.spv");
const PIPELINE_SPV: &[u8] = include_bytes!("../../shaders/raytrace_pipeline.spv");

/// How the picture is traced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tracer {
    /// A compute shader with `VK_KHR_ray_query`.
    RayQuery,
    /// A ray-tracing pipeline (`VK_KHR_ray_tracing_pipeline`).
    Pipeline,
}

impl Tracer {
    /// `wanted` if the device has it, else ray queries where present, else the pipeline; `Err`
    /// says why nothing can trace.
    pub fn choose(caps: &DeviceCapabilities, wanted: Option<Tracer>) -> Result<Tracer, String> {
        let has = |t: Tracer| match t {
            Tracer::RayQuery => caps.enabled.ray_query,
            Tracer::Pipeline => caps.enabled.ray_tracing_pipeline,
        };
        match wanted {
            Some(t) if has(t) => Ok(t),
            Some(t) => Err(format!("{} lacks what {t:?} needs ({})", caps.device_name, t.extension())),
            None if !caps.enabled.acceleration_structure => {
                Err(format!("{} has no VK_KHR_acceleration_structure", caps.device_name))
            }
            None => [Tracer::RayQuery, Tracer::Pipeline].into_iter().find(|&t| has(t)).ok_or_else(|| {
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
}

/// Maps a failed Vulkan call to vkres' error.
fn failed(operation: &'static str) -> impl FnOnce(vk::Result) -> Error {
    move |result| Error::Vulkan { operation, result }
}

/// The shader binding table of the ray-tracing pipeline: one raygen, one miss, one hit group.
struct BindingTable {
    /// Kept alive while the regions point into it.
    _buffer: Buffer,
    raygen: vk::StridedDeviceAddressRegionKHR,
    miss: vk::StridedDeviceAddressRegionKHR,
    hit: vk::StridedDeviceAddressRegionKHR,
}

/// A pipeline that draws the scene's picture, with its descriptor set and command buffer.
/// Holds only handles of the scene: keep the scene alive while it exists.
pub struct Renderer {
    ctx: Arc<Context>,
    tracer: Tracer,
    set_layout: vk::DescriptorSetLayout,
    pipeline_layout: vk::PipelineLayout,
    descriptor_pool: vk::DescriptorPool,
    pipeline: vk::Pipeline,
    command_pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    /// The scene's descriptor set, from the pool above.
    set: vk::DescriptorSet,
    fence: vk::Fence,
    table: Option<BindingTable>,
    rt: Option<ash::khr::ray_tracing_pipeline::Device>,
}

impl Renderer {
    /// The pipeline of `tracer` with a descriptor set pointing at `scene`'s resources.
    pub fn new(alloc: &ResourceAllocator, scene: &RaytraceScene, tracer: Tracer) -> vkres::Result<Self> {
        let ctx = alloc.context().clone();
        let mut renderer = Self {
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
            rt: None,
        };
        // Built step by step into `renderer`, whose `Drop` destroys whatever was made when a
        // step fails.
        let device = ctx.device();
        let bindings: Vec<_> = RaytraceScene::descriptor_bindings().iter().map(|b| b.layout_binding()).collect();
        let mut pool_sizes: Vec<vk::DescriptorPoolSize> = Vec::new();
        for binding in &bindings {
            match pool_sizes.iter_mut().find(|s| s.ty == binding.descriptor_type) {
                Some(size) => size.descriptor_count += 1,
                None => pool_sizes.push(vk::DescriptorPoolSize { ty: binding.descriptor_type, descriptor_count: 1 }),
            }
        }
        // SAFETY: creation of objects of this device from valid create infos; each handle is
        // stored in `renderer` at once, whose `Drop` destroys it.
        unsafe {
            renderer.set_layout = device
                .create_descriptor_set_layout(&vk::DescriptorSetLayoutCreateInfo::default().bindings(&bindings), None)
                .map_err(failed("vkCreateDescriptorSetLayout"))?;
            let set_layouts = [renderer.set_layout];
            renderer.pipeline_layout = device
                .create_pipeline_layout(&vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts), None)
                .map_err(failed("vkCreatePipelineLayout"))?;
            renderer.descriptor_pool = device
                .create_descriptor_pool(
                    &vk::DescriptorPoolCreateInfo::default().max_sets(1).pool_sizes(&pool_sizes),
                    None,
                )
                .map_err(failed("vkCreateDescriptorPool"))?;
            renderer.command_pool = device
                .create_command_pool(
                    &vk::CommandPoolCreateInfo::default()
                        .queue_family_index(ctx.queue_family_index())
                        .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER),
                    None,
                )
                .map_err(failed("vkCreateCommandPool"))?;
            renderer.fence =
                device.create_fence(&vk::FenceCreateInfo::default(), None).map_err(failed("vkCreateFence"))?;
        }
        match tracer {
            Tracer::RayQuery => renderer.pipeline = compute_pipeline(alloc, renderer.pipeline_layout)?,
            Tracer::Pipeline => {
                // The context's device has VK_KHR_ray_tracing_pipeline enabled (`Tracer::choose`
                // checked it), so its functions load.
                let rt = ash::khr::ray_tracing_pipeline::Device::new(ctx.instance(), device);
                renderer.pipeline = ray_tracing_pipeline(alloc, &rt, renderer.pipeline_layout)?;
                renderer.table = Some(binding_table(alloc, &rt, renderer.pipeline)?);
                renderer.rt = Some(rt);
            }
        }
        // The scene's descriptors, written by the derive's `write_descriptors`.
        let set_layouts = [renderer.set_layout];
        // SAFETY: the pool has room for one set of this layout.
        let set = unsafe {
            device.allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default()
                    .descriptor_pool(renderer.descriptor_pool)
                    .set_layouts(&set_layouts),
            )
        }
        .map_err(failed("vkAllocateDescriptorSets"))?[0];
        let writes = scene.write_descriptors(set);
        debug_assert!(writes.bindings().iter().any(|&(_, kind)| kind == DescriptorKind::StorageImage));
        // SAFETY: the writes name live resources of the scene, of the layout's types; the set is
        // not in use.
        writes.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) })?;
        renderer.record(set)?;
        Ok(renderer)
    }

    /// How it traces.
    pub fn tracer(&self) -> Tracer {
        self.tracer
    }

    /// Records the one command buffer of the pool: trace every pixel.
    fn record(&mut self, set: vk::DescriptorSet) -> vkres::Result<()> {
        self.set = set;
        let device = self.ctx.device();
        // SAFETY: the pool is this renderer's; the command buffer is recorded once, with objects
        // this renderer owns and the scene's resources behind `set`.
        unsafe {
            let cmd = device
                .allocate_command_buffers(
                    &vk::CommandBufferAllocateInfo::default().command_pool(self.command_pool).command_buffer_count(1),
                )
                .map_err(failed("vkAllocateCommandBuffers"))?[0];
            device
                .begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default())
                .map_err(failed("vkBeginCommandBuffer"))?;
            self.record_trace(cmd);
            device.end_command_buffer(cmd).map_err(failed("vkEndCommandBuffer"))?;
            self.cmd = cmd;
        }
        Ok(())
    }

    /// Records the trace of every pixel into `cmd` (recording, of this renderer's device and
    /// queue family), followed by a barrier that makes the picture's writes visible to every
    /// later command. It waits for nothing before it: a caller whose earlier commands read
    /// the picture (a blit of the last frame) orders them with a barrier first.
    ///
    /// # Safety
    /// `cmd` must be in the recording state and be submitted only while the scene and this
    /// renderer live.
    pub unsafe fn record_trace(&self, cmd: vk::CommandBuffer) {
        // SAFETY: the caller's contract; the set is this renderer's.
        unsafe { self.record_trace_with(cmd, self.set, vk::Extent2D { width: WIDTH, height: HEIGHT }) }
    }

    /// The layout of the scene's descriptor set (for sets of the caller's, as the window
    /// example's, one per frame in flight, bound to a picture of another size).
    #[allow(dead_code, reason = "the window example's; this file is a module of several examples")]
    pub fn set_layout(&self) -> vk::DescriptorSetLayout {
        self.set_layout
    }

    /// [`record_trace`](Self::record_trace) with `set` (of [`set_layout`](Self::set_layout))
    /// bound, tracing a picture of `extent` (the view's `params` must say the same size).
    ///
    /// # Safety
    /// As `record_trace`; `set` must be a live set of this layout that stays alive and
    /// unchanged until the work has finished.
    pub unsafe fn record_trace_with(&self, cmd: vk::CommandBuffer, set: vk::DescriptorSet, extent: vk::Extent2D) {
        let device = self.ctx.device();
        let (width, height) = (extent.width, extent.height);
        // SAFETY: the caller's contract: `cmd` is recording; the pipeline, layout and set are
        // this renderer's and live.
        unsafe {
            let bind_point = match self.tracer {
                Tracer::RayQuery => vk::PipelineBindPoint::COMPUTE,
                Tracer::Pipeline => vk::PipelineBindPoint::RAY_TRACING_KHR,
            };
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
            let stage = self.stage();
            let barrier = [vk::MemoryBarrier2::default()
                .src_stage_mask(stage)
                .src_access_mask(vk::AccessFlags2::SHADER_STORAGE_WRITE)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
                .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)];
            device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().memory_barriers(&barrier));
        }
    }

    /// The stage the tracer writes the picture in.
    pub fn stage(&self) -> vk::PipelineStageFlags2 {
        match self.tracer {
            Tracer::RayQuery => vk::PipelineStageFlags2::COMPUTE_SHADER,
            Tracer::Pipeline => vk::PipelineStageFlags2::RAY_TRACING_SHADER_KHR,
        }
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
    let module: ShaderModule = alloc.create_shader_module(QUERY_SPV, "raytrace_query")?;
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
) -> vkres::Result<vk::Pipeline> {
    let module = alloc.create_shader_module(PIPELINE_SPV, "raytrace_pipeline")?;
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
        .name("raytrace shader binding table"),
    )?;
    let address = buffer
        .device_address()
        .ok_or(Error::MissingFeature { feature: "bufferDeviceAddress", operation: "a shader binding table" })?;
    let start = address.next_multiple_of(base);
    let offset = start - address;
    for group in 0..3u64 {
        let bytes = &handles[(group * handle_size) as usize..((group + 1) * handle_size) as usize];
        buffer.write(offset + group * region, bytes)?;
    }
    let at = |group: u64, stride: u64| vk::StridedDeviceAddressRegionKHR {
        device_address: start + group * region,
        stride,
        size: region,
    };
    Ok(BindingTable { raygen: at(0, region), miss: at(1, record), hit: at(2, record), _buffer: buffer })
}

/// Copies the picture back to the host: one batch, one submission. Linear RGBA, row by row.
pub fn download(alloc: &ResourceAllocator, scene: &RaytraceScene) -> vkres::Result<Vec<[f32; 4]>> {
    let mut batch = alloc.batch()?;
    let picture = batch.download_image(scene.picture.image())?;
    batch.submit_and_wait()?;
    picture.read::<[f32; 4]>()
}
