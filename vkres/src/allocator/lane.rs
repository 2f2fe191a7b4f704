//! The transfer lane of a [`Batch`](super::Batch): large whole-buffer uploads copied on the context's
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
//! - The first use is claimed, not tested (issue 16, item 4): one compare-exchange takes a fresh
//!   buffer or image for the lane, so of two threads uploading into it at once one takes the
//!   lane. The claim lasts until the claiming batch's main submission, which acquires the
//!   resource from the transfer family, is submitted (or the lane is given back unsubmitted):
//!   every other recording of the resource meanwhile is `Error::OnTransferQueue`
//!   (`recorder/same_device.rs`), since another batch's main-queue work is not ordered after
//!   the lane's copy (it may be submitted before the claiming batch's main submission, which
//!   alone waits for the lane).
//! - Staging chunks are `CONCURRENT` over both families (the lane's copies read them too).
//! - Images likewise: an upload of every level (no generated mips) of [`LANE_THRESHOLD`] bytes
//!   or more into an image no recorder has held yet (so no work, pending or not, uses it, and
//!   its contents are discarded) goes to the lane: a transition from `UNDEFINED` to
//!   `TRANSFER_DST_OPTIMAL` there, the copies, and at the hand-over a release barrier that
//!   also moves it to the upload's final layout, matched by the acquire of the main
//!   submission. An image whose upload is not complete (a round went out between its pieces)
//!   stays on the lane until it is.

use ash::vk;

use super::recycle::{Recycler, TransferPool, begin_next};
use crate::Context;
use crate::error::{Result, VkContext};
use crate::handle_map::HandleSet;
use crate::resources::{Buffer, Image};

/// Whole-buffer uploads of at least this many bytes, into buffers no batch has used yet, go to
/// the transfer queue where the context has one (opened with
/// [`ContextOptions::transfer_queue`](crate::ContextOptions::transfer_queue); see
/// [`Context::transfer_queue_family_index`](crate::Context::transfer_queue_family_index)).
/// Below it, the semaphore and second submission cost more than the overlap gains.
pub const LANE_THRESHOLD: u64 = 4 << 20;

/// The lane's state in one batch. Empty (no pool, nothing recorded) until the first upload it
/// takes; on a context without a transfer queue it stays empty.
#[derive(Default)]
pub(crate) struct Lane {
    pool: TransferPool,
    /// How many of `pool.command_buffers` this batch has begun.
    begun: usize,
    /// The command buffer being recorded; null when none is.
    cmd: vk::CommandBuffer,
    /// Copies recorded in `cmd` (also counted in the recorder's `commands`).
    pub(crate) copies: usize,
    /// Buffers the lane wrote and has not handed over: owned by the transfer family.
    owned: HandleSet<vk::Buffer>,
    /// Buffers written on the lane since its last barrier.
    written: HandleSet<vk::Buffer>,
    /// Buffers the batch's main command buffers used (or were handed), for the whole batch.
    main_touched: HandleSet<vk::Buffer>,
    /// The semaphores of this batch's rounds, given back once the batch has finished.
    semaphores: Vec<vk::Semaphore>,
    /// Images the lane wrote and has not handed over: owned by the transfer family.
    images: Vec<LaneImage>,
    /// The buffers and images this lane claimed (their first use), released once the main
    /// submission that acquires them is submitted (or the lane is given back or dropped
    /// unsubmitted): until then every other recording of them is refused, since it could be
    /// submitted before that acquire.
    claims: Vec<LaneClaim>,
}

/// A buffer or image a lane claimed; dropping it ends the claim.
enum LaneClaim {
    Buffer(Buffer),
    Image(Image),
}

impl LaneClaim {
    fn names_buffer(&self, buffer: vk::Buffer) -> bool {
        matches!(self, LaneClaim::Buffer(b) if b.handle() == buffer)
    }

    fn names_image(&self, image: vk::Image) -> bool {
        matches!(self, LaneClaim::Image(i) if i.handle() == image)
    }
}

impl Drop for LaneClaim {
    fn drop(&mut self) {
        match self {
            LaneClaim::Buffer(buffer) => buffer.first_use().release_lane(),
            LaneClaim::Image(image) => image.first_use().release_lane(),
        }
    }
}

/// An image uploaded on the lane: in `TRANSFER_DST_OPTIMAL` on the transfer family until its
/// hand-over moves it to `layout` on the main family.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LaneImage {
    pub image: vk::Image,
    pub range: vk::ImageSubresourceRange,
    pub layout: vk::ImageLayout,
    /// Every piece of its upload is recorded: it may be handed over.
    complete: bool,
}

