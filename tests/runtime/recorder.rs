//! The recorder on the test's own command buffer and fence (issue 18, item 1): uploads, a
//! copy, a transition, downloads and BLAS/TLAS builds recorded into a command buffer made by raw
//! ash, submitted by the test with its own fence, read back byte for byte; staging not reused
//! before that fence signals. Plus the soundness rules of the batch (issue 16, items 8 and 9):
//! bounded waits, program order of direct writes, signalled fences, overlapping copies,
//! overflowing offsets.

use std::time::Duration;

use vkres::{
    Blas, BufferDesc, ContextOptions, Error, Fence, ImageDesc, ImageUpload, MappingType, MemoryLocation, StagingConfig,
    vk,
};

use crate::accel::{reference, scene};
use crate::support::{Gpu, noise};

/// A command pool and one primary command buffer of the context's queue family, made by raw
/// ash as a renderer makes its own; the pool is destroyed on drop (after the test waited).
pub(crate) struct OwnCommands<'a> {
    gpu: &'a Gpu,
    pool: vk::CommandPool,
    pub(crate) cmd: vk::CommandBuffer,
}

impl<'a> OwnCommands<'a> {
    /// The pool and its command buffer, begun.
    pub(crate) fn begin(gpu: &'a Gpu) -> Self {
        let device = gpu.ctx().device();
        let info = vk::CommandPoolCreateInfo::default().queue_family_index(gpu.ctx().queue_family_index());
        // SAFETY: plain object creation on the test's live device.
        let pool = unsafe { device.create_command_pool(&info, None) }.expect("pool");
        let alloc = vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1);
        // SAFETY: the pool is live.
        let cmd = unsafe { device.allocate_command_buffers(&alloc) }.expect("command buffer")[0];
        let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
        // SAFETY: a new command buffer, in the initial state.
        unsafe { device.begin_command_buffer(cmd, &begin) }.expect("begin");
        Self { gpu, pool, cmd }
    }

    /// Ends the command buffer and submits it to the context's queue with `fence`.
    pub(crate) fn submit(&self, fence: &Fence) {
        self.submit_waiting(fence, &[]);
    }

    /// As [`submit`](Self::submit), the submission waiting on `waits` first.
    pub(crate) fn submit_waiting(&self, fence: &Fence, waits: &[vk::SemaphoreSubmitInfo<'_>]) {
        let ctx = self.gpu.ctx();
        // SAFETY: recording; everything recorded refers to resources an `InFlight` holds.
        unsafe { ctx.device().end_command_buffer(self.cmd) }.expect("end");
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(self.cmd)];
        let submit = vk::SubmitInfo2::default().command_buffer_infos(&cmds).wait_semaphore_infos(waits);
        let locked = fence.lock_for_submit().expect("lock");
        // SAFETY: an executable command buffer of the queue's family; the fence is unsignalled
        // (reset by `finish`) and used by this submission only (locked for it).
        unsafe { ctx.submit(&[submit], locked.handle()) }.expect("submit");
    }
}

impl Drop for OwnCommands<'_> {
    fn drop(&mut self) {
        // SAFETY: the test waited for the submission (or never made it); freeing the pool
        // frees its command buffer.
        unsafe { self.gpu.ctx().device().destroy_command_pool(self.pool, None) };
    }
}

fn transfer_buffer(gpu: &Gpu, size: u64, name: &str) -> vkres::Buffer {
    gpu.device_buffer(size, name)
}

