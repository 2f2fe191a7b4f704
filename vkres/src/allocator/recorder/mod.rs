//! [`Recorder`]: uploads, downloads, copies, layout transitions and acceleration-structure
//! builds, with the barriers they need, recorded into one command buffer: a caller's (made
//! with [`ResourceAllocator::recorder`]) or a [`Batch`](super::Batch)'s own.
//!
//! The recorder owns what recording needs and nothing of submission: the command buffer is
//! given to it, staging comes through its [`StagingStream`], the transfer lane is used only
//! when a batch turned it on, and what to do when staging runs out is asked of a
//! [`Rounds`] (a batch submits a round; a caller's command buffer cannot be split).
//! The transfers are in `buffers.rs` and `images.rs`, the builds in `accel.rs`.

mod accel;
mod alias;
mod buffers;
mod gathered;
mod held;
mod images;
mod refit;
mod regions;
mod same_device;
mod sub_buffers;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ash::vk;

pub(crate) use accel::{GeometryRecord, PendingBuild};
pub use held::Held;
pub(crate) use held::device_of as held_device;
pub use images::{ImageUpload, MipSource};
pub use regions::ImageRegion;

pub(super) use gathered::PendingCopies;

use super::ResourceAllocator;
use super::in_flight::{InFlight, Signal};
use super::lane::Lane;
use super::stream::StagingStream;
use super::tables::{Completion, Tables};
use crate::error::{Error, Result};
use crate::resources::Image;
use crate::staging::Fence;

