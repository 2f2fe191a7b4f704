//! The frame loop (issue 18 item 8): per-frame uniform writes (through the frame's mapped
//! uniform buffer, both ways), a TLAS of `instances` instances
//! refitted every frame (where the device has acceleration structures) and a 64x64 texture
//! uploaded every [`TEXTURE_EVERY`]th frame, three frames in flight, recorded into the caller's
//! command buffers and submitted by the caller: through vkres's [`Recorder`](vkres::Recorder)
//! and hand-written in ash + vk-mem, ways interleaved run by run.
//!
//! Timed: the CPU time of a frame from the moment its slot's fence was waited for (not timed:
//! that is the device's time) to the return of its submission, and within it the instance
//! records' share; a run's figure is the median of its frames. Counted: submissions beyond the
//! caller's one per frame, and heap allocations per frame (the binary's counting allocator).

use std::time::{Duration, Instant};

use vkres::ash::{self, vk};
use vkres::{
    Blas, BlasDesc, Buffer, BufferDesc, Context, Image, ImageDesc, ImageUpload, InFlight, MappingType, MemoryLocation,
    ResourceAllocator, RingFences, Tlas, TlasDesc, TlasInstance, TlasInstanceRef, Transform3x4, TriangleGeometry,
};

use crate::BenchResult;
use crate::counting;
use crate::raw::{Raw, RawBuffer};
use vkres_bench::accel_raw::{BUILD_FLAGS, grid};

/// Frames in flight.
const IN_FLIGHT: usize = 3;
/// A texture upload every this many frames.
pub const TEXTURE_EVERY: usize = 8;
const TEXTURE: u32 = 64;
const UNIFORM_BYTES: u64 = 256;

/// What the section measured, vkres then ash.
pub struct FrameLoop {
    /// Per run: the median CPU time of its counted frames.
    pub cpu: [Vec<Duration>; 2],
    /// Per run: the median time of its frames' TLAS instance records (turning the transforms
    /// into records and writing them into the frame's mapped instance buffer; zero without a
    /// refit), the part of `cpu` that grows with the instance count. Not the same span both
    /// ways: vkres's is the whole `Recorder::refit_tlas` call (its checks, the refit set's
    /// look-up and hold, the loop, the flush, the references compared, the build pushed: about
    /// 1 µs on lavapipe besides the loop, BENCHMARKS "Frame loop, session 9 (records)"), the
    /// hand-written one its bounds check, its loop and its flush.
    pub records: [Vec<Duration>; 2],
    /// Per round (one run of each way, one right after the other): vkres's run / ash's run.
    pub paired_ratios: Vec<f64>,
    /// Submissions beyond the caller's one per frame, over every counted frame.
    pub extra_submissions: [u64; 2],
    /// Heap allocations per counted frame.
    pub allocations_per_frame: [f64; 2],
    /// Whether the TLAS refit was part of the loop.
    pub refit: bool,
    /// The memory property flags of each way's mapped instance buffer: vkres's as a buffer of
    /// the request its refit sets make (`PreferDevice` + `HostAccessSequentialWrite`, build
    /// input), ash's of its slot 0 (ReBAR on the H100: `DEVICE_LOCAL | HOST_VISIBLE`).
    pub instance_memory: Option<[vk::MemoryPropertyFlags; 2]>,
}

/// The caller's frame resources: a command pool per slot (reset each frame), its command buffer.
struct Slots<'a> {
    ctx: &'a Context,
    pools: [vk::CommandPool; IN_FLIGHT],
    cmds: [vk::CommandBuffer; IN_FLIGHT],
}