#[test]
fn uploads_copy_transition_and_builds_in_the_callers_command_buffer() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let data = noise(100_000, 11);
    let a = transfer_buffer(&gpu, data.len() as u64, "a");
    let b = transfer_buffer(&gpu, 50_000, "b");
    let texels = noise(32 * 32 * 4, 12);
    let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::STORAGE;
    let image =
        alloc.create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 32, 32, usage).name("image")).expect("image");
    let accel = gpu.has_accel();
    let scene_data = scene::SceneData::new();
    let inputs = accel.then(|| scene::Inputs::upload(&gpu, &scene_data));

    let submissions = gpu.ctx().submission_count();
    let own = OwnCommands::begin(&gpu);
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    // SAFETY: `own.cmd` is recording, of the context's queue family; it is submitted once, with
    // `fence`, after `finish`.
    let mut recorder = unsafe { alloc.recorder(own.cmd) };
    recorder.upload_bytes(&a, 0, &data).expect("upload a");
    // Ordered after the upload by the recorder's barrier: b holds a's bytes 25 000..75 000.
    recorder.copy_buffer(&a, 25_000, &b, 0, 50_000).expect("copy");
    let upload = ImageUpload { final_layout: vk::ImageLayout::GENERAL, ..ImageUpload::default() };
    recorder.upload_image(&image, &texels, &upload).expect("upload image");
    recorder.transition_image(&image, vk::ImageLayout::TRANSFER_SRC_OPTIMAL).expect("transition");
    let b_download = recorder.download_buffer(&b).expect("download b");
    let image_download = recorder.download_image(&image).expect("download image");
    let built = inputs.as_ref().map(|inputs| {
        let blases: Vec<Blas> = inputs.blas_descs().iter().map(|d| recorder.build_blas(d).expect("BLAS")).collect();
        let tlas = recorder.build_tlas(&scene::tlas_desc(&blases, &scene_data)).expect("TLAS");
        (blases, tlas)
    });
    let in_flight = recorder.finish(&fence).expect("finish");
    assert_eq!(gpu.ctx().submission_count(), submissions, "vkres submitted nothing itself");
    assert!(!b_download.is_ready(), "nothing is readable before the caller's fence");
    own.submit(&fence);
    in_flight.wait().expect("wait");

    assert_eq!(b_download.bytes().expect("b"), &data[25_000..75_000]);
    assert_eq!(image_download.bytes().expect("image"), texels);
    assert_eq!(image.layout(), vk::ImageLayout::TRANSFER_SRC_OPTIMAL, "the tracked layout is the recorded one");
    assert_eq!(gpu.read_back(&a), data);
    if let (Some(inputs), Some((blases, tlas))) = (&inputs, &built) {
        assert!(tlas.is_built() && blases.iter().all(|b| b.is_built()));
        if gpu.has_ray_query() {
            let rays = scene::SceneData::rays();
            let hits = scene::trace(&gpu, tlas, &inputs.boxes, &rays);
            let (compared, hit, _) = reference::compare(&scene_data, &rays, &hits);
            assert!(hit > 0 && compared > rays.len() / 2, "{compared} compared, {hit} hits");
        }
    }
    drop(own);
}

/// The staging of a recording stays held, whatever else asks for staging, until the caller's
/// fence has signalled; then it is released for reuse.
#[test]
fn staging_is_not_reused_before_the_callers_fence() {
    let gpu = Gpu::new();
    let budget = 64 << 10;
    let alloc = gpu.alloc().with_staging(StagingConfig { budget, chunk_size: budget }).expect("alloc");
    let data = noise(budget as usize, 13);
    let dst = transfer_buffer(&gpu, budget, "dst");
    let own = OwnCommands::begin(&gpu);
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    // SAFETY: as in the test above.
    let mut recorder = unsafe { alloc.recorder(own.cmd) };
    recorder.upload_bytes(&dst, 0, &data).expect("upload");
    let in_flight = recorder.finish(&fence).expect("finish");
    let staging = alloc.staging();
    let other = staging.open_set();
    // Recorded, not yet submitted: the chunk is the recording's.
    assert!(staging.stage(other, 1, 1).expect("stage").is_none(), "staging reused before the fence");
    own.submit(&fence);
    fence.wait().expect("fence");
    // Signalled: the manager releases the set at the next request.
    let space = staging.stage(other, 1, 1).expect("stage").expect("staging free after the fence");
    drop(space);
    staging.release_resource_set(other).expect("release");
    in_flight.wait().expect("wait");
    assert_eq!(gpu.read_back(&dst), data);
    drop(own);
}

/// A recording that needs more staging than the budget cannot be split (only the caller
/// submits): a typed error, nothing leaked.
#[test]
fn a_recording_larger_than_the_staging_budget_is_a_typed_error() {
    let gpu = Gpu::new();
    let budget = 64 << 10;
    let alloc = gpu.alloc().with_staging(StagingConfig { budget, chunk_size: budget }).expect("alloc");
    let dst = transfer_buffer(&gpu, 2 * budget, "dst");
    let own = OwnCommands::begin(&gpu);
    // SAFETY: as above; dropped without `finish`, the command buffer is never submitted.
    let mut recorder = unsafe { alloc.recorder(own.cmd) };
    let err = recorder.upload_bytes(&dst, 0, &noise(2 * budget as usize, 14)).expect_err("too large");
    assert!(matches!(err, Error::StagingExhausted { .. }), "{err}");
    drop(recorder);
    drop(own);
}

