//! The transfer lane of a [`Batch`]: large whole-buffer uploads copied on the context's
//! transfer queue (a family that only transfers: the copy engines of a discrete GPU), handed to
//! the main queue's family with queue-family ownership transfers.
//!
//! Rules that keep it correct:
//! - An upload goes to the lane only if the main command buffers of this batch have not touched
//!   the buffer (a lane copy runs before the batch's main commands of the same round, so a
//!   main command recorded earlier on that buffer would be overtaken), and either covers the
//!   whole buffer from [`LANE_THRESHOLD`] bytes on, into a buffer no batch has recorded work on
//!   before (no earlier submission, of this batch or another, can still be using it, and its
//!   contents are discarded, so the transfer family acquires nothing first), or goes into a
//!   buffer the lane already owns.
//! - A round (a submission of the batch) with only lane copies goes to the transfer queue alone
//!   and the lane keeps its buffers. Any other round hands every buffer the lane owns over:
//!   a release barrier per buffer ends the lane's command buffer, which signals a semaphore;
//!   the main submission waits on it and begins with the matching acquire barriers, in a
//!   command buffer of its own recorded at submission. A buffer handed over counts as touched
//!   by the main queue: later uploads into it in this batch stay on the main queue.
//! - The last round of a batch always hands everything over: what a batch leaves behind is
//!   owned by the main queue's family, ready for use as before.
//! - Staging chunks are `CONCURRENT` over both families (the lane's copies read them too).

use ash::vk;

use super::Batch;
use crate::allocator::recycle::{Recycler, TransferPool};
use crate::error::{Result, VkContext};
use crate::handle_map::HandleSet;
use crate::resources::Buffer;

/// Whole-buffer uploads of at least this many bytes, into buffers no batch has used yet, go to
/// the transfer queue where the context has one (opened with
/// [`ContextOptions::transfer_queue`](crate::ContextOptions::transfer_queue); see
/// [`Context::transfer_queue_family_index`](crate::Context::transfer_queue_family_index)).
/// Below it, the semaphore and second submission cost more than the overlap gains.
pub const LANE_THRESHOLD: u64 = 4 << 20;

/// The lane's state in one batch. Empty (no pool, nothing recorded) until the first upload it
/// takes; on a context without a transfer queue it stays empty.
#[derive(Default)]
pub(super) struct Lane {
    pool: TransferPool,
    /// How many of `pool.command_buffers` this batch has begun.
    begun: usize,
    /// The command buffer being recorded; null when none is.
    cmd: vk::CommandBuffer,
    /// Copies recorded in `cmd` (also counted in the batch's `commands`).
    pub(super) copies: usize,
    /// Buffers the lane wrote and has not handed over: owned by the transfer family.
    owned: HandleSet<vk::Buffer>,
    /// Buffers written on the lane since its last barrier.
    written: HandleSet<vk::Buffer>,
    /// Buffers the batch's main command buffers used (or were handed), for the whole batch.
    main_touched: HandleSet<vk::Buffer>,
    /// The semaphores of this batch's rounds, given back once the batch has finished.
    semaphores: Vec<vk::Semaphore>,
}

/// What a round sends to the transfer queue: its command buffer and the buffers it hands over.
pub(super) struct LaneRound {
    pub cmd: vk::CommandBuffer,
    pub handed: Vec<vk::Buffer>,
}

impl Lane {
    /// Whether anything is recorded or owned: the batch's last round then has lane work.
    pub(super) fn busy(&self) -> bool {
        self.copies > 0 || !self.owned.is_empty()
    }

    /// Whether the lane owns `buffer` (a direct host write into it would overtake the copy).
    pub(super) fn owns(&self, buffer: vk::Buffer) -> bool {
        self.owned.contains(&buffer)
    }

    /// Notes that a main command buffer of the batch uses `buffer`.
    pub(super) fn touch(&mut self, buffer: vk::Buffer) {
        self.main_touched.insert(buffer);
    }

    /// Whether the next piece of an upload the lane took goes to the lane too (a round in
    /// between may have handed the buffer over).
    pub(super) fn continues(&self, buffer: vk::Buffer) -> bool {
        !self.main_touched.contains(&buffer)
    }

    /// Destroys the semaphore of the last round, whose main submission failed after the lane's
    /// had signalled it (a signalled semaphore nobody waits on cannot be reused), once the
    /// transfer queue is idle.
    pub(super) fn forget_last_semaphore(&mut self, ctx: &crate::Context) {
        if let Some(semaphore) = self.semaphores.pop() {
            // SAFETY: the transfer queue is idle (the caller waited): its signal has happened,
            // and no submission waits on it.
            unsafe { ctx.device().destroy_semaphore(semaphore, None) };
        }
    }