impl<'a> Slots<'a> {
    fn new(ctx: &'a Context) -> BenchResult<Self> {
        let mut pools = [vk::CommandPool::null(); IN_FLIGHT];
        let mut cmds = [vk::CommandBuffer::null(); IN_FLIGHT];
        for (pool, cmd) in pools.iter_mut().zip(&mut cmds) {
            let info = vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index());
            // SAFETY: a pool of the context's family; destroyed in `Drop`.
            *pool = unsafe { ctx.device().create_command_pool(&info, None) }?;
            let allocate = vk::CommandBufferAllocateInfo::default().command_pool(*pool).command_buffer_count(1);
            // SAFETY: the pool is live; the buffer is freed with it.
            *cmd = unsafe { ctx.device().allocate_command_buffers(&allocate) }?[0];
        }
        Ok(Self { ctx, pools, cmds })
    }

    /// Resets slot `i`'s pool (its last submission finished) and begins its command buffer.
    fn begin(&self, i: usize) -> BenchResult<vk::CommandBuffer> {
        let device = self.ctx.device();
        // SAFETY: the slot's fence was waited for: its command buffer is not pending.
        unsafe {
            device.reset_command_pool(self.pools[i], vk::CommandPoolResetFlags::empty())?;
            let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
            device.begin_command_buffer(self.cmds[i], &begin)?;
        }
        Ok(self.cmds[i])
    }

    /// Ends slot `i`'s command buffer and submits it with `fence`.
    fn submit(&self, i: usize, fence: vk::Fence) -> BenchResult<()> {
        // SAFETY: recording.
        unsafe { self.ctx.device().end_command_buffer(self.cmds[i]) }?;
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(self.cmds[i])];
        let submit = vk::SubmitInfo2::default().command_buffer_infos(&cmds);
        // SAFETY: an executable command buffer of the queue's family; the fence is unsignalled.
        unsafe { self.ctx.submit(&[submit], fence) }?;
        Ok(())
    }
}

impl Drop for Slots<'_> {
    fn drop(&mut self) {
        let _ = self.ctx.wait_idle();
        for pool in self.pools {
            // SAFETY: the device is idle.
            unsafe { self.ctx.device().destroy_command_pool(pool, None) };
        }
    }
}

/// The instance transforms of frame `f`: a grid that moves.
fn transforms(count: u32, f: usize, out: &mut Vec<Transform3x4>) {
    out.clear();
    let dz = (f % 60) as f32 * 0.01;
    out.extend((0..count).map(|i| Transform3x4::translation([(i % 100) as f32 * 3.0, (i / 100) as f32 * 3.0, dz])));
}

/// The vkres way: a recorder per frame into the caller's command buffer.
struct VkresWay<'a> {
    alloc: &'a ResourceAllocator,
    slots: Slots<'a>,
    ring: RingFences<IN_FLIGHT, Option<InFlight>>,
    uniforms: Vec<Buffer<u8>>,
    texture: Image,
    accel: Option<(&'a Blas, Tlas)>,
    transforms: Vec<Transform3x4>,
}

impl VkresWay<'_> {
    // Not inlined: a profile (callgrind) names each way's frame.
    #[inline(never)]
    fn frame(&mut self, f: usize, texels: &[u8], uniform: &[u8], instances: u32) -> BenchResult<[Duration; 2]> {
        // Not timed: the device's time (as the hand-written way's fence wait).
        let slot = self.ring.wait_and_get()?;
        let i = slot.index;
        let t = Instant::now();
        // The slot's last frame finished: what it held is released (and its tables recycled).
        drop(slot.user_data.take());
        let cmd = self.slots.begin(i)?;
        // SAFETY: `cmd` is recording, of the context's family; submitted once with the slot's
        // fence after `finish`.
        let mut rec = unsafe { self.alloc.recorder(cmd) };
        // The frame's own host-visible uniform buffer (its last use finished with the slot's
        // fence): written through its mapping, as the hand-written loop's. A recorder's
        // `upload` would stage it and record a copy, which this buffer does not need.
        self.uniforms[i].map()?.write_bytes(0, uniform)?;
        if f % TEXTURE_EVERY == 0 {
            let upload = ImageUpload { final_layout: vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL, ..Default::default() };
            rec.upload_image(&self.texture, texels, &upload)?;
        }
        let mut records = Duration::ZERO;
        if let Some((blas, tlas)) = &self.accel {
            transforms(instances, f, &mut self.transforms);
            let r = Instant::now();
            // Written straight into the TLAS's own mapped instance buffer of this frame.
            rec.refit_tlas(tlas, self.transforms.iter().map(|t| TlasInstanceRef::new(blas).transform(*t)))?;
            records = r.elapsed();
        }
        let work = rec.finish(slot.fence)?;
        // The fence locked around the submission: vkres may ask its status from other threads.
        let locked = slot.fence.lock_for_submit()?;
        self.slots.submit(i, locked.handle())?;
        drop(locked);
        *slot.user_data = Some(work);
        Ok([t.elapsed(), records])
    }
}

