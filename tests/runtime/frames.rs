//! Frames in flight (issue 18, items 2 and 3): every resource kind dropped while a frame that
//! uses it is still pending, the frame's work handed to the allocator's retire queue (the
//! caller holds no `InFlight`); batches that wait on and signal the caller's binary and
//! timeline semaphores. The frames and the batches are held back by a timeline semaphore the
//! test signals from the host, so they are truly pending when the handles drop (on lavapipe too): validation
//! reports any object destroyed under them, the harness any leak.

use vkres::{
    BufferDesc, Fence, GpuResources, ImageDesc, ImageUpload, ImageViewDesc, InFlight, QueueSync, SamplerDesc, Texture,
    TlasInstanceRef, vk,
};

use crate::accel::scene::{GpuScene, SceneData, tlas_desc};
use crate::recorder::OwnCommands;
use crate::support::{Gpu, HostGate, noise, timeline_semaphore};

/// A timeline semaphore the host signals: work that waits on it stays pending until then.
struct Gate<'a> {
    gpu: &'a Gpu,
    semaphore: vk::Semaphore,
}

impl<'a> Gate<'a> {
    fn new(gpu: &'a Gpu) -> Self {
        Self { gpu, semaphore: timeline_semaphore(gpu) }
    }

    /// Waiting for `value` before any command runs.
    fn wait(&self, value: u64) -> vk::SemaphoreSubmitInfo<'static> {
        vk::SemaphoreSubmitInfo::default()
            .semaphore(self.semaphore)
            .value(value)
            .stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
    }

    /// Signals `value` from the host: the work waiting for it may run.
    fn open(&self, value: u64) {
        let info = vk::SemaphoreSignalInfo::default().semaphore(self.semaphore).value(value);
        // SAFETY: a live timeline semaphore; `value` is above its current value.
        unsafe { self.gpu.ctx().device().signal_semaphore(&info) }.expect("signal");
    }

    fn value(&self) -> u64 {
        // SAFETY: a live timeline semaphore.
        unsafe { self.gpu.ctx().device().get_semaphore_counter_value(self.semaphore) }.expect("value")
    }
}

impl Drop for Gate<'_> {
    fn drop(&mut self) {
        // SAFETY: every submission that waits on it has finished (the tests wait for them).
        unsafe { self.gpu.ctx().device().destroy_semaphore(self.semaphore, None) };
    }
}

/// One frame's command buffer, made by raw ash as a renderer makes its own, and its fence.
struct Frame<'a> {
    own: OwnCommands<'a>,
    fence: Fence,
}

impl<'a> Frame<'a> {
    fn begin(gpu: &'a Gpu) -> Self {
        Self { own: OwnCommands::begin(gpu), fence: Fence::new(gpu.ctx(), false).expect("fence") }
    }

    /// Ends the command buffer and submits it with its fence, waiting on `gate` where given.
    fn submit(&self, gate: Option<&HostGate<'_>>) {
        let waits: Vec<_> = gate.iter().map(|g| g.wait_info()).collect();
        self.own.submit_waiting(&self.fence, &waits);
    }
}

#[derive(GpuResources)]
struct Material {
    #[gpu(buffer(usage = STORAGE | TRANSFER_DST, data = input))]
    params: vkres::Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], data = input, sampler))]
    albedo: Texture,
}

