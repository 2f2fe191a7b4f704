//! [`Batch`]: a [`Recorder`] on a command buffer of its own, submitted by the batch with a fence
//! of its own (or the caller's), in several rounds where its work needs more staging than the
//! budget.
//!
//! The recording is the recorder's; this file holds what submission adds: the command pool
//! and fence, the rounds ([`Rounds`] for the recorder's staging), the lane's submissions, and
//! the waits.

mod alias;

use std::collections::VecDeque;

use ash::vk;

mod sync;

use sync::HandOff;
pub use sync::QueueSync;

use super::ResourceAllocator;
use super::in_flight::{InFlight, Owned, Signal};
use super::lane::{LaneImage, image_ownership_barrier, ownership_barrier};
use super::recorder::{self, ImageRegion, ImageUpload, Recorder, Rounds};
use super::recycle::begin_next;
use crate::accel::{Blas, BlasDesc, Tlas, TlasDesc};
use crate::error::{BatchError, Error, Result, VkContext};
use crate::resources::{Buffer, Image, SubBuffer};
use crate::staging::{Download, Fence, SetId};

/// A submission of part of a batch: its fence and the staging set it reads.
struct Pending {
    fence: vk::Fence,
    set: SetId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Recording,
    Submitted,
    Finished,
    /// Submitted with a caller's fence; an [`InFlight`] owns what the work needs.
    HandedOff,
    /// A submission failed part way (its command buffers ended, the lane's buffers perhaps
    /// handed over): the batch records and submits nothing more; dropping it cleans up.
    Failed,
}

/// Work recorded into one command buffer and submitted once: uploads, copies, transitions,
/// builds. [`GpuResources::create`](crate::GpuResources::create) records a whole bundle into one
/// batch. A batch is a [`Recorder`] on a command buffer of its own, plus its submission: to
/// record into a command buffer of your own, use [`ResourceAllocator::recorder`].
///
/// A batch holds every resource it records work on (and its staging memory) until its fence
/// has signalled, so nothing it uses can be freed while the device still reads it; dropping
/// a submitted batch waits for it. Dropping an unsubmitted one discards its commands.
///
/// Staging comes from the allocator's [`StagingMemoryManager`](crate::StagingMemoryManager),
/// in resource sets of the batch's own. Work larger than half the staging budget is pipelined:
/// once half the budget is staged, the batch submits what it recorded (without waiting) and
/// goes on filling the other half while the device copies; when staging runs out it waits for
/// its oldest submission and reuses that staging. So work larger than the budget takes several
/// submissions ([`submissions`](Self::submissions)) and staging memory never exceeds the budget.
///
/// Batches on several threads share the budget. A batch that finds it used up frees what it
/// holds first (waits for its own oldest submission, else submits what it recorded); a batch
/// that holds no staging at all waits until another thread's batch (or a fence) releases some.
/// Waiters hold nothing, so they never wait for each other: every wait ends when a holder that
/// is running finishes. Where all the staging is held by batches of the waiting thread itself,
/// or nothing is released for 30 s, the wait ends with [`Error::StagingExhausted`].
///
/// Every wait for the device is bounded by [`Context::wait_timeout`](crate::Context::wait_timeout)
/// ([`Error::Timeout`]).
///
/// `Send + Sync`: it can be recorded on one thread and submitted on another; recording takes
/// `&mut self`, so one thread records at a time. It borrows its [`ResourceAllocator`].
pub struct Batch<'a> {
    /// The recording part: command buffer contents, staging, what the work holds.
    pub(super) rec: Recorder<'a>,
    /// The submission part: pool, fences, rounds.
    sub: Submitter<'a>,
}

/// What a batch adds to its recorder: the command pool and fence, and the rounds submitted.
struct Submitter<'a> {
    alloc: &'a ResourceAllocator,
    /// Earlier submissions of this batch not yet known to be finished, oldest first.
    pending: VecDeque<Pending>,
    submissions: u32,
    pool: vk::CommandPool,
    fence: vk::Fence,
    state: State,
    /// Every command buffer allocated from `pool`, kept with it when it is recycled.
    allocated: Vec<vk::CommandBuffer>,
    /// How many of `allocated` this batch has begun (the rest come from the recycled pool,
    /// ready to begin).
    begun: usize,
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("state", &self.sub.state)
            .field("commands", &self.rec.commands)
            .field("resources_held", &self.rec.tables.keep_alive.len())
            .finish()
    }
}

