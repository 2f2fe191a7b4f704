//! Command pools and fences of finished batches, kept for the next batches: creating a pool,
//! its first command buffer and a fence costs about as much as a small build on a discrete GPU.
//! The fences of a batch's partial submissions are kept too: on the H100's driver creating or
//! destroying a fence takes about 0.5 ms (measured), which made a 256 MiB upload through a
//! 64 MiB staging budget spend more time on its fences than on its copies.

use std::sync::{Arc, Mutex};

use ash::vk;

use super::batch::Tables;
use crate::Context;
use crate::error::{Result, VkContext};

/// At most this many idle pool-and-fence pairs are kept (one per concurrent batch is enough).
const KEEP: usize = 8;

/// At most this many idle fences of partial submissions are kept (a batch has at most a few
/// pending at once: two with the default staging budget).
const KEEP_FENCES: usize = 16;

/// An idle pool (reset: its command buffers, kept allocated, are in the initial state, ready
/// to be begun) and an unsignalled fence.
pub(crate) struct Recycled {
    pub pool: vk::CommandPool,
    /// The pool's command buffers, allocated by earlier batches.
    pub command_buffers: Vec<vk::CommandBuffer>,
    pub fence: vk::Fence,
    /// The emptied tables of the batch that used the pool last (empty ones where it left none).
    pub tables: Tables,
}

/// Shared by the clones of one [`ResourceAllocator`](super::ResourceAllocator).
#[derive(Debug, Clone)]
pub(crate) struct Recycler {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    ctx: Arc<Context>,
    idle: Mutex<Vec<Recycled>>,
    /// Unsignalled fences, for partial submissions.
    fences: Mutex<Vec<vk::Fence>>,
}

impl std::fmt::Debug for Recycled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recycled").field("pool", &self.pool).field("fence", &self.fence).finish_non_exhaustive()
    }
}

impl Recycler {
    pub fn new(ctx: &Arc<Context>) -> Self {
        Self {
            shared: Arc::new(Shared { ctx: ctx.clone(), idle: Mutex::new(Vec::new()), fences: Mutex::new(Vec::new()) }),
        }
    }

    /// An idle pool and fence, if one was given back.
    pub fn take(&self) -> Option<Recycled> {
        self.shared.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    /// Resets `pool` (and with it `command_buffers`, which stay allocated for the next batch to
    /// begin without allocating) and `fence`, and keeps them for a later batch, with the
    /// batch's emptied `tables` (or destroys them when enough are kept, or when a reset fails).
    ///
    /// # Safety
    /// No command buffer of the pool may be pending and no submission may use the fence (a
    /// null pool or fence, left by a failed batch, has the pair only destroyed).
    pub unsafe fn give(
        &self,
        pool: vk::CommandPool,
        command_buffers: Vec<vk::CommandBuffer>,
        fence: vk::Fence,
        tables: Option<Tables>,
    ) {
        let ctx = &self.shared.ctx;
        let device = ctx.device();
        // SAFETY: unused, by the caller's contract. Resetting the pool without the release
        // flag keeps its memory for the next recording, as the command buffers stay too.
        let reset = pool != vk::CommandPool::null()
            && fence != vk::Fence::null()
            && unsafe {
                device.reset_command_pool(pool, vk::CommandPoolResetFlags::empty()).is_ok()
                    && device.reset_fences(&[fence]).is_ok()
            };
        let recycled = Recycled { pool, command_buffers, fence, tables: tables.unwrap_or_default() };
        let mut idle = self.shared.idle.lock().unwrap_or_else(|e| e.into_inner());
        if reset && idle.len() < KEEP {
            idle.push(recycled);
        } else {
            drop(idle);
            // SAFETY: unused, by the caller's contract; null handles are no-ops.
            unsafe { destroy(ctx, recycled) };
        }
    }

    /// An unsignalled fence: an idle one given back, else a new one.
    pub fn fence(&self) -> Result<vk::Fence> {
        if let Some(fence) = self.shared.fences.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(fence);
        }
        let ctx = &self.shared.ctx;
        ctx.fault_point("vkCreateFence")?;
        // SAFETY: plain object creation.
        unsafe { ctx.device().create_fence(&vk::FenceCreateInfo::default(), None) }.op("vkCreateFence")
    }

    /// Resets `fence` and keeps it for a later partial submission (or destroys it when enough
    /// are kept, or when the reset fails).
    ///
    /// # Safety
    /// No submission may use the fence: it has signalled, or it was never submitted.
    pub unsafe fn give_fence(&self, fence: vk::Fence) {
        let device = self.shared.ctx.device();
        // SAFETY: unused, by the caller's contract.
        let reset = unsafe { device.reset_fences(&[fence]) }.is_ok();
        let mut fences = self.shared.fences.lock().unwrap_or_else(|e| e.into_inner());
        if reset && fences.len() < KEEP_FENCES {
            fences.push(fence);
        } else {
            drop(fences);
            // SAFETY: unused, by the caller's contract.
            unsafe { device.destroy_fence(fence, None) };
        }
    }
}

/// # Safety
/// Neither object may be in use.
unsafe fn destroy(ctx: &Context, recycled: Recycled) {
    // SAFETY: by the caller's contract; destroying the pool frees its command buffers.
    unsafe {
        ctx.device().destroy_command_pool(recycled.pool, None);
        ctx.device().destroy_fence(recycled.fence, None);
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        for pair in self.idle.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
            // SAFETY: idle pairs are unused (the contract of `give`).
            unsafe { destroy(&self.ctx, pair) };
        }
        for fence in self.fences.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
            // SAFETY: idle fences are unused (the contract of `give_fence`).
            unsafe { self.ctx.device().destroy_fence(fence, None) };
        }
    }
}