#[test]
fn a_wait_on_a_fence_nobody_submits_times_out_with_a_typed_error() {
    let gpu = Gpu::with(ContextOptions::new().wait_timeout(Duration::from_millis(50)));
    assert_eq!(gpu.ctx().wait_timeout(), Duration::from_millis(50));
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    let err = fence.wait().expect_err("never signalled");
    match &err {
        Error::Timeout { what, waited } => {
            assert!(what.contains("Fence"), "{what}");
            assert!(*waited >= Duration::from_millis(40), "{waited:?}");
        }
        other => panic!("expected a timeout, got {other}"),
    }
    // The bound can change at run time; a batch's own waits are bounded the same way.
    gpu.ctx().set_wait_timeout(Duration::from_secs(10));
    let buffer = transfer_buffer(&gpu, 1024, "b");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&buffer, 0, &[7; 1024]).expect("upload");
    batch.submit_and_wait().expect("a submitted batch finishes within the bound");
}

/// Issue 16, item 9: in one batch, a GPU copy into a direct-write buffer followed by an upload
/// into the same buffer leaves the upload's bytes (the upload is ordered after the copy, not
/// written by the host before the copy runs). A transfer on another buffer in between clears
/// the batch's barrier bookkeeping, which the direct path once trusted.
#[test]
fn an_upload_after_a_copy_into_a_direct_write_buffer_keeps_program_order() {
    let gpu = Gpu::new();
    let size = 4096u64;
    let usage = vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC;
    let desc = BufferDesc::new(size, usage)
        .location(MemoryLocation::PreferDevice)
        .mapping(MappingType::PreferDirectWrite)
        .name("direct");
    let direct = gpu.alloc().create_buffer(&desc).expect("direct");
    let src = transfer_buffer(&gpu, size, "src");
    let other = transfer_buffer(&gpu, size, "other");
    let old = noise(size as usize, 15);
    let new = noise(size as usize, 16);
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&src, 0, &old).expect("upload src");
    batch.copy_buffer(&src, 0, &direct, 0, size).expect("copy");
    // Writes src, which the copy read: a barrier, after which the bookkeeping is empty.
    batch.upload_bytes(&other, 0, &old).expect("upload other");
    batch.copy_buffer(&other, 0, &src, 0, size).expect("copy into src");
    batch.upload_bytes(&direct, 0, &new).expect("upload direct");
    batch.submit_and_wait().expect("submit");
    assert_eq!(gpu.read_back(&direct), new, "the upload came last in program order");
}

/// Issue 16, item 9: a fence that is already signalled is reset before a submission gets it,
/// never handed to Vulkan signalled (the validation layer reports that).
#[test]
fn a_signalled_fence_is_reset_before_the_submission() {
    let gpu = Gpu::new();
    let buffer = transfer_buffer(&gpu, 256, "b");
    let data = noise(256, 17);
    let fence = Fence::new(gpu.ctx(), true).expect("fence");
    assert!(fence.is_signalled());
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&buffer, 0, &data).expect("upload");
    let in_flight = batch.submit_with_fence(&fence).expect("submit");
    in_flight.wait().expect("wait");
    assert_eq!(gpu.read_back(&buffer), data);
    // The same fence again, its work finished but not waited for: reset and reused.
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&buffer, 0, &data).expect("upload");
    let first = batch.submit_with_fence(&fence).expect("submit");
    first.wait().expect("wait");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&buffer, 0, &data).expect("upload");
    batch.submit_with_fence(&fence).expect("reuse of a finished fence").wait().expect("wait");
    // A fence that a pending submission signals is refused: the caller's own submission,
    // held pending by a timeline semaphore that the host signals only afterwards.
    let pending = Fence::new(gpu.ctx(), false).expect("fence");
    let held = crate::support::HeldSubmission::new(&gpu, &pending).expect("held submission");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&buffer, 0, &data).expect("upload");
    let err = batch.submit_with_fence(&pending).expect_err("a pending fence");
    assert!(matches!(err, Error::Batch(vkres::BatchError::FenceBusy)), "{err}");
    held.open().expect("open");
}

