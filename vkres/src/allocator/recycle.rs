//! Command pools and fences of finished batches, kept for the next batches: creating a pool,
//! its first command buffer and a fence costs about as much as a small build on a discrete GPU.

use std::sync::{Arc, Mutex};

use ash::vk;

use crate::Context;

/// At most this many idle pool-and-fence pairs are kept (one per concurrent batch is enough).
const KEEP: usize = 8;

/// A pool (reset, no command buffer allocated) and an unsignalled fence.
pub(crate) type Recycled = (vk::CommandPool, vk::Fence);

/// Shared by the clones of one [`ResourceAllocator`](super::ResourceAllocator).
#[derive(Debug, Clone)]
pub(crate) struct Recycler {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    ctx: Arc<Context>,
    idle: Mutex<Vec<Recycled>>,
}

impl Recycler {
    pub fn new(ctx: &Arc<Context>) -> Self {
        Self { shared: Arc::new(Shared { ctx: ctx.clone(), idle: Mutex::new(Vec::new()) }) }
    }

    /// An idle pair, if one was given back.
    pub fn take(&self) -> Option<Recycled> {
        self.shared.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    /// Keeps `pair` for a later batch (or destroys it when enough are kept).
    ///
    /// # Safety
    /// The pool must have been reset with no command buffer left allocated or pending, and the
    /// fence be unsignalled and used by no submission.
    pub unsafe fn give(&self, pair: Recycled) {
        let mut idle = self.shared.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < KEEP {
            idle.push(pair);
        } else {
            drop(idle);
            // SAFETY: unused, by the caller's contract.
            unsafe { destroy(&self.shared.ctx, pair) };
        }
    }
}

/// # Safety
/// Neither object may be in use.
unsafe fn destroy(ctx: &Context, (pool, fence): Recycled) {
    // SAFETY: by the caller's contract.
    unsafe {
        ctx.device().destroy_command_pool(pool, None);
        ctx.device().destroy_fence(fence, None);
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        for pair in self.idle.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
            // SAFETY: idle pairs are unused (the contract of `give`).
            unsafe { destroy(&self.ctx, pair) };
        }
    }
}