/// What a recorder does when its staging is used up, asked by the recorder as it stages.
/// A batch submits what it recorded as a round and goes on; a recorder on a caller's command
/// buffer ([`OneRound`]) cannot split its work.
pub(crate) trait Rounds {
    /// Called before `len` bytes are staged (a batch submits once half the budget is staged,
    /// to pipeline its copies with its staging).
    fn before_staging(&mut self, rec: &mut Recorder<'_>, len: u64) -> Result<()>;
    /// Releases the staging of earlier rounds that have finished.
    fn retire_finished(&mut self, rec: &mut Recorder<'_>) -> Result<()>;
    /// Frees staging the recorder's work holds (waits for its oldest round, or submits what
    /// it recorded); whether it freed any.
    fn free_own(&mut self, rec: &mut Recorder<'_>) -> Result<bool>;
}

/// The [`Rounds`] of a caller's command buffer: one round, submitted by the caller.
pub(crate) struct OneRound;

impl Rounds for OneRound {
    fn before_staging(&mut self, _: &mut Recorder<'_>, _: u64) -> Result<()> {
        Ok(())
    }

    fn retire_finished(&mut self, _: &mut Recorder<'_>) -> Result<()> {
        Ok(())
    }

    fn free_own(&mut self, _: &mut Recorder<'_>) -> Result<bool> {
        Ok(false)
    }
}

/// Records uploads, downloads, copies, layout transitions and acceleration-structure builds,
/// with the barriers they need, into a command buffer that the caller submits, and holds
/// what that work uses until the caller's fence says it has finished.
///
/// ```no_run
/// # fn demo(alloc: &vkres::ResourceAllocator, cmd: vkres::vk::CommandBuffer, fence: &vkres::Fence,
/// #         buffer: &vkres::Buffer<u32>) -> vkres::Result<()> {
/// // `cmd` is recording, of the allocator's device and queue family.
/// // SAFETY: submitted once, with `fence`, to the context's queue, after `finish`.
/// let mut recorder = unsafe { alloc.recorder(cmd) };
/// recorder.upload(buffer, 0, &[1, 2, 3])?;
/// let in_flight = recorder.finish(fence)?;
/// // ... the caller's own commands, vkEndCommandBuffer, then vkQueueSubmit2 with the handle of
/// // `fence.lock_for_submit()?`, the guard held around the submission ...
/// in_flight.wait()?; // or keep it with the frame, as with a RingFences slot
/// # Ok(()) }
/// ```
///
/// What it records is ordered after whatever the command buffer holds before it (its
/// barriers wait for all earlier commands) and made visible to all later commands, of the
/// command buffer and of later submissions, and to host reads after the fence
/// (by the barrier [`finish`](Self::finish) records).
/// So the caller's own commands that use what it records go after `finish`: staged buffer
/// uploads are gathered and recorded only at the next flush point (at the latest, `finish`),
/// so a command recorded between an `upload` and `finish` may even run before the copy.
///
/// Staging: a recorder cannot split its work into rounds as a [`Batch`](super::Batch) does
/// (only the caller submits its command buffer), so work that needs more staging than the
/// budget is [`Error::StagingExhausted`]: record it into several command buffers.
///
/// Dropped without [`finish`](Self::finish), it releases what it held at once: the caller
/// must then not submit the command buffer (reset or free it).
///
/// `Send + Sync`: as a batch. It borrows its [`ResourceAllocator`].
pub struct Recorder<'a> {
    pub(super) alloc: &'a ResourceAllocator,
    /// The command buffer being recorded into.
    pub(super) cmd: vk::CommandBuffer,
    /// Commands recorded since the last round (transfers, transitions, builds).
    pub(super) commands: usize,
    /// What is tracked while recording (recycled with a batch's pool).
    pub(super) tables: Box<Tables>,
    /// The staging of the work being recorded.
    pub(super) stream: StagingStream<'a>,
    /// Whether the command buffer writes acceleration structures (the closing barrier then
    /// covers the build stage).
    pub(super) accel_recorded: bool,
    /// The vertex format the last BLAS geometry was checked with and found buildable (a batch
    /// of 1000 BLASes asks the context's format cache, a lock and a look-up, once).
    pub(super) vertex_format_ok: vk::Format,
    /// Large uploads copied on the transfer queue (a batch's only).
    pub(super) lane: Lane,
    /// Whether uploads may go to the lane (a batch that submits the lane's rounds).
    pub(super) lane_on: bool,
    /// Whether the context has no transfer queue: then no batch's lane claims a resource, and
    /// no use of one is refused as on a transfer queue (`same_device.rs`).
    pub(super) no_lanes: bool,
}

impl std::fmt::Debug for Recorder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("cmd", &self.cmd)
            .field("commands", &self.commands)
            .field("resources_held", &self.tables.keep_alive.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Recorder<'a> {
    /// A recorder into `cmd` with `tables` (emptied ones, perhaps recycled); the lane on for a
    /// batch on a context with a transfer queue.
    pub(super) fn with_tables(
        alloc: &'a ResourceAllocator,
        cmd: vk::CommandBuffer,
        tables: Box<Tables>,
        lane_on: bool,
    ) -> Self {
        Self {
            alloc,
            cmd,
            commands: 0,
            tables,
            stream: StagingStream::new(alloc.staging()),
            accel_recorded: false,
            vertex_format_ok: vk::Format::UNDEFINED,
            lane: Lane::default(),
            lane_on: lane_on && alloc.context().transfer_queue_family_index().is_some(),
            no_lanes: alloc.context().transfer_queue_family_index().is_none(),
        }
    }

    /// The allocator this recorder creates resources with.
    pub fn allocator(&self) -> &'a ResourceAllocator {
        self.alloc
    }

    /// The command buffer it records into.
    pub fn command_buffer(&self) -> vk::CommandBuffer {
        self.cmd
    }

    /// Number of commands recorded so far (transfers, transitions, builds), since the last
    /// round of a batch.
    pub fn commands(&self) -> usize {
        self.commands
    }

    /// Ends the recording: records the pending image uploads, staged buffer copies and builds
    /// and the closing barrier, which makes everything recorded visible to the commands the caller records
    /// after it and to host reads after `fence`. The returned [`InFlight`] holds what the work
    /// uses and the staging it reads until `fence` has signalled; dropping it waits for that
    /// (bounded by [`Context::wait_timeout`](crate::Context::wait_timeout)).
    ///
    /// Hands the layouts off: the images' tracked layouts become the ones this recording leaves
    /// them in now, before the caller submits; submit in `finish` order, before work handed
    /// off later that uses the same images (the `# Safety` of
    /// [`ResourceAllocator::recorder`](crate::ResourceAllocator::recorder)). Refused with
    /// [`Error::InUseByRecordedWork`] where an image this recording found in a layout was
    /// changed since by another recording handed off. Takes the context's queue lock for the
    /// hand-off where the recording changed a layout: do not call it while holding
    /// [`Context::lock_queue`](crate::Context::lock_queue) (not reentrant).
    ///
    /// `fence` must be the fence of the caller's submission of this command buffer. One that
    /// is signalled (its earlier work finished, or made signalled) is reset first, so that it
    /// is never handed to a submission signalled; one a pending submission may still signal is
    /// [`Error::Batch`] ([`BatchError::FenceBusy`](crate::BatchError::FenceBusy)): a vkres
    /// submission, or the caller's own made with a [`Fence::handle`] taken since the fence's
    /// last reset (its signal would count as this work finishing). Take the handle for this
    /// command buffer's submission after `finish` returns, from
    /// [`Fence::lock_for_submit`], and hold its guard around the `vkQueueSubmit*`: the
    /// returned `InFlight` and the staging manager may ask the fence's status from other
    /// threads meanwhile (host synchronisation, review13 #1). On an error, the command buffer
    /// must not be submitted (the recorder is dropped, with what it holds).
    pub fn finish(mut self, fence: &Fence) -> Result<InFlight> {
        self.own_fence(fence)?;
        let generation = fence.arm_for_submission()?;
        if let Err(e) = self.close().and_then(|()| self.check_and_hand_off_layouts()) {
            fence.disarm();
            return Err(e);
        }
        self.stamp_refits();
        // A frame that staged nothing (its uniforms written through their mappings, its refits
        // into their own buffers) leaves the staging manager alone: no lock, now or at the end.
        let staged = self.stream.staged() > 0;
        let set = self.stream.take();
        if staged {
            self.stream.manager().release_work_set_on_fence(set, fence);
        }
        Ok(self.hand_off(Signal::Fence(fence.clone(), generation), set, staged))
    }

    /// [`finish`](Self::finish) for a submission that signals the timeline `semaphore` to
    /// `value` (or higher) when it has finished, instead of a fence. The staging set is
    /// released when the returned [`InFlight`] finds the value reached (polled, waited for or
    /// dropped), not by the staging manager on its own.
    ///
    /// Hands the layouts off as [`finish`](Self::finish) does: submit in hand-off order.
    ///
    /// # Safety
    /// `semaphore` must be a timeline semaphore of the allocator's device that the caller's
    /// submission of this command buffer signals to at least `value`, and stay alive until the
    /// returned `InFlight` is gone. The command buffer must be submitted in hand-off order, as
    /// for [`finish`](Self::finish) (the `# Safety` of
    /// [`ResourceAllocator::recorder`](crate::ResourceAllocator::recorder)).
    pub unsafe fn finish_with_timeline(mut self, semaphore: vk::Semaphore, value: u64) -> Result<InFlight> {
        self.close()?;
        self.check_and_hand_off_layouts()?;
        self.stamp_refits();
        let set = self.stream.take();
        let ctx = self.alloc.context().clone();
        Ok(self.hand_off(Signal::Timeline { ctx, semaphore, value }, set, true))
    }

    /// The [`InFlight`] of the finished recording: it takes the tables (what the work holds,
    /// the layouts it leaves, its completions; boxed, so that they move as a pointer) and gives
    /// them back to the allocator's recycler once the work has finished; nothing is allocated
    /// for it.
    /// `release`: whether the `InFlight` releases `set` (it may hold staging) once finished.
    fn hand_off(self, signal: Signal, set: crate::staging::SetId, release: bool) -> InFlight {
        let Self { alloc, tables, stream, .. } = self;
        let staging = release.then(|| stream.manager().clone());
        InFlight::recorded(signal, staging, set, tables, alloc.recycler.clone())
    }

    /// Records the pending image uploads and builds, then the closing barrier: every write of
    /// the work visible to whatever the device does next, and to host reads after the fence
    /// wait (read-backs).
    pub(super) fn close(&mut self) -> Result<()> {
        self.flush_image_uploads();
        self.record_builds()?;
        let (mut src_stages, mut src_access) =
            (vk::PipelineStageFlags2::ALL_TRANSFER, vk::AccessFlags2::TRANSFER_WRITE);
        if self.accel_recorded {
            src_stages |= vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR;
            src_access |= vk::AccessFlags2::ACCELERATION_STRUCTURE_WRITE_KHR;
        }
        self.barrier(
            vk::MemoryBarrier2::default()
                .src_stage_mask(src_stages)
                .src_access_mask(src_access)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS | vk::PipelineStageFlags2::HOST)
                .dst_access_mask(
                    vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE | vk::AccessFlags2::HOST_READ,
                ),
        );
        self.accel_recorded = false;
        Ok(())
    }