#[test]
fn overlapping_copies_and_overflowing_offsets_are_typed_errors() {
    let gpu = Gpu::new();
    let buffer = transfer_buffer(&gpu, 256, "b");
    let mut batch = gpu.alloc().batch().expect("batch");
    let err = batch.copy_buffer(&buffer, 0, &buffer, 16, 32).expect_err("overlap");
    assert!(matches!(err, Error::OverlappingCopy { src_offset: 0, dst_offset: 16, size: 32, .. }), "{err}");
    let err = batch.copy_buffer(&buffer, 48, &buffer, 16, 33).expect_err("overlap");
    assert!(matches!(err, Error::OverlappingCopy { .. }), "{err}");
    // Adjacent ranges of one buffer do not overlap.
    batch.copy_buffer(&buffer, 0, &buffer, 128, 128).expect("disjoint copy");
    let typed: vkres::Buffer<u32> = buffer.cast();
    let err = batch.upload(&typed, u64::MAX / 2, &[1, 2]).expect_err("overflow");
    assert!(matches!(err, Error::DataTooLarge { .. }), "{err}");
    let err = batch.copy_buffer(&buffer, u64::MAX - 8, &buffer, 0, 16).expect_err("overflow");
    assert!(matches!(err, Error::DataTooLarge { .. }), "{err}");
    batch.submit_and_wait().expect("submit");
}

/// An image made by raw ash, as a swapchain's, with its memory.
struct RawImage<'a> {
    gpu: &'a Gpu,
    image: vk::Image,
    memory: vk::DeviceMemory,
}

impl<'a> RawImage<'a> {
    fn new(gpu: &'a Gpu, desc: &ImageDesc) -> Self {
        let ctx = gpu.ctx();
        let device = ctx.device();
        let info = desc.create_info();
        // SAFETY: plain object creation on the test's device.
        let image = unsafe { device.create_image(&info, None) }.expect("image");
        // SAFETY: a live image; a plain query of the physical device.
        let (requirements, types) = unsafe {
            (
                device.get_image_memory_requirements(image),
                ctx.instance().get_physical_device_memory_properties(ctx.physical_device()),
            )
        };
        let index = (0..types.memory_type_count)
            .find(|&i| {
                requirements.memory_type_bits & (1 << i) != 0
                    && types.memory_types[i as usize].property_flags.contains(vk::MemoryPropertyFlags::DEVICE_LOCAL)
            })
            .expect("a device-local memory type");
        let allocate = vk::MemoryAllocateInfo::default().allocation_size(requirements.size).memory_type_index(index);
        // SAFETY: a memory type the image accepts; bound once, at offset 0.
        let memory = unsafe { device.allocate_memory(&allocate, None) }.expect("memory");
        // SAFETY: as above.
        unsafe { device.bind_image_memory(image, memory, 0) }.expect("bind");
        Self { gpu, image, memory }
    }
}

impl Drop for RawImage<'_> {
    fn drop(&mut self) {
        let device = self.gpu.ctx().device();
        // SAFETY: every wrapper and all work on the image are gone; destroyed once, here (the
        // validation layer reports a second destruction by vkres, or the image left alive).
        unsafe {
            device.destroy_image(self.image, None);
            device.free_memory(self.memory, None);
        }
    }
}

