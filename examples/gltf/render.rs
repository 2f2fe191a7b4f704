//! Draws a [`GltfScene`](super::scene::GltfScene) into its `picture` with the ray-query compute
//! shader `shaders/gltf_query.wgsl`, or, where the driver has no ray queries (NVIDIA's), with
//! the ray-tracing pipeline of `shaders/gltf_pipeline.wgsl` (raygen, miss, closest hit; a shader
//! binding table laid out by the device's handle size and alignments), and reads the picture
//! back. The descriptor set's layout is
//! the bundle's `descriptor_bindings()` (its texture binding array widened to the shader's
//! fixed size, partially bound) and its contents are written by `write_descriptors()`; the
//! pipeline, set and command buffer are plain ash.

use std::sync::Arc;

use vkres::{
    Buffer, BufferDesc, Context, DescriptorBinding, DescriptorKind, DeviceCapabilities, Error, MappingType,
    ResourceAllocator, ShaderModule, vk,
};

use super::scene::{GltfScene, MAX_TEXTURES};

/// The committed SPIR-V of the tracer (compiled from WGSL by naga; see `tests/runtime/shaders.rs`).
const QUERY_SPV: &[u8] = include_bytes!("../../shaders/gltf_query.spv");
const PIPELINE_SPV: &[u8] = include_bytes!("../../shaders/gltf_pipeline.spv");

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
    /// says why nothing can trace. Both need descriptor indexing (the texture binding array).
    pub fn choose(caps: &DeviceCapabilities, wanted: Option<Tracer>) -> Result<Tracer, String> {
        let e = &caps.enabled;
        if !(e.acceleration_structure && e.descriptor_indexing) {
            return Err(format!("{} lacks acceleration structures or descriptor indexing", caps.device_name));
        }
        let has = |t: Tracer| match t {
            Tracer::RayQuery => e.ray_query,
            Tracer::Pipeline => e.ray_tracing_pipeline,
        };
        match wanted {
            Some(t) if has(t) => Ok(t),
            Some(t) => Err(format!("{} lacks {t:?}", caps.device_name)),
            None => [Tracer::RayQuery, Tracer::Pipeline]
                .into_iter()
                .find(|&t| has(t))
                .ok_or_else(|| format!("{} has neither ray queries nor a ray-tracing pipeline", caps.device_name)),
        }
    }

    /// Where the tracer writes the picture.
    fn stage(self) -> vk::PipelineStageFlags2 {
        match self {
            Tracer::RayQuery => vk::PipelineStageFlags2::COMPUTE_SHADER,
            Tracer::Pipeline => vk::PipelineStageFlags2::RAY_TRACING_SHADER_KHR,
        }
    }

    fn bind_point(self) -> vk::PipelineBindPoint {
        match self {
            Tracer::RayQuery => vk::PipelineBindPoint::COMPUTE,
            Tracer::Pipeline => vk::PipelineBindPoint::RAY_TRACING_KHR,
        }
    }
}

/// The shader binding table of the ray-tracing pipeline: one raygen, one miss, one hit group.
struct BindingTable {
    /// Kept alive while the regions point into it.
    _buffer: Buffer,
    raygen: vk::StridedDeviceAddressRegionKHR,
    miss: vk::StridedDeviceAddressRegionKHR,
    hit: vk::StridedDeviceAddressRegionKHR,
}

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
    tracer: Tracer,
    /// The pipeline's binding table (the pipeline tracer only).
    table: Option<BindingTable>,
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
    /// `width` x `height` picture with `tracer`, which the device must have ([`Tracer::choose`]).
    pub fn new(
        alloc: &ResourceAllocator,
        scene: &GltfScene,
        tracer: Tracer,
        width: u32,
        height: u32,
    ) -> vkres::Result<Self> {
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
            tracer,
            table: None,
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
        let rt = match tracer {
            Tracer::RayQuery => {
                r.pipeline = compute_pipeline(alloc, r.pipeline_layout)?;
                None
            }
            Tracer::Pipeline => {
                // The device has VK_KHR_ray_tracing_pipeline enabled (`Tracer::choose`), so its
                // functions load.
                let rt = ash::khr::ray_tracing_pipeline::Device::new(ctx.instance(), device);
                r.pipeline = ray_tracing_pipeline(alloc, &rt, r.pipeline_layout)?;
                r.table = Some(binding_table(alloc, &rt, r.pipeline)?);
                Some(rt)
            }
        };
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
            device.cmd_bind_pipeline(cmd, tracer.bind_point(), r.pipeline);
            device.cmd_bind_descriptor_sets(cmd, tracer.bind_point(), r.pipeline_layout, 0, &[set], &[]);
            match (&rt, &r.table) {
                (Some(rt), Some(table)) => {
                    let callable = vk::StridedDeviceAddressRegionKHR::default();
                    rt.cmd_trace_rays(cmd, &table.raygen, &table.miss, &table.hit, &callable, width, height, 1);
                }
                _ => device.cmd_dispatch(cmd, width.div_ceil(8), height.div_ceil(8), 1),
            }
            // The picture's writes, made visible to whatever runs next (the download's copy).
            let barrier = [vk::MemoryBarrier2::default()
                .src_stage_mask(tracer.stage())
                .src_access_mask(vk::AccessFlags2::SHADER_STORAGE_WRITE)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
                .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)];
            device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().memory_barriers(&barrier));
            device.end_command_buffer(cmd).map_err(failed("vkEndCommandBuffer"))?;
        }
        Ok(r)
    }

    /// How it traces.
    pub fn tracer(&self) -> Tracer {
        self.tracer
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

/// The ray-tracing pipeline: groups 0 raygen, 1 miss, 2 the triangle hit group; recursion
/// depth 1 (only the raygen shader traces).
fn ray_tracing_pipeline(
    alloc: &ResourceAllocator,
    rt: &ash::khr::ray_tracing_pipeline::Device,
    layout: vk::PipelineLayout,
) -> vkres::Result<vk::Pipeline> {
    let module = alloc.create_shader_module(PIPELINE_SPV, "gltf_pipeline")?;
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

/// One region per group, each starting at a multiple of `shaderGroupBaseAlignment`, each
/// handle in its own record of `shaderGroupHandleAlignment`-aligned size; the buffer is
/// larger by one base alignment so that the first region's address can be aligned.
fn binding_table(
    alloc: &ResourceAllocator,
    rt: &ash::khr::ray_tracing_pipeline::Device,
    pipeline: vk::Pipeline,
) -> vkres::Result<BindingTable> {
    let ctx = alloc.context();
    let mut props = vk::PhysicalDeviceRayTracingPipelinePropertiesKHR::default();
    let mut props2 = vk::PhysicalDeviceProperties2::default().push_next(&mut props);
    // SAFETY: the physical device is the context's, which has the extension.
    unsafe { ctx.instance().get_physical_device_properties2(ctx.physical_device(), &mut props2) };
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
        .name("gltf shader binding table"),
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

/// Copies the picture back to the host: one batch, one submission. Linear RGBA, row by row.
pub fn download(alloc: &ResourceAllocator, scene: &GltfScene) -> vkres::Result<Vec<[f32; 4]>> {
    let mut batch = alloc.batch()?;
    let picture = batch.download_image(scene.picture.image())?;
    batch.submit_and_wait()?;
    picture.read::<[f32; 4]>()
}
