//! [`Fence`]: a shared, RAII `VkFence`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use ash::vk;

use crate::Context;
use crate::error::{BatchError, Error, Result, VkContext};

struct FenceShared {
    handle: vk::Fence,
    ctx: Arc<Context>,
    /// Whether a submission signals it since its last reset (else waiting would never end).
    submitted: AtomicBool,
    /// Whether its handle was given out since its last reset: the caller's own submission
    /// (`vkQueueSubmit(..., fence)`, Merian's frame loop) may signal it, so a reset waits first
    /// (VUID-vkResetFences-pFences-01123).
    lent: AtomicBool,
    /// Counts resets: work submitted with generation g has finished once the generation moved on.
    generation: AtomicU64,
    /// Known unsignalled without asking the driver: created unsignalled or reset by vkres, and
    /// since then neither armed for a submission nor its handle lent. Spares
    /// [`arm_for_submission`](Fence::arm_for_submission) a `vkGetFenceStatus` in the frame loop
    /// (`RingFences::wait_and_get` resets the fence, the recorder's `finish` arms it).
    known_unsignalled: AtomicBool,
}

impl Drop for FenceShared {
    fn drop(&mut self) {
        // SAFETY: the last handle is gone; whoever submitted with the fence holds a handle
        // until the fence has signalled, so no submission still signals it.
        unsafe { self.ctx.device().destroy_fence(self.handle, None) };
    }
}

/// A `VkFence`; clones share it, the last one destroys it.
///
/// `Send + Sync`: a shared handle; its submission state and generation are atomics, and `VkFence`
/// waits and status queries need no external synchronisation.
#[derive(Clone)]
pub struct Fence {
    shared: Arc<FenceShared>,
}

impl std::fmt::Debug for Fence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fence").field("handle", &self.shared.handle).finish()
    }
}

impl Fence {
    /// A new fence, created signalled or not.
    pub fn new(ctx: &Arc<Context>, signalled: bool) -> Result<Self> {
        let flags = if signalled { vk::FenceCreateFlags::SIGNALED } else { vk::FenceCreateFlags::empty() };
        // SAFETY: the fence's owner destroys it, after waiting for its submission.
        let handle = unsafe { ctx.create_fence(&vk::FenceCreateInfo::default().flags(flags), "vkres fence") }?;
        let shared = FenceShared {
            handle,
            ctx: ctx.clone(),
            submitted: AtomicBool::new(false),
            lent: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            known_unsignalled: AtomicBool::new(!signalled),
        };
        Ok(Self { shared: Arc::new(shared) })
    }

    /// The `VkFence`, for the caller's own submission (`vkQueueSubmit(..., fence)`).
    ///
    /// Taking the handle counts as submitting with it: a [`RingFences`](crate::RingFences)
    /// slot whose fence handle was taken waits for the fence to signal before it resets it and
    /// hands the slot out again, so a submission made with the handle must follow (or the next
    /// wait for the slot does not end). Take the handle in each iteration that submits with it:
    /// a handle kept from an earlier iteration is not seen.
    pub fn handle(&self) -> vk::Fence {
        self.shared.lent.store(true, Ordering::Release);
        self.shared.known_unsignalled.store(false, Ordering::Release);
        self.shared.handle
    }

    /// The context it was made with (`valid/device.rs`).
    pub(crate) fn context(&self) -> &Arc<Context> {
        &self.shared.ctx
    }

    /// The `VkFence` for vkres's own submissions, which [`arm`](Self::arm) it first.
    pub(crate) fn raw(&self) -> vk::Fence {
        self.shared.handle
    }

    /// Whether it has signalled (a device error counts as not signalled; `wait` reports it).
    pub fn is_signalled(&self) -> bool {
        // SAFETY: the fence is live.
        unsafe { self.shared.ctx.device().get_fence_status(self.shared.handle) }.unwrap_or(false)
    }

    /// Waits until it has signalled, at most [`Context::wait_timeout`]: a fence that no
    /// submission signals (or a hung device) is [`Error::Timeout`](crate::Error::Timeout).
    pub fn wait(&self) -> Result<()> {
        let handle = self.shared.handle;
        let generation = self.shared.generation.load(Ordering::Relaxed);
        let submitted = self.shared.submitted.load(Ordering::Relaxed);
        // SAFETY: the fence is live.
        unsafe {
            self.shared.ctx.wait_fences(&[handle], || {
                let by = if submitted { "armed by a vkres submission" } else { "no vkres submission armed it" };
                format!("vkres::Fence {handle:?} (generation {generation}, {by})")
            })
        }
    }