/// Issue 18, item 6: an image vkres did not create (made here by raw ash, as a swapchain's)
/// wrapped as a borrowed `Image`: uploaded and downloaded by vkres with a tracked layout, moved
/// to another layout by the caller's own commands and told so, and not destroyed by vkres.
#[test]
fn a_borrowed_image_is_tracked_and_left_to_its_owner() {
    let gpu = Gpu::new();
    let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::STORAGE;
    let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 16, 16, usage).name("external");
    let raw = RawImage::new(&gpu, &desc);
    // SAFETY: made above as `desc` says, in UNDEFINED, alive until `raw` drops after the wrapper.
    let image = unsafe { vkres::Image::from_raw_borrowed(gpu.ctx(), raw.image, desc, vk::ImageLayout::UNDEFINED) };
    assert!(!image.is_owned());
    let texels = noise(16 * 16 * 4, 18);
    let mut batch = gpu.alloc().batch().expect("batch");
    let upload = ImageUpload { final_layout: vk::ImageLayout::TRANSFER_SRC_OPTIMAL, ..ImageUpload::default() };
    batch.upload_image(&image, &texels, &upload).expect("upload");
    batch.submit_and_wait().expect("submit");
    assert_eq!(image.layout(), vk::ImageLayout::TRANSFER_SRC_OPTIMAL);

    // The caller's own command: a transition vkres does not see, then told.
    let own = OwnCommands::begin(&gpu);
    let barrier = [vk::ImageMemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .src_access_mask(vk::AccessFlags2::MEMORY_WRITE)
        .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)
        .old_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL)
        .new_layout(vk::ImageLayout::GENERAL)
        .image(raw.image)
        .subresource_range(vk::ImageSubresourceRange {
            aspect_mask: vk::ImageAspectFlags::COLOR,
            base_mip_level: 0,
            level_count: 1,
            base_array_layer: 0,
            layer_count: 1,
        })];
    // SAFETY: recording; the image is live, in TRANSFER_SRC_OPTIMAL after the finished batch.
    unsafe {
        gpu.ctx()
            .device()
            .cmd_pipeline_barrier2(own.cmd, &vk::DependencyInfo::default().image_memory_barriers(&barrier))
    };
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    own.submit(&fence);
    fence.wait().expect("wait");
    // SAFETY: the caller's own transition above left it in GENERAL (its fence was waited for).
    unsafe { image.set_tracked_layout(vk::ImageLayout::GENERAL) }.expect("a layout the image can be in");

    // vkres starts from the layout it was told (a wrong old layout is a validation error).
    assert_eq!(gpu.download(&image), texels);
    assert_eq!(image.layout(), vk::ImageLayout::GENERAL, "a download keeps the layout");
    drop(image);
    drop(own);
    drop(raw);
}

/// The work's end told by a timeline semaphore value instead of a fence: the caller's
/// submission signals it; the `InFlight` holds everything until the value is reached.
#[test]
fn a_recording_finished_by_a_timeline_value() {
    let gpu = Gpu::new();
    let ctx = gpu.ctx();
    let device = ctx.device();
    let mut timeline = vk::SemaphoreTypeCreateInfo::default().semaphore_type(vk::SemaphoreType::TIMELINE);
    // SAFETY: timeline semaphores are core in Vulkan 1.2, enabled by every vkres context.
    let semaphore =
        unsafe { device.create_semaphore(&vk::SemaphoreCreateInfo::default().push_next(&mut timeline), None) }
            .expect("timeline semaphore");
    let data = noise(10_000, 19);
    let dst = transfer_buffer(&gpu, data.len() as u64, "dst");
    let own = OwnCommands::begin(&gpu);
    // SAFETY: as in the tests above.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    recorder.upload_bytes(&dst, 0, &data).expect("upload");
    let download = recorder.download_buffer(&dst).expect("download");
    // SAFETY: a live timeline semaphore of this device that the submission below signals to 1;
    // destroyed after the `InFlight`.
    let mut in_flight = unsafe { recorder.finish_with_timeline(semaphore, 1) }.expect("finish");
    assert!(!in_flight.poll(), "not submitted yet");
    // SAFETY: recording; ended once.
    unsafe { device.end_command_buffer(own.cmd) }.expect("end");
    let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(own.cmd)];
    let signals = [vk::SemaphoreSubmitInfo::default()
        .semaphore(semaphore)
        .value(1)
        .stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)];
    let submit = vk::SubmitInfo2::default().command_buffer_infos(&cmds).signal_semaphore_infos(&signals);
    // SAFETY: an executable command buffer of the queue's family; the semaphore's value only grows.
    unsafe { ctx.submit(&[submit], vk::Fence::null()) }.expect("submit");
    in_flight.wait().expect("wait");
    assert_eq!(download.bytes().expect("bytes"), data);
    drop(own);
    // SAFETY: the submission that signals it has finished (waited above).
    unsafe { device.destroy_semaphore(semaphore, None) };
}

