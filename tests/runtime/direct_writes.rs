//! Direct host writes across batches (issue 16, item 9): an upload into a direct-write buffer
//! that another batch's or recorder's submitted, unfinished work still uses is staged and
//! ordered after that work on the queue, never written by the host under it; once that work
//! is released the upload is written directly again.

use vkres::ash::vk;
use vkres::{BufferDesc, Fence, MappingType, QueueSync};

use crate::support::{Gpu, HostGate, noise};

fn direct_buffer(gpu: &Gpu, size: u64) -> vkres::Buffer {
    let usage =
        vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC;
    let desc = BufferDesc::new(size, usage).mapping(MappingType::PreferDirectWrite).name("direct");
    gpu.alloc().create_buffer(&desc).expect("buffer")
}

/// A batch copies into a direct-write buffer and is held pending (its submission waits on a
/// gate); a second batch uploads into the same buffer. The upload must land after the copy (the
/// copy's bytes must not overwrite it when the gate opens), and the layers stay silent.
#[test]
fn upload_into_a_buffer_that_pending_work_uses_is_ordered_after_it() {
    let gpu = Gpu::new();
    let target = direct_buffer(&gpu, 256);
    let host_visible = target.memory().properties().contains(vk::MemoryPropertyFlags::HOST_VISIBLE);
    let src = gpu.device_buffer(256, "src");
    let (old, new) = (noise(256, 1), noise(256, 2));
    let mut setup = gpu.alloc().batch().expect("batch");
    setup.upload_bytes(&src, 0, &old).expect("upload");
    setup.submit_and_wait().expect("submit");

    let gate = HostGate::new(&gpu);
    let (fence_a, fence_b) =
        (Fence::new(gpu.ctx(), false).expect("fence"), Fence::new(gpu.ctx(), false).expect("fence"));
    let mut first = gpu.alloc().batch().expect("batch");
    first.copy_buffer(&src, 0, &target, 0, 256).expect("copy");
    let waits = [gate.wait_info()];
    // SAFETY: the gate's semaphore is live until both submissions were waited for; value 1 is
    // signalled by the host only.
    let first = unsafe { first.submit_with_semaphores(&fence_a, QueueSync { waits: &waits, signals: &[] }) }
        .expect("submit held");
    let held = !first.is_done();

    let mut second = gpu.alloc().batch().expect("batch");
    second.upload_bytes(&target, 0, &new).expect("upload");
    let staged = second.commands();
    // A host read while the copy into it is pending is refused (it would return old bytes).
    let read = host_visible.then(|| target.read(0, &mut [0u8; 256]));
    let second = second.submit_with_fence(&fence_b).expect("submit");
    // Opened before any assertion: a failing one leaves no submission pending.
    gate.open();
    first.wait().expect("first");
    second.wait().expect("second");
    assert!(held, "held by the gate");
    assert!(gpu.read_back(&target) == new, "the later upload wins, in program order");
    // Pending work of another batch uses the buffer: staged (one copy), not written by the host.
    assert_eq!(staged, 1, "staged behind the pending copy");
    if let Some(read) = read {
        assert!(matches!(read, Err(vkres::Error::InUseByRecordedWork { .. })), "{read:?}");
    }

    // Nothing holds the buffer any more: the next upload is written at once where it can be.
    let third_data = noise(256, 3);
    let mut third = gpu.alloc().batch().expect("batch");
    third.upload_bytes(&target, 0, &third_data).expect("upload");
    assert_eq!(third.commands(), usize::from(!host_visible), "host-visible: {host_visible}");
    third.submit_and_wait().expect("submit");
    assert!(gpu.read_back(&target) == third_data);
}

