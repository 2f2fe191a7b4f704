//! Fault points: a test hook that makes the `n`-th Vulkan object creation (or queue
//! submission) made by vkres fail, so that tests can prove every error path cleans up.
//!
//! Every `vkCreate*`/`vkAllocate*` call and every `vkQueueSubmit2` that vkres itself makes goes
//! through `Context::fault_point` first, which counts it (two atomic operations).

use std::sync::atomic::{AtomicU64, Ordering};

use ash::vk;

use super::Context;
use crate::error::{Error, Result};

/// The counters behind the hook.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// The call that fails, counted from the last arming; 0: none.
    fail_at: AtomicU64,
    /// Fault points passed since the last arming.
    calls: AtomicU64,
    /// Failures injected in the context's lifetime.
    injected: AtomicU64,
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
        self.faults.calls.store(0, Ordering::SeqCst);
        self.faults.fail_at.store(n, Ordering::SeqCst);
    }

    /// Test hook: fault points (object creations and submissions) passed since the last
    /// [`fail_nth_object_creation`](Self::fail_nth_object_creation).
    #[doc(hidden)]
    pub fn fault_points_passed(&self) -> u64 {
        self.faults.calls.load(Ordering::SeqCst)
    }

    /// Test hook: failures injected on this context so far.
    #[doc(hidden)]
    pub fn faults_injected(&self) -> u64 {
        self.faults.injected.load(Ordering::SeqCst)
    }

    /// Called by vkres before each object creation and submission: the injected error when
    /// this is the armed call.
    pub(crate) fn fault_point(&self, operation: &'static str) -> Result<()> {
        let n = self.faults.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.faults.fail_at.load(Ordering::SeqCst) {
            self.faults.injected.fetch_add(1, Ordering::SeqCst);
            return Err(Error::Vulkan { operation, result: vk::Result::ERROR_OUT_OF_DEVICE_MEMORY });
        }
        Ok(())
    }
}
