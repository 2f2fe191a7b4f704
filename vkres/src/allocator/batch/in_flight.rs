//! [`InFlight`]: a batch submitted with a caller's fence, not waited for.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use ash::vk;

use crate::allocator::recycle::Recycler;
use crate::error::Result;
use crate::resources::Image;
use crate::staging::{Fence, SetId, StagingMemoryManager};

/// The work of a [`Batch`](super::Batch) submitted with
/// [`submit_with_fence`](super::Batch::submit_with_fence): it holds every resource the work
/// uses and the batch's staging set until the work has finished. Dropping it waits for that
/// (at once, where the fence was already waited for, as in a [`RingFences`](crate::RingFences)
/// loop); then it applies the batch's image layouts, makes its downloads readable and releases
/// its staging memory.
///
/// `Send + Sync`: it owns the work's command pool and fence, touched only when it is waited for or
/// dropped (by value), and shared, thread-safe handles.
pub struct InFlight {
    pub(super) recycler: Recycler,
    pub(super) pool: vk::CommandPool,
    pub(super) allocated: Vec<vk::CommandBuffer>,
    pub(super) own_fence: vk::Fence,
    /// The transfer lane's pool and semaphores, given back with the rest.
    pub(super) lane: super::transfer::Lane,
    pub(super) fence: Option<(Fence, u64)>,
    pub(super) staging: StagingMemoryManager,
    pub(super) set: SetId,
    pub(super) layouts: Vec<(Image, vk::ImageLayout)>,
    pub(super) completions: Vec<Arc<AtomicBool>>,
    pub(super) keep_alive: Vec<Arc<dyn Send + Sync>>,
    pub(super) completed: bool,
}

impl std::fmt::Debug for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InFlight")
            .field("set", &self.set)
            .field("done", &self.is_done())
            .field("resources_held", &self.keep_alive.len())
            .finish_non_exhaustive()
    }
}

impl InFlight {
    /// Whether the work has finished.
    pub fn is_done(&self) -> bool {
        self.completed || self.fence.as_ref().is_none_or(|(f, g)| f.finished(*g))
    }

    /// Waits for the work, then applies its effects (see the type's docs).
    pub fn wait(mut self) -> Result<()> {
        if let Some((fence, generation)) = &self.fence {
            fence.wait_for(*generation)?;
        }
        self.complete();
        Ok(())
    }

    /// The staging resource set the work used.
    pub fn staging_set(&self) -> SetId {
        self.set
    }

    fn complete(&mut self) {
        if self.completed {
            return;
        }
        self.completed = true;
        super::finish(self.layouts.drain(..), self.completions.drain(..));
        self.staging.release_resource_set(self.set);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.completed {
            if let Some((fence, generation)) = &self.fence {
                // An error here means the device was lost; nothing runs any more either way.
                let _ = fence.wait_for(*generation);
            }
            self.complete();
        }
        // SAFETY: the work finished (waited above), so the pools' command buffers are not
        // pending and the submissions that waited on the lane's semaphores are done; the
        // batch's own fence was never submitted. The next batch reuses them.
        unsafe {
            self.recycler.give(self.pool, std::mem::take(&mut self.allocated), self.own_fence, None);
            self.lane.give_back(&self.recycler);
        }
        // `keep_alive` drops after this body.
    }
}
