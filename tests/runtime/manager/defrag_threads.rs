//! A defragmentation pass releases the manager's table while the device copies: a lookup and
//! a creation on another thread complete while a pass's copies are held pending on the queue
//! (a submission ahead of them waits on a semaphore that the test signals only after the
//! other thread is done), and a resource looked up during the copy is not swapped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vkres::manager::ResourceManager;
use vkres::memory::{DefragPass, MemoryRequest};
use vkres::{
    BufferType, Context, DefragOptions, DefragStats, MemoryAllocation, MemoryAllocator, ResourceAllocator,
    StagingConfig, VmaAllocator, vk,
};

use crate::support::{Gpu, timeline_semaphore};

/// VMA, whose defragmentation puts a held submission on the queue before the first pass that
/// has moves, and says so (with the submission count then) on `started`.
#[derive(Debug)]
struct HeldPasses {
    vma: Arc<VmaAllocator>,
    gate: vk::Semaphore,
    started: Mutex<Option<mpsc::Sender<u64>>>,
}

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
                let submit = vk::SubmitInfo2::default().wait_semaphore_infos(&waits);
                // SAFETY: an empty submission without a fence; the test signals the gate and
                // waits for the device before destroying it.
                unsafe { self.vma.context().submit(&[submit], vk::Fence::null()) }?;
                let _ = started.send(self.vma.context().submission_count());
            }
            pass(moves)
        })
    }
}

#[test]
fn lookups_and_creations_go_on_while_a_pass_copies() {
    let gpu = Gpu::new();
    let gate = timeline_semaphore(&gpu);
    let (started_tx, started_rx) = mpsc::channel();
    let backend = Arc::new(HeldPasses {
        vma: Arc::new(VmaAllocator::new(gpu.ctx()).expect("vma")),
        gate,
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
    let probe = live[live.len() - 1].0;
    let probe_before = manager.buffer(probe).expect("probe").handle();

    let opened = AtomicBool::new(false);
    let open = || {
        if !opened.swap(true, Ordering::SeqCst) {
            let signal = vk::SemaphoreSignalInfo::default().semaphore(gate).value(1);
            // SAFETY: a live timeline semaphore, signalled once, from the host only.
            unsafe { gpu.ctx().device().signal_semaphore(&signal) }.expect("signal");
        }
    };
    let (done_tx, done_rx) = mpsc::channel();
    let (gpu_ref, manager_ref) = (&gpu, &manager);
    let (stats, looked_up, created) = std::thread::scope(|s| {
        let other = s.spawn(move || {
            let Ok(count) = started_rx.recv() else { return None };
            // The pass has submitted its copies (queued behind the held submission).
            while gpu_ref.ctx().submission_count() <= count {
                std::thread::yield_now();
            }
            let looked_up = manager_ref.buffer(probe).expect("lookup during the copy");
            let created = manager_ref.create_buffer(4096, vk::BufferUsageFlags::empty(), BufferType::Storage);
            let _ = done_tx.send(());
            Some((looked_up, created.expect("creation during the copy")))
        });
        let run = s.spawn(|| manager.defragment(&DefragOptions::new()));
        // The gate opens when the other thread is done, or (a table held across the copy's
        // wait) after a bound long enough never to be reached otherwise: then this fails.
        let progressed = done_rx.recv_timeout(Duration::from_secs(30)).is_ok();
        open();
        let stats = run.join().expect("defragment thread");
        let (looked_up, created) = other.join().expect("other thread").expect("the pass started");
        assert!(progressed, "the lookup and the creation waited for the pass's copy (table held across the wait)");
        (stats.expect("defragment"), looked_up, created)
    });
    gpu.ctx().wait_idle().expect("idle");
    // SAFETY: signalled, and the device is idle: no submission waits on it.
    unsafe { gpu.ctx().device().destroy_semaphore(gate, None) };

    assert!(stats.allocations_moved > 0, "{stats:?}");
    // Looked up while its copy ran: not swapped (the clone names the same, old, object).
    assert_eq!(looked_up.handle(), probe_before, "the lookup's clone is the buffer as it was");
    assert_eq!(manager.buffer(probe).expect("probe").handle(), probe_before, "not swapped under the clone");
    assert!(gpu.read_back(&looked_up) == bytemuck::cast_slice::<u32, u8>(&live[live.len() - 1].1), "probe contents");
    assert!(manager.buffer(created).is_ok(), "the buffer created during the copy is in the table");
    for (i, (h, words)) in live.iter().enumerate() {
        let got = gpu.read_back(&manager.buffer(*h).expect("buffer"));
        assert!(got == bytemuck::cast_slice::<u32, u8>(words), "buffer {i} ({h}): contents differ");
    }
}