/// The hand-written way's TLAS: storage, structure, a persistent scratch, one mapped instance
/// buffer per slot.
struct RawTlas {
    fns: ash::khr::acceleration_structure::Device,
    storage: RawBuffer,
    handle: vk::AccelerationStructureKHR,
    scratch: RawBuffer,
    scratch_address: vk::DeviceAddress,
    instances: Vec<(RawBuffer, vk::DeviceAddress)>,
    blas: vk::DeviceAddress,
}

/// The hand-written way: mapped uniform buffers and staging per slot, raw barriers and copies,
/// the refit by `vkCmdBuildAccelerationStructuresKHR` in update mode.
struct AshWay<'a> {
    raw: Raw<'a>,
    slots: Slots<'a>,
    fences: [vk::Fence; IN_FLIGHT],
    uniforms: Vec<RawBuffer>,
    staging: Vec<RawBuffer>,
    image: Image,
    tlas: Option<RawTlas>,
    transforms: Vec<Transform3x4>,
}

fn barrier(device: &ash::Device, cmd: vk::CommandBuffer) {
    let b = [vk::MemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .src_access_mask(vk::AccessFlags2::MEMORY_WRITE)
        .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)];
    // SAFETY: recording.
    unsafe { device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().memory_barriers(&b)) };
}

fn image_barrier(
    device: &ash::Device,
    cmd: vk::CommandBuffer,
    image: vk::Image,
    from: vk::ImageLayout,
    to: vk::ImageLayout,
) {
    let b = [super::bundle::transition(image, from, to)];
    // SAFETY: recording.
    unsafe { device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&b)) };
}