#[test]
fn every_resource_kind_dropped_while_its_frame_is_pending() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let memory = alloc.memory_allocator().clone();
    let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED;
    let image =
        alloc.create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 32, 32, usage).name("image")).expect("image");
    let view_image =
        alloc.create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 8, 8, usage).name("viewed")).expect("image");
    let view = alloc.create_image_view(&view_image, &ImageViewDesc::default()).expect("view");
    drop(view_image); // the view holds its image
    let sampler = alloc.create_sampler(&SamplerDesc { mip_lod_bias: 0.5, ..SamplerDesc::default() }).expect("sampler");
    let buffer = alloc
        .create_buffer(&BufferDesc::new(4096, vk::BufferUsageFlags::TRANSFER_DST).name("uniforms"))
        .expect("buffer");
    let material = Material::create(alloc, MaterialInputs { params: &[1, 2, 3, 4], albedo: &noise(16 * 16 * 4, 5) })
        .expect("bundle");
    let scene_data = SceneData::new();
    // The scene's inputs are not used by the frames (a TLAS refit reads its instances only).
    let scene = gpu.has_accel().then(|| GpuScene::build(&gpu, &scene_data)).map(|s| (s.blases, s.tlas));
    let samplers_before = alloc.sampler_pool().live();

    let frames: Vec<Frame<'_>> = (0..2).map(|_| Frame::begin(&gpu)).collect();
    // Declared after the frames: dropped first, it lets them finish.
    let gate = HostGate::new(&gpu);
    for (i, frame) in frames.iter().enumerate() {
        // SAFETY: `frame.own.cmd` is recording, of the context's queue family; it is submitted once,
        // with `frame.fence`, after `finish`.
        let mut rec = unsafe { alloc.recorder(frame.own.cmd) };
        rec.upload(&buffer, 0, &[i as u8; 64]).expect("uniforms");
        let upload = ImageUpload { final_layout: vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL, ..ImageUpload::default() };
        rec.upload_image(&image, &noise(32 * 32 * 4, i as u64), &upload).expect("texture upload");
        rec.upload(&material.params, 0, &[i as u32]).expect("bundle upload");
        // What the caller's own commands would use (descriptors of a draw).
        rec.keep_alive(&view);
        rec.keep_alive(&sampler);
        rec.keep_alive(&material.albedo);
        if let Some((blases, tlas)) = &scene {
            rec.update_tlas(tlas, &tlas_desc(blases, &scene_data)).expect("refit");
            rec.keep_alive(&blases[0]);
        }
        let work = rec.finish(&frame.fence).expect("finish");
        // The caller keeps nothing of the frame: the allocator's retire queue does.
        alloc.retire(work);
        // Both frames wait for the host (a timeline value may be waited on by any number).
        frame.submit(Some(&gate));
    }
    let live = memory.live_allocations();
    // Every handle dropped while both frames wait for the gate.
    drop((buffer, image, view, sampler, material, scene));
    assert_eq!(alloc.collect_retired(), 2, "both frames still pending");
    assert_eq!(memory.live_allocations(), live, "nothing a pending frame uses is freed");
    assert_eq!(alloc.sampler_pool().live(), samplers_before, "the samplers live on");

    gate.open();
    for frame in &frames {
        frame.fence.wait().expect("frame");
    }
    assert_eq!(alloc.collect_retired(), 0, "both frames released");
    assert_eq!(alloc.sampler_pool().live(), 0);
    assert_eq!(alloc.leak_report(), Vec::<String>::new());
}

#[test]
fn batches_wait_on_and_signal_the_callers_semaphores() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let gate = Gate::new(&gpu);
    let done = Gate::new(&gpu);
    let data = noise(64 * 1024, 9);
    let buffer = alloc
        .create_buffer(
            &BufferDesc::new(
                data.len() as u64,
                vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC,
            )
            .name("gated"),
        )
        .expect("buffer");

    // A batch held back by the gate, its end signalled on a timeline.
    let mut batch = alloc.batch().expect("batch");
    batch.upload_bytes(&buffer, 0, &data).expect("upload");
    let waits = [gate.wait(1)];
    // SAFETY: live timeline semaphores of the device; 1 is above both current values.
    let work = unsafe { batch.submit_with_timeline(done.semaphore, 1, QueueSync { waits: &waits, signals: &[] }) }
        .expect("submit");
    assert!(!work.is_done(), "held back by the gate");
    assert_eq!(done.value(), 0);
    gate.open(1);
    work.wait().expect("wait");
    assert_eq!(done.value(), 1);
    assert_eq!(gpu.read_back(&buffer), data);

    // A binary semaphore signalled by one batch and waited on by an empty one, which still
    // submits (the caller's queue depends on it) and so consumes the signal.
    // SAFETY: plain object creation on the live device.
    let binary =
        unsafe { gpu.ctx().device().create_semaphore(&vk::SemaphoreCreateInfo::default(), None) }.expect("binary");
    let signal =
        [vk::SemaphoreSubmitInfo::default().semaphore(binary).stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)];
    let mut batch = alloc.batch().expect("batch");
    batch.upload_bytes(&buffer, 0, &data[..1024]).expect("upload");
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    // SAFETY: `binary` is unsignalled with no pending signal; waited on below.
    let first =
        unsafe { batch.submit_with_semaphores(&fence, QueueSync { waits: &[], signals: &signal }) }.expect("signal");
    let fence2 = Fence::new(gpu.ctx(), false).expect("fence");
    let empty = alloc.batch().expect("batch");
    // SAFETY: the signal of `binary` was submitted above; nothing else waits on it.
    let second =
        unsafe { empty.submit_with_semaphores(&fence2, QueueSync { waits: &signal, signals: &[] }) }.expect("wait");
    second.wait().expect("second");
    first.wait().expect("first");
    assert!(fence2.is_signalled(), "the empty batch was submitted");
    // SAFETY: every submission that used it has finished.
    unsafe { gpu.ctx().device().destroy_semaphore(binary, None) };
}