    /// Waits for the submission that signals it, if any (vkres's own, or the caller's with the
    /// [`handle`](Self::handle) taken since the last reset), then unsignals it for the next one.
    pub(crate) fn wait_and_reset(&self) -> Result<()> {
        let submitted = self.shared.submitted.load(Ordering::Acquire);
        let lent = self.shared.lent.load(Ordering::Acquire);
        if submitted || lent {
            self.wait()?;
        }
        // SAFETY: no pending submission signals the fence (VUID-vkResetFences-pFences-01123):
        // vkres's own and any the caller made with the handle were waited for above; without
        // either, the handle never left vkres since the last reset, so nothing was submitted.
        unsafe { self.shared.ctx.device().reset_fences(&[self.shared.handle]) }.op("vkResetFences")?;
        self.shared.submitted.store(false, Ordering::Release);
        self.shared.lent.store(false, Ordering::Release);
        self.shared.generation.fetch_add(1, Ordering::AcqRel);
        self.shared.known_unsignalled.store(true, Ordering::Release);
        Ok(())
    }

    /// Marks it as signalled by a submission about to be made, and returns its generation;
    /// `None` if a submission already signals it.
    pub(crate) fn arm(&self) -> Option<u64> {
        self.shared.known_unsignalled.store(false, Ordering::Release);
        let was = self.shared.submitted.swap(true, Ordering::AcqRel);
        (!was).then(|| self.shared.generation.load(Ordering::Acquire))
    }

    /// Readies it for a submission about to be made and arms it ([`arm`](Self::arm)): a
    /// signalled fence (created signalled, or the work it was armed for finished, waited for
    /// or not) is reset first, since a fence given to a submission must be unsignalled
    /// (VUID-vkQueueSubmit2-fence-04894), and work of its earlier generation then counts as
    /// finished; one a pending submission still signals is [`Error::Batch`]
    /// ([`BatchError::FenceBusy`](crate::BatchError::FenceBusy)).
    pub(crate) fn arm_for_submission(&self) -> Result<u64> {
        let busy = || Error::Batch(BatchError::FenceBusy);
        // Reset by vkres and not handed out since: unsignalled, no status query needed.
        let known_unsignalled = self.shared.known_unsignalled.load(Ordering::Acquire);
        if !known_unsignalled && self.is_signalled() {
            // Signalled: whatever submission signals it has finished (vkres's own or the
            // caller's), so the reset below breaks no pending work (VUID-vkResetFences-pFences-01123).
            self.wait_and_reset()?;
        } else if self.shared.submitted.load(Ordering::Acquire) {
            return Err(busy());
        }
        self.arm().ok_or_else(busy)
    }

    /// Tells the fence that the caller's own submission (not made through vkres) is about to
    /// signal it: a signalled fence is reset first (never handed to Vulkan signalled), and
    /// [`RingFences::wait_and_get`](crate::RingFences::wait_and_get) and the
    /// [`InFlight`](crate::InFlight)s of its generation then wait for that submission before
    /// the fence is reset or reused. Submit with [`handle`](Self::handle) right after; if the
    /// submission is not made, the next wait ends with [`Error::Timeout`](crate::Error::Timeout).
    /// One that a pending vkres submission already signals is [`Error::Batch`] ([`BatchError::FenceBusy`](crate::BatchError::FenceBusy)).
    pub fn prepare_for_own_submission(&self) -> Result<()> {
        self.arm_for_submission().map(|_| ())
    }

    /// Undoes [`arm`](Self::arm) when the submission failed.
    pub(crate) fn disarm(&self) {
        self.shared.submitted.store(false, Ordering::Release);
    }

    /// Whether work submitted in `generation` has finished: the fence signalled, or was
    /// waited for and reset since.
    pub(crate) fn finished(&self, generation: u64) -> bool {
        self.shared.generation.load(Ordering::Acquire) != generation || self.is_signalled()
    }

    /// Waits for work submitted in `generation`.
    pub(crate) fn wait_for(&self, generation: u64) -> Result<()> {
        if self.shared.generation.load(Ordering::Acquire) == generation { self.wait() } else { Ok(()) }
    }
}
