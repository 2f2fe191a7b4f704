//! Command pools and fences of finished batches, kept for the next batches: creating a pool,
//! its first command buffer and a fence costs about as much as a small build on a discrete GPU.
//! The fences of a batch's partial submissions are kept too: on the H100's driver creating or
//! destroying a fence takes about 0.5 ms (measured), which made a 256 MiB upload through a
//! 64 MiB staging budget spend more time on its fences than on its copies. Batches that copy
//! on the transfer queue also take command pools of that queue's family and semaphores here.

use std::sync::{Arc, Mutex};

use ash::vk;

use super::tables::Tables;
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
}

/// An idle command pool of the transfer queue's family (reset), with its command buffers.
#[derive(Debug, Default)]
pub(crate) struct TransferPool {
    pub pool: vk::CommandPool,
    /// Allocated by earlier batches, in the initial state.
    pub command_buffers: Vec<vk::CommandBuffer>,
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
    /// Idle pools of the transfer queue's family.
    transfer_pools: Mutex<Vec<TransferPool>>,
    /// Unsignalled binary semaphores, no wait pending on them.
    semaphores: Mutex<Vec<vk::Semaphore>>,
    /// Emptied tables of finished work, batches' and recorders' alike (the one cache of them).
    #[expect(
        clippy::vec_box,
        reason = "the boxes are what is recycled: recorders and `InFlight`s move tables as a pointer"
    )]
    tables: Mutex<Vec<Box<Tables>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for Recycled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recycled").field("pool", &self.pool).field("fence", &self.fence).finish_non_exhaustive()
    }
}

impl Recycler {
    pub fn new(ctx: &Arc<Context>) -> Self {
        Self {
            shared: Arc::new(Shared {
                ctx: ctx.clone(),
                idle: Mutex::default(),
                fences: Mutex::default(),
                transfer_pools: Mutex::default(),
                semaphores: Mutex::default(),
                tables: Mutex::default(),
            }),
        }
    }

    /// At most this many tables are kept (one per frame in flight, or per concurrent batch, is
    /// the usual need).
    const KEEP_TABLES: usize = 8;

    /// Emptied tables of finished work, else new ones: a batch, or a recorder on a caller's
    /// command buffer each frame, records without growing them anew.
    pub fn take_tables(&self) -> Box<Tables> {
        lock(&self.shared.tables).pop().unwrap_or_default()
    }

    /// Keeps finished work's tables (emptied here, after the work finished: what they hold is
    /// released now) for a later batch or recorder.
    pub fn give_tables(&self, tables: Box<Tables>) {
        if let Some(tables) = tables.emptied() {
            let mut kept = lock(&self.shared.tables);
            if kept.len() < Self::KEEP_TABLES {
                kept.push(tables);
            }
        }
    }

    /// An idle pool and fence, if one was given back.
    pub fn take(&self) -> Option<Recycled> {
        lock(&self.shared.idle).pop()
    }

    /// Resets `pool` (and with it `command_buffers`, which stay allocated for the next batch to
    /// begin without allocating) and `fence`, and keeps them for a later batch (or destroys
    /// them when enough are kept, or when a reset fails).
    ///
    /// # Safety
    /// No command buffer of the pool may be pending and no submission may use the fence (a
    /// null pool or fence, left by a failed batch, has the pair only destroyed).
    pub unsafe fn give(&self, pool: vk::CommandPool, command_buffers: Vec<vk::CommandBuffer>, fence: vk::Fence) {
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
        let recycled = Recycled { pool, command_buffers, fence };
        let mut idle = lock(&self.shared.idle);
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
        if let Some(fence) = lock(&self.shared.fences).pop() {
            return Ok(fence);
        }
        // SAFETY: the recycler destroys its fences (or hands them to batches that give them back).
        unsafe { self.shared.ctx.create_fence(&vk::FenceCreateInfo::default(), "vkres batch fence") }
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
        let mut fences = lock(&self.shared.fences);
        if reset && fences.len() < KEEP_FENCES {
            fences.push(fence);
        } else {
            drop(fences);
            // SAFETY: unused, by the caller's contract.
            unsafe { device.destroy_fence(fence, None) };
        }
    }