/// The same across a recorder's work that the caller has submitted and not yet finished, and
/// for a range of a direct-write arena whose neighbour that work reads.
#[test]
fn upload_after_a_recorders_pending_work_is_ordered_after_it() {
    let gpu = Gpu::new();
    let target = direct_buffer(&gpu, 64);
    let src = gpu.device_buffer(64, "src");
    let (old, new) = (noise(64, 4), noise(64, 5));
    let mut setup = gpu.alloc().batch().expect("batch");
    setup.upload_bytes(&src, 0, &old).expect("upload");
    setup.submit_and_wait().expect("submit");

    let ctx = gpu.ctx();
    let device = ctx.device();
    let pool_info = vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index());
    // SAFETY: plain object creation; destroyed below after the work finished.
    let pool = unsafe { device.create_command_pool(&pool_info, None) }.expect("pool");
    let info = vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1);
    // SAFETY: a live pool of this device.
    let cmd = unsafe { device.allocate_command_buffers(&info) }.expect("command buffer")[0];
    // SAFETY: a fresh primary command buffer.
    unsafe { device.begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default()) }.expect("begin");
    let fence = Fence::new(ctx, false).expect("fence");
    // SAFETY: `cmd` is recording, of the context's queue family; submitted once with `fence`.
    let mut recorder = unsafe { gpu.alloc().recorder(cmd) };
    recorder.copy_buffer(&src, 0, &target, 0, 64).expect("copy");
    let in_flight = recorder.finish(&fence).expect("finish");
    // SAFETY: recorded above.
    unsafe { device.end_command_buffer(cmd) }.expect("end");
    let gate = HostGate::new(&gpu);
    let waits = [gate.wait_info()];
    let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
    let submit = vk::SubmitInfo2::default().wait_semaphore_infos(&waits).command_buffer_infos(&cmds);
    let locked = fence.lock_for_submit().expect("lock");
    // SAFETY: the recorder's command buffer, submitted once with its fence (readied by `finish`,
    // locked for the submission).
    unsafe { ctx.submit(&[submit], locked.handle()) }.expect("submit");

    let mut later = gpu.alloc().batch().expect("batch");
    later.upload_bytes(&target, 0, &new).expect("upload");
    let staged = later.commands();
    let later_fence = Fence::new(ctx, false).expect("fence");
    let later = later.submit_with_fence(&later_fence).expect("submit");
    gate.open();
    in_flight.wait().expect("recorder's work");
    later.wait().expect("later");
    assert_eq!(staged, 1, "staged behind the recorder's pending copy");
    // SAFETY: the command buffer's work finished (its fence was waited for).
    unsafe { device.destroy_command_pool(pool, None) };
    assert!(gpu.read_back(&target) == new, "the later upload wins, in program order");
}

