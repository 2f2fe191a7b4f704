//! The harness every runtime test uses: a context on the machine's Vulkan driver with the
//! Khronos validation layer and synchronization validation on, and checks that run when the
//! test's resources are gone: no live allocation, nothing holding the context, and no
//! validation message, including those the layer reports when the device is destroyed
//! (objects left alive).

use std::io::Write;
use std::sync::Arc;

use vkres::{Buffer, BufferDesc, Context, ContextOptions, MappingType, MessageLog, ResourceAllocator, vk};

/// A validated context and an allocator on it; checked when dropped.
pub struct Gpu {
    /// `None` only while `Drop` tears it down.
    inner: Option<(ResourceAllocator, Arc<Context>)>,
    log: Arc<MessageLog>,
    /// Dropped with the `Gpu`, which ends its watchdog.
    _watchdog: std::sync::mpsc::Sender<()>,
}

/// How often the watchdog reports a test that is still running.
const WATCHDOG_PERIOD: std::time::Duration = std::time::Duration::from_secs(45);

/// A thread that prints, every [`WATCHDOG_PERIOD`] until the returned sender is dropped, which
/// test is still running: what a test stuck in a wait shows before CI kills it (issue 16,
/// item 8). The wait itself ends after the context's wait timeout with an `Error::Timeout`
/// that names the fence and whose work it signals, which fails the test with that message.
/// (The thread holds no handle of the context: the test's end must find it unshared.)
fn watchdog(ctx: &Arc<Context>) -> std::sync::mpsc::Sender<()> {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let test = std::thread::current().name().unwrap_or("an unnamed test").to_owned();
    let bound = ctx.wait_timeout();
    let start = std::time::Instant::now();
    std::thread::spawn(move || {
        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(WATCHDOG_PERIOD) {
            // Straight to the process's stderr: the test harness captures `eprintln!` of test
            // threads (and of threads they spawn) and shows it only when a test ends.
            let _ = writeln!(
                std::io::stderr(),
                "vkres test harness: `{test}` still running after {:.0?}; a wait of vkres that does not end \
                 fails with Error::Timeout (naming what it waits on) after {bound:?}",
                start.elapsed(),
            );
        }
    });
    tx
}

/// With `VKRES_TEST_SERIAL_DEVICES=1`, the creation and destruction of the tests' contexts
/// (instance and device) one at a time across the test threads: a diagnosis of the runtime
/// suite's hang on a fresh NVIDIA H100 machine (docs/RELIABILITY.md). Off by default: tests
/// otherwise create and destroy devices concurrently, as programs may.
fn device_lifecycle_lock() -> Option<std::sync::MutexGuard<'static, ()>> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let on = std::env::var("VKRES_TEST_SERIAL_DEVICES").is_ok_and(|v| v == "1");
    on.then(|| LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
}

impl Gpu {
    /// Takes the validation messages and fails unless one is a synchronization hazard (for
    /// the half of a test that leaves out a barrier on purpose).
    pub fn take_sync_hazard(&self) {
        let messages = self.log().take();
        assert!(
            messages.iter().any(|m| m.to_string().contains("SYNC-HAZARD")),
            "expected a synchronization hazard, got:\n{}",
            list(&messages)
        );
    }

    /// Validation and synchronization validation on, ray tracing where the device has it.
    pub fn new() -> Self {
        Self::with(ContextOptions::new())
    }

    /// As [`new`](Self::new) with `options`, validation forced on.
    pub fn with(options: ContextOptions) -> Self {
        let serial = device_lifecycle_lock();
        let ctx = Context::new(options.synchronization_validation(true).application_name("vkres tests"))
            .unwrap_or_else(|e| panic!("no Vulkan context (run tools/ensure-deps.sh): {e}"));
        drop(serial);
        let alloc = ResourceAllocator::new(&ctx).expect("allocator");
        let log = ctx.message_log().clone();
        let _watchdog = watchdog(&ctx);
        Self { inner: Some((alloc, ctx)), log, _watchdog }
    }

