//! [`Batch`]: one command buffer, one submission, one fence.
//!
//! The core is here (recording state, barriers, submission, what is held until the fence);
//! the transfers are in `buffers.rs` and `images.rs`.

mod accel;
mod buffers;
mod images;
mod in_flight;
mod transfer;

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ash::vk;

pub use images::{ImageUpload, MipSource};
pub use in_flight::InFlight;
pub use transfer::LANE_THRESHOLD;

use super::ResourceAllocator;
use crate::error::{Error, Result, VkContext};
use crate::handle_map::{HandleMap, HandleSet};
use crate::resources::Image;
use crate::staging::{Cursor, Fence, SetId};

/// A submission of part of a batch: its fence and the staging set it reads.
struct Pending {
    fence: vk::Fence,
    set: SetId,
}

/// The tables a batch fills as it records, which grow with the resources it records on. A
/// finished batch leaves them, emptied, with its recycled command pool, so that the next batch
/// records without allocating and growing them anew (a bundle of 64 resources grew them about
/// 25 times).
#[derive(Default)]
pub(super) struct Tables {
    /// Buffers written and read by transfers since the last barrier: a transfer that reads
    /// or writes what an earlier one wrote, or writes what an earlier one read, needs one.
    written: HandleSet<vk::Buffer>,
    read: HandleSet<vk::Buffer>,
    /// The layout each image recorded on will have once the batch ran; applied to the images
    /// only when the batch has finished (a discarded batch changes no layout).
    layouts: HandleMap<vk::Image, (Image, vk::ImageLayout)>,
    /// Released after the fence signalled (in `Drop`, after the wait).
    keep_alive: Vec<Arc<dyn Send + Sync>>,
    /// Image uploads whose commands are recorded together at the next flush (`images.rs`).
    pending_uploads: images::PendingUploads,
}

impl Tables {
    /// Tables with more room than this many entries are not kept: kept tables hold at most
    /// about 0.35 MB (most of it the pending texture uploads' barriers), for each of the
    /// recycler's pools, and one batch of many thousand resources keeps nothing for later ones.
    const KEEP_CAPACITY: usize = 1024;

    /// Empties the tables, dropping what they hold; `None` if one of them grew too large to keep.
    fn emptied(mut self) -> Option<Self> {
        self.written.clear();
        self.read.clear();
        self.layouts.clear();
        self.keep_alive.clear();
        self.pending_uploads.clear();
        let capacities = [
            self.written.capacity(),
            self.read.capacity(),
            self.layouts.capacity(),
            self.keep_alive.capacity(),
            self.pending_uploads.capacity(),
        ];
        capacities.iter().all(|&c| c <= Self::KEEP_CAPACITY).then_some(self)
    }
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

/// Work recorded into one command buffer and submitted once: uploads now, and the builds and
/// transitions of later layers. [`GpuResources::create`](crate::GpuResources::create) records a
/// whole bundle into one batch.
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
/// `Send + Sync`: it can be recorded on one thread and submitted on another; recording takes
/// `&mut self`, so one thread records at a time. It borrows its [`ResourceAllocator`].
pub struct Batch<'a> {
    alloc: &'a ResourceAllocator,
    /// The staging set of the commands being recorded, and the bytes staged in it.
    set: SetId,
    staged: u64,
    /// Where the next staging in `set` goes without asking the manager (dropped whenever `set`
    /// is released or replaced).
    cursor: Option<Cursor>,
    /// Earlier submissions of this batch not yet known to be finished, oldest first.
    pending: VecDeque<Pending>,
    /// The image layouts as of the end of the last submission (applied if the batch fails later).
    submitted_layouts: HandleMap<vk::Image, (Image, vk::ImageLayout)>,
    submissions: u32,
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
    state: State,
    commands: usize,
    /// What the batch tracks while it records (recycled with the pool).
    tables: Tables,
    /// Every command buffer allocated from `pool`, kept with it when it is recycled.
    allocated: Vec<vk::CommandBuffer>,
    /// How many of `allocated` this batch has begun (the rest come from the recycled pool,
    /// ready to begin).
    begun: usize,
    /// Acceleration-structure builds recorded at the next submission (`accel.rs`).
    builds: Vec<accel::PendingBuild>,
    /// Structures this batch builds: a TLAS of this batch may refer to them.
    built_here: HandleSet<vk::AccelerationStructureKHR>,
    /// Whether the command buffer writes acceleration structures (the closing barrier then
    /// covers the build stage).
    accel_recorded: bool,
    /// Set when the batch has finished: its downloads can then be read, and the acceleration
    /// structures it built be referenced.
    completions: Vec<Arc<AtomicBool>>,
    /// Large uploads copied on the transfer queue (`transfer.rs`).
    lane: transfer::Lane,
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("state", &self.state)
            .field("commands", &self.commands)
            .field("resources_held", &self.tables.keep_alive.len())
            .finish()
    }
}