/// What a round sends to the transfer queue: its command buffer and the buffers and images it
/// hands over.
pub(crate) struct LaneRound {
    pub cmd: vk::CommandBuffer,
    pub handed: Vec<vk::Buffer>,
    pub handed_images: Vec<LaneImage>,
}

impl Lane {
    /// Whether anything is recorded or owned: the batch's last round then has lane work.
    pub(crate) fn busy(&self) -> bool {
        self.copies > 0 || !self.owned.is_empty() || !self.images.is_empty()
    }

    /// Whether the lane owns `buffer` (a direct host write into it would overtake the copy).
    pub(crate) fn owns(&self, buffer: vk::Buffer) -> bool {
        self.owned.contains(&buffer)
    }

    /// Notes that a main command buffer of the batch uses `buffer`.
    pub(crate) fn touch(&mut self, buffer: vk::Buffer) {
        self.main_touched.insert(buffer);
    }

    /// Whether the next piece of an upload the lane took goes to the lane too (a round in
    /// between may have handed the buffer over).
    pub(crate) fn continues(&self, buffer: vk::Buffer) -> bool {
        !self.main_touched.contains(&buffer)
    }

    /// Destroys the semaphore of the last round, whose main submission failed after the lane's
    /// had signalled it (a signalled semaphore nobody waits on cannot be reused), once the
    /// transfer queue is idle.
    pub(crate) fn forget_last_semaphore(&mut self, ctx: &crate::Context) {
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
    pub(crate) unsafe fn destroy(&mut self, ctx: &crate::Context) {
        self.claims.clear();
        let device = ctx.device();
        // SAFETY: by the caller's contract; null handles are no-ops.
        unsafe {
            device.destroy_command_pool(std::mem::take(&mut self.pool).pool, None);
            for semaphore in self.semaphores.drain(..) {
                device.destroy_semaphore(semaphore, None);
            }
        }
    }

    /// Gives back the pool and the semaphores, and ends the lane's claims.
    ///
    /// # Safety
    /// Nothing the lane submitted may be pending, and every semaphore's waiting submission
    /// must have finished.
    pub(crate) unsafe fn give_back(&mut self, recycler: &Recycler) {
        self.claims.clear();
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

impl Lane {
    /// Whether an upload of `len` bytes at `offset` into `dst` goes to the lane. A fresh `dst`
    /// (no recorded work uses it) is claimed here, atomically: of two threads uploading into
    /// the same unused buffer at once, one takes the transfer queue and the other finds it
    /// used (check and claim are one compare-exchange, not a test and a later hold).
    /// The claim lasts until the batch's main submission that acquires `dst` is submitted
    /// ([`release_handed`](Self::release_handed)): until then every other recording of `dst` is [`Error::OnTransferQueue`](crate::Error::OnTransferQueue)
    /// (`recorder/same_device.rs`).
    pub(crate) fn takes<T>(&mut self, ctx: &Context, dst: &Buffer<T>, offset: u64, len: u64) -> bool {
        if ctx.transfer_queue_family_index().is_none() || !self.continues(dst.handle()) {
            return false;
        }
        if self.owns(dst.handle()) {
            return true;
        }
        let claimed = offset == 0 && len == dst.size() && len >= LANE_THRESHOLD && dst.first_use().claim_for_lane();
        if claimed {
            self.claims.push(LaneClaim::Buffer(dst.as_bytes()));
        }
        claimed
    }

    /// Ends the claims of what `round` handed over, once the main submission that acquires it
    /// (and waits for the round) is submitted: every later submission on the main queue is
    /// ordered after it, so other batches may use those resources from now on.
    pub(crate) fn release_handed(&mut self, round: &LaneRound) {
        self.claims.retain(|claim| match claim {
            LaneClaim::Buffer(b) => !round.handed.contains(&b.handle()),
            LaneClaim::Image(i) => !round.handed_images.iter().any(|h| h.image == i.handle()),
        });
    }

    /// Whether this lane claimed `buffer` (its own batch may use it after the lane's copy).
    pub(crate) fn claimed_buffer(&self, buffer: vk::Buffer) -> bool {
        self.claims.iter().any(|c| c.names_buffer(buffer))
    }

    /// Whether this lane claimed `image`.
    pub(crate) fn claimed_image(&self, image: vk::Image) -> bool {
        self.claims.iter().any(|c| c.names_image(image))
    }

    /// Records a copy on the lane from `src` into `dst` (which the lane then owns); the first
    /// piece of an upload is ordered after the lane's earlier writes of `dst` (later pieces
    /// write other bytes).
    pub(crate) fn copy(
        &mut self,
        ctx: &Context,
        recycler: &Recycler,
        src: vk::Buffer,
        dst: vk::Buffer,
        region: vk::BufferCopy,
        first_piece: bool,
    ) -> Result<()> {
        self.begin(ctx, recycler)?;
        let device = ctx.device();
        if first_piece && self.written.contains(&dst) {
            let barrier = [lane_barrier()];
            // SAFETY: the lane's command buffer is recording; synchronization2 is enabled.
            unsafe { device.cmd_pipeline_barrier2(self.cmd, &vk::DependencyInfo::default().memory_barriers(&barrier)) };
            self.written.clear();
        }
        // SAFETY: both buffers are live and held by the recorder; the caller checked the region
        // and the usages (staging TRANSFER_SRC, dst TRANSFER_DST).
        unsafe { device.cmd_copy_buffer(self.cmd, src, dst, &[region]) };
        self.written.insert(dst);
        self.owned.insert(dst);
        self.copies += 1;
        Ok(())
    }

    /// Whether an upload of `len` bytes of every level of `image` goes to the lane. A fresh
    /// image is claimed here, atomically (as a buffer in [`takes`](Self::takes)): of two
    /// threads uploading into the same unused image at once, only one takes the transfer
    /// queue and records its transition from `UNDEFINED` there.
    /// The claim lasts as a buffer's (see [`takes`](Self::takes)).
    pub(crate) fn takes_image(&mut self, ctx: &Context, image: &Image, len: u64) -> bool {
        let claimed =
            ctx.transfer_queue_family_index().is_some() && len >= LANE_THRESHOLD && image.first_use().claim_for_lane();
        if claimed {
            self.claims.push(LaneClaim::Image(image.clone()));
        }
        claimed
    }

    /// Records a copy on the lane from `src` into `image` (`range`: all of it), the first
    /// (`first_piece`) after the transition from `UNDEFINED` (its contents discarded) to
    /// `TRANSFER_DST_OPTIMAL`; the lane owns the image from then on, until it is
    /// [`complete`](Self::complete_image) and handed over in `layout`.
    #[expect(clippy::too_many_arguments, reason = "one copy's parts, passed as the buffer copy's are")]
    pub(crate) fn copy_image(
        &mut self,
        ctx: &Context,
        recycler: &Recycler,
        src: vk::Buffer,
        image: vk::Image,
        range: vk::ImageSubresourceRange,
        region: vk::BufferImageCopy,
        layout: vk::ImageLayout,
        first_piece: bool,
    ) -> Result<()> {
        self.begin(ctx, recycler)?;
        let device = ctx.device();
        if first_piece {
            let to_dst = [vk::ImageMemoryBarrier2::default()
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                .dst_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                .old_layout(vk::ImageLayout::UNDEFINED)
                .new_layout(vk::ImageLayout::TRANSFER_DST_OPTIMAL)
                .src_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
                .dst_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
                .image(image)
                .subresource_range(range)];
            // SAFETY: the lane's command buffer is recording; the image is live, held by the
            // recorder, and used by no other work (fresh); its contents are discarded.
            unsafe {
                device.cmd_pipeline_barrier2(self.cmd, &vk::DependencyInfo::default().image_memory_barriers(&to_dst))
            };
            self.images.push(LaneImage { image, range, layout, complete: false });
        }
        // SAFETY: the staging space holds the bytes the region addresses (checked by the
        // caller), the image is in TRANSFER_DST_OPTIMAL (above) with TRANSFER_DST usage; both
        // are held by the recorder.
        unsafe {
            device.cmd_copy_buffer_to_image(self.cmd, src, image, vk::ImageLayout::TRANSFER_DST_OPTIMAL, &[region])
        };
        self.copies += 1;
        Ok(())
    }

    /// Marks `image`'s upload complete: the next hand-over releases it. Whether the lane has
    /// the image (it recorded a copy into it).
    pub(crate) fn complete_image(&mut self, image: vk::Image) -> bool {
        let mut found = false;
        for lane_image in self.images.iter_mut().filter(|i| i.image == image) {
            lane_image.complete = true;
            found = true;
        }
        found
    }

    /// Begins the lane's next command buffer unless one is recording.
    fn begin(&mut self, ctx: &Context, recycler: &Recycler) -> Result<()> {
        if self.cmd != vk::CommandBuffer::null() {
            return Ok(());
        }
        if self.pool.pool == vk::CommandPool::null() {
            self.pool = recycler.transfer_pool()?;
        }
        let (pool, allocated) = (self.pool.pool, &mut self.pool.command_buffers);
        self.cmd = begin_next(ctx, pool, allocated, &mut self.begun, "vkres transfer lane")?;
        Ok(())
    }

    /// Ends the lane's command buffer for this round: with the release of every buffer it owns
    /// if `hand_over`, else with a barrier that orders its copies before the lane's next round.
    /// `None` when the lane has nothing to submit. The round's copies are no longer counted
    /// in [`copies`](Self::copies) (the caller uncounts them from its commands first).
    pub(crate) fn close(&mut self, ctx: &Context, recycler: &Recycler, hand_over: bool) -> Result<Option<LaneRound>> {
        let images_to_hand = hand_over && self.images.iter().any(|i| i.complete);
        if self.copies == 0 && (!hand_over || self.owned.is_empty()) && !images_to_hand {
            return Ok(None);
        }
        self.begin(ctx, recycler)?;
        let handed: Vec<vk::Buffer> = match hand_over {
            true => self.owned.drain().collect(),
            false => Vec::new(),
        };
        let mut handed_images = Vec::new();
        if hand_over {
            // Complete uploads only: an image a round interrupted gets its other pieces first.
            let (complete, kept) = std::mem::take(&mut self.images).into_iter().partition(|i| i.complete);
            handed_images = complete;
            self.images = kept;
        }
        let releases: Vec<_> = handed.iter().map(|&b| ownership_barrier(ctx, b, true)).collect();
        let image_releases: Vec<_> = handed_images.iter().map(|i| image_ownership_barrier(ctx, i, true)).collect();
        let ordering = [lane_barrier()];
        let dependency = vk::DependencyInfo::default()
            .buffer_memory_barriers(&releases)
            .image_memory_barriers(&image_releases)
            .memory_barriers(&ordering);
        // SAFETY: recording; each released buffer is live, held by the recorder and owned by
        // the transfer family (written there by this lane); the acquire side is recorded by
        // the main submission that waits for this one.
        unsafe {
            ctx.device().cmd_pipeline_barrier2(self.cmd, &dependency);
            ctx.device().end_command_buffer(self.cmd)
        }
        .op("vkEndCommandBuffer")?;
        for &buffer in &handed {
            self.main_touched.insert(buffer);
        }
        self.written.clear();
        self.copies = 0;
        Ok(Some(LaneRound { cmd: std::mem::take(&mut self.cmd), handed, handed_images }))
    }

    /// Submits a lane round to the transfer queue, signalling `fence` (a round alone) or a new
    /// semaphore of the lane (a round the main submission waits for), which it returns.
    pub(crate) fn submit(
        &mut self,
        ctx: &Context,
        recycler: &Recycler,
        round: &LaneRound,
        fence: Option<vk::Fence>,
    ) -> Result<Option<vk::Semaphore>> {
        let semaphore = match fence {
            Some(_) => None,
            None => {
                let semaphore = recycler.semaphore()?;
                self.semaphores.push(semaphore);
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
        // buffers the recorder holds; the semaphore is unsignalled with nothing pending, the
        // fence unsignalled and unused.
        unsafe { ctx.submit_transfer(&[submit], fence.unwrap_or_default()) }?;
        Ok(semaphore)
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
pub(crate) fn ownership_barrier(
    ctx: &crate::Context,
    buffer: vk::Buffer,
    release: bool,
) -> vk::BufferMemoryBarrier2<'static> {
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

/// The release (on the transfer family) or acquire (on the main family) half of the ownership
/// transfer of an image the lane uploaded, which also moves it from `TRANSFER_DST_OPTIMAL` to
/// its upload's final layout (the same transition in both halves, as the spec requires).
pub(crate) fn image_ownership_barrier(
    ctx: &crate::Context,
    image: &LaneImage,
    release: bool,
) -> vk::ImageMemoryBarrier2<'static> {
    // A lane exists only on a context with a transfer queue.
    let transfer = ctx.transfer_queue_family_index().unwrap_or_default();
    let barrier = vk::ImageMemoryBarrier2::default()
        .src_queue_family_index(transfer)
        .dst_queue_family_index(ctx.queue_family_index())
        .old_layout(vk::ImageLayout::TRANSFER_DST_OPTIMAL)
        .new_layout(image.layout)
        .image(image.image)
        .subresource_range(image.range);
    match release {
        true => barrier
            .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
            .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE),
        false => barrier
            .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE),
    }
}