    /// Copies `data` into staging space aligned to `align`; returns the staging buffer and the
    /// space's offset in it. When staging is used up, `rounds` frees some (see [`Rounds`]);
    /// else a recorder that holds staging itself fails, and one that holds none waits for
    /// another thread's work to release some.
    #[inline]
    pub(super) fn stage<R: Rounds>(&mut self, rounds: &mut R, data: &[u8], align: u64) -> Result<(vk::Buffer, u64)> {
        rounds.before_staging(self, data.len() as u64)?;
        // The rest of the chunk the manager gave last, without its lock (nor a fence query):
        // inline, so that the staged space comes back in registers (session 11, helper
        // "xfer11": read back from memory right after the copy's stores, it waited for them).
        if let Some(staged) = self.stream.stage_in_chunk(data, align)? {
            return Ok(staged);
        }
        self.stage_slow(rounds, data, align)
    }

    /// [`stage`](Self::stage) where the chunk the manager gave last has no room.
    #[inline(never)]
    fn stage_slow<R: Rounds>(&mut self, rounds: &mut R, data: &[u8], align: u64) -> Result<(vk::Buffer, u64)> {
        let budget = self.alloc.staging().config().budget;
        loop {
            // The rest of the chunk the manager gave last, without its lock (nor a fence query).
            if let Some(staged) = self.stream.stage_in_chunk(data, align)? {
                return Ok(staged);
            }
            // Staging of finished rounds goes back before the manager is asked.
            rounds.retire_finished(self)?;
            if let Some(staged) = self.stream.stage_in_new_chunk(data, align)? {
                return Ok(staged);
            }
            // What this recorder holds it frees first; holding nothing, it waits for another
            // thread's staging.
            if rounds.free_own(self)? {
                continue;
            }
            if self.stream.staged() > 0 {
                if self.commands > 0 {
                    // Read by commands of a command buffer only the caller submits.
                    return Err(Error::StagingExhausted { budget });
                }
                // Staged for commands that failed to record: nothing reads it.
                self.stream.release_now();
            }
            if !self.stream.manager().wait_for_release() {
                return Err(Error::StagingExhausted { budget });
            }
        }
    }

