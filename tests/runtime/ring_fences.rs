//! `RingFences` in Merian's frame loop, where the caller submits with the slot's fence itself
//! (`queue->submit(..., frame_data.fence)`): the ring must wait for that submission before it
//! resets the fence (VUID-vkResetFences-pFences-01123; the harness fails on the message).

use vkres::{RingFences, vk};

use crate::support::Gpu;

/// 64 MiB per fill: long enough (on lavapipe, tens of milliseconds) that the submission is
/// still running when the ring comes back to its slot.
const FILL: u64 = 64 << 20;

#[test]
fn the_callers_own_submission_with_a_slot_fence_is_waited_for_before_the_reset() {
    let gpu = Gpu::new();
    let ctx = gpu.ctx();
    let device = ctx.device();
    let pool_info = vk::CommandPoolCreateInfo::default()
        .queue_family_index(ctx.queue_family_index())
        .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER);
    // SAFETY: plain object creation on a live device.
    let pool = unsafe { device.create_command_pool(&pool_info, None) }.expect("pool");
    let alloc_info = vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(2);
    // SAFETY: the pool is live.
    let commands = unsafe { device.allocate_command_buffers(&alloc_info) }.expect("command buffers");
    // One target per slot: two frames in flight never write the same buffer. After its fill,
    // each frame writes its number into its slot's word of a host-visible witness buffer: the
    // word tells which frame of the slot finished last.
    let targets = [gpu.device_buffer(FILL, "ring target 0"), gpu.device_buffer(FILL, "ring target 1")];
    let witness_desc = vkres::BufferDesc::new(8, vk::BufferUsageFlags::TRANSFER_DST)
        .mapping(vkres::MappingType::HostAccessRandom)
        .name("ring witness");
    let witness = gpu.alloc().create_buffer_with_data(&witness_desc, &[0u8; 8]).expect("witness");
    let finished = |index: usize| -> u64 {
        let mut word = [0u8; 4];
        witness.map().expect("map").read_bytes(index as u64 * 4, &mut word).expect("read");
        u64::from(u32::from_ne_bytes(word))
    };

    let mut ring = RingFences::<2, u64>::new(ctx).expect("ring");
    let frames = 6u64;
    for frame in 1..=frames {
        let slot = ring.wait_and_get().expect("slot");
        // The frame this slot ran before has finished: the ring waited for it.
        let done = finished(slot.index);
        assert_eq!(done, *slot.user_data, "frame {frame}: slot handed out before frame {} finished", slot.user_data);
        *slot.user_data = frame;
        let cmd = commands[slot.index];
        // SAFETY: the slot's command buffer is not pending (its last submission signalled the
        // slot's fence, which the ring waited for); the target is live and TRANSFER_DST.
        unsafe {
            device.begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default()).expect("begin");
            device.cmd_fill_buffer(cmd, targets[slot.index].handle(), 0, vk::WHOLE_SIZE, frame as u32);
            let after_fill = [vk::MemoryBarrier::default()
                .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
                .dst_access_mask(vk::AccessFlags::TRANSFER_WRITE)];
            let transfer = vk::PipelineStageFlags::TRANSFER;
            device.cmd_pipeline_barrier(cmd, transfer, transfer, vk::DependencyFlags::empty(), &after_fill, &[], &[]);
            device.cmd_fill_buffer(cmd, witness.handle(), slot.index as u64 * 4, 4, frame as u32);
            let to_host = [vk::MemoryBarrier::default()
                .src_access_mask(vk::AccessFlags::TRANSFER_WRITE)
                .dst_access_mask(vk::AccessFlags::HOST_READ)];
            let host = vk::PipelineStageFlags::HOST;
            device.cmd_pipeline_barrier(cmd, transfer, host, vk::DependencyFlags::empty(), &to_host, &[], &[]);
            device.end_command_buffer(cmd).expect("end");
        }
        let cmds = [cmd];
        let submit = vk::SubmitInfo::default().command_buffers(&cmds);
        let locked = slot.fence.lock_for_submit().expect("lock");
        let _queue = ctx.lock_queue();
        // SAFETY: the queue is locked; everything named is live; the slot's fence is reset and
        // no other submission signals it (and locked for this one).
        unsafe { device.queue_submit(ctx.queue(), &[submit], locked.handle()) }.expect("submit");
    }
    // Each slot once more: the ring waits for the last two frames.
    for _ in 0..2 {
        let slot = ring.wait_and_get().expect("slot");
        assert_eq!(finished(slot.index), *slot.user_data);
    }
    assert_eq!(ring.user_data(), &[5, 6]);
    ctx.wait_idle().expect("idle");
    // SAFETY: the device is idle: nothing uses the pool or its command buffers.
    unsafe { device.destroy_command_pool(pool, None) };
}

#[test]
fn a_slot_nothing_was_submitted_with_is_handed_out_without_waiting() {
    let gpu = Gpu::new();
    let mut ring = RingFences::<2, ()>::new(gpu.ctx()).expect("ring");
    // No submission, no handle taken: the ring knows nothing can signal the fences.
    for _ in 0..5 {
        let slot = ring.wait_and_get().expect("slot");
        assert!(!slot.fence.is_signalled());
    }
}