/// Ranges of a direct-write arena are tracked per range (issue 16, item 2): a pending copy out
/// of range `a` makes an upload into `a` staged (ordered on the queue after the copy) rather
/// than written by the host while the device reads it, while an upload into range `b` of the
/// same arena is written at once where the memory is host-visible; the bytes come out right
/// either way.
#[test]
fn sub_buffer_upload_while_the_arena_is_in_use_is_staged() {
    let gpu = Gpu::new();
    let usage = vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_SRC;
    let desc = BufferDesc::new(1 << 16, usage).mapping(MappingType::PreferDirectWrite).name("arena");
    let arena = gpu.alloc().create_buffer_arena(&desc).expect("arena");
    let (a, b) = (arena.allocate_bytes(256).expect("range"), arena.allocate_bytes(256).expect("range"));
    let host_visible = arena.memory().properties().contains(vk::MemoryPropertyFlags::HOST_VISIBLE);
    let mut setup = gpu.alloc().batch().expect("batch");
    setup.upload_sub(&a, 0, &noise(256, 6)).expect("upload");
    setup.submit_and_wait().expect("submit");

    let gate = HostGate::new(&gpu);
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    let mut first = gpu.alloc().batch().expect("batch");
    let download = first.download_sub(&a).expect("download");
    let waits = [gate.wait_info()];
    // SAFETY: as in the first test.
    let first = unsafe { first.submit_with_semaphores(&fence, QueueSync { waits: &waits, signals: &[] }) }
        .expect("submit held");
    let mut second = gpu.alloc().batch().expect("batch");
    second.upload_sub(&b, 0, &noise(256, 7)).expect("upload");
    let other_range = second.commands();
    second.upload_sub(&a, 0, &noise(256, 9)).expect("upload");
    let same_range = second.commands() - other_range;
    let second_fence = Fence::new(gpu.ctx(), false).expect("fence");
    let second = second.submit_with_fence(&second_fence).expect("submit");
    gate.open();
    first.wait().expect("first");
    second.wait().expect("second");
    assert_eq!(same_range, 1, "staged while the range is in use");
    assert_eq!(
        other_range,
        usize::from(!host_visible),
        "another range is written at once (host-visible: {host_visible})"
    );
    assert_eq!(download.bytes().expect("bytes"), noise(256, 6), "the pending copy read the old bytes");
    let mut batch = gpu.alloc().batch().expect("batch");
    let (back, back_a) = (batch.download_sub(&b).expect("download"), batch.download_sub(&a).expect("download"));
    batch.submit_and_wait().expect("submit");
    assert_eq!(back.bytes().expect("bytes"), noise(256, 7));
    assert_eq!(back_a.bytes().expect("bytes"), noise(256, 9), "the staged upload landed after the copy");
    // Released: written at once again where the memory is host-visible.
    let mut third = gpu.alloc().batch().expect("batch");
    third.upload_sub(&b, 0, &noise(256, 8)).expect("upload");
    assert_eq!(third.commands(), usize::from(!host_visible), "host-visible: {host_visible}");
    third.submit_and_wait().expect("submit");
}

/// A range the caller's own recorded work holds (`Recorder::keep_alive`, as for a range bound
/// in a descriptor set its commands read) is not written by the host while that work may run:
/// an upload into it is staged (ordered after the work on the queue), an upload into another
/// range of the arena is written at once where the memory is host-visible, and a host
/// `SubBuffer::write` into the held range is refused (issue 16, items 2 and 9).
#[test]
fn a_range_held_by_a_recorder_is_not_written_by_the_host() {
    let gpu = Gpu::new();
    let usage = vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_SRC;
    let desc = BufferDesc::new(1 << 16, usage).mapping(MappingType::PreferDirectWrite).name("arena");
    let arena = gpu.alloc().create_buffer_arena(&desc).expect("arena");
    let host_visible = arena.memory().properties().contains(vk::MemoryPropertyFlags::HOST_VISIBLE);
    let (held, free) = (arena.allocate::<u32>(64).expect("range"), arena.allocate::<u32>(64).expect("range"));
    let own = crate::recorder::OwnCommands::begin(&gpu);
    // SAFETY: `own.cmd` is recording, of the context's queue family; the recorder is dropped
    // unfinished and the command buffer never submitted.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    recorder.keep_alive(&held);
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_sub(&free, 0, &[1; 64]).expect("upload");
    assert_eq!(batch.commands(), usize::from(!host_visible), "another range: at once (host-visible: {host_visible})");
    batch.upload_sub(&held, 0, &[2; 64]).expect("upload");
    assert_eq!(batch.commands(), 1 + usize::from(!host_visible), "the held range: staged");
    if host_visible {
        let refused = held.write(0, &[3]).expect_err("a host write into the held range");
        assert!(matches!(refused, vkres::Error::InUseByRecordedWork { .. }), "{refused:?}");
        free.write(0, &[4]).expect("a range no work uses");
    }
    batch.submit_and_wait().expect("submit");
    drop(recorder);
    drop(own);
    if host_visible {
        // Released: written by the host again.
        held.write(0, &[5]).expect("released");
        assert_eq!(held.read_vec().expect("read")[..2], [5, 2]);
    }
}