    fn device(&self) -> &ash::Device {
        self.alloc.context().device()
    }

    /// A download into `buffer`, readable once the work has finished.
    fn register_download(&mut self, buffer: crate::resources::Buffer) -> crate::staging::Download {
        let done = Arc::new(AtomicBool::new(false));
        self.tables.completions.push(Completion::Flag(done.clone()));
        crate::staging::Download::new(buffer, done)
    }

    /// Holds `resource` until the work has finished.
    #[inline]
    pub(super) fn hold(&mut self, resource: Arc<dyn Send + Sync>) {
        self.tables.keep_alive.push(resource);
    }

    /// Inserts a transfer-to-transfer barrier if a copy from `src` to `dst` would race with an
    /// earlier transfer recorded here (read-after-write, write-after-write, write-after-read).
    fn order_transfer(&mut self, src: vk::Buffer, dst: vk::Buffer) {
        if self.lane_on {
            self.lane.touch(src);
            self.lane.touch(dst);
        }
        // The source is a staging chunk or a buffer whose caller marks it (`copy_buffer`).
        self.tables.touched.insert(dst);
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
    pub(super) fn barrier(&mut self, barrier: vk::MemoryBarrier2<'_>) {
        let barriers = [barrier];
        let dependency = vk::DependencyInfo::default().memory_barriers(&barriers);
        // SAFETY: the command buffer is recording (the contract of `ResourceAllocator::recorder`,
        // or a batch's own); synchronization2 is enabled on every context.
        unsafe { self.alloc.context().device().cmd_pipeline_barrier2(self.cmd, &dependency) };
    }
}

/// What handed-off work leaves behind: images tracked in their new layouts (set at hand-off,
/// later recordings being submitted after it), and, once it finished, downloads readable and
/// acceleration structures built (`completions`: empty at a hand-off before the work ran).
pub(super) fn finish(
    layouts: impl IntoIterator<Item = (impl std::borrow::Borrow<Image>, vk::ImageLayout)>,
    completions: impl IntoIterator<Item = Completion>,
) {
    for (image, layout) in layouts {
        // Set before a `LayoutHold` drops: a download recorded once the hold is gone starts
        // from this layout.
        image.borrow().set_layout(layout);
    }
    for done in completions {
        match done {
            Completion::Flag(flag) => flag.store(true, Ordering::Release),
            Completion::Built(structure) => structure.set_built(),
        }
    }
}
