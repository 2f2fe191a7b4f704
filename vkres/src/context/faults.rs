//! Fault points: a test hook that makes the `n`-th Vulkan object creation (or queue
//! submission) made by vkres fail, so that tests can prove every error path cleans up.
//!
//! Every `vkCreate*`/`vkAllocate*` call vkres itself makes goes through the constructors of
//! `objects.rs` (buffers and images with memory: through the memory allocator, which
//! [`FailingAllocator`](crate::memory::FailingAllocator) fails), and they and every
//! `vkQueueSubmit2` pass `Context::fault_point` first, which counts the call (two atomic
//! operations).

use std::sync::atomic::{AtomicU64, Ordering};

use ash::vk;

use super::Context;
use crate::error::{Error, Result};

/// A fault injector: counts calls and fails the armed one once with
/// `ERROR_OUT_OF_DEVICE_MEMORY`. Behind the context's object-creation hook and
/// [`FailingAllocator`](crate::memory::FailingAllocator).
///
/// `Send + Sync`: atomic counters, so threads share one count.
#[derive(Debug, Default)]
pub(crate) struct FaultCounter {
    /// The call that fails, counted from the last arming; 0: none.
    fail_at: AtomicU64,
    /// Calls since the last arming.
    calls: AtomicU64,
    /// Failures injected in the counter's lifetime.
    injected: AtomicU64,
}

impl FaultCounter {
    /// Makes the `n`-th call from now fail (once) and restarts the count; `n = 0` disarms.
    pub fn arm(&self, n: u64) {
        self.calls.store(0, Ordering::SeqCst);
        self.fail_at.store(n, Ordering::SeqCst);
    }

    /// Calls since the last arming.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// Failures injected so far.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::SeqCst)
    }

    /// Counts one call of `operation`: the injected error if it is the armed one.
    pub fn check(&self, operation: &'static str) -> Result<()> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.fail_at.load(Ordering::SeqCst) {
            self.injected.fetch_add(1, Ordering::SeqCst);
            return Err(Error::Vulkan { operation, result: vk::Result::ERROR_OUT_OF_DEVICE_MEMORY });
        }
        Ok(())
    }
}

impl Context {
    /// Test hook (not a stable API): makes the `n`-th Vulkan object creation or queue
    /// submission that vkres makes on this context from now fail once with
    /// `ERROR_OUT_OF_DEVICE_MEMORY`, and restarts the count of
    /// [`fault_points_passed`](Self::fault_points_passed). `n = 0` disarms. Allocations of
    /// memory-backed objects (buffers, images) are failed by
    /// [`FailingAllocator`](crate::memory::FailingAllocator) instead.
    #[doc(hidden)]
    pub fn fail_nth_object_creation(&self, n: u64) {
        self.faults.arm(n);
    }

    /// Test hook: fault points (object creations and submissions) passed since the last
    /// [`fail_nth_object_creation`](Self::fail_nth_object_creation).
    #[doc(hidden)]
    pub fn fault_points_passed(&self) -> u64 {
        self.faults.calls()
    }

    /// Test hook: failures injected on this context so far.
    #[doc(hidden)]
    pub fn faults_injected(&self) -> u64 {
        self.faults.injected()
    }

    /// Called by vkres before each object creation and submission: the injected error when
    /// this is the armed call.
    pub(crate) fn fault_point(&self, operation: &'static str) -> Result<()> {
        self.faults.check(operation)
    }
}
