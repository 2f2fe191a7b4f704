//! A batch's submission that waits on and signals the caller's semaphores, binary or
//! timeline (issue 18 item 3): [`QueueSync`], [`Batch::submit_with_semaphores`] and
//! [`Batch::submit_with_timeline`].

use ash::vk;

use super::Batch;
use crate::allocator::in_flight::InFlight;
use crate::error::Result;
use crate::staging::Fence;

/// Semaphores a batch's submission waits on before its commands run and signals when they
/// have: `vk::SemaphoreSubmitInfo`s as `vkQueueSubmit2` takes them (binary semaphores with
/// value 0, timeline semaphores with the value to wait for or to signal, and the stages).
///
/// The waits apply to the batch's last submission, the one that ends it: the earlier rounds
/// of a batch that stages more than half the staging budget
/// ([`submissions`](Batch::submissions) above one) go out without them. An upload that must
/// wait for the caller's work belongs in a batch within that size, or in a
/// [`Recorder`](crate::Recorder) on the caller's own command buffer.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueSync<'s> {
    /// Waited for before the submission's commands run.
    pub waits: &'s [vk::SemaphoreSubmitInfo<'s>],
    /// Signalled once the submission's commands have finished.
    pub signals: &'s [vk::SemaphoreSubmitInfo<'s>],
}

impl QueueSync<'_> {
    /// Neither waits nor signals.
    pub fn is_empty(&self) -> bool {
        self.waits.is_empty() && self.signals.is_empty()
    }
}

/// What tells that a handed-off batch has finished.
#[derive(Clone, Copy)]
pub(super) enum HandOff<'f> {
    /// The caller's fence.
    Fence(&'f Fence),
    /// A timeline semaphore reaching a value, signalled by the submission itself.
    Timeline(vk::Semaphore, u64),
}

impl Batch<'_> {
    /// [`submit_with_fence`](Self::submit_with_fence), waiting on and signalling `sync`'s
    /// semaphores. Unlike `submit_with_fence`, a batch with no commands still submits (an
    /// empty submission that waits and signals), since the caller's queue depends on it.
    ///
    /// # Safety
    /// Every semaphore of `sync` must be a live semaphore of the allocator's device, valid to
    /// wait on or signal in this submission (a binary semaphore waited on has a signal
    /// operation submitted and none other waits on it; one signalled is unsignalled with no
    /// pending signal; a timeline value signalled is above the current and pending ones), and
    /// stay alive until the submission has finished.
    pub unsafe fn submit_with_semaphores(self, fence: &Fence, sync: QueueSync<'_>) -> Result<InFlight> {
        // SAFETY: the caller's contract.
        unsafe { self.hand_off(HandOff::Fence(fence), sync) }
    }

    /// Submits the batch without a fence: the submission signals the timeline `semaphore` to
    /// `value` (besides `sync`'s signals, after `sync`'s waits), and the returned [`InFlight`]
    /// holds what the work uses until the semaphore has reached `value`. Always submits, even
    /// with no commands.
    ///
    /// # Safety
    /// As [`submit_with_semaphores`](Self::submit_with_semaphores); `semaphore` must be a
    /// timeline semaphore of the allocator's device, `value` above its current and pending
    /// values, alive until the returned `InFlight` is gone.
    pub unsafe fn submit_with_timeline(
        self,
        semaphore: vk::Semaphore,
        value: u64,
        sync: QueueSync<'_>,
    ) -> Result<InFlight> {
        let mut signals = Vec::with_capacity(sync.signals.len() + 1);
        signals.extend_from_slice(sync.signals);
        signals.push(
            vk::SemaphoreSubmitInfo::default()
                .semaphore(semaphore)
                .value(value)
                .stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS),
        );
        // SAFETY: the caller's contract.
        unsafe {
            self.hand_off(HandOff::Timeline(semaphore, value), QueueSync { waits: sync.waits, signals: &signals })
        }
    }
}