impl<'a> Batch<'a> {
    pub(super) fn new(alloc: &'a ResourceAllocator) -> Result<Self> {
        let ctx = alloc.context();
        // Built with null handles first so that `Drop` cleans up whatever step fails.
        let mut batch = Self {
            alloc,
            set: alloc.staging().open_set(),
            staged: 0,
            cursor: None,
            pending: VecDeque::new(),
            submitted_layouts: HandleMap::default(),
            submissions: 0,
            pool: vk::CommandPool::null(),
            cmd: vk::CommandBuffer::null(),
            fence: vk::Fence::null(),
            state: State::Recording,
            commands: 0,
            tables: Tables::default(),
            completions: Vec::new(),
            allocated: Vec::new(),
            begun: 0,
            builds: Vec::new(),
            built_here: HandleSet::default(),
            accel_recorded: false,
            lane: transfer::Lane::default(),
        };
        if let Some(recycled) = alloc.recycler.take() {
            // Named when they were made.
            (batch.pool, batch.allocated, batch.fence) = (recycled.pool, recycled.command_buffers, recycled.fence);
            batch.tables = recycled.tables;
        } else {
            let pool_info = vk::CommandPoolCreateInfo::default()
                .queue_family_index(ctx.queue_family_index())
                .flags(vk::CommandPoolCreateFlags::TRANSIENT);
            // SAFETY: a valid queue family of this device; the batch's drop destroys the pool.
            batch.pool = unsafe { ctx.create_command_pool(&pool_info, "vkres batch pool") }?;
            batch.fence = alloc.recycler.fence()?;
        }
        batch.begin_command_buffer()?;
        Ok(batch)
    }

    /// Begins recording into the pool's next command buffer.
    fn begin_command_buffer(&mut self) -> Result<()> {
        self.cmd = self.next_command_buffer()?;
        Ok(())
    }

    /// Begins the pool's next command buffer: one a recycled pool brought along, else a newly
    /// allocated one.
    fn next_command_buffer(&mut self) -> Result<vk::CommandBuffer> {
        begin_next(self.alloc.context(), self.pool, &mut self.allocated, &mut self.begun, "vkres batch")
    }