impl<'a> Batch<'a> {
    pub(super) fn new(alloc: &'a ResourceAllocator) -> Result<Self> {
        let ctx = alloc.context();
        let mut sub = Submitter {
            alloc,
            pending: VecDeque::new(),
            submissions: 0,
            pool: vk::CommandPool::null(),
            fence: vk::Fence::null(),
            state: State::Recording,
            allocated: Vec::new(),
            begun: 0,
        };
        if let Some(recycled) = alloc.recycler.take() {
            // Named when they were made.
            (sub.pool, sub.allocated, sub.fence) = (recycled.pool, recycled.command_buffers, recycled.fence);
        }
        // The one cache of tables, shared with recorders on callers' command buffers.
        let tables = alloc.recycler.take_tables();
        // Built with a null command buffer first so that `Drop` cleans up whatever step fails.
        let mut batch = Self { rec: Recorder::with_tables(alloc, vk::CommandBuffer::null(), tables, true), sub };
        if batch.sub.pool == vk::CommandPool::null() {
            let pool_info = vk::CommandPoolCreateInfo::default()
                .queue_family_index(ctx.queue_family_index())
                .flags(vk::CommandPoolCreateFlags::TRANSIENT);
            // SAFETY: a valid queue family of this device; the batch's drop destroys the pool.
            batch.sub.pool = unsafe { ctx.create_command_pool(&pool_info, "vkres batch pool") }?;
            batch.sub.fence = alloc.recycler.fence()?;
        }
        batch.rec.cmd = batch.sub.next_command_buffer()?;
        Ok(batch)
    }