    /// Destroys the pool and the semaphores (after a failed wait: the device is lost).
    ///
    /// # Safety
    /// As [`give_back`](Self::give_back), or the device lost.
    pub(super) unsafe fn destroy(&mut self, ctx: &crate::Context) {
        let device = ctx.device();
        // SAFETY: by the caller's contract; null handles are no-ops.
        unsafe {
            device.destroy_command_pool(std::mem::take(&mut self.pool).pool, None);
            for semaphore in self.semaphores.drain(..) {
                device.destroy_semaphore(semaphore, None);
            }
        }
    }

    /// Gives back the pool and the semaphores.
    ///
    /// # Safety
    /// Nothing the lane submitted may be pending, and every semaphore's waiting submission
    /// must have finished.
    pub(super) unsafe fn give_back(&mut self, recycler: &Recycler) {
        let pool = std::mem::take(&mut self.pool);
        // SAFETY: by the caller's contract.
        unsafe {
            recycler.give_transfer_pool(pool);
            for semaphore in self.semaphores.drain(..) {
                recycler.give_semaphore(semaphore);
            }
        }
    }
}

impl Batch<'_> {
    /// Whether an upload of `len` bytes at `offset` into `dst` goes to the transfer lane
    /// (asked before the batch holds `dst`, which ends its being fresh).
    pub(super) fn lane_takes<T>(&self, dst: &Buffer<T>, offset: u64, len: u64) -> bool {
        let lane = &self.lane;
        self.alloc.context().transfer_queue_family_index().is_some()
            && lane.continues(dst.handle())
            && (lane.owns(dst.handle())
                || (offset == 0 && len == dst.size() && len >= LANE_THRESHOLD && dst.is_fresh()))
    }

    /// Records a copy on the lane from `src` into `dst` (which the lane then owns); the first
    /// piece of an upload is ordered after the lane's earlier writes of `dst` (later pieces
    /// write other bytes).
    pub(super) fn lane_copy(
        &mut self,
        src: vk::Buffer,
        dst: vk::Buffer,
        region: vk::BufferCopy,
        first_piece: bool,
    ) -> Result<()> {
        self.begin_lane()?;
        let device = self.alloc.context().device();
        if first_piece && self.lane.written.contains(&dst) {
            let barrier = [lane_barrier()];
            // SAFETY: the lane's command buffer is recording; synchronization2 is enabled.
            unsafe {
                device.cmd_pipeline_barrier2(self.lane.cmd, &vk::DependencyInfo::default().memory_barriers(&barrier))
            };
            self.lane.written.clear();
        }
        // SAFETY: both buffers are live and held by the batch; the caller checked the region
        // and the usages (staging TRANSFER_SRC, dst TRANSFER_DST).
        unsafe { device.cmd_copy_buffer(self.lane.cmd, src, dst, &[region]) };
        self.lane.written.insert(dst);
        self.lane.owned.insert(dst);
        self.lane.copies += 1;
        self.commands += 1;
        Ok(())
    }

    /// Begins the lane's next command buffer unless one is recording.
    fn begin_lane(&mut self) -> Result<()> {
        if self.lane.cmd != vk::CommandBuffer::null() {
            return Ok(());
        }
        if self.lane.pool.pool == vk::CommandPool::null() {
            self.lane.pool = self.alloc.recycler.transfer_pool()?;
        }
        let lane = &mut self.lane;
        let (pool, allocated) = (lane.pool.pool, &mut lane.pool.command_buffers);
        lane.cmd = super::begin_next(self.alloc.context(), pool, allocated, &mut lane.begun, "vkres transfer lane")?;
        Ok(())
    }

    /// Ends the lane's command buffer for this round: with the release of every buffer it owns
    /// if `hand_over`, else with a barrier that orders its copies before the lane's next round.
    /// `None` when the lane has nothing to submit.
    pub(super) fn close_lane(&mut self, hand_over: bool) -> Result<Option<LaneRound>> {
        if self.lane.copies == 0 && (!hand_over || self.lane.owned.is_empty()) {
            return Ok(None);
        }
        self.begin_lane()?;
        let handed: Vec<vk::Buffer> = match hand_over {
            true => self.lane.owned.drain().collect(),
            false => Vec::new(),
        };
        let ctx = self.alloc.context();
        let releases: Vec<_> = handed.iter().map(|&b| ownership_barrier(ctx, b, true)).collect();
        let ordering = [lane_barrier()];
        let dependency = vk::DependencyInfo::default().buffer_memory_barriers(&releases).memory_barriers(&ordering);
        // SAFETY: recording; each released buffer is live, held by the batch and owned by the
        // transfer family (written there by this batch); the acquire side is recorded by the
        // main submission that waits for this one.
        unsafe {
            ctx.device().cmd_pipeline_barrier2(self.lane.cmd, &dependency);
            ctx.device().end_command_buffer(self.lane.cmd)
        }
        .op("vkEndCommandBuffer")?;
        for &buffer in &handed {
            self.lane.main_touched.insert(buffer);
        }
        self.lane.written.clear();
        self.commands -= self.lane.copies;
        self.lane.copies = 0;
        Ok(Some(LaneRound { cmd: std::mem::take(&mut self.lane.cmd), handed }))
    }

    /// Submits a lane round to the transfer queue, signalling `fence` (a round alone) or a new
    /// semaphore of the batch (a round the main submission waits for), which it returns.
    pub(super) fn submit_lane(&mut self, round: &LaneRound, fence: Option<vk::Fence>) -> Result<Option<vk::Semaphore>> {
        let semaphore = match fence {
            Some(_) => None,
            None => {
                let semaphore = self.alloc.recycler.semaphore()?;
                self.lane.semaphores.push(semaphore);
                Some(semaphore)
            }
        };
        let signals: Vec<_> = semaphore
            .iter()
            .map(|&s| vk::SemaphoreSubmitInfo::default().semaphore(s).stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS))
            .collect();
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(round.cmd)];
        let submit = vk::SubmitInfo2::default().command_buffer_infos(&cmds).signal_semaphore_infos(&signals);
        // SAFETY: the command buffer is executable and of the transfer family; it refers only to
        // buffers the batch holds; the semaphore is unsignalled with nothing pending, the fence
        // unsignalled and unused.
        unsafe { self.alloc.context().submit_transfer(&[submit], fence.unwrap_or_default()) }?;
        Ok(semaphore)
    }

    /// A command buffer of the main queue's family with the acquire barriers of `handed`, the
    /// first of the main submission that waits for the lane's round.
    pub(super) fn acquire_command(&mut self, handed: &[vk::Buffer]) -> Result<vk::CommandBuffer> {
        let cmd = self.next_command_buffer()?;
        let ctx = self.alloc.context();
        let acquires: Vec<_> = handed.iter().map(|&b| ownership_barrier(ctx, b, false)).collect();
        // SAFETY: recording; each barrier matches a release of the lane round this submission
        // waits for (same buffer, range and families).
        unsafe {
            ctx.device().cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().buffer_memory_barriers(&acquires));
            ctx.device().end_command_buffer(cmd)
        }
        .op("vkEndCommandBuffer")?;
        Ok(cmd)
    }
}