    /// The allocator this batch creates resources with.
    pub fn allocator(&self) -> &'a ResourceAllocator {
        self.alloc
    }

    /// Queue submissions this batch has made so far: one per round (more than one round only
    /// for work larger than the staging budget), two for a round that copies on the transfer
    /// queue and also has work for the main queue (see [`ContextOptions::transfer_queue`](crate::ContextOptions::transfer_queue)).
    pub fn submissions(&self) -> u32 {
        self.submissions
    }

    /// Copies `data` into staging space aligned to `align` (see the type's docs for how staging
    /// is pipelined when the work is larger than the budget); returns the staging buffer and
    /// the space's offset in it.
    fn stage(&mut self, data: &[u8], align: u64) -> Result<(vk::Buffer, u64)> {
        let (cursor, offset) = self.stage_space(data.len() as u64, align)?;
        let written = cursor.buffer().map().and_then(|mut m| m.write_bytes(offset, data));
        let buffer = cursor.buffer().handle();
        self.cursor = Some(cursor);
        written.map(|()| (buffer, offset))
    }

    /// `len` bytes of staging space aligned to `align`: the offset of the space in the chunk of
    /// the returned cursor, which the caller puts back.
    fn stage_space(&mut self, len: u64, align: u64) -> Result<(Cursor, u64)> {
        let budget = self.alloc.staging().config().budget;
        if self.commands > 0 && self.staged + len > budget / 2 {
            self.submit_partial()?;
        }
        loop {
            // The rest of the chunk the manager gave last, without its lock (nor a fence query).
            if let Some(mut cursor) = self.cursor.take() {
                if let Some(offset) = cursor.carve(len, align) {
                    self.staged += len;
                    return Ok((cursor, offset));
                }
                self.cursor = Some(cursor);
            }
            // Staging of finished submissions goes back before the manager is asked.
            self.retire_finished()?;
            // The chunk stays alive without a hold: the manager keeps chunks a set owns, and the
            // set is released only after the work that reads it has finished.
            if let Some(staged) = self.alloc.staging().stage_with_cursor(self.set, len, align, &mut self.cursor)? {
                self.staged += len;
                return Ok(staged);
            }
            // What this batch holds it frees first (its oldest submission, else what it recorded
            // after submitting it); holding nothing, it waits for another thread's staging.
            if !self.pending.is_empty() {
                self.wait_oldest()?;
            } else if self.commands > 0 {
                self.submit_partial()?;
            } else {
                if self.staged > 0 {
                    // Staged for commands that failed to record: nothing reads it.
                    self.cursor = None;
                    self.alloc.staging().release_resource_set(self.set);
                    self.staged = 0;
                }
                if !self.alloc.staging().wait_for_release() {
                    return Err(Error::StagingExhausted { budget });
                }
            }
        }
    }

    /// Submits what was recorded so far with a fence of its own, without waiting, and goes on
    /// recording into a new command buffer with a new staging set.
    fn submit_partial(&mut self) -> Result<()> {
        let fence = self.alloc.recycler.fence()?;
        let main_submitted = match self.close_and_submit(fence, false) {
            Ok(main) => main,
            Err(e) => {
                // SAFETY: the submission failed, so nothing signals the fence.
                unsafe { self.alloc.recycler.give_fence(fence) };
                return Err(e);
            }
        };
        self.pending.push_back(Pending { fence, set: self.set });
        self.submitted_layouts = self.tables.layouts.clone();
        self.state = State::Recording;
        self.cursor = None;
        self.set = self.alloc.staging().open_set();
        self.staged = 0;
        self.commands = 0;
        if main_submitted {
            // The submitted command buffer stays allocated (and untouched) until the pool is
            // recycled after every wait.
            self.begin_command_buffer()?;
            // The submission's closing barrier orders everything recorded after it.
            self.tables.written.clear();
            self.tables.read.clear();
        }
        Ok(())
    }

    /// Waits for the oldest pending submission and releases its staging.
    fn wait_oldest(&mut self) -> Result<()> {
        let Some(p) = self.pending.front() else { return Ok(()) };
        // SAFETY: the fence belongs to this device. On failure the submission stays pending:
        // `Drop` waits again and cleans up.
        unsafe { self.alloc.context().device().wait_for_fences(&[p.fence], true, u64::MAX) }.op("vkWaitForFences")?;
        self.retire_oldest();
        Ok(())
    }

    /// Gives back the fence and the staging of the oldest pending submission, which has
    /// finished.
    fn retire_oldest(&mut self) {
        if let Some(p) = self.pending.pop_front() {
            // SAFETY: signalled, so no submission uses the fence any more.
            unsafe { self.alloc.recycler.give_fence(p.fence) };
            self.alloc.staging().release_resource_set(p.set);
        }
    }

    /// Releases the staging of pending submissions that have finished.
    fn retire_finished(&mut self) -> Result<()> {
        while let Some(p) = self.pending.front() {
            // SAFETY: the fence belongs to this device.
            if !unsafe { self.alloc.context().device().get_fence_status(p.fence) }.op("vkGetFenceStatus")? {
                break;
            }
            self.retire_oldest();
        }
        Ok(())
    }

    /// Number of commands recorded since the last submission (transfers, transitions).
    pub fn commands(&self) -> usize {
        self.commands
    }

    fn device(&self) -> &ash::Device {
        self.alloc.context().device()
    }

    /// A download into `buffer`, readable once this batch has finished.
    fn register_download(&mut self, buffer: crate::resources::Buffer) -> crate::staging::Download {
        let done = Arc::new(AtomicBool::new(false));
        self.completions.push(done.clone());
        crate::staging::Download::new(buffer, done)
    }

    /// Holds `resource` until the batch has finished.
    fn hold(&mut self, resource: Arc<dyn Send + Sync>) {
        self.tables.keep_alive.push(resource);
    }

    fn check_recording(&self) -> Result<()> {
        let reason = match self.state {
            State::Recording => return Ok(()),
            State::Failed => "an earlier submission of the batch failed",
            _ => "the batch was already submitted",
        };
        Err(Error::InvalidDescription { name: "vkres batch".into(), reason: reason.into() })
    }

    /// Inserts a transfer-to-transfer barrier if a copy from `src` to `dst` would race with an
    /// earlier transfer of this batch (read-after-write, write-after-write, write-after-read).
    fn order_transfer(&mut self, src: vk::Buffer, dst: vk::Buffer) {
        if self.alloc.context().transfer_queue_family_index().is_some() {
            self.lane.touch(src);
            self.lane.touch(dst);
        }
        if self.tables.written.contains(&src) || self.tables.written.contains(&dst) || self.tables.read.contains(&dst) {
            let barrier = vk::MemoryBarrier2::default()
                .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                .dst_access_mask(vk::AccessFlags2::TRANSFER_READ | vk::AccessFlags2::TRANSFER_WRITE);
            self.barrier(barrier);
            self.tables.written.clear();
            self.tables.read.clear();
        }
        self.tables.read.insert(src);
        self.tables.written.insert(dst);
    }

    /// Records one global memory barrier.
    fn barrier(&mut self, barrier: vk::MemoryBarrier2<'_>) {
        let barriers = [barrier];
        let dependency = vk::DependencyInfo::default().memory_barriers(&barriers);
        // SAFETY: the command buffer is recording; synchronization2 is enabled on every context.
        unsafe { self.alloc.context().device().cmd_pipeline_barrier2(self.cmd, &dependency) };
    }

    /// Ends recording, submits once and waits on the batch's fence; then releases the staging
    /// memory and the resources it held. A batch with no commands submits nothing; one whose
    /// every command went out with earlier partial submissions waits for those.
    pub fn submit_and_wait(mut self) -> Result<()> {
        self.check_recording()?;
        if self.commands == 0 && self.pending.is_empty() && !self.lane.busy() {
            return Ok(());
        }
        if self.commands > 0 || self.lane.busy() {
            let fence = self.fence;
            self.close_and_submit(fence, true)?;
            // SAFETY: the fence belongs to this device.
            unsafe { self.device().wait_for_fences(&[fence], true, u64::MAX) }.op("vkWaitForFences")?;
        }
        while !self.pending.is_empty() {
            self.wait_oldest()?;
        }
        // Finished: images in their new layouts, downloads readable, structures built. The
        // staging set is released in `Drop`, which follows at once.
        self.state = State::Finished;
        finish(self.tables.layouts.drain().map(|(_, v)| v), self.completions.drain(..));
        Ok(())
    }

    /// Submits the work recorded so far, without waiting, behind a closing barrier; `last` for
    /// the batch's last round. Lane copies go to the transfer queue (see `transfer.rs`): alone,
    /// with `fence`, when the round has nothing else and is not the last (then the main command
    /// buffer goes on recording and this returns `false`); else before the main submission,
    /// which waits for them, acquires what they hand over and signals `fence`.
    fn close_and_submit(&mut self, fence: vk::Fence, last: bool) -> Result<bool> {
        let submitted = self.try_close_and_submit(fence, last);
        if submitted.is_err() {
            self.state = State::Failed;
        }
        submitted
    }

    /// [`close_and_submit`](Self::close_and_submit), which marks the batch failed on an error.
    fn try_close_and_submit(&mut self, fence: vk::Fence, last: bool) -> Result<bool> {
        self.flush_image_uploads();
        self.record_builds()?;
        let main_work = self.commands > self.lane.copies;
        let round = self.close_lane(last || main_work)?;
        let mut waits = Vec::new();
        let mut acquire = None;
        if let Some(round) = &round {
            if !last && !main_work {
                self.submit_lane(round, Some(fence))?;
                self.submissions += 1;
                return Ok(false);
            }
            // Recorded before the lane's submission: nothing can fail between the two submissions
            // but the main one.
            if !round.handed.is_empty() {
                acquire = Some(self.acquire_command(&round.handed)?);
            }
            let semaphore = self.submit_lane(round, None)?;
            self.submissions += 1;
            waits.extend(semaphore.map(|s| {
                vk::SemaphoreSubmitInfo::default().semaphore(s).stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            }));
        }
        let submitted = self.close_and_submit_main(fence, &waits, acquire);
        if submitted.is_err() && round.is_some() {
            // The lane's round is in flight with no fence: wait for it before anything it reads
            // is freed. Its semaphore stays signalled: it is destroyed, not recycled.
            let _ = self.alloc.context().wait_transfer_idle();
            self.lane.forget_last_semaphore(self.alloc.context());
        }
        submitted.map(|()| true)
    }

    /// The main half of [`close_and_submit`](Self::close_and_submit): the closing barrier, then
    /// one submission of `acquire` (if any) and the main command buffer, waiting on `waits`.
    fn close_and_submit_main(
        &mut self,
        fence: vk::Fence,
        waits: &[vk::SemaphoreSubmitInfo<'_>],
        acquire: Option<vk::CommandBuffer>,
    ) -> Result<()> {
        let (mut src_stages, mut src_access) =
            (vk::PipelineStageFlags2::ALL_TRANSFER, vk::AccessFlags2::TRANSFER_WRITE);
        if self.accel_recorded {
            src_stages |= vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR;
            src_access |= vk::AccessFlags2::ACCELERATION_STRUCTURE_WRITE_KHR;
        }
        // Make every write of the batch visible to whatever the device does next, and to host
        // reads after the fence wait (read-backs).
        self.barrier(
            vk::MemoryBarrier2::default()
                .src_stage_mask(src_stages)
                .src_access_mask(src_access)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS | vk::PipelineStageFlags2::HOST)
                .dst_access_mask(
                    vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE | vk::AccessFlags2::HOST_READ,
                ),
        );
        let ctx = self.alloc.context();
        // SAFETY: the command buffer is in the recording state.
        unsafe { ctx.device().end_command_buffer(self.cmd) }.op("vkEndCommandBuffer")?;
        let cmd_infos: Vec<_> = acquire
            .into_iter()
            .chain([self.cmd])
            .map(|cmd| vk::CommandBufferSubmitInfo::default().command_buffer(cmd))
            .collect();
        let submit = vk::SubmitInfo2::default().wait_semaphore_infos(waits).command_buffer_infos(&cmd_infos);
        // SAFETY: the command buffers are executable and refer only to resources this batch
        // holds; the fence is unsignalled and used by no other submission; each semaphore is
        // signalled by a lane submission made just before, waited on by this one only.
        unsafe { ctx.submit(&[submit], fence) }?;
        self.state = State::Submitted;
        self.submissions += 1;
        log::debug!(target: "vkres::batch", "batch submitted (round {}, {} commands)", self.submissions, self.commands);
        self.accel_recorded = false;
        Ok(())
    }

    /// Submits the batch with `fence` (for example a [`RingFences`](crate::RingFences) slot's)
    /// and returns without waiting. The returned [`InFlight`] holds what the work uses; its
    /// staging set is also released when the fence is found signalled. A batch with no commands
    /// submits nothing (and leaves the fence alone).
    pub fn submit_with_fence(mut self, fence: &Fence) -> Result<InFlight> {
        self.check_recording()?;
        // Earlier parts of a batch larger than the staging budget are waited for here.
        while !self.pending.is_empty() {
            self.wait_oldest()?;
        }
        let mut armed = None;
        if self.commands > 0 || self.lane.busy() {
            let generation = fence.arm().ok_or_else(|| Error::InvalidDescription {
                name: "vkres batch".into(),
                reason: "the fence already signals a pending submission".into(),
            })?;
            if let Err(e) = self.close_and_submit(fence.handle(), true) {
                fence.disarm();
                return Err(e);
            }
            self.alloc.staging().release_on_fence(self.set, fence);
            armed = Some((fence.clone(), generation));
        }
        self.state = State::HandedOff;
        let in_flight = InFlight {
            recycler: self.alloc.recycler.clone(),
            pool: std::mem::replace(&mut self.pool, vk::CommandPool::null()),
            allocated: std::mem::take(&mut self.allocated),
            own_fence: std::mem::replace(&mut self.fence, vk::Fence::null()),
            lane: std::mem::take(&mut self.lane),
            fence: armed,
            staging: self.alloc.staging().clone(),
            set: self.set,
            layouts: self.tables.layouts.drain().map(|(_, v)| v).collect(),
            completions: std::mem::take(&mut self.completions),
            keep_alive: std::mem::take(&mut self.tables.keep_alive),
            completed: false,
        };
        Ok(in_flight)
    }
}