/// Uploads into part of an image (one mip level, one layer, a box of texels) keep the rest of
/// its contents; regions outside the image are typed errors.
#[test]
fn an_upload_into_a_region_of_one_mip_and_layer_keeps_the_rest() {
    let gpu = Gpu::new();
    let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::STORAGE;
    let desc =
        ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 16, 16, usage).mip_levels(2).array_layers(2).name("layered");
    let image = gpu.alloc().create_image(&desc).expect("image");
    let (level0, level1) = (16 * 16 * 4 * 2, 8 * 8 * 4 * 2);
    let mut expected = noise(level0 + level1, 20);
    let general = vk::ImageLayout::GENERAL;
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_image(&image, &expected, &ImageUpload { final_layout: general, ..Default::default() }).expect("all");
    batch.submit_and_wait().expect("submit");

    // Mip 1, layer 1, texels x 2..6, y 3..5, through the caller's command buffer.
    let patch = noise(4 * 2 * 4, 21);
    let region = vkres::ImageRegion::level(1).layers(1, 1).texels([2, 3, 0], [4, 2, 1]);
    let own = OwnCommands::begin(&gpu);
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    // SAFETY: as in the tests above.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    recorder.upload_image_region(&image, &region, &patch, general).expect("region");
    let in_flight = recorder.finish(&fence).expect("finish");
    own.submit(&fence);
    in_flight.wait().expect("wait");
    for row in 0..2 {
        let start = level0 + 8 * 8 * 4 + ((3 + row) * 8 + 2) * 4;
        expected[start..start + 16].copy_from_slice(&patch[row * 16..row * 16 + 16]);
    }
    assert_eq!(gpu.download(&image), expected);
    assert_eq!(image.layout(), general);

    let mut batch = gpu.alloc().batch().expect("batch");
    for bad in [
        vkres::ImageRegion::level(2),
        vkres::ImageRegion::level(0).layers(1, 2),
        vkres::ImageRegion::level(0).layers(0, 0),
        vkres::ImageRegion::level(1).texels([6, 0, 0], [4, 1, 1]),
        vkres::ImageRegion::level(0).texels([u32::MAX, 0, 0], [2, 1, 1]),
    ] {
        let err = batch.upload_image_region(&image, &bad, &[0; 16], general).expect_err("outside");
        assert!(matches!(err, Error::InvalidDescription { .. }), "{bad:?}: {err}");
    }
    let err = batch.upload_image_region(&image, &region, &[0; 31], general).expect_err("size");
    assert!(matches!(err, Error::ImageDataSize { expected: 32, given: 31, .. }), "{err}");
    assert_eq!(batch.commands(), 0, "nothing recorded");
    drop(batch);
    drop(own);
}

/// Issue 18, item 2: resources whose handles are dropped mid-frame, while the caller's
/// command buffer (recorded by vkres and by the caller's own commands) may still use them,
/// are destroyed only once the caller's fence has signalled; the work handed to the
/// allocator's retire queue is released then without anyone blocking on it.
#[test]
fn resources_dropped_mid_frame_are_released_after_the_callers_fence() {
    let gpu = Gpu::new();
    let memory = gpu.alloc().memory_allocator().clone();
    let uploaded = transfer_buffer(&gpu, 4096, "uploaded");
    let filled = transfer_buffer(&gpu, 4096, "filled by the caller");
    let own = OwnCommands::begin(&gpu);
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    // SAFETY: as in the tests above.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    recorder.upload_bytes(&uploaded, 0, &noise(4096, 22)).expect("upload");
    // The caller's own command on a vkres buffer, which the recorder is told to hold.
    // SAFETY: recording; the buffer is live (held below until the fence) with TRANSFER_DST.
    unsafe { gpu.ctx().device().cmd_fill_buffer(own.cmd, filled.handle(), 0, vk::WHOLE_SIZE, 0x5a5a_5a5a) };
    recorder.keep_alive(&filled);
    let in_flight = recorder.finish(&fence).expect("finish");
    let before = memory.live_allocations();
    drop((uploaded, filled));
    gpu.alloc().retire(in_flight); // does not wait
    assert_eq!(memory.live_allocations(), before, "nothing destroyed before the submission ran");
    assert_eq!(gpu.alloc().collect_retired(), 1, "still pending: never submitted yet");
    own.submit(&fence);
    fence.wait().expect("fence");
    assert_eq!(gpu.alloc().collect_retired(), 0, "released once the fence signalled");
    assert!(memory.live_allocations() < before, "{:?}", memory.live_allocation_names());
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new());
    drop(own);
}