#[test]
fn a_batch_takes_a_lent_fence_once_the_callers_submission_signalled_it() {
    let gpu = Gpu::new();
    let fence = vkres::Fence::new(gpu.ctx(), false).expect("fence");
    // The caller's own submission with the handle, held pending: a batch is refused meanwhile.
    let held = crate::support::HeldSubmission::with_handle(&gpu, &fence).expect("held");
    let target = gpu.device_buffer(16, "lent fence target");
    let upload = |value: u8| {
        let mut batch = gpu.alloc().batch().expect("batch");
        batch.upload_bytes(&target, 0, &[value; 16]).expect("upload");
        batch.submit_with_fence(&fence)
    };
    let busy = upload(1).expect_err("the caller's submission still signals the fence");
    assert!(matches!(busy, vkres::Error::Batch(vkres::BatchError::FenceBusy)), "{busy:?}");
    held.open().expect("open");
    // Signalled now: the batch resets it and submits with it.
    upload(2).expect("a signalled lent fence").wait().expect("wait");
    assert!(fence.is_signalled());
}

/// review13 finding 1: `vkResetFences` and `vkQueueSubmit` name the fence externally
/// synchronised, so no other command may use a fence while it is reset or submitted with (the
/// spec's threading rules; the layer's thread-safety check reports "THREADING ERROR ...
/// simultaneously used"). A `Fence` is `Clone + Send + Sync`: one thread asks its status
/// (`is_signalled`, also what `InFlight::is_done` and the staging manager's `release_signalled`
/// do) and waits on it (`wait`, as `InFlight::wait` does), while another resets it
/// (`prepare_for_own_submission`, as a recorder's `finish`, a batch's `submit_with_fence` that
/// finds it signalled and `RingFences::wait_and_get` do) and submits with it under
/// `lock_for_submit`. Failed before session 10's mend ("mend13") with the layer's threading
/// messages (20 of them in 2000 resets).
#[test]
fn a_status_query_and_a_reset_of_one_fence_on_two_threads_are_not_simultaneous() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    let gpu = Gpu::new();
    let ctx = gpu.ctx();
    let fence = vkres::Fence::new(ctx, true).expect("fence");
    let stop = AtomicBool::new(false);
    // Scoped: the poller is joined before the scope ends, on success and on a panic alike.
    let (resets, (polls, waits)) = std::thread::scope(|s| {
        let poller = s.spawn(|| {
            let (mut polls, mut waits) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) {
                std::hint::black_box(fence.is_signalled());
                polls += 1;
                if polls % 64 == 0 {
                    // A wait's slices are reads too; the last submission always signals.
                    fence.wait().expect("wait");
                    waits += 1;
                }
            }
            (polls, waits)
        });
        let mut resets = 0u64;
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline && resets < 2000 {
            match fence.prepare_for_own_submission() {
                Ok(()) => {
                    resets += 1;
                    // An empty submission of the caller's that signals the fence, under its lock.
                    let locked = fence.lock_for_submit().expect("lock");
                    let _queue = ctx.lock_queue();
                    // SAFETY: the queue is locked; the fence was readied for this submission and
                    // is locked for it.
                    unsafe { ctx.device().queue_submit(ctx.queue(), &[], locked.handle()) }.expect("submit");
                }
                Err(vkres::Error::Batch(vkres::BatchError::FenceBusy)) => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        }
        stop.store(true, Ordering::Relaxed);
        (resets, poller.join().expect("poller"))
    });
    fence.wait().expect("last submission");
    eprintln!("{resets} resets while {polls} status queries and {waits} waits ran on another thread");
    assert!(resets > 0 && polls > 0);
    assert!(gpu.log().is_empty(), "{}", crate::support::list(&gpu.log().take()));
}

/// review13 finding 1, the ordinary two-thread program: a frame thread (`RingFences::wait_and_get`,
/// a recorder's upload and `finish(slot.fence)`, its own `vkQueueSubmit` with the fence under
/// `lock_for_submit`) and a streaming thread (batches of uploads and `release_finished`, whose
/// staging manager asks the status of every fence a set was released on: the frame thread's).
/// The streaming thread does not know the frame thread's fence, so only vkres can keep its
/// queries off the frame thread's resets and submissions.
#[test]
fn a_streaming_thread_and_a_frame_loop_with_its_own_submissions_share_fences_validly() {
    use std::sync::atomic::{AtomicBool, Ordering};

    use crate::recorder::OwnCommands;

    const FRAMES: u32 = 200;
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let frame_buffer = gpu.device_buffer(256, "frame uniforms");
    let stream_buffer = gpu.device_buffer(4096, "streamed");
    let stop = AtomicBool::new(false);
    let streamed = std::thread::scope(|s| {
        let streamer = s.spawn(|| {
            let mut streamed = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let mut batch = alloc.batch().expect("batch");
                batch.upload(&stream_buffer, 0, &[(streamed & 0xff) as u8; 4096]).expect("upload");
                batch.submit_and_wait().expect("streamed batch");
                alloc.staging().release_finished();
                streamed += 1;
            }
            streamed
        });
        let mut ring = RingFences::<2, Option<(vkres::InFlight, OwnCommands<'_>)>>::new(gpu.ctx()).expect("ring");
        for frame in 0..FRAMES {
            let slot = ring.wait_and_get().expect("slot");
            // The slot's last frame finished: its holds and command pool go.
            drop(slot.user_data.take());
            let own = OwnCommands::begin(&gpu);
            // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once,
            // with the slot's fence, after `finish`.
            let mut recorder = unsafe { alloc.recorder(own.cmd) };
            recorder.upload(&frame_buffer, 0, &[(frame & 0xff) as u8; 256]).expect("frame upload");
            let work = recorder.finish(slot.fence).expect("finish");
            own.submit(slot.fence);
            *slot.user_data = Some((work, own));
        }
        stop.store(true, Ordering::Relaxed);
        // The last frames' `InFlight`s wait for their fences as the ring drops, before their
        // command pools go.
        drop(ring);
        streamer.join().expect("streamer")
    });
    eprintln!("{FRAMES} frames while {streamed} streamed batches ran on another thread");
    assert!(gpu.log().is_empty(), "{}", crate::support::list(&gpu.log().take()));
}