impl AshWay<'_> {
    // Not inlined: a profile (callgrind) names each way's frame.
    #[inline(never)]
    fn frame(&mut self, f: usize, texels: &[u8], uniform: &[u8], instances: u32) -> BenchResult<[Duration; 2]> {
        let i = f % IN_FLIGHT;
        let device = self.raw.ctx.device();
        // SAFETY: a live fence of this device; reset after its submission finished.
        unsafe {
            device.wait_for_fences(&[self.fences[i]], true, u64::MAX)?;
            device.reset_fences(&[self.fences[i]])?;
        }
        let t = Instant::now();
        let cmd = self.slots.begin(i)?;
        // No barrier here: the previous frame's closing barrier (below) orders its writes (the
        // TLAS, the texture, the scratch) before everything recorded later, as vkres's closing
        // barrier does for its frames; a second one here was work vkres does not do.
        self.raw.write(&self.uniforms[i], 0, uniform)?;
        if f % TEXTURE_EVERY == 0 {
            self.raw.write(&self.staging[i], 0, texels)?;
            let image = self.image.handle();
            image_barrier(device, cmd, image, vk::ImageLayout::UNDEFINED, vk::ImageLayout::TRANSFER_DST_OPTIMAL);
            let region = vk::BufferImageCopy::default()
                .image_subresource(
                    vk::ImageSubresourceLayers::default().aspect_mask(vk::ImageAspectFlags::COLOR).layer_count(1),
                )
                .image_extent(vk::Extent3D { width: TEXTURE, height: TEXTURE, depth: 1 });
            // SAFETY: recording; the staging buffer holds the texels, the image is in TRANSFER_DST.
            unsafe {
                device.cmd_copy_buffer_to_image(
                    cmd,
                    self.staging[i].buffer,
                    image,
                    vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                    &[region],
                )
            };
            image_barrier(
                device,
                cmd,
                image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL,
            );
        }
        let mut records = Duration::ZERO;
        if let Some(tlas) = &self.tlas {
            transforms(instances, f, &mut self.transforms);
            let r = Instant::now();
            let (buffer, address) = &tlas.instances[i];
            // Written straight into the frame's mapped instance buffer, in order, one pass (as a
            // careful renderer does; no copy through a `Vec`).
            let count = self.transforms.len();
            let bytes = (count * size_of::<vk::AccelerationStructureInstanceKHR>()) as u64;
            assert!(
                !buffer.mapped.is_null()
                    && bytes <= buffer.size
                    && buffer.mapped.align_offset(align_of::<vk::AccelerationStructureInstanceKHR>()) == 0,
                "instance records outside the mapping or misaligned"
            );
            // SAFETY: the mapping holds `buffer.size` bytes and is aligned for the records
            // (checked above), and the device does not read it now (this slot's last frame was
            // waited for above).
            let out = unsafe {
                std::slice::from_raw_parts_mut(buffer.mapped.cast::<vk::AccelerationStructureInstanceKHR>(), count)
            };
            for (slot, t) in out.iter_mut().zip(&self.transforms) {
                *slot = instance(t, tlas.blas);
            }
            self.raw.vma.flush_allocation(&buffer.allocation, 0, bytes)?;
            records = r.elapsed();
            let geometry = instances_geometry(*address);
            let info = vk::AccelerationStructureBuildGeometryInfoKHR::default()
                .ty(vk::AccelerationStructureTypeKHR::TOP_LEVEL)
                .flags(BUILD_FLAGS | vk::BuildAccelerationStructureFlagsKHR::ALLOW_UPDATE)
                .mode(vk::BuildAccelerationStructureModeKHR::UPDATE)
                .src_acceleration_structure(tlas.handle)
                .dst_acceleration_structure(tlas.handle)
                .geometries(&geometry)
                .scratch_data(vk::DeviceOrHostAddressKHR { device_address: tlas.scratch_address });
            let range = vk::AccelerationStructureBuildRangeInfoKHR::default().primitive_count(instances);
            let ranges = [std::ptr::from_ref(&range)];
            // Through the function pointer, as vkres records it: ash's wrapper collects the
            // range pointers into a `Vec`, an allocation per frame a careful loop does not make.
            // SAFETY: recording; the structure was built with ALLOW_UPDATE from as many
            // instances; one info with one geometry, its range pointer alive for the call.
            unsafe {
                (tlas.fns.fp().cmd_build_acceleration_structures_khr)(cmd, 1, &info, ranges.as_ptr());
            }
        }
        // Every write of the frame before whatever the device does next (this frame's later
        // commands, the next frames').
        barrier(device, cmd);
        self.slots.submit(i, self.fences[i])?;
        Ok([t.elapsed(), records])
    }
}

fn instance(t: &Transform3x4, blas: vk::DeviceAddress) -> vk::AccelerationStructureInstanceKHR {
    vk::AccelerationStructureInstanceKHR {
        transform: vk::TransformMatrixKHR { matrix: bytemuck::cast(t.0) },
        instance_custom_index_and_mask: vk::Packed24_8::new(0, 0xFF),
        instance_shader_binding_table_record_offset_and_flags: vk::Packed24_8::new(0, 0),
        acceleration_structure_reference: vk::AccelerationStructureReferenceKHR { device_handle: blas },
    }
}

fn instance_bytes(records: &[vk::AccelerationStructureInstanceKHR]) -> &[u8] {
    // SAFETY: the struct is `repr(C)`, 64 bytes of plain data without padding.
    unsafe { std::slice::from_raw_parts(records.as_ptr().cast::<u8>(), size_of_val(records)) }
}

fn instances_geometry(address: vk::DeviceAddress) -> [vk::AccelerationStructureGeometryKHR<'static>; 1] {
    let data = vk::AccelerationStructureGeometryInstancesDataKHR::default()
        .data(vk::DeviceOrHostAddressConstKHR { device_address: address });
    [vk::AccelerationStructureGeometryKHR::default()
        .geometry_type(vk::GeometryTypeKHR::INSTANCES)
        .geometry(vk::AccelerationStructureGeometryDataKHR { instances: data })]
}