    /// A context without the validation layer, as users ship: for the bad-input catalogue's
    /// second run (the same checks at the end: no leak, nothing holding the context).
    pub fn without_validation() -> Self {
        let ctx = Context::new(ContextOptions::new().application_name("vkres tests, no validation"))
            .unwrap_or_else(|e| panic!("no Vulkan context: {e}"));
        let alloc = ResourceAllocator::new(&ctx).expect("allocator");
        let log = ctx.message_log().clone();
        let _watchdog = watchdog(&ctx);
        Self { inner: Some((alloc, ctx)), log, _watchdog }
    }

    pub fn alloc(&self) -> &ResourceAllocator {
        &self.inner.as_ref().expect("live").0
    }

    pub fn ctx(&self) -> &Arc<Context> {
        &self.inner.as_ref().expect("live").1
    }

    pub fn log(&self) -> &Arc<MessageLog> {
        &self.log
    }

    /// A new [`Gpu`] where the device builds acceleration structures; `None` (the test skips,
    /// saying why) elsewhere.
    pub fn with_accel() -> Option<Self> {
        let gpu = Self::new();
        gpu.has_accel().then_some(gpu)
    }

    /// Whether the device builds acceleration structures; prints why a test skips otherwise.
    pub fn has_accel(&self) -> bool {
        let caps = self.ctx().capabilities();
        if !caps.enabled.acceleration_structure {
            println!("SKIPPED: {} has no VK_KHR_acceleration_structure", caps.device_name);
        }
        caps.enabled.acceleration_structure
    }

    /// Whether the device traces with ray queries; prints why tracing is skipped otherwise.
    pub fn has_ray_query(&self) -> bool {
        let caps = self.ctx().capabilities();
        if !caps.enabled.ray_query {
            println!("SKIPPED tracing: {} has no VK_KHR_ray_query (builds still checked)", caps.device_name);
        }
        caps.enabled.ray_query
    }

    /// A device buffer of `size` bytes for storage and both transfer directions.
    pub fn device_buffer(&self, size: u64, name: &str) -> Buffer {
        let usage = vk::BufferUsageFlags::STORAGE_BUFFER
            | vk::BufferUsageFlags::TRANSFER_DST
            | vk::BufferUsageFlags::TRANSFER_SRC;
        self.alloc().create_buffer(&BufferDesc::new(size, usage).name(name)).expect("buffer")
    }

    /// Downloads every mip and layer of `image` (tightly packed, as uploads take them).
    pub fn download(&self, image: &vkres::Image) -> Vec<u8> {
        let mut batch = self.alloc().batch().expect("batch");
        let download = batch.download_image(image).expect("download");
        batch.submit_and_wait().expect("submit");
        download.bytes().expect("bytes")
    }

    /// Copies `buffer` through the device into a mapped buffer and returns its bytes: the data
    /// as the GPU holds it.
    pub fn read_back<T>(&self, buffer: &Buffer<T>) -> Vec<u8> {
        let desc = BufferDesc::new(buffer.size(), vk::BufferUsageFlags::TRANSFER_DST)
            .mapping(MappingType::HostAccessRandom)
            .name(format!("{}/readback", buffer.name()));
        let readback = self.alloc().create_buffer(&desc).expect("readback buffer");
        let mut batch = self.alloc().batch().expect("batch");
        batch.copy_buffer(buffer, 0, &readback, 0, buffer.size()).expect("copy");
        batch.submit_and_wait().expect("submit");
        readback.read_vec().expect("read")
    }
}

impl Drop for Gpu {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return; // the test failed already; its own message says why
        }
        let Some((alloc, ctx)) = self.inner.take() else { return };
        // Free staging chunks are the allocator's cache for reuse, not a leak: the report leaves them out.
        let leaked = alloc.leak_report();
        assert!(leaked.is_empty(), "allocations still alive at the end of the test: {leaked:?}");
        drop(alloc);
        let ctx =
            Arc::try_unwrap(ctx).unwrap_or_else(|c| panic!("{} holders of the context remain", Arc::strong_count(&c)));
        let serial = device_lifecycle_lock();
        drop(ctx); // destroys the device: the layer reports any object still alive
        drop(serial);
        let messages = self.log.take();
        assert!(messages.is_empty(), "validation reported {} message(s):\n{}", messages.len(), list(&messages));
    }
}

