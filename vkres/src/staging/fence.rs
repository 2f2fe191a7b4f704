//! [`Fence`]: a shared, RAII `VkFence`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use ash::vk;

use crate::Context;
use crate::error::{Result, VkContext};

struct FenceShared {
    handle: vk::Fence,
    ctx: Arc<Context>,
    /// Whether a submission signals it since its last reset (else waiting would never end).
    submitted: AtomicBool,
    /// Counts resets: work submitted with generation g has finished once the generation moved on.
    generation: AtomicU64,
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
        let shared =
            FenceShared { handle, ctx: ctx.clone(), submitted: AtomicBool::new(false), generation: AtomicU64::new(0) };
        Ok(Self { shared: Arc::new(shared) })
    }

    /// The `VkFence`.
    pub fn handle(&self) -> vk::Fence {
        self.shared.handle
    }

    /// Whether it has signalled (a device error counts as not signalled; `wait` reports it).
    pub fn is_signalled(&self) -> bool {
        // SAFETY: the fence is live.
        unsafe { self.shared.ctx.device().get_fence_status(self.shared.handle) }.unwrap_or(false)
    }

    /// Waits until it has signalled.
    pub fn wait(&self) -> Result<()> {
        // SAFETY: the fence is live.
        unsafe { self.shared.ctx.device().wait_for_fences(&[self.shared.handle], true, u64::MAX) }.op("vkWaitForFences")
    }

    /// Waits for the submission that signals it, if any, then unsignals it for the next one.
    pub(crate) fn wait_and_reset(&self) -> Result<()> {
        if self.shared.submitted.load(Ordering::Acquire) {
            self.wait()?;
        }
        // SAFETY: no pending submission signals the fence: it was waited for above, or none was made.
        unsafe { self.shared.ctx.device().reset_fences(&[self.shared.handle]) }.op("vkResetFences")?;
        self.shared.submitted.store(false, Ordering::Release);
        self.shared.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Marks it as signalled by a submission about to be made, and returns its generation;
    /// `None` if a submission already signals it.
    pub(crate) fn arm(&self) -> Option<u64> {
        let was = self.shared.submitted.swap(true, Ordering::AcqRel);
        (!was).then(|| self.shared.generation.load(Ordering::Acquire))
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