impl Drop for AshWay<'_> {
    fn drop(&mut self) {
        let ctx = self.raw.ctx;
        let _ = ctx.wait_idle();
        // SAFETY: the device is idle; everything below was made by this way and is not used again.
        unsafe {
            for fence in self.fences {
                ctx.device().destroy_fence(fence, None);
            }
            for b in self.uniforms.iter().chain(&self.staging) {
                self.raw.destroy_in_place(b);
            }
            if let Some(tlas) = &self.tlas {
                tlas.fns.destroy_acceleration_structure(tlas.handle, None);
                for b in [&tlas.storage, &tlas.scratch].into_iter().chain(tlas.instances.iter().map(|(b, _)| b)) {
                    self.raw.destroy_in_place(b);
                }
            }
        }
    }
}

/// A mapped buffer the host writes and the device reads.
fn mapped(raw: &Raw<'_>, size: u64, usage: vk::BufferUsageFlags) -> BenchResult<RawBuffer> {
    let create = vk_mem::AllocationCreateInfo {
        usage: vk_mem::MemoryUsage::AutoPreferDevice,
        flags: vk_mem::AllocationCreateFlags::HOST_ACCESS_SEQUENTIAL_WRITE | vk_mem::AllocationCreateFlags::MAPPED,
        required_flags: vk::MemoryPropertyFlags::HOST_VISIBLE,
        ..Default::default()
    };
    raw.buffer(size, usage, &create)
}

/// The hand-written TLAS over `instances` copies of `blas`, built once (with `ALLOW_UPDATE`).
fn raw_tlas(raw: &Raw<'_>, blas: vk::DeviceAddress, instances: u32) -> BenchResult<RawTlas> {
    let ctx = raw.ctx;
    let fns = ash::khr::acceleration_structure::Device::new(ctx.instance(), ctx.device());
    let input = vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS;
    let bytes = u64::from(instances) * 64;
    let mut slots = Vec::new();
    for _ in 0..IN_FLIGHT {
        let b = mapped(raw, bytes, input)?;
        let address = raw.address(&b);
        slots.push((b, address));
    }
    let mut transforms3 = Vec::new();
    transforms(instances, 0, &mut transforms3);
    let records: Vec<_> = transforms3.iter().map(|t| instance(t, blas)).collect();
    raw.write(&slots[0].0, 0, instance_bytes(&records))?;
    let geometry = instances_geometry(slots[0].1);
    let flags = BUILD_FLAGS | vk::BuildAccelerationStructureFlagsKHR::ALLOW_UPDATE;
    let ty = vk::AccelerationStructureTypeKHR::TOP_LEVEL;
    let query = vk::AccelerationStructureBuildGeometryInfoKHR::default().ty(ty).flags(flags).geometries(&geometry);
    // Queried here, not by `accel_raw::build_sizes`, which fixes the flags: the refit needs
    // `ALLOW_UPDATE`'s sizes.
    let mut sizes = vk::AccelerationStructureBuildSizesInfoKHR::default();
    // SAFETY: the extension is enabled (checked by the caller); one count for one geometry.
    unsafe {
        fns.get_acceleration_structure_build_sizes(
            vk::AccelerationStructureBuildTypeKHR::DEVICE,
            &query,
            &[instances],
            &mut sizes,
        )
    };
    let storage = raw.device_buffer(
        sizes.acceleration_structure_size,
        vk::BufferUsageFlags::ACCELERATION_STRUCTURE_STORAGE_KHR | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS,
    )?;
    let align = u64::from(ctx.capabilities().min_acceleration_structure_scratch_offset_alignment).max(1);
    let scratch = raw.device_buffer(
        sizes.build_scratch_size.max(sizes.update_scratch_size) + align,
        vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS,
    )?;
    let scratch_address = raw.address(&scratch).next_multiple_of(align);
    let info = vk::AccelerationStructureCreateInfoKHR::default()
        .buffer(storage.buffer)
        .size(sizes.acceleration_structure_size)
        .ty(ty);
    // SAFETY: the storage buffer is live, large enough, and outlives the structure.
    let handle = unsafe { fns.create_acceleration_structure(&info, None) }?;
    let build = query
        .mode(vk::BuildAccelerationStructureModeKHR::BUILD)
        .dst_acceleration_structure(handle)
        .scratch_data(vk::DeviceOrHostAddressKHR { device_address: scratch_address });
    let range = [vk::AccelerationStructureBuildRangeInfoKHR::default().primitive_count(instances)];
    // SAFETY: recording; every buffer is live and sized by the query above.
    raw.submit(|cmd| unsafe { fns.cmd_build_acceleration_structures(cmd, &[build], &[&range]) })?;
    Ok(RawTlas { fns, storage, handle, scratch, scratch_address, instances: slots, blas })
}