/// Orders the lane's copies before its later copies (in this round or the next).
fn lane_barrier() -> vk::MemoryBarrier2<'static> {
    vk::MemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
        .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
        .dst_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
        .dst_access_mask(vk::AccessFlags2::TRANSFER_READ | vk::AccessFlags2::TRANSFER_WRITE)
}

/// The release (on the transfer family) or acquire (on the main family) half of the ownership
/// transfer of all of `buffer` from the transfer queue's family to the main queue's. The
/// semaphore between the two submissions orders them; the acquire makes the copies visible to
/// every later command.
fn ownership_barrier(ctx: &crate::Context, buffer: vk::Buffer, release: bool) -> vk::BufferMemoryBarrier2<'static> {
    // A lane exists only on a context with a transfer queue.
    let transfer = ctx.transfer_queue_family_index().unwrap_or_default();
    let barrier = vk::BufferMemoryBarrier2::default()
        .src_queue_family_index(transfer)
        .dst_queue_family_index(ctx.queue_family_index())
        .buffer(buffer)
        .offset(0)
        .size(vk::WHOLE_SIZE);
    match release {
        true => barrier
            .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
            .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE),
        // Host reads too: the batch's closing barrier covers only this queue's own writes.
        false => barrier
            .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS | vk::PipelineStageFlags2::HOST)
            .dst_access_mask(
                vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE | vk::AccessFlags2::HOST_READ,
            ),
    }
}