    /// The allocator this batch creates resources with.
    pub fn allocator(&self) -> &'a ResourceAllocator {
        self.sub.alloc
    }

    /// Queue submissions this batch has made so far: one per round (more than one round only
    /// for work larger than the staging budget), two for a round that copies on the transfer
    /// queue and also has work for the main queue (see [`ContextOptions::transfer_queue`](crate::ContextOptions::transfer_queue)).
    pub fn submissions(&self) -> u32 {
        self.sub.submissions
    }

    /// Number of commands recorded since the last submission (transfers, transitions).
    pub fn commands(&self) -> usize {
        self.rec.commands
    }

    fn check_recording(&self) -> Result<()> {
        Err(Error::Batch(match self.sub.state {
            State::Recording => return Ok(()),
            State::Failed => BatchError::Failed,
            _ => BatchError::Submitted,
        }))
    }

    /// [`Recorder::upload`], in rounds where staging runs out.
    pub fn upload<T: bytemuck::Pod>(&mut self, dst: &Buffer<T>, offset: u64, data: &[T]) -> Result<()> {
        self.check_recording()?;
        self.rec.upload_in(&mut self.sub, dst, offset, data)
    }

    /// [`Recorder::upload_bytes`], in rounds where staging runs out.
    pub fn upload_bytes(&mut self, dst: &Buffer, offset: u64, data: &[u8]) -> Result<()> {
        self.check_recording()?;
        self.rec.upload_raw(&mut self.sub, dst, offset, data)
    }

    /// [`Recorder::upload_sub`], in rounds where staging runs out.
    pub fn upload_sub<T: bytemuck::Pod>(&mut self, dst: &SubBuffer<T>, offset: u64, data: &[T]) -> Result<()> {
        self.check_recording()?;
        self.rec.upload_sub_in(&mut self.sub, dst, offset, data)
    }

    /// [`Recorder::download_sub`]: readable once the batch has finished.
    pub fn download_sub<T>(&mut self, src: &SubBuffer<T>) -> Result<Download> {
        self.check_recording()?;
        self.rec.download_sub(src)
    }

    /// [`Recorder::copy_buffer`].
    pub fn copy_buffer<T, U>(
        &mut self,
        src: &Buffer<T>,
        src_offset: u64,
        dst: &Buffer<U>,
        dst_offset: u64,
        size: u64,
    ) -> Result<()> {
        self.check_recording()?;
        self.rec.copy_buffer(src, src_offset, dst, dst_offset, size)
    }

    /// [`Recorder::download_buffer`]: readable once the batch has finished.
    pub fn download_buffer<T>(&mut self, src: &Buffer<T>) -> Result<Download> {
        self.check_recording()?;
        self.rec.download_buffer(src)
    }

    /// [`Recorder::upload_image`], in rounds where staging runs out.
    pub fn upload_image(&mut self, image: &Image, data: &[u8], upload: &ImageUpload) -> Result<()> {
        self.check_recording()?;
        self.rec.upload_image_in(&mut self.sub, image, data, upload)
    }

    /// [`Recorder::upload_image_region`], in rounds where staging runs out.
    pub fn upload_image_region(
        &mut self,
        image: &Image,
        region: &ImageRegion,
        data: &[u8],
        final_layout: vk::ImageLayout,
    ) -> Result<()> {
        self.check_recording()?;
        self.rec.upload_image_region_in(&mut self.sub, image, region, data, final_layout)
    }

    /// [`Recorder::transition_image`].
    pub fn transition_image(&mut self, image: &Image, layout: vk::ImageLayout) -> Result<()> {
        self.check_recording()?;
        self.rec.transition_image(image, layout)
    }

    /// [`Recorder::download_image`]: readable once the batch has finished.
    pub fn download_image(&mut self, image: &Image) -> Result<Download> {
        self.check_recording()?;
        self.rec.download_image(image)
    }

    /// [`Recorder::build_blas`]: the build runs when the batch is submitted.
    pub fn build_blas(&mut self, desc: &BlasDesc) -> Result<Blas> {
        self.check_recording()?;
        self.rec.build_blas(desc)
    }

    /// [`Recorder::update_blas`].
    pub fn update_blas(&mut self, blas: &Blas, desc: &BlasDesc) -> Result<()> {
        self.check_recording()?;
        self.rec.update_blas(blas, desc)
    }

    /// [`Recorder::build_tlas`], in rounds where staging runs out.
    pub fn build_tlas(&mut self, desc: &TlasDesc) -> Result<Tlas> {
        self.check_recording()?;
        self.rec.build_tlas_in(&mut self.sub, desc)
    }

    /// [`Recorder::update_tlas`] (the refit writes the TLAS's own mapped instance buffer: no staging).
    pub fn update_tlas(&mut self, tlas: &Tlas, desc: &TlasDesc) -> Result<()> {
        self.check_recording()?;
        self.rec.update_tlas(tlas, desc)
    }

    /// [`Recorder::refit_tlas`]: a refit from borrowed instances, written into the TLAS's own
    /// instance buffer.
    pub fn refit_tlas<'b>(
        &mut self,
        tlas: &Tlas,
        instances: impl IntoIterator<Item = crate::accel::TlasInstanceRef<'b>>,
    ) -> Result<()> {
        self.check_recording()?;
        self.rec.refit_tlas(tlas, instances)
    }

    /// Ends recording, submits once and waits on the batch's fence; then releases the staging
    /// memory and the resources it held. A batch with no commands submits nothing; one whose
    /// every command went out with earlier partial submissions waits for those.
    pub fn submit_and_wait(mut self) -> Result<()> {
        self.check_recording()?;
        let (rec, sub) = (&mut self.rec, &mut self.sub);
        if rec.commands == 0 && sub.pending.is_empty() && !rec.lane.busy() {
            return Ok(());
        }
        if rec.commands > 0 || rec.lane.busy() {
            rec.check_layout_starts()?;
            let fence = sub.fence;
            sub.close_and_submit(rec, fence, None, true, QueueSync::default())?;
            sub.wait_fence(fence)?;
        }
        while !sub.pending.is_empty() {
            sub.wait_oldest(rec)?;
        }
        // Finished: images in their new layouts, downloads readable, structures built. The
        // staging set is released in `Drop`, which follows at once.
        sub.state = State::Finished;
        // The layouts were set at the submissions (the last round's hand-off, or each partial
        // round's): setting them again here could undo another recording's hand-off since.
        rec.tables.layouts.clear();
        recorder::finish(std::iter::empty::<(Image, vk::ImageLayout)>(), rec.tables.completions.drain(..));
        Ok(())
    }

    /// Submits the batch with `fence` (for example a [`RingFences`](crate::RingFences) slot's)
    /// and returns without waiting. The returned [`InFlight`] holds what the work uses; its
    /// staging set is also released when the fence is found signalled. A batch with no commands
    /// submits nothing (and leaves the fence alone).
    ///
    /// A signalled `fence` (its earlier work finished, or created signalled) is reset first: a
    /// fence is never handed to a submission signalled. One that a pending vkres submission
    /// already signals is [`Error::Batch`] ([`BatchError::FenceBusy`](crate::BatchError::FenceBusy)).
    pub fn submit_with_fence(self, fence: &Fence) -> Result<InFlight> {
        // SAFETY: no semaphores.
        unsafe { self.hand_off(HandOff::Fence(fence), QueueSync::default()) }
    }

    /// The submission of [`submit_with_fence`](Self::submit_with_fence) and of the semaphore
    /// variants (`sync.rs`): the last round with `sync`, its completion signalled by `signal`.
    ///
    /// # Safety
    /// As [`submit_with_semaphores`](Self::submit_with_semaphores).
    unsafe fn hand_off(mut self, signal: HandOff<'_>, sync: QueueSync<'_>) -> Result<InFlight> {
        self.check_recording()?;
        let (rec, sub) = (&mut self.rec, &mut self.sub);
        // Earlier parts of a batch larger than the staging budget are waited for here.
        while !sub.pending.is_empty() {
            sub.wait_oldest(rec)?;
        }
        if let HandOff::Fence(fence) = signal {
            rec.own_fence(fence)?;
        }
        let mut armed = None;
        // A submission that waits on or signals the caller's semaphores goes out even empty:
        // the caller's queue depends on it.
        if rec.commands > 0 || rec.lane.busy() || !sync.is_empty() || matches!(signal, HandOff::Timeline(..)) {
            rec.check_layout_starts()?;
            let (raw_fence, armed_signal) = match signal {
                HandOff::Fence(fence) => {
                    let generation = fence.arm_for_submission()?;
                    (fence.raw(), Signal::Fence(fence.clone(), generation))
                }
                HandOff::Timeline(semaphore, value) => {
                    (vk::Fence::null(), Signal::Timeline { ctx: sub.alloc.context().clone(), semaphore, value })
                }
            };
            let lock = match signal {
                HandOff::Fence(fence) => Some(fence),
                HandOff::Timeline(..) => None,
            };
            if let Err(e) = sub.close_and_submit(rec, raw_fence, lock, true, sync) {
                if let HandOff::Fence(fence) = signal {
                    fence.disarm();
                }
                return Err(e);
            }
            // Submitted, and later recordings start from the layouts this one leaves
            // (`close_and_submit_main` applied them under the queue's lock).
            armed = Some(armed_signal);
        }
        // Without a last submission (every command went out in partial rounds), the layouts
        // were set at those rounds: the holds go, and the `InFlight` sets nothing again.
        rec.tables.layouts.clear();
        let set = rec.stream.take();
        if let (Some(Signal::Fence(..)), HandOff::Fence(fence)) = (&armed, signal) {
            rec.stream.manager().release_work_set_on_fence(set, fence);
        }
        sub.state = State::HandedOff;
        let owned = Owned {
            pool: std::mem::replace(&mut sub.pool, vk::CommandPool::null()),
            allocated: std::mem::take(&mut sub.allocated),
            own_fence: std::mem::replace(&mut sub.fence, vk::Fence::null()),
            lane: std::mem::take(&mut rec.lane),
        };
        // The tables go with the work, as a recorder's do: nothing is drained or allocated.
        Ok(InFlight::new(
            Some(owned),
            armed,
            rec.stream.manager().clone(),
            set,
            std::mem::take(&mut rec.tables),
            sub.alloc.recycler.clone(),
        ))
    }
}