pub fn list(messages: &[vkres::DebugMessage]) -> String {
    messages.iter().map(|m| format!("  {m}\n")).collect()
}

/// A deliberately invalid call, which the validation layer reports: a buffer of size zero
/// (VUID-VkBufferCreateInfo-size-00912), destroyed at once if the driver made it.
pub fn create_zero_size_buffer(device: &vkres::ash::Device) {
    let info = vk::BufferCreateInfo::default().size(0).usage(vk::BufferUsageFlags::STORAGE_BUFFER);
    // SAFETY: invalid usage on purpose, which the validation layer reports; lavapipe and real
    // drivers create or refuse such a buffer without harm, and it is destroyed at once.
    unsafe {
        if let Ok(buffer) = device.create_buffer(&info, None) {
            device.destroy_buffer(buffer, None);
        }
    }
}

/// Deterministic bytes that differ by position (xorshift), for data that shows any misplaced byte.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len).map(|_| (xorshift(&mut x) >> 56) as u8).collect()
}

/// One step of Marsaglia's xorshift64 on `x` (non-zero), returning the new state.
pub fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// A submission of the caller's own that signals `fence` and stays pending until
/// [`open`](Self::open): it waits on a timeline semaphore that only `open` signals from the
/// host. For tests that need a fence a pending submission signals, whatever the device's speed.
pub struct HeldSubmission<'a> {
    gpu: &'a Gpu,
    gate: vk::Semaphore,
    fence: vkres::Fence,
}

impl<'a> HeldSubmission<'a> {
    /// Submits an empty batch that waits on the gate and signals `fence`.
    pub fn new(gpu: &'a Gpu, fence: &vkres::Fence) -> vkres::Result<Self> {
        fence.prepare_for_own_submission()?;
        Self::with_handle(gpu, fence)
    }

    /// As [`new`](Self::new), but the fence is only lent ([`vkres::Fence::handle`]), not
    /// readied with `prepare_for_own_submission`: it must be unsignalled.
    pub fn with_handle(gpu: &'a Gpu, fence: &vkres::Fence) -> vkres::Result<Self> {
        let gate = timeline_semaphore(gpu);
        let waits = [vk::SemaphoreSubmitInfo::default()
            .semaphore(gate)
            .value(1)
            .stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)];
        let submit = vk::SubmitInfo2::default().wait_semaphore_infos(&waits);
        let locked = fence.lock_for_submit()?;
        // SAFETY: an empty submission; the fence is unsignalled (readied by `new`, or so by the
        // caller of `with_handle`), and locked for the submission.
        unsafe { gpu.ctx().submit(&[submit], locked.handle()) }?;
        Ok(Self { gpu, gate, fence: fence.clone() })
    }

    /// Lets the submission run and waits for it.
    pub fn open(self) -> vkres::Result<()> {
        let device = self.gpu.ctx().device();
        // SAFETY: a live timeline semaphore; its value only grows.
        unsafe { device.signal_semaphore(&vk::SemaphoreSignalInfo::default().semaphore(self.gate).value(1)) }
            .expect("signal");
        let waited = self.fence.wait();
        // SAFETY: the submission that waited on the gate has finished (or the device is lost).
        unsafe { device.destroy_semaphore(self.gate, None) };
        waited
    }
}

/// A new timeline semaphore (value 0) of `gpu`'s device; the caller destroys it.
pub fn timeline_semaphore(gpu: &Gpu) -> vk::Semaphore {
    let mut timeline = vk::SemaphoreTypeCreateInfo::default().semaphore_type(vk::SemaphoreType::TIMELINE);
    let info = vk::SemaphoreCreateInfo::default().push_next(&mut timeline);
    // SAFETY: plain object creation on the test's live device; timeline semaphores are core in
    // Vulkan 1.2, enabled by every vkres context.
    unsafe { gpu.ctx().device().create_semaphore(&info, None) }.expect("timeline semaphore")
}