/// How many live allocations are named `name` (the allocator's leak report lists them all).
fn live_named(alloc: &vkres::ResourceAllocator, name: &str) -> usize {
    alloc.leak_report().iter().filter(|n| n.as_str() == name).count()
}

#[test]
fn refits_with_three_frames_in_flight_reuse_one_set_per_frame() {
    const IN_FLIGHT: usize = 3;
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let memory = alloc.memory_allocator().clone();
    let data = SceneData::new();
    let scene = GpuScene::build(&gpu, &data);
    let fan = scene.inputs.blas_descs().swap_remove(0);
    let (blases, placed) = (&scene.blases, &data.instances);
    let instances = |f: usize| {
        placed.iter().map(move |i| {
            let mut transform = i.transform;
            transform.0[0][3] += f as f32 * 0.01;
            TlasInstanceRef::new(&blases[i.blas]).transform(transform).custom_index(i.custom_index)
        })
    };
    let mut slots: Vec<Option<(Frame<'_>, InFlight)>> = (0..IN_FLIGHT).map(|_| None).collect();
    let mut live_after_warm_up = None;
    for f in 0..4 * IN_FLIGHT {
        let slot = &mut slots[f % IN_FLIGHT];
        if let Some((frame, work)) = slot.take() {
            work.wait().expect("frame");
            drop(frame);
        }
        if f == IN_FLIGHT {
            live_after_warm_up = Some(memory.live_allocations());
        }
        let frame = Frame::begin(&gpu);
        // SAFETY: `frame.own.cmd` is recording, of the context's queue family; submitted once,
        // with `frame.fence`, after `finish`.
        let mut rec = unsafe { alloc.recorder(frame.own.cmd) };
        // Hostile counts first: typed errors that record nothing and hold no refit set.
        let count = data.instances.len();
        let fewer = rec.refit_tlas(&scene.tlas, instances(f).take(count - 1));
        assert!(matches!(fewer, Err(vkres::Error::InvalidDescription { .. })), "{fewer:?}");
        let more = rec.refit_tlas(&scene.tlas, instances(f).chain(instances(f).take(1)));
        assert!(matches!(more, Err(vkres::Error::InvalidDescription { .. })), "{more:?}");
        assert_eq!(rec.commands(), 0, "nothing recorded by the failed refits");
        rec.update_blas(&scene.blases[0], &fan).expect("BLAS refit");
        rec.refit_tlas(&scene.tlas, instances(f)).expect("TLAS refit");
        let work = rec.finish(&frame.fence).expect("finish");
        frame.submit(None);
        *slot = Some((frame, work));
    }
    // One set per frame in flight, made in the first three frames, reused by the other nine.
    assert_eq!(live_named(alloc, "scene/refit instances"), IN_FLIGHT);
    assert_eq!(live_named(alloc, "scene/refit scratch"), IN_FLIGHT);
    assert_eq!(live_named(alloc, "fan/refit scratch"), IN_FLIGHT);
    assert_eq!(Some(memory.live_allocations()), live_after_warm_up, "no allocation after the warm-up");

    // A refit recorded and then dropped unsubmitted gives its set back at once.
    {
        let abandoned = OwnCommands::begin(&gpu);
        // SAFETY: recording, of the context's family; never submitted (the recorder is
        // dropped without `finish`, then the pool is destroyed).
        let mut rec = unsafe { alloc.recorder(abandoned.cmd) };
        for (frame, work) in slots.iter_mut().filter_map(Option::take) {
            work.wait().expect("frame");
            drop(frame);
        }
        rec.refit_tlas(&scene.tlas, instances(0)).expect("refit");
        drop(rec);
    }
    let frame = Frame::begin(&gpu);
    // SAFETY: as above.
    let mut rec = unsafe { alloc.recorder(frame.own.cmd) };
    rec.refit_tlas(&scene.tlas, instances(0)).expect("refit");
    let work = rec.finish(&frame.fence).expect("finish");
    frame.submit(None);
    work.wait().expect("frame");
    assert_eq!(live_named(alloc, "scene/refit instances"), IN_FLIGHT, "the abandoned refit's set was reused");

    // The last refit placed the instances as built: the scene traces as the CPU reference.
    if gpu.has_ray_query() {
        crate::accel::trace_and_compare(&gpu, &scene, &scene.tlas, &data);
    }
}

/// A window-sized target (the storage image a renderer traces into) re-created on a resize
/// while the frames that wrote the old one are still pending: the old handle is dropped at
/// once, the frames' work (handed to the retire queue) keeps the old image alive until their
/// fences signal, and it is released then. 0 validation messages, 0 leaks.
#[test]
fn a_target_resized_with_frames_in_flight_is_released_after_their_fences() {
    const IN_FLIGHT: usize = 3;
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let usage = vk::ImageUsageFlags::STORAGE | vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC;
    let sizes = |f: usize| if (2..4).contains(&f) { (96, 72) } else { (64, 48) };
    let name = |n: usize, (w, h): (u32, u32)| format!("target {w}x{h} #{n}");
    let mut made = 0;
    let (w, h) = sizes(0);
    let mut target = alloc
        .create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, w, h, usage).name(name(0, (w, h))))
        .expect("target");
    let mut slots: Vec<Option<Frame<'_>>> = (0..IN_FLIGHT).map(|_| None).collect();
    // The first frames wait for the gate: truly pending when the resize drops their target.
    let gate = HostGate::new(&gpu);
    let mut last = Vec::new();
    for f in 0..7 {
        if let Some(frame) = slots[f % IN_FLIGHT].take() {
            gate.open();
            frame.fence.wait().expect("frame");
        }
        let size = sizes(f);
        if size != (target.desc().extent.width, target.desc().extent.height) {
            made += 1;
            let old = name(made - 1, (target.desc().extent.width, target.desc().extent.height));
            let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, size.0, size.1, usage).name(name(made, size));
            // The old handle goes now, whatever still uses the image.
            target = alloc.create_image(&desc).expect("resized target");
            if f == 2 {
                assert_eq!(alloc.collect_retired(), 2, "frames 0 and 1 still pending");
                assert_eq!(live_named(alloc, &old), 1, "the old target lives on while its frames are pending");
            }
        }
        let frame = Frame::begin(&gpu);
        // SAFETY: `frame.own.cmd` is recording, of the context's queue family; submitted once,
        // with `frame.fence`, after `finish`.
        let mut rec = unsafe { alloc.recorder(frame.own.cmd) };
        last = noise(size.0 as usize * size.1 as usize * 4, f as u64);
        let upload = ImageUpload { final_layout: vk::ImageLayout::GENERAL, ..ImageUpload::default() };
        rec.upload_image(&target, &last, &upload).expect("the frame's picture");
        let work = rec.finish(&frame.fence).expect("finish");
        alloc.retire(work);
        frame.submit(if f < IN_FLIGHT { Some(&gate) } else { None });
        slots[f % IN_FLIGHT] = Some(frame);
    }
    for frame in slots.iter_mut().filter_map(Option::take) {
        frame.fence.wait().expect("frame");
    }
    assert_eq!(alloc.collect_retired(), 0, "every frame released");
    for n in 0..made {
        let old = if n % 2 == 0 { (64, 48) } else { (96, 72) };
        assert_eq!(live_named(alloc, &name(n, old)), 0, "old target {n} released");
    }
    assert_eq!(target.layout(), vk::ImageLayout::GENERAL);
    let mut batch = alloc.batch().expect("batch");
    let download = batch.download_image(&target).expect("download");
    batch.submit_and_wait().expect("submit");
    assert!(download.bytes().expect("bytes") == last, "the last frame's picture");
}