/// Begins the next command buffer of `pool` (a batch's, or its transfer lane's): one of
/// `allocated` not begun yet (`begun` of them are), else a newly allocated one, named `name`.
fn begin_next(
    ctx: &crate::Context,
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
            // SAFETY: the pool is live and used by this batch only.
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

/// What finished work leaves behind: images in their new layouts, downloads readable,
/// acceleration structures built.
fn finish(
    layouts: impl IntoIterator<Item = (Image, vk::ImageLayout)>,
    completions: impl IntoIterator<Item = Arc<AtomicBool>>,
) {
    for (image, layout) in layouts {
        image.set_layout(layout);
    }
    for done in completions {
        done.store(true, Ordering::Release);
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        let device = self.alloc.context().device();
        // SAFETY: a submitted batch is waited for before anything it uses is released; the pool
        // (and with it the command buffer) and the fence are then unused.
        let idle = unsafe {
            let mut idle = self.state != State::Submitted;
            if !idle {
                idle = device.wait_for_fences(&[self.fence], true, u64::MAX).is_ok();
            }
            for p in self.pending.drain(..) {
                if device.wait_for_fences(&[p.fence], true, u64::MAX).is_ok() {
                    self.alloc.recycler.give_fence(p.fence);
                } else {
                    // The device is lost: nothing of the batch is reset and reused.
                    idle = false;
                    device.destroy_fence(p.fence, None);
                }
                self.alloc.staging().release_resource_set(p.set);
            }
            idle
        };
        // Work that was submitted before a failure did run: its images are in those layouts.
        if self.state != State::Finished && self.state != State::HandedOff {
            finish(self.submitted_layouts.drain().map(|(_, v)| v), std::iter::empty());
        }
        // Nothing of the set is in use any more (finished, or never submitted), unless an
        // `InFlight` took it over.
        self.cursor = None;
        if self.state != State::HandedOff {
            self.alloc.staging().release_resource_set(self.set);
        }
        let tables = std::mem::take(&mut self.tables);
        if idle {
            // Held resources go last, as the tables are emptied; then the tables go with the pool.
            let tables = tables.emptied();
            // SAFETY: nothing pending uses the pools, the fence or the lane's semaphores (waited
            // above, or never submitted); an `InFlight` took them (leaving null or empty) if it
            // owns the work. Destroying null handles, left by a failed `new`, is a no-op in Vulkan.
            unsafe {
                self.alloc.recycler.give(self.pool, std::mem::take(&mut self.allocated), self.fence, tables);
                self.lane.give_back(&self.alloc.recycler);
            }
        } else {
            // SAFETY: the wait failed: the device is lost, nothing runs any more.
            unsafe {
                device.destroy_fence(self.fence, None);
                device.destroy_command_pool(self.pool, None);
                self.lane.destroy(self.alloc.context());
            }
            // Held resources go last.
            drop(tables);
        }
    }
}
