//! A defragmentation pass releases the manager's table while the device copies: a lookup and
//! a creation on another thread complete while a pass's copies are held pending on the queue
//! (a submission ahead of them waits on a semaphore that the test signals only after the
//! other thread is done), and a resource looked up during the copy is not swapped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vkres::AllocationId;
use vkres::manager::ResourceManager;
use vkres::memory::{DefragPass, MemoryRequest};
use vkres::{
    BufferType, Context, DefragOptions, DefragStats, MemoryAllocation, MemoryAllocator, ResourceAllocator,
    StagingConfig, VmaAllocator, vk,
};

use crate::support::{Gpu, timeline_semaphore};

/// VMA, whose defragmentation puts a held submission on the queue before the first pass that
/// has moves, and says so (with the submission count then, and the pass's moves) on `started`. The held batch waits
/// on `gate` and has a command (`held`, a fill): a later submission's fence (whose first scope
/// takes every earlier command on the queue) and the pass's barrier before its copies (all
/// commands) cannot get past it on any driver.
#[derive(Debug)]
struct HeldPasses {
    vma: Arc<VmaAllocator>,
    gate: vk::Semaphore,
    held: vk::CommandBuffer,
    started: Mutex<Option<mpsc::Sender<PassStarted>>>,
}

/// The submission count once the held batch is submitted, and the pass's moves.
type PassStarted = (u64, Vec<AllocationId>);

impl MemoryAllocator for HeldPasses {
    fn context(&self) -> &Arc<Context> {
        self.vma.context()
    }
    unsafe fn create_buffer(
        &self,
        info: &vk::BufferCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> vkres::Result<(vk::Buffer, Box<dyn MemoryAllocation>)> {
        // SAFETY: forwarded unchanged.
        unsafe { self.vma.create_buffer(info, request) }
    }
    unsafe fn create_image(
        &self,
        info: &vk::ImageCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> vkres::Result<(vk::Image, Box<dyn MemoryAllocation>)> {
        // SAFETY: forwarded unchanged.
        unsafe { self.vma.create_image(info, request) }
    }
    fn live_allocations(&self) -> usize {
        self.vma.live_allocations()
    }
    fn live_allocation_names(&self) -> Vec<String> {
        self.vma.live_allocation_names()
    }
    fn defragment(&self, options: &DefragOptions, pass: &mut DefragPass<'_>) -> vkres::Result<DefragStats> {
        self.vma.defragment(options, &mut |moves| {
            let started = if moves.is_empty() { None } else { self.started.lock().expect("lock").take() };
            if let Some(started) = started {
                let waits = [vk::SemaphoreSubmitInfo::default()
                    .semaphore(self.gate)
                    .value(1)
                    .stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)];
                let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(self.held)];
                let submit = vk::SubmitInfo2::default().wait_semaphore_infos(&waits).command_buffer_infos(&cmds);
                // SAFETY: a recorded command buffer submitted once, without a fence; the test
                // signals the gate and waits for the device before destroying either.
                unsafe { self.vma.context().submit(&[submit], vk::Fence::null()) }?;
                let ids = moves.iter().map(|m| m.allocation()).collect();
                let _ = started.send((self.vma.context().submission_count(), ids));
            }
            pass(moves)
        })
    }
}