/// Runs both ways: `frames` frames per run (the first `IN_FLIGHT` of each run not counted: the
/// device may still run the other way's last frames), `warmups` + `runs` runs interleaved;
/// each run's figure is the median of its counted frames.
pub fn measure(
    ctx: &Context,
    alloc: &ResourceAllocator,
    instances: u32,
    frames: usize,
    warmups: usize,
    runs: usize,
) -> BenchResult<FrameLoop> {
    let refit = ctx.capabilities().enabled.acceleration_structure;
    let texels: Vec<u8> = (0..TEXTURE * TEXTURE * 4).map(|i| (i * 7) as u8).collect();
    let uniform = [0x5au8; UNIFORM_BYTES as usize];
    let image_desc = |name: &str| {
        ImageDesc::new_2d(
            vk::Format::R8G8B8A8_UNORM,
            TEXTURE,
            TEXTURE,
            vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED,
        )
        .name(name)
    };
    // The BLAS both TLASes instance: a small grid, built once by vkres.
    let blas = if refit {
        let (vertices, indices) = grid(4, 2);
        let input = vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR
            | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS
            | vk::BufferUsageFlags::TRANSFER_DST;
        let v: Buffer<[f32; 3]> = alloc
            .create_buffer_with_data(&BufferDesc::elements::<[f32; 3]>(vertices.len() as u64, input), &vertices)?;
        let i: Buffer<u32> =
            alloc.create_buffer_with_data(&BufferDesc::elements::<u32>(indices.len() as u64, input), &indices)?;
        let mut batch = alloc.batch()?;
        let blas = batch.build_blas(
            &BlasDesc::new("frame blas").triangles(TriangleGeometry::new(&v, vk::Format::R32G32B32_SFLOAT).indices(&i)),
        )?;
        batch.submit_and_wait()?;
        Some(blas)
    } else {
        None
    };

    let uniform_desc =
        BufferDesc::new(UNIFORM_BYTES, vk::BufferUsageFlags::UNIFORM_BUFFER | vk::BufferUsageFlags::TRANSFER_DST)
            .location(MemoryLocation::PreferDevice)
            .mapping(MappingType::HostAccessSequentialWrite);
    let tlas = match &blas {
        Some(blas) => {
            let mut transforms0 = Vec::new();
            transforms(instances, 0, &mut transforms0);
            let desc = TlasDesc::new("frame tlas")
                .allow_update()
                .instances(transforms0.iter().map(|t| TlasInstance::new(blas).transform(*t)));
            let mut batch = alloc.batch()?;
            let tlas = batch.build_tlas(&desc)?;
            batch.submit_and_wait()?;
            Some(tlas)
        }
        None => None,
    };
    let mut vkres_way = VkresWay {
        alloc,
        slots: Slots::new(ctx)?,
        ring: RingFences::new(alloc.context())?,
        uniforms: (0..IN_FLIGHT).map(|_| alloc.create_buffer(&uniform_desc)).collect::<vkres::Result<_>>()?,
        texture: alloc.create_image(&image_desc("vkres texture"))?,
        accel: blas.as_ref().zip(tlas),
        transforms: Vec::new(),
    };
    let raw = Raw::new(ctx, vk_mem::AllocatorCreateFlags::BUFFER_DEVICE_ADDRESS)?;
    let raw_tlas = match &blas {
        Some(blas) => Some(raw_tlas(&raw, blas.device_address(), instances)?),
        None => None,
    };
    let mut fences = [vk::Fence::null(); IN_FLIGHT];
    for fence in &mut fences {
        let info = vk::FenceCreateInfo::default().flags(vk::FenceCreateFlags::SIGNALED);
        // SAFETY: plain object creation; destroyed by the way's drop.
        *fence = unsafe { ctx.device().create_fence(&info, None) }?;
    }
    let mut uniforms = Vec::new();
    let mut staging = Vec::new();
    for _ in 0..IN_FLIGHT {
        uniforms.push(mapped(&raw, UNIFORM_BYTES, vk::BufferUsageFlags::UNIFORM_BUFFER)?);
        staging.push(raw.staging_buffer(u64::from(TEXTURE * TEXTURE * 4))?);
    }
    let mut ash_way = AshWay {
        slots: Slots::new(ctx)?,
        fences,
        uniforms,
        staging,
        image: alloc.create_image(&image_desc("ash texture"))?,
        tlas: raw_tlas,
        transforms: Vec::with_capacity(instances as usize),
        raw,
    };

    // Where each way's instance records go (the same VMA request both ways; printed so that a
    // device where they differ shows it).
    let instance_memory = match &ash_way.tlas {
        Some(tlas) => {
            let usage = vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR
                | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS;
            let probe = alloc.create_buffer(
                &BufferDesc::new(u64::from(instances) * 64, usage)
                    .location(MemoryLocation::PreferDevice)
                    .mapping(MappingType::HostAccessSequentialWrite),
            )?;
            let ash_type = ash_way.raw.vma.get_allocation_info(&tlas.instances[0].0.allocation).memory_type;
            let types = &ctx.capabilities().memory_properties.memory_types;
            let ash_flags = types.get(ash_type as usize).map(|t| t.property_flags).unwrap_or_default();
            Some([probe.memory().properties(), ash_flags])
        }
        None => None,
    };
    let mut extra = [0u64; 2];
    let mut allocations = [0u64; 2];
    let mut counted_frames = [0u64; 2];
    let mut records: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let mut run = 0usize;
    // Each frame's times, kept for the run's medians: a frame the machine preempted (other
    // processes, lavapipe's own device threads) moves a median less than a mean.
    let mut times = Vec::with_capacity(frames);
    let mut record_times = Vec::with_capacity(frames);
    let cpu = crate::stats::interleaved(warmups, runs, 2, |way| -> BenchResult<Option<Duration>> {
        run += 1;
        let counted = run > 2 * warmups;
        times.clear();
        record_times.clear();
        let submissions = ctx.submission_count();
        let mut allocated = 0;
        for f in 0..frames {
            let before = counting::allocations();
            let [t, r] = match way {
                0 => vkres_way.frame(f, &texels, &uniform, instances)?,
                _ => ash_way.frame(f, &texels, &uniform, instances)?,
            };
            if f >= IN_FLIGHT {
                allocated += counting::allocations() - before;
                times.push(t);
                record_times.push(r);
            }
        }
        if counted {
            extra[way] += (ctx.submission_count() - submissions).saturating_sub(frames as u64);
            allocations[way] += allocated;
            counted_frames[way] += (frames - IN_FLIGHT) as u64;
            records[way].extend(crate::stats::median_duration(&mut record_times));
        }
        Ok(crate::stats::median_duration(&mut times))
    })?;
    drop(vkres_way);
    drop(ash_way);
    let cpu = <[Vec<Duration>; 2]>::try_from(cpu).map_err(|_| "two ways")?;
    let paired_ratios = cpu[0].iter().zip(&cpu[1]).map(|(v, a)| v.as_secs_f64() / a.as_secs_f64().max(1e-12)).collect();
    let per_frame = |w: usize| allocations[w] as f64 / counted_frames[w].max(1) as f64;
    Ok(FrameLoop {
        cpu,
        records,
        paired_ratios,
        extra_submissions: extra,
        allocations_per_frame: [per_frame(0), per_frame(1)],
        refit,
        instance_memory,
    })
}