/// Issue 16, item 9: counts, strides and indices of BLAS geometry whose products overflow are
/// typed errors, never a panic or a wrapped (too small) range.
#[test]
fn overflowing_geometry_ranges_are_typed_errors() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let usage = vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS;
    let alloc = gpu.alloc();
    let vertices: vkres::Buffer<[f32; 3]> =
        alloc.create_typed_buffer(&BufferDesc::elements::<[f32; 3]>(9, usage).name("vertices")).expect("vertices");
    let transforms: vkres::Buffer<vkres::Transform3x4> = alloc
        .create_typed_buffer(&BufferDesc::elements::<vkres::Transform3x4>(1, usage).name("transforms"))
        .expect("transforms");
    let boxes = alloc.create_buffer(&BufferDesc::new(256, usage).name("boxes")).expect("boxes");
    let format = vk::Format::R32G32B32_SFLOAT;
    let descs = [
        vkres::BlasDesc::new("count")
            .triangles(vkres::TriangleGeometry::new(&vertices, format).vertex_range(0, u64::MAX)),
        vkres::BlasDesc::new("stride").triangles(vkres::TriangleGeometry::new(&vertices, format).stride(u64::MAX / 4)),
        vkres::BlasDesc::new("transform")
            .triangles(vkres::TriangleGeometry::new(&vertices, format).transform(&transforms, u64::MAX)),
        vkres::BlasDesc::new("boxes").aabbs(vkres::AabbGeometry::strided(&boxes, 0, 1 << 62, 8)),
    ];
    let mut batch = alloc.batch().expect("batch");
    for desc in &descs {
        let err = batch.build_blas(desc).expect_err("overflow");
        // An overflow, or a rule the oversized value breaks first (a stride past the format's limit).
        let typed = matches!(
            err,
            Error::Overflow { .. }
                | Error::DataTooLarge { .. }
                | Error::ValidUsage { .. }
                | Error::InvalidDescription { .. }
        );
        assert!(typed, "{}: {err}", desc.name());
    }
    assert_eq!(batch.commands(), 0);
}

/// Issue 16, item 5 (Merian's pattern): a ring slot's fence that the caller's own submission
/// signals is waited for before the ring resets it (resetting a fence a pending submission
/// uses is VUID-vkResetFences-pFences-01123), once the caller said it submits with it. The
/// submission fills 64 MiB, so it is most likely still pending when the ring comes back to the
/// slot (the validation layer reports a reset under it); no host thread holds it back, since a
/// host-signalled gate raced the layer's own fence waits under load (a flaky test).
#[test]
fn a_ring_slot_used_by_the_callers_own_submission_is_waited_for_before_its_reset() {
    const SIZE: u64 = 64 << 20;
    let gpu = Gpu::new();
    let ctx = gpu.ctx();
    let device = ctx.device();
    let buffer = transfer_buffer(&gpu, SIZE, "filled");
    let mut ring = vkres::RingFences::<1, ()>::new(ctx).expect("ring");
    let own = OwnCommands::begin(&gpu);
    // SAFETY: recording; the buffer outlives the wait below.
    unsafe { device.cmd_fill_buffer(own.cmd, buffer.handle(), 0, vk::WHOLE_SIZE, 0x0102_0304) };
    // The caller's fill made visible to later commands (the read-back's copy), as a caller's
    // own commands must be: a fence wait on the host orders nothing on the device (the
    // 1.4.309 layer's synchronization validation reports the read after write without it).
    let visible = [vk::MemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::CLEAR)
        .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
        .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)];
    // SAFETY: recording.
    unsafe { device.cmd_pipeline_barrier2(own.cmd, &vk::DependencyInfo::default().memory_barriers(&visible)) };
    // SAFETY: recording, ended once.
    unsafe { device.end_command_buffer(own.cmd) }.expect("end");
    {
        let slot = ring.wait_and_get().expect("slot");
        slot.fence.prepare_for_own_submission().expect("prepare");
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(own.cmd)];
        let submit = vk::SubmitInfo2::default().command_buffer_infos(&cmds);
        let locked = slot.fence.lock_for_submit().expect("lock");
        // SAFETY: an executable command buffer of the queue's family; the fence was readied above
        // (and is locked for the submission).
        unsafe { ctx.submit(&[submit], locked.handle()) }.expect("submit");
    }
    // The same slot again: waits for the caller's submission, then resets the fence.
    let slot = ring.wait_and_get().expect("slot again");
    assert!(!slot.fence.is_signalled(), "reset for the next use");
    assert_eq!(gpu.read_back(&buffer), [4u8, 3, 2, 1].repeat((SIZE / 4) as usize));
    drop(own);
}