impl Rounds for Submitter<'_> {
    fn before_staging(&mut self, rec: &mut Recorder<'_>, len: u64) -> Result<()> {
        let budget = self.alloc.staging().config().budget;
        if rec.commands > 0 && rec.stream.staged().saturating_add(len) > budget / 2 {
            self.submit_partial(rec)?;
        }
        Ok(())
    }

    fn retire_finished(&mut self, _: &mut Recorder<'_>) -> Result<()> {
        while let Some(p) = self.pending.front() {
            // SAFETY: the fence belongs to this device.
            if !unsafe { self.alloc.context().device().get_fence_status(p.fence) }.op("vkGetFenceStatus")? {
                break;
            }
            self.retire_oldest();
        }
        Ok(())
    }

    fn free_own(&mut self, rec: &mut Recorder<'_>) -> Result<bool> {
        if !self.pending.is_empty() {
            self.wait_oldest(rec)?;
            Ok(true)
        } else if rec.commands > 0 {
            self.submit_partial(rec)?;
            Ok(true)
        } else {
            Ok(false)
        }
    }
}

impl Submitter<'_> {
    /// Begins the pool's next command buffer: one a recycled pool brought along, else a newly
    /// allocated one.
    fn next_command_buffer(&mut self) -> Result<vk::CommandBuffer> {
        begin_next(self.alloc.context(), self.pool, &mut self.allocated, &mut self.begun, "vkres batch")
    }

    /// Waits (bounded) for `fence`, a fence of this batch's submissions.
    fn wait_fence(&self, fence: vk::Fence) -> Result<()> {
        let submissions = self.submissions;
        // SAFETY: a live fence of this device.
        unsafe {
            self.alloc.context().wait_fences(&[fence], || {
                format!("fence {fence:?} of a vkres batch ({submissions} submissions so far)")
            })
        }
    }

    /// Submits what was recorded so far with a fence of its own, without waiting, and goes on
    /// recording into a new command buffer with a new staging set.
    ///
    /// Refused as the final hand-off is where an image the recording found in a layout has
    /// been changed since by another recording handed off ([`Recorder::check_layout_starts`]):
    /// this round's barriers would name a layout the image is no longer in.
    fn submit_partial(&mut self, rec: &mut Recorder<'_>) -> Result<()> {
        if let Err(e) = rec.check_layout_starts() {
            // Part of the command that asked for this round is recorded: the batch takes no
            // more (as a failed submission).
            self.state = State::Failed;
            return Err(e);
        }
        let fence = self.alloc.recycler.fence()?;
        let main_submitted = match self.close_and_submit(rec, fence, None, false, QueueSync::default()) {
            Ok(main) => main,
            Err(e) => {
                // SAFETY: the submission failed, so nothing signals the fence.
                unsafe { self.alloc.recycler.give_fence(fence) };
                return Err(e);
            }
        };
        let set = rec.stream.hand_over();
        self.pending.push_back(Pending { fence, set });
        self.state = State::Recording;
        rec.commands = 0;
        if main_submitted {
            // The submitted command buffer stays allocated (and untouched) until the pool is
            // recycled after every wait.
            rec.cmd = self.next_command_buffer()?;
            // The submission's closing barrier orders everything recorded after it.
            rec.tables.written.clear();
            rec.tables.read.clear();
        }
        Ok(())
    }

    /// Waits for the oldest pending submission and releases its staging.
    fn wait_oldest(&mut self, _: &mut Recorder<'_>) -> Result<()> {
        let Some(p) = self.pending.front() else { return Ok(()) };
        // On failure the submission stays pending: `Drop` waits again and cleans up.
        self.wait_fence(p.fence)?;
        self.retire_oldest();
        Ok(())
    }

    /// Gives back the fence and the staging of the oldest pending submission, which has
    /// finished.
    fn retire_oldest(&mut self) {
        if let Some(p) = self.pending.pop_front() {
            // SAFETY: signalled, so no submission uses the fence any more.
            unsafe { self.alloc.recycler.give_fence(p.fence) };
            self.alloc.staging().release_work_set(p.set);
        }
    }

    /// Submits the work recorded so far, without waiting, behind a closing barrier; `last` for
    /// the batch's last round. Lane copies go to the transfer queue (see `lane.rs`): alone,
    /// with `fence`, when the round has nothing else and is not the last (then the main command
    /// buffer goes on recording and this returns `false`); else before the main submission,
    /// which waits for them, acquires what they hand over and signals `fence`. `lock`: the
    /// caller's [`Fence`] whose `raw()` `fence` is (the last round of `submit_with_fence`),
    /// write-locked around the submission for host synchronisation (review13 #1).
    fn close_and_submit(
        &mut self,
        rec: &mut Recorder<'_>,
        fence: vk::Fence,
        lock: Option<&Fence>,
        last: bool,
        sync: QueueSync<'_>,
    ) -> Result<bool> {
        let submitted = self.try_close_and_submit(rec, fence, lock, last, sync);
        if submitted.is_err() {
            self.state = State::Failed;
        }
        submitted
    }

    /// [`close_and_submit`](Self::close_and_submit), which marks the batch failed on an error.
    fn try_close_and_submit(
        &mut self,
        rec: &mut Recorder<'_>,
        fence: vk::Fence,
        lock: Option<&Fence>,
        last: bool,
        sync: QueueSync<'_>,
    ) -> Result<bool> {
        // Recorded first, so that a failure here (the scratch buffer of the builds) leaves
        // nothing submitted; `close` finds them recorded.
        rec.flush_image_uploads();
        rec.record_builds()?;
        let ctx = self.alloc.context();
        let recycler = &self.alloc.recycler;
        let main_work = rec.commands > rec.lane.copies;
        rec.commands -= rec.lane.copies;
        let round = rec.lane.close(ctx, recycler, last || main_work)?;
        let mut waits = sync.waits.to_vec();
        let mut acquire = None;
        if let Some(round) = &round {
            if !last && !main_work {
                // A partial round's own fence (`lock` is only given for the last round).
                rec.lane.submit(ctx, recycler, round, Some(fence))?;
                self.submissions += 1;
                return Ok(false);
            }
            // Recorded before the lane's submission: nothing can fail between the two submissions
            // but the main one.
            if !round.handed.is_empty() || !round.handed_images.is_empty() {
                acquire = Some(self.acquire_command(&round.handed, &round.handed_images)?);
            }
            let semaphore = rec.lane.submit(ctx, recycler, round, None)?;
            self.submissions += 1;
            waits.extend(semaphore.map(|s| {
                vk::SemaphoreSubmitInfo::default().semaphore(s).stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            }));
        }
        let submitted = self.close_and_submit_main(rec, (fence, lock), &waits, sync.signals, acquire, last);
        if let (Ok(()), Some(round)) = (&submitted, &round) {
            // What the round handed over is acquired by a submission now on the main queue.
            rec.lane.release_handed(round);
        }
        if submitted.is_err() && round.is_some() {
            // The lane's round is in flight with no fence: wait for it before anything it reads
            // is freed. Its semaphore stays signalled: it is destroyed, not recycled.
            let _ = ctx.wait_transfer_idle();
            rec.lane.forget_last_semaphore(ctx);
        }
        submitted.map(|()| true)
    }

    /// The main half of [`close_and_submit`](Self::close_and_submit): the recorder's closing
    /// barrier, then one submission of `acquire` (if any) and the main command buffer, waiting
    /// on `waits`; the last round (`last`) hands the recording's layouts off
    /// ([`Recorder::hand_off_layouts`]) under the same lock of the queue. `fence` with the
    /// [`Fence`] whose handle it is, if any (locked around the submission).
    fn close_and_submit_main(
        &mut self,
        rec: &mut Recorder<'_>,
        (fence, lock): (vk::Fence, Option<&Fence>),
        waits: &[vk::SemaphoreSubmitInfo<'_>],
        signals: &[vk::SemaphoreSubmitInfo<'_>],
        acquire: Option<vk::CommandBuffer>,
        last: bool,
    ) -> Result<()> {
        rec.close()?;
        let ctx = self.alloc.context();
        // SAFETY: the command buffer is in the recording state.
        unsafe { ctx.device().end_command_buffer(rec.cmd) }.op("vkEndCommandBuffer")?;
        let cmd_infos: Vec<_> = acquire
            .into_iter()
            .chain([rec.cmd])
            .map(|cmd| vk::CommandBufferSubmitInfo::default().command_buffer(cmd))
            .collect();
        let submit = vk::SubmitInfo2::default()
            .wait_semaphore_infos(waits)
            .command_buffer_infos(&cmd_infos)
            .signal_semaphore_infos(signals);
        // The caller's fence is written by the submission (externally synchronised): no status
        // query or wait of another thread meanwhile (review13 #1). Taken before the queue's
        // lock, as the caller's `Fence::lock_for_submit` is before its `Context::submit`.
        let _fence_lock = lock.map(Fence::lock_write);
        // Under the queue's lock, one step (no other hand-off between): the layouts the
        // recording found are still the images' (else its barriers name wrong old layouts),
        // the submission, and at the last round the layouts it leaves become the tracked ones.
        let guard = ctx.lock_queue();
        rec.check_layout_starts()?;
        // SAFETY: the command buffers are executable and refer only to resources this batch
        // holds; the fence is unsignalled and used by no other submission (or null); each lane
        // semaphore is signalled by a lane submission made just before, waited on by this one
        // only; the caller's semaphores are valid for this submission (the contract of
        // `submit_with_semaphores` / `submit_with_timeline`); `guard` locks the queue.
        unsafe { ctx.submit_locked(&guard, &[submit], fence) }?;
        // Submitted: its refits are handed off now, in the queue's order.
        rec.stamp_refits();
        if last {
            rec.hand_off_layouts();
        } else {
            rec.apply_round_layouts();
        }
        drop(guard);
        self.state = State::Submitted;
        self.submissions += 1;
        log::debug!(target: "vkres::batch", "batch submitted (round {}, {} commands)", self.submissions, rec.commands);
        Ok(())
    }

    /// A command buffer of the main queue's family with the acquire barriers of `handed` and
    /// `images`, the first of the main submission that waits for the lane's round.
    fn acquire_command(&mut self, handed: &[vk::Buffer], images: &[LaneImage]) -> Result<vk::CommandBuffer> {
        let cmd = self.next_command_buffer()?;
        let ctx = self.alloc.context();
        let acquires: Vec<_> = handed.iter().map(|&b| ownership_barrier(ctx, b, false)).collect();
        let image_acquires: Vec<_> = images.iter().map(|i| image_ownership_barrier(ctx, i, false)).collect();
        let dependency =
            vk::DependencyInfo::default().buffer_memory_barriers(&acquires).image_memory_barriers(&image_acquires);
        // SAFETY: recording; each barrier matches a release of the lane round this submission
        // waits for (same buffer or image, range, layouts and families).
        unsafe {
            ctx.device().cmd_pipeline_barrier2(cmd, &dependency);
            ctx.device().end_command_buffer(cmd)
        }
        .op("vkEndCommandBuffer")?;
        Ok(cmd)
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        let (rec, sub) = (&mut self.rec, &mut self.sub);
        let ctx = sub.alloc.context();
        let device = ctx.device();
        // A submitted batch is waited for before anything it uses is released; the pool (and
        // with it the command buffer) and the fence are then unused.
        // (No vector of results: a batch's drop allocates nothing.)
        let (mut idle, mut timed_out) = (true, false);
        let mut note = |wait: Result<()>| match wait {
            Ok(()) => {}
            Err(Error::Timeout { .. }) => timed_out = true,
            Err(_) => idle = false,
        };
        if sub.state == State::Submitted {
            note(sub.wait_fence(sub.fence));
        }
        for p in &sub.pending {
            note(sub.wait_fence(p.fence));
        }
        if timed_out {
            // Still running (or never to end): nothing it uses may be freed or reused. Leaked.
            rec.stream.take();
            std::mem::forget(std::mem::take(&mut rec.tables));
            std::mem::forget(std::mem::take(&mut rec.lane));
            return;
        }
        for p in sub.pending.drain(..) {
            // SAFETY: waited for above: signalled, or the device is lost.
            unsafe {
                if idle {
                    sub.alloc.recycler.give_fence(p.fence);
                } else {
                    device.destroy_fence(p.fence, None);
                }
            }
            sub.alloc.staging().release_work_set(p.set);
        }
        // Work that was submitted before a failure did run: its images' layouts were set at
        // each round's submission (`apply_round_layouts`); the holds of what was not submitted
        // go with the tables, changing nothing.
        // Nothing of the recorder's set is in use any more (finished, or never submitted),
        // unless an `InFlight` took it over (then it is taken): released when `rec` drops.
        let tables = std::mem::take(&mut rec.tables);
        if idle {
            // SAFETY: nothing pending uses the pools, the fence or the lane's semaphores (waited
            // above, or never submitted); an `InFlight` took them (leaving null or empty) if it
            // owns the work. Destroying null handles, left by a failed `new`, is a no-op in Vulkan.
            unsafe {
                sub.alloc.recycler.give(sub.pool, std::mem::take(&mut sub.allocated), sub.fence);
                rec.lane.give_back(&sub.alloc.recycler);
            }
            // Held resources go last, as the tables are emptied (an `InFlight` that took them
            // over gives them back itself).
            if sub.state != State::HandedOff {
                sub.alloc.recycler.give_tables(tables);
            }
        } else {
            // SAFETY: the wait failed: the device is lost, nothing runs any more.
            unsafe {
                device.destroy_fence(sub.fence, None);
                device.destroy_command_pool(sub.pool, None);
                rec.lane.destroy(ctx);
            }
            // Held resources go last.
            drop(tables);
        }
    }
}