#[test]
fn lookups_and_creations_go_on_while_a_pass_copies() {
    let gpu = Gpu::new();
    let gate = timeline_semaphore(&gpu);
    let marker = gpu.device_buffer(256, "held batch's fill");
    let device = gpu.ctx().device();
    let pool_info = vk::CommandPoolCreateInfo::default().queue_family_index(gpu.ctx().queue_family_index());
    // SAFETY: plain object creation; destroyed at the end, after the device is idle.
    let pool = unsafe { device.create_command_pool(&pool_info, None) }.expect("pool");
    let allocate = vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1);
    // SAFETY: a live pool of this device.
    let held = unsafe { device.allocate_command_buffers(&allocate) }.expect("command buffer")[0];
    // SAFETY: a fresh command buffer, recorded once: one fill of a live 256-byte buffer with
    // `TRANSFER_DST` usage.
    unsafe {
        device.begin_command_buffer(held, &vk::CommandBufferBeginInfo::default()).expect("begin");
        device.cmd_fill_buffer(held, marker.handle(), 0, vk::WHOLE_SIZE, 7);
        device.end_command_buffer(held).expect("end");
    }
    let (started_tx, started_rx) = mpsc::channel();
    let backend = Arc::new(HeldPasses {
        vma: Arc::new(VmaAllocator::new(gpu.ctx()).expect("vma")),
        gate,
        held,
        started: Mutex::new(Some(started_tx)),
    });
    let alloc = ResourceAllocator::with_memory_allocator(backend.clone(), StagingConfig::default()).expect("allocator");
    let manager = ResourceManager::new(&alloc).expect("manager");
    // Fragmented: 1 MiB buffers, one in eight kept.
    let mut live = Vec::new();
    let mut fillers = Vec::new();
    for i in 0..100u32 {
        let words: Vec<u32> = (0..(1 << 18)).map(|j: u32| j.wrapping_mul(2_654_435_761) ^ i).collect();
        let h = manager.create_buffer_with_data(&words, vk::BufferUsageFlags::empty(), BufferType::Storage);
        let h = h.expect("buffer");
        if i % 8 == 3 { live.push((h, words)) } else { fillers.push(h) }
    }
    for f in fillers {
        manager.destroy_resource(f).expect("destroy filler");
    }
    // Each live buffer's allocation and Vulkan buffer before the run.
    let before: Vec<(AllocationId, vk::Buffer)> = live
        .iter()
        .map(|(h, _)| {
            let b = manager.buffer(*h).expect("buffer");
            (b.memory().allocation_id().expect("VMA allocations have ids"), b.handle())
        })
        .collect();

    let opened = AtomicBool::new(false);
    let open = || {
        if !opened.swap(true, Ordering::SeqCst) {
            let signal = vk::SemaphoreSignalInfo::default().semaphore(gate).value(1);
            // SAFETY: a live timeline semaphore, signalled once, from the host only.
            unsafe { gpu.ctx().device().signal_semaphore(&signal) }.expect("signal");
        }
    };
    let (done_tx, done_rx) = mpsc::channel();
    let (gpu_ref, manager_ref, before_ref, live_ref) = (&gpu, &manager, &before, &live);
    let (stats, probe, dropped, looked_up, created) = std::thread::scope(|s| {
        let other = s.spawn(move || {
            let Ok((count, moving)) = started_rx.recv() else { return None };
            // Two buffers the pass is moving, looked up while their copy runs: the first one's
            // clone is kept, the second one's dropped at once (its use is still seen).
            let mut in_pass = before_ref.iter().enumerate().filter(|(_, (id, _))| moving.contains(id)).map(|(i, _)| i);
            let (Some(probe), Some(dropped)) = (in_pass.next(), in_pass.next()) else {
                panic!("two live buffers move in the pass")
            };
            // The pass has submitted its copies (queued behind the held submission).
            while gpu_ref.ctx().submission_count() <= count {
                std::thread::yield_now();
            }
            let looked_up = manager_ref.buffer(live_ref[probe].0).expect("lookup during the copy");
            drop(manager_ref.buffer(live_ref[dropped].0).expect("lookup during the copy"));
            let created = manager_ref.create_buffer(4096, vk::BufferUsageFlags::empty(), BufferType::Storage);
            let _ = done_tx.send(());
            Some((probe, dropped, looked_up, created.expect("creation during the copy")))
        });
        // One pass: a declined move stays declined (a later pass could move it again).
        let run = s.spawn(|| manager.defragment(&DefragOptions::new().max_passes(1)));
        // The gate opens when the other thread is done, or (a table held across the copy's
        // wait) after a bound long enough never to be reached otherwise: then this fails.
        let progressed = done_rx.recv_timeout(Duration::from_secs(30)).is_ok();
        open();
        let stats = run.join().expect("defragment thread");
        let (probe, dropped, looked_up, created) = other.join().expect("other thread").expect("the pass started");
        assert!(progressed, "the lookup and the creation waited for the pass's copy (table held across the wait)");
        (stats.expect("defragment"), probe, dropped, looked_up, created)
    });
    gpu.ctx().wait_idle().expect("idle");
    // SAFETY: signalled, and the device is idle: no submission waits on it or uses the pool.
    unsafe {
        gpu.ctx().device().destroy_semaphore(gate, None);
        gpu.ctx().device().destroy_command_pool(pool, None);
    }
    assert_eq!(gpu.read_back(&marker), bytemuck::cast_slice::<u32, u8>(&[7; 64]), "the held batch ran");

    assert!(stats.allocations_moved > 0, "{stats:?}");
    // Looked up while its copy ran: its move declined (the clone names the same, old, object;
    // the one whose clone was dropped before the pass took the table back too).
    let (_, probe_before) = before[probe];
    assert_eq!(looked_up.handle(), probe_before, "the lookup's clone is the buffer as it was");
    assert_eq!(manager.buffer(live[probe].0).expect("probe").handle(), probe_before, "not swapped under the clone");
    assert!(gpu.read_back(&looked_up) == bytemuck::cast_slice::<u32, u8>(&live[probe].1), "probe contents");
    let handle_now = manager.buffer(live[dropped].0).expect("buffer").handle();
    assert_eq!(handle_now, before[dropped].1, "looked up during the copy, clone dropped: not swapped either");
    let swapped =
        live.iter().zip(&before).filter(|((h, _), (_, b))| manager.buffer(*h).expect("buffer").handle() != *b);
    assert!(swapped.count() > 0, "the other moves of the run were carried out");
    assert!(manager.buffer(created).is_ok(), "the buffer created during the copy is in the table");
    for (i, (h, words)) in live.iter().enumerate() {
        let got = gpu.read_back(&manager.buffer(*h).expect("buffer"));
        assert!(got == bytemuck::cast_slice::<u32, u8>(words), "buffer {i} ({h}): contents differ");
    }
}
