//! [`InFlight`]: recorded work submitted with a caller's fence, not waited for: a batch's
//! ([`Batch::submit_with_fence`](super::Batch::submit_with_fence)) or a recorder's
//! ([`Recorder::finish`](super::Recorder::finish)).

use std::sync::Arc;

use ash::vk;

use super::lane::Lane;
use super::recorder;
use super::recycle::Recycler;
use super::tables::Tables;
use crate::Context;
use crate::error::{Error, Result};
use crate::staging::{Fence, SetId, StagingMemoryManager};

/// What a batch's submission owns besides what its work uses: its command pools, its own
/// (unsubmitted) fence and its lane, given back to the recycler once the work has finished.
pub(crate) struct Owned {
    pub(crate) pool: vk::CommandPool,
    pub(crate) allocated: Vec<vk::CommandBuffer>,
    pub(crate) own_fence: vk::Fence,
    pub(crate) lane: Lane,
}

/// What says that submitted work has finished.
pub(crate) enum Signal {
    /// A fence, in the generation it was armed in.
    Fence(Fence, u64),
    /// A timeline semaphore of the caller's reaching a value.
    Timeline { ctx: Arc<Context>, semaphore: vk::Semaphore, value: u64 },
}

impl Signal {
    /// Whether the work has finished (a device error counts as not; waiting reports it).
    fn finished(&self) -> bool {
        match self {
            Signal::Fence(fence, generation) => fence.finished(*generation),
            Signal::Timeline { ctx, semaphore, value } => {
                // SAFETY: a live timeline semaphore of this device (the contract of
                // `Recorder::finish_with_timeline`).
                unsafe { ctx.device().get_semaphore_counter_value(*semaphore) }.is_ok_and(|v| v >= *value)
            }
        }
    }

    /// Waits (bounded) until the work has finished.
    fn wait(&self) -> Result<()> {
        match self {
            Signal::Fence(fence, generation) => fence.wait_for(*generation),
            // SAFETY: as in `finished`.
            Signal::Timeline { ctx, semaphore, value } => unsafe {
                ctx.wait_timeline(*semaphore, *value, || format!("timeline semaphore {semaphore:?} to reach {value}"))
            },
        }
    }
}

/// Recorded work submitted with a caller's fence (by [`Batch::submit_with_fence`](super::Batch::submit_with_fence),
/// or by the caller after [`Recorder::finish`](super::Recorder::finish)): it holds every
/// resource the work uses and its staging set until the work has finished. Dropping it waits
/// for that (at once, where the fence was already waited for, as in a
/// [`RingFences`](crate::RingFences) loop); then it applies the work's image layouts, makes its
/// downloads readable and releases its staging memory.
///
/// A wait that does not end within [`Context::wait_timeout`](crate::Context::wait_timeout)
/// (the fence was never submitted, or the device hangs) leaks what the work holds rather than
/// free it under the device.
///
/// `Send + Sync`: it owns the work's command pool and fence, touched only when it is waited for or
/// dropped (by value), and shared, thread-safe handles.
pub struct InFlight {
    /// A batch's (boxed: a recorder's `InFlight`, moved each frame, stays small).
    owned: Option<Box<Owned>>,
    signal: Option<Signal>,
    /// The manager `set` is released to; `None` for a recording that staged nothing (nothing
    /// to release: no lock of the staging manager when its frame completes, and no reference
    /// count touched).
    staging: Option<StagingMemoryManager>,
    set: SetId,
    /// The recording's tables (a batch's or a recorder's, one path): what the work holds
    /// (`keep_alive`), the layouts it leaves and its completions, given back to `recycler`,
    /// emptied, once the work has finished. `None` once given back or leaked.
    tables: Option<Box<Tables>>,
    recycler: Recycler,
    completed: bool,
}

impl std::fmt::Debug for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InFlight")
            .field("set", &self.set)
            .field("done", &self.is_done())
            .field("resources_held", &self.tables.as_ref().map_or(0, |t| t.keep_alive.len()))
            .finish_non_exhaustive()
    }
}

impl InFlight {
    /// Work that `signal` says has finished (`None`: nothing was submitted), whose `tables`
    /// hold what it uses, the layouts it leaves and its completions: they go back to `recycler`
    /// (emptied) once the work has finished, so that the next batch or frame's recorder does
    /// not allocate them anew.
    pub(crate) fn new(
        owned: Option<Owned>,
        signal: Option<Signal>,
        staging: StagingMemoryManager,
        set: SetId,
        tables: Box<Tables>,
        recycler: Recycler,
    ) -> Self {
        let owned = owned.map(Box::new);
        Self { owned, signal, staging: Some(staging), set, tables: Some(tables), recycler, completed: false }
    }

    /// [`new`](Self::new) for a recorder's work without a command pool of its own; `staging`
    /// `None` where its set staged nothing (it is not released then).
    pub(crate) fn recorded(
        signal: Signal,
        staging: Option<StagingMemoryManager>,
        set: SetId,
        tables: Box<Tables>,
        recycler: Recycler,
    ) -> Self {
        Self { owned: None, signal: Some(signal), staging, set, tables: Some(tables), recycler, completed: false }
    }

    /// Whether the work has finished.
    pub fn is_done(&self) -> bool {
        self.completed || self.signal.as_ref().is_none_or(Signal::finished)
    }

    /// Applies the work's effects (layouts, downloads, staging) if it has finished, without
    /// waiting; whether it has.
    pub fn poll(&mut self) -> bool {
        if self.is_done() {
            self.complete();
        }
        self.completed
    }

    /// Waits for the work, then applies its effects (see the type's docs).
    pub fn wait(mut self) -> Result<()> {
        if let Some(signal) = &self.signal {
            if let Err(e) = signal.wait() {
                if matches!(e, Error::Timeout { .. }) {
                    // Still pending: nothing it holds may be freed.
                    self.leak();
                }
                return Err(e);
            }
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
        // A frame that changed no layout and completes nothing (its refit's structure was built
        // before) drains nothing: an empty map's drain would still clear its control bytes.
        if let Some(tables) = self.tables.as_mut().filter(|t| !t.layouts.is_empty() || !t.completions.is_empty()) {
            recorder::finish(tables.layouts.drain().map(|(_, v)| v), tables.completions.drain(..));
        }
        if let Some(staging) = &self.staging {
            staging.release_work_set(self.set);
        }
    }

    /// Forgets what the work holds (its wait timed out: it may still run).
    fn leak(&mut self) {
        std::mem::forget(self.owned.take());
        std::mem::forget(self.tables.take());
        self.completed = true;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.completed {
            if let Some(signal) = &self.signal {
                // On other errors the device is lost: nothing runs any more.
                if let Err(Error::Timeout { .. }) = signal.wait() {
                    return self.leak();
                }
            }
            self.complete();
        }
        if let Some(mut owned) = self.owned.take() {
            // SAFETY: the work finished (waited above), so the pools' command buffers are not
            // pending and the submissions that waited on the lane's semaphores are done; the
            // batch's own fence was never submitted. The next batch reuses them.
            unsafe {
                self.recycler.give(owned.pool, std::mem::take(&mut owned.allocated), owned.own_fence);
                owned.lane.give_back(&self.recycler);
            }
        }
        if let Some(tables) = self.tables.take() {
            // The work finished (waited above): what the tables hold is released here.
            self.recycler.give_tables(tables);
        }
    }
}