/// A timeline semaphore the host signals: a submission that waits on it ([`wait_info`](Self::wait_info))
/// stays pending, however fast the device, until [`open`](Self::open). (An event set from the
/// host while a pending command buffer waits on it is invalid: VUID-vkSetEvent-event-09543.)
/// Dropped (a failed assertion too), it opens and waits for the queue, so that nothing is
/// destroyed under pending work.
pub struct HostGate<'a> {
    gpu: &'a Gpu,
    semaphore: vk::Semaphore,
    opened: std::sync::atomic::AtomicBool,
}

impl<'a> HostGate<'a> {
    /// A closed gate.
    pub fn new(gpu: &'a Gpu) -> Self {
        Self { gpu, semaphore: timeline_semaphore(gpu), opened: std::sync::atomic::AtomicBool::new(false) }
    }

    /// The wait a submission adds to stay pending until [`open`](Self::open).
    pub fn wait_info(&self) -> vk::SemaphoreSubmitInfo<'static> {
        vk::SemaphoreSubmitInfo::default()
            .semaphore(self.semaphore)
            .value(1)
            .stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
    }

    /// Signals the gate from the host (once; later calls do nothing): the work behind it may run.
    pub fn open(&self) {
        if !self.opened.swap(true, std::sync::atomic::Ordering::Relaxed) {
            let signal = vk::SemaphoreSignalInfo::default().semaphore(self.semaphore).value(1);
            // SAFETY: a live timeline semaphore, signalled once, from the host only.
            unsafe { self.gpu.ctx().device().signal_semaphore(&signal) }.expect("signal");
        }
    }
}

impl Drop for HostGate<'_> {
    fn drop(&mut self) {
        self.open();
        let _ = self.gpu.ctx().wait_idle();
        // SAFETY: opened above, and the queue is idle: no submission that waits on it is pending.
        unsafe { self.gpu.ctx().device().destroy_semaphore(self.semaphore, None) };
    }
}

/// A memory backend with only the trait's required methods, forwarded to VMA (owned or
/// shared): what a backend gets from the trait's defaults (no statistics, no `defragment`).
#[derive(Debug)]
pub struct Plain<M>(pub M);

impl<M: std::borrow::Borrow<vkres::VmaAllocator> + std::fmt::Debug + Send + Sync + 'static> vkres::MemoryAllocator
    for Plain<M>
{
    fn context(&self) -> &Arc<Context> {
        self.0.borrow().context()
    }
    unsafe fn create_buffer(
        &self,
        info: &vk::BufferCreateInfo<'_>,
        request: &vkres::memory::MemoryRequest<'_>,
    ) -> vkres::Result<(vk::Buffer, Box<dyn vkres::MemoryAllocation>)> {
        // SAFETY: forwarded unchanged.
        unsafe { self.0.borrow().create_buffer(info, request) }
    }
    unsafe fn create_image(
        &self,
        info: &vk::ImageCreateInfo<'_>,
        request: &vkres::memory::MemoryRequest<'_>,
    ) -> vkres::Result<(vk::Image, Box<dyn vkres::MemoryAllocation>)> {
        // SAFETY: forwarded unchanged.
        unsafe { self.0.borrow().create_image(info, request) }
    }
    fn live_allocations(&self) -> usize {
        self.0.borrow().live_allocations()
    }
    fn live_allocation_names(&self) -> Vec<String> {
        self.0.borrow().live_allocation_names()
    }
}

/// `f` with a recording primary command buffer of `gpu`'s own, never submitted (its pool is
/// destroyed after).
pub fn with_command_buffer<T>(gpu: &Gpu, f: impl FnOnce(vk::CommandBuffer) -> T) -> T {
    let device = gpu.ctx().device();
    let info = vk::CommandPoolCreateInfo::default().queue_family_index(gpu.ctx().queue_family_index());
    // SAFETY: plain object creation, destroyed below.
    let pool = unsafe { device.create_command_pool(&info, None) }.expect("pool");
    let alloc_info = vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1);
    // SAFETY: a live pool of this device.
    let cmd = unsafe { device.allocate_command_buffers(&alloc_info) }.expect("command buffer")[0];
    // SAFETY: a fresh primary command buffer.
    unsafe { device.begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default()) }.expect("begin");
    let result = f(cmd);
    // SAFETY: nothing was submitted from the pool.
    unsafe { device.destroy_command_pool(pool, None) };
    result
}