    /// An idle pool of the transfer queue's family, else a new one (the context must have a
    /// transfer queue).
    pub fn transfer_pool(&self) -> Result<TransferPool> {
        if let Some(pool) = lock(&self.shared.transfer_pools).pop() {
            return Ok(pool);
        }
        let ctx = &self.shared.ctx;
        let family = ctx.transfer_queue_family_index().unwrap_or_default();
        let info = vk::CommandPoolCreateInfo::default()
            .queue_family_index(family)
            .flags(vk::CommandPoolCreateFlags::TRANSIENT);
        // SAFETY: a queue family of this device (the transfer queue's); the pool is destroyed
        // by `give_transfer_pool` or the recycler's drop.
        let pool = unsafe { ctx.create_command_pool(&info, "vkres transfer pool") }?;
        Ok(TransferPool { pool, command_buffers: Vec::new() })
    }

    /// Resets `pool` and keeps it (with its command buffers) for a later batch, or destroys it.
    ///
    /// # Safety
    /// No command buffer of the pool may be pending (a null pool is ignored).
    pub unsafe fn give_transfer_pool(&self, pool: TransferPool) {
        if pool.pool == vk::CommandPool::null() {
            return;
        }
        let device = self.shared.ctx.device();
        // SAFETY: not pending, by the caller's contract.
        let reset = unsafe { device.reset_command_pool(pool.pool, vk::CommandPoolResetFlags::empty()) }.is_ok();
        let mut idle = lock(&self.shared.transfer_pools);
        if reset && idle.len() < KEEP {
            idle.push(pool);
        } else {
            drop(idle);
            // SAFETY: not pending, by the caller's contract; destroying the pool frees its buffers.
            unsafe { device.destroy_command_pool(pool.pool, None) };
        }
    }

    /// An unsignalled binary semaphore: an idle one given back, else a new one.
    pub fn semaphore(&self) -> Result<vk::Semaphore> {
        if let Some(semaphore) = lock(&self.shared.semaphores).pop() {
            return Ok(semaphore);
        }
        // SAFETY: destroyed by `give_semaphore` or the recycler's drop.
        unsafe { self.shared.ctx.create_semaphore(&vk::SemaphoreCreateInfo::default(), "vkres semaphore") }
    }

    /// Keeps `semaphore` for a later submission, or destroys it when enough are kept.
    ///
    /// # Safety
    /// The semaphore must be unsignalled with no signal or wait pending: the submission that
    /// waited on it has finished, or it was never submitted.
    pub unsafe fn give_semaphore(&self, semaphore: vk::Semaphore) {
        let mut idle = lock(&self.shared.semaphores);
        if idle.len() < KEEP_FENCES {
            idle.push(semaphore);
        } else {
            drop(idle);
            // SAFETY: unused, by the caller's contract.
            unsafe { self.shared.ctx.device().destroy_semaphore(semaphore, None) };
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
        let device = self.ctx.device();
        for fence in self.fences.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
            // SAFETY: idle fences are unused (the contract of `give_fence`).
            unsafe { device.destroy_fence(fence, None) };
        }
        for pool in self.transfer_pools.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
            // SAFETY: idle pools have nothing pending (the contract of `give_transfer_pool`).
            unsafe { device.destroy_command_pool(pool.pool, None) };
        }
        for semaphore in self.semaphores.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
            // SAFETY: idle semaphores are unused (the contract of `give_semaphore`).
            unsafe { device.destroy_semaphore(semaphore, None) };
        }
    }
}

/// Begins the next command buffer of `pool` (a batch's, or its transfer lane's): one of
/// `allocated` not begun yet (`begun` of them are), else a newly allocated one, named `name`.
pub(crate) fn begin_next(
    ctx: &Context,
    pool: vk::CommandPool,
    allocated: &mut Vec<vk::CommandBuffer>,
    begun: &mut usize,
    name: &str,
) -> Result<vk::CommandBuffer> {
    let device = ctx.device();
    let cmd = match allocated.get(*begun) {
        Some(&cmd) => cmd,
        None => {
            let alloc_info = vk::CommandBufferAllocateInfo::default()
                .command_pool(pool)
                .level(vk::CommandBufferLevel::PRIMARY)
                .command_buffer_count(1);
            // SAFETY: the pool is live and used by one batch only.
            let cmds = unsafe { ctx.allocate_command_buffers(&alloc_info, name) }?;
            let cmd = cmds.first().copied().unwrap_or_default();
            allocated.push(cmd);
            cmd
        }
    };
    *begun += 1;
    let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
    // SAFETY: a command buffer of the pool in the initial state: newly allocated, or reset with
    // its pool when the pool was recycled, and not begun by this batch yet.
    unsafe { device.begin_command_buffer(cmd, &begin) }.op("vkBeginCommandBuffer")?;
    Ok(cmd)
}
