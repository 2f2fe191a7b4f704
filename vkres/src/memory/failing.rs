//! [`FailingAllocator`]: a [`MemoryAllocator`] wrapper that injects out-of-memory failures,
//! for testing that code on top of vkres cleans up after a failed allocation.

use std::sync::Arc;

use ash::vk;

use super::{MemoryAllocation, MemoryAllocator, MemoryRequest};
use crate::Context;
use crate::context::FaultCounter;
use crate::error::Result;

/// Wraps another [`MemoryAllocator`] and makes its `n`-th allocation (buffer or image, counted
/// from the last [`fail_nth`](Self::fail_nth)) fail with [`Error::Vulkan`](crate::Error::Vulkan) and
/// `ERROR_OUT_OF_DEVICE_MEMORY`, as a device out of memory would. Every other call is
/// forwarded. Unarmed, it only counts.
///
/// The usual test: create what is under test once with the wrapper unarmed and read
/// [`allocations`](Self::allocations); then, for every `k` in `1..=allocations`, arm
/// `fail_nth(k)`, create again, expect the error, and check that
/// [`live_allocations`](MemoryAllocator::live_allocations) is back where it was.
///
/// ```
/// # fn main() -> vkres::Result<()> {
/// use std::sync::Arc;
/// use vkres::memory::FailingAllocator;
/// use vkres::{BufferDesc, Context, ContextOptions, MemoryAllocator, ResourceAllocator, StagingConfig, VmaAllocator, vk};
///
/// let ctx = Context::new(ContextOptions::new())?;
/// let failing = Arc::new(FailingAllocator::new(Arc::new(VmaAllocator::new(&ctx)?)));
/// let alloc = ResourceAllocator::with_memory_allocator(failing.clone(), StagingConfig::default())?;
/// failing.fail_nth(1);
/// let err = alloc.create_buffer(&BufferDesc::new(64, vk::BufferUsageFlags::STORAGE_BUFFER)).unwrap_err();
/// assert_eq!(err.vk_result(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY));
/// assert_eq!((failing.injected(), failing.live_allocations()), (1, 0));
/// assert!(alloc.create_buffer(&BufferDesc::new(64, vk::BufferUsageFlags::STORAGE_BUFFER)).is_ok(), "only the 1st");
/// # Ok(())
/// # }
/// ```
///
/// `Send + Sync` like every [`MemoryAllocator`]: its state is atomic counters, so threads
/// share one count (which allocation is the `n`-th is then a matter of scheduling).
#[derive(Debug)]
pub struct FailingAllocator {
    inner: Arc<dyn MemoryAllocator>,
    faults: FaultCounter,
}

impl FailingAllocator {
    /// Wraps `inner`, unarmed.
    pub fn new(inner: Arc<dyn MemoryAllocator>) -> Self {
        Self { inner, faults: FaultCounter::default() }
    }

    /// Makes the `n`-th allocation from now fail (once), and restarts the count of
    /// [`allocations`](Self::allocations). `n = 0` disarms.
    pub fn fail_nth(&self, n: u64) {
        self.faults.arm(n);
    }

    /// Disarms and restarts the count.
    pub fn disarm(&self) {
        self.fail_nth(0);
    }

    /// Allocations asked for (failed ones included) since the last [`fail_nth`](Self::fail_nth)
    /// or [`disarm`](Self::disarm), or since creation.
    pub fn allocations(&self) -> u64 {
        self.faults.calls()
    }

    /// Failures injected so far.
    pub fn injected(&self) -> u64 {
        self.faults.injected()
    }

    /// The wrapped allocator.
    pub fn inner(&self) -> &Arc<dyn MemoryAllocator> {
        &self.inner
    }
}

impl MemoryAllocator for FailingAllocator {
    fn context(&self) -> &Arc<Context> {
        self.inner.context()
    }

    unsafe fn create_buffer(
        &self,
        info: &vk::BufferCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> Result<(vk::Buffer, Box<dyn MemoryAllocation>)> {
        self.faults.check("vmaCreateBuffer")?;
        // SAFETY: forwarded unchanged; the caller's contract is the inner allocator's.
        unsafe { self.inner.create_buffer(info, request) }
    }

    unsafe fn create_image(
        &self,
        info: &vk::ImageCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> Result<(vk::Image, Box<dyn MemoryAllocation>)> {
        self.faults.check("vmaCreateImage")?;
        // SAFETY: forwarded unchanged; the caller's contract is the inner allocator's.
        unsafe { self.inner.create_image(info, request) }
    }

    fn allocate_memory(
        &self,
        requirements: &vk::MemoryRequirements,
        request: &MemoryRequest<'_>,
    ) -> Result<Box<dyn MemoryAllocation>> {
        self.faults.check("vmaAllocateMemory")?;
        self.inner.allocate_memory(requirements, request)
    }

    fn live_allocations(&self) -> usize {
        self.inner.live_allocations()
    }

    fn live_allocation_names(&self) -> Vec<String> {
        self.inner.live_allocation_names()
    }

    fn device_memory_blocks(&self) -> Option<usize> {
        self.inner.device_memory_blocks()
    }

    fn heap_budgets(&self) -> Vec<super::HeapBudget> {
        self.inner.heap_budgets()
    }

    fn memory_statistics(&self) -> Option<super::MemoryStatistics> {
        self.inner.memory_statistics()
    }

    fn leak_report(&self) -> super::LeakReport {
        self.inner.leak_report()
    }

    /// The inner allocator's, after a fault point (`vmaBeginDefragmentation`).
    fn defragment(
        &self,
        options: &super::DefragOptions,
        pass: &mut super::DefragPass<'_>,
    ) -> Result<super::DefragStats> {
        self.faults.check("vmaBeginDefragmentation")?;
        self.inner.defragment(options, pass)
    }
}
