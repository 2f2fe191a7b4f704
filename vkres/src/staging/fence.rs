//! [`Fence`]: a shared, RAII `VkFence`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

use ash::vk;

use crate::Context;
use crate::error::{BatchError, Error, Result, VkContext};

/// [`FenceShared::state`] bit: a vkres submission signals it since its last reset (else
/// waiting would never end).
const SUBMITTED: u64 = 1;
/// [`FenceShared::state`] bit: its handle was given out since its last reset: the caller's own
/// submission (`vkQueueSubmit(..., fence)`, Merian's frame loop) may signal it, so a reset waits
/// first (VUID-vkResetFences-pFences-01123), and arming it for a submission (vkres's own, a
/// recorder's `finish` or `prepare_for_own_submission`) refuses it while unsignalled: that
/// submission may still be pending (session 9, helper "mend10"), and its signal would count as
/// the new work's.
const LENT: u64 = 2;
/// [`FenceShared::state`] bit: known unsignalled without asking the driver: created unsignalled
/// or reset by vkres, and since then neither armed for a submission nor its handle lent. Spares
/// [`arm_for_submission`](Fence::arm_for_submission) a `vkGetFenceStatus` in the frame loop
/// (`RingFences::wait_and_get` resets the fence, the recorder's `finish` arms it).
const KNOWN_UNSIGNALLED: u64 = 4;
/// [`FenceShared::state`] bit: a [`Fence::wait_and_reset`] runs (claimed by a
/// compare-exchange): another reset, or an arm for a submission, is
/// [`BatchError::FenceBusy`] meanwhile. Two clones that both found the fence signalled would
/// otherwise both reset it, the second after the first armed it and submitted with it
/// (VUID-vkResetFences-pFences-01123, racing that vkQueueSubmit).
const RESETTING: u64 = 8;
/// [`FenceShared::state`]: the bits above count [`handle`](Fence::handle) calls, so that a reset
/// can tell a handle lent while it ran from the one it waited for (no ABA on [`LENT`]).
const LEND_ONE: u64 = 16;

struct FenceShared {
    handle: vk::Fence,
    ctx: Arc<Context>,
    /// [`SUBMITTED`], [`LENT`] and [`KNOWN_UNSIGNALLED`] and the lend count, in one word: a
    /// reset publishes "known unsignalled" only if nothing armed or lent the fence since it
    /// read the word (a compare-exchange), so a concurrent [`Fence::handle`] always wins.
    state: AtomicU64,
    /// Counts resets: work submitted with generation g has finished once the generation moved on.
    generation: AtomicU64,
    /// Host synchronisation of the `VkFence` (session 10, helper "mend13", review13 #1):
    /// `vkResetFences` and `vkQueueSubmit*` with the fence are writes of an externally
    /// synchronised parameter, `vkGetFenceStatus` and `vkWaitForFences` reads (which may overlap
    /// one another). Reads take it shared, without ever blocking on it ([`Fence::is_signalled`]
    /// reads a held write lock as "not signalled", a wait slice naps and asks again); writes
    /// (a reset, vkres's own submission with the fence, the caller's under
    /// [`Fence::lock_for_submit`]) take it exclusively, for the one call. Every read holds it
    /// for one call of at most a wait slice, so a write waits at most that long.
    sync: RwLock<()>,
    /// The [`thread_id`] of the thread holding a [`FenceSubmitGuard`], 0 if none: a write of
    /// vkres's on that thread (the caller resetting or arming the fence while holding its
    /// guard) is [`BatchError::FenceBusy`] rather than a deadlock on `sync`.
    guard_owner: AtomicU64,
}

thread_local! {
    /// This thread's [`thread_id`], 0 until first asked.
    static THREAD_ID: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// A number per thread, never 0 (cheaper than `std::thread::current().id()`, which clones an
/// `Arc`).
fn thread_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    THREAD_ID
        .try_with(|id| {
            if id.get() == 0 {
                id.set(NEXT.fetch_add(1, Ordering::Relaxed));
            }
            id.get()
        })
        // Not reached (a const-initialised `Cell` has no destructor, so `try_with` does not
        // fail during teardown); an id no guard holder has, should it be.
        .unwrap_or(u64::MAX)
}

/// The caller's exclusive use of a [`Fence`] for its own `vkQueueSubmit*` with the fence's
/// handle, from [`Fence::lock_for_submit`]: while it lives, no other thread resets, submits
/// with, waits on or asks the status of the fence through vkres (they wait for it, or take a
/// status query as "not signalled"). Hold it around the submission. On the thread that holds
/// it, a status query or a wait (an [`InFlight`](crate::InFlight) of the fence dropped) runs
/// as without it; a reset or an arm of the fence is
/// [`BatchError::FenceBusy`](crate::BatchError::FenceBusy).
///
/// Submit on the thread that took it: vkres's own status queries and waits on that thread run
/// without the lock, so a submission made with [`handle`](Self::handle) from another thread
/// could overlap them. Neither `Send` nor `Sync` (a `&FenceSubmitGuard` cannot reach another
/// thread either): it is a lock of the thread that took it.
pub struct FenceSubmitGuard<'a> {
    fence: &'a Fence,
    _write: RwLockWriteGuard<'a, ()>,
    /// Not `Sync` (the write guard alone is `Sync`; review14 #2).
    _not_sync: std::marker::PhantomData<std::cell::Cell<()>>,
}

impl FenceSubmitGuard<'_> {
    /// The `VkFence` to submit with (lent, as by [`Fence::handle`]).
    pub fn handle(&self) -> vk::Fence {
        self.fence.shared.handle
    }
}

impl Drop for FenceSubmitGuard<'_> {
    fn drop(&mut self) {
        // Before the write lock (a field) is released.
        self.fence.shared.guard_owner.store(0, Ordering::Release);
    }
}

impl std::fmt::Debug for FenceSubmitGuard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FenceSubmitGuard").field("handle", &self.fence.shared.handle).finish()
    }
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
/// `Send + Sync`: a shared handle; its submission state and generation are atomics, and every
/// use of the `VkFence` by vkres is host-synchronised by a lock of the fence's own (a reset or
/// a submission with it excludes every other use; status queries and waits may overlap each
/// other). The caller's own submission with the [`handle`](Self::handle) takes the same lock:
/// [`lock_for_submit`](Self::lock_for_submit).
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
            state: AtomicU64::new(if signalled { 0 } else { KNOWN_UNSIGNALLED }),
            generation: AtomicU64::new(0),
            sync: RwLock::new(()),
            guard_owner: AtomicU64::new(0),
        };
        Ok(Self { shared: Arc::new(shared) })
    }

    /// The `VkFence`, for the caller's own submission (`vkQueueSubmit(..., fence)`).
    ///
    /// Taking the handle counts as submitting with it: a [`RingFences`](crate::RingFences)
    /// slot whose fence handle was taken waits for the fence to signal before it resets it and
    /// hands the slot out again, so a submission made with the handle must follow (or the next
    /// wait for the slot does not end). Take the handle in each iteration that submits with it:
    /// submitting with a handle taken before the fence's last reset (a
    /// [`RingFences::wait_and_get`](crate::RingFences::wait_and_get), or a vkres submission that
    /// found it signalled) is not allowed, since that reset did not wait for it.
    ///
    /// Until the fence has signalled, arming it for another submission is [`Error::Batch`]
    /// ([`BatchError::FenceBusy`](crate::BatchError::FenceBusy)): vkres's own
    /// ([`Batch::submit_with_fence`](crate::Batch::submit_with_fence)), a recorder's
    /// [`finish`](crate::Recorder::finish) and
    /// [`prepare_for_own_submission`](Self::prepare_for_own_submission). The caller's submission
    /// may still signal it (VUID-vkQueueSubmit2-fence-04895), and that signal would count as the
    /// new work finishing. So for a recorder's command buffer, take the handle after `finish`
    /// (and after `prepare_for_own_submission` for other work of your own).
    ///
    /// Host synchronisation: vkres may ask the fence's status or wait on it from any thread at
    /// any moment (an [`InFlight`](crate::InFlight) of its work, the staging manager releasing a
    /// set on it), and `vkQueueSubmit*` names the fence externally synchronised. So make the
    /// caller's own `vkQueueSubmit*` with the handle while holding
    /// [`lock_for_submit`](Self::lock_for_submit)'s guard (which gives the handle too), and
    /// wait on the fence or ask its status through [`wait`](Self::wait) /
    /// [`is_signalled`](Self::is_signalled), not with the handle: vkres may reset it meanwhile.
    pub fn handle(&self) -> vk::Fence {
        // One read-modify-write: lent, no longer known unsignalled, and a new lend count (a
        // reset running now sees the word changed and leaves "known unsignalled" unset).
        let _ = self.shared.state.fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| Some(lend(s)));
        self.shared.handle
    }

    /// Locks the fence for the caller's own `vkQueueSubmit*` with its handle, and lends the
    /// handle (as [`handle`](Self::handle) does, with the same rules: after
    /// [`prepare_for_own_submission`](Self::prepare_for_own_submission) or a recorder's
    /// [`finish`](crate::Recorder::finish), once per submission). While the guard lives, no
    /// thread of vkres's uses the fence (session 10, helper "mend13", review13 #1: the
    /// staging manager and [`InFlight`](crate::InFlight)s may ask its status from other
    /// threads at any moment, and a status query during the submission is invalid usage).
    ///
    /// ```no_run
    /// # fn demo(ctx: &vkres::Context, fence: &vkres::Fence, submit: vkres::vk::SubmitInfo2<'_>) -> vkres::Result<()> {
    /// fence.prepare_for_own_submission()?;
    /// let locked = fence.lock_for_submit()?;
    /// // SAFETY: the submission's command buffers are valid; the fence is readied and locked.
    /// unsafe { ctx.submit(&[submit], locked.handle()) }?;
    /// drop(locked);
    /// # Ok(()) }
    /// ```
    ///
    /// Waits while vkres uses the fence (one call of vkres's, a wait slice at most), or while
    /// another thread holds a guard of it (as long as that thread keeps it: a guard kept or
    /// forgotten there blocks this call, and vkres's resets of the fence, that long).
    /// [`Error::Batch`]
    /// ([`BatchError::FenceBusy`](crate::BatchError::FenceBusy)) on a thread that already
    /// holds a guard of this fence.
    pub fn lock_for_submit(&self) -> Result<FenceSubmitGuard<'_>> {
        if self.guarded_here() {
            return Err(Error::Batch(BatchError::FenceBusy));
        }
        // Lent before the lock is taken: whenever a guard holds (or waits for) the lock, the
        // word says `LENT`, so an arm refuses the fence and a reset waits for its signal.
        let _ = self.handle();
        let write = self.shared.sync.write().unwrap_or_else(PoisonError::into_inner);
        self.shared.guard_owner.store(thread_id(), Ordering::Release);
        Ok(FenceSubmitGuard { fence: self, _write: write, _not_sync: std::marker::PhantomData })
    }

    /// Whether this thread holds a [`FenceSubmitGuard`] of the fence: vkres's own writes
    /// (a reset, an arm) are then [`BatchError::FenceBusy`], not a deadlock.
    fn guarded_here(&self) -> bool {
        self.shared.guard_owner.load(Ordering::Acquire) == thread_id()
    }

    /// The lock of one read of the fence (`vkGetFenceStatus`, one `vkWaitForFences` slice);
    /// `None`, without blocking, while a write of another thread holds it or waits for it.
    /// `Some(None)` on the thread that holds the caller's [`FenceSubmitGuard`]: that thread
    /// already has the fence to itself, and its read comes after its own submission, not
    /// during it (so an `InFlight` waited for or dropped while the guard lives does not wait
    /// for a lock it holds).
    fn try_read(&self) -> Option<Option<RwLockReadGuard<'_, ()>>> {
        match self.shared.sync.try_read() {
            Ok(read) => Some(Some(read)),
            Err(TryLockError::Poisoned(poisoned)) => Some(Some(poisoned.into_inner())),
            Err(TryLockError::WouldBlock) if self.guarded_here() => Some(None),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// The lock of vkres's own submission with the fence ([`raw`](Self::raw)), held around that
    /// `vkQueueSubmit*` (taken before the queue's lock). The fence was armed just before
    /// ([`arm_for_submission`](Self::arm_for_submission), which refuses a thread holding the
    /// caller's guard), so this waits only for reads (one call each).
    pub(crate) fn lock_write(&self) -> RwLockWriteGuard<'_, ()> {
        self.shared.sync.write().unwrap_or_else(PoisonError::into_inner)
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
    ///
    /// `false` while a reset of the fence or a submission with it runs on another thread (or
    /// under a [`FenceSubmitGuard`]): the fence is being unsignalled, or readied for new work,
    /// so "not signalled" is what it is about to be; the query does not wait for the lock.
    pub fn is_signalled(&self) -> bool {
        let Some(_read) = self.try_read() else { return false };
        // SAFETY: the fence is live; `_read` keeps resets and submissions with it off.
        unsafe { self.shared.ctx.device().get_fence_status(self.shared.handle) }.unwrap_or(false)
    }

    /// Waits until it has signalled, at most [`Context::wait_timeout`]: a fence that no
    /// submission signals (or a hung device) is [`Error::Timeout`](crate::Error::Timeout).
    pub fn wait(&self) -> Result<()> {
        let handle = self.shared.handle;
        let generation = self.shared.generation.load(Ordering::Relaxed);
        let submitted = self.shared.state.load(Ordering::Relaxed) & SUBMITTED != 0;
        self.wait_while(
            || true,
            || {
                let by = if submitted { "armed by a vkres submission" } else { "no vkres submission armed it" };
                format!("vkres::Fence {handle:?} (generation {generation}, {by})")
            },
        )
    }

    /// A wait for the fence in slices of at most 100 ms (`context/wait.rs`, `WAIT_SLICE`),
    /// each under a read lock (so a reset or a submission waits at most one slice), ended
    /// early with `Ok` once `keep_waiting` says no ([`Context::wait_fence_while`]).
    fn wait_while(&self, keep_waiting: impl FnMut() -> bool, what: impl FnOnce() -> String) -> Result<()> {
        // SAFETY: the fence is live; every `vkWaitForFences` runs under `try_read`'s lock.
        unsafe { self.shared.ctx.wait_fence_while(self.shared.handle, || self.try_read(), keep_waiting, what) }
    }

    /// Waits for the submission that signals it, if any (vkres's own, or the caller's with the
    /// [`handle`](Self::handle) taken since the last reset), then unsignals it for the next one.
    ///
    /// One reset at a time: while another clone's runs, [`Error::Batch`]
    /// ([`BatchError::FenceBusy`](crate::BatchError::FenceBusy)), as is an
    /// [`arm`](Self::arm) meanwhile ([`RESETTING`]).
    pub(crate) fn wait_and_reset(&self) -> Result<()> {
        if self.guarded_here() {
            // The caller holds this fence's guard on this thread: the reset's lock would never come.
            return Err(Error::Batch(BatchError::FenceBusy));
        }
        let before = self
            .shared
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, claim_reset)
            .map_err(|_| Error::Batch(BatchError::FenceBusy))?;
        let reset = (|| {
            if before & (SUBMITTED | LENT) != 0 {
                self.wait()?;
            }
            // Host synchronisation (review13 #1): no status query, wait slice or submission
            // with the fence runs on another thread during `vkResetFences`.
            let _write = self.lock_write();
            // The generation moves on first: the work of the current one was waited for (or
            // never submitted), so an `InFlight` of it that reads the generation from now on
            // does not wait on the fence, which is unsignalled after the reset (session 9,
            // helper "mend10"). One that read it just before is caught by `wait_for`'s recheck.
            self.shared.generation.fetch_add(1, Ordering::AcqRel);
            // SAFETY: no pending submission signals the fence (VUID-vkResetFences-pFences-01123):
            // vkres's own and any the caller made with the handle were waited for above; without
            // either, the handle never left vkres since the last reset, so nothing was submitted.
            // No other reset runs and nothing arms it until `RESETTING` is cleared below;
            // `_write` excludes every other use of the fence meanwhile.
            unsafe { self.shared.ctx.device().reset_fences(&[self.shared.handle]) }.op("vkResetFences")?;
            Ok(())
        })();
        // Clears what was waited for; "known unsignalled" only if the word did not change since
        // it was read: a `handle()` meanwhile keeps its bits, and the next submission asks the
        // driver (a handle lent meanwhile is waited for by the next reset). A failed wait or
        // reset only gives the claim back.
        let next = |now: u64| Some(if reset.is_ok() { settle(before, now & !RESETTING) } else { now & !RESETTING });
        let _ = self.shared.state.fetch_update(Ordering::AcqRel, Ordering::Acquire, next);
        reset
    }

    /// Marks it as signalled by a submission about to be made, and returns its generation;
    /// `None` if a submission already signals it, may signal it (its handle lent since the last
    /// reset), or a reset runs: checked in the compare-exchange that arms it, not on an earlier
    /// load (a `handle()` between the two would otherwise go unseen).
    pub(crate) fn arm(&self) -> Option<u64> {
        let armed = self.shared.state.fetch_update(Ordering::AcqRel, Ordering::Acquire, mark_armed).is_ok();
        armed.then(|| self.shared.generation.load(Ordering::Acquire))
    }

    /// Readies it for a submission about to be made and arms it ([`arm`](Self::arm)): a
    /// signalled fence (created signalled, or the work it was armed for finished, waited for
    /// or not) is reset first, since a fence given to a submission must be unsignalled
    /// (VUID-vkQueueSubmit2-fence-04894), and work of its earlier generation then counts as
    /// finished; one a pending submission still signals is [`Error::Batch`]
    /// ([`BatchError::FenceBusy`](crate::BatchError::FenceBusy)).
    ///
    /// An unsignalled fence whose handle was lent is busy too, for vkres's own submission and
    /// for the caller's alike (a recorder's `finish`, `prepare_for_own_submission`): the
    /// caller's submission with that handle may still signal it
    /// (VUID-vkQueueSubmit2-fence-04895), and its signal would count as this work finishing
    /// (its staging and holds released while it runs). The caller takes the handle for the
    /// submission being prepared after this returns.
    pub(crate) fn arm_for_submission(&self) -> Result<u64> {
        let busy = || Error::Batch(BatchError::FenceBusy);
        if self.guarded_here() {
            // The caller holds this fence's guard on this thread (it submits with it now).
            return Err(busy());
        }
        // Reset by vkres and not handed out since: unsignalled, no status query needed.
        let state = self.shared.state.load(Ordering::Acquire);
        if state & RESETTING != 0 {
            // Another clone resets it (and may arm it next): not this submission's.
            return Err(busy());
        }
        if state & KNOWN_UNSIGNALLED == 0 && self.is_signalled() {
            // Signalled: whatever submission signals it has finished (vkres's own or the
            // caller's), so the reset below breaks no pending work (VUID-vkResetFences-pFences-01123).
            self.wait_and_reset()?;
        } else if state & (SUBMITTED | LENT) != 0 {
            return Err(busy());
        }
        // `mark_armed` checks the word again: a `handle()` since the load above is refused.
        self.arm().ok_or_else(busy)
    }

    /// Tells the fence that the caller's own submission (not made through vkres) is about to
    /// signal it: a signalled fence is reset first (never handed to Vulkan signalled), and
    /// [`RingFences::wait_and_get`](crate::RingFences::wait_and_get) and the
    /// [`InFlight`](crate::InFlight)s of its generation then wait for that submission before
    /// the fence is reset or reused. Submit with the handle of
    /// [`lock_for_submit`](Self::lock_for_submit) right after (its guard held around the
    /// submission); if the submission is not made, the next wait ends with [`Error::Timeout`](crate::Error::Timeout).
    /// One that a pending submission may still signal is [`Error::Batch`]
    /// ([`BatchError::FenceBusy`](crate::BatchError::FenceBusy)): a vkres submission, or the
    /// caller's own with a [`handle`](Self::handle) taken since the fence's last reset (take
    /// the handle after this call, not before).
    pub fn prepare_for_own_submission(&self) -> Result<()> {
        self.arm_for_submission().map(|_| ())
    }

    /// Undoes [`arm`](Self::arm) when the submission failed.
    pub(crate) fn disarm(&self) {
        self.shared.state.fetch_and(!SUBMITTED, Ordering::AcqRel);
    }

    /// Whether work submitted in `generation` has finished: the fence signalled, or was
    /// waited for and reset since.
    pub(crate) fn finished(&self, generation: u64) -> bool {
        let moved = || self.shared.generation.load(Ordering::Acquire) != generation;
        // Read again after an unsignalled status: a reset may have waited for the work and
        // unsignalled the fence in between (it moves the generation first).
        moved() || self.is_signalled() || moved()
    }

    /// Waits for work submitted in `generation`: ends at once, or after the slice it is in
    /// ([`Context::wait_fence_while`]), once the generation moves on. A reset that waited for
    /// that work and unsignalled the fence after this read the generation (review9 #4) ends it
    /// with `Ok`, not with [`Error::Timeout`] (session 9, helper "mend10") and not after the
    /// whole wait timeout either (review10 #3, helper "mend11"): the generation is read again
    /// after every slice.
    pub(crate) fn wait_for(&self, generation: u64) -> Result<()> {
        let current = || self.shared.generation.load(Ordering::Acquire);
        if current() != generation {
            return Ok(());
        }
        let handle = self.shared.handle;
        self.wait_while(
            || current() == generation,
            || format!("vkres::Fence {handle:?} (generation {generation}, armed by a vkres submission)"),
        )
    }
}

/// What [`Fence::handle`] does to the word `s`: lent, no longer known unsignalled, a new lend
/// count.
fn lend(s: u64) -> u64 {
    (s.wrapping_add(LEND_ONE) | LENT) & !KNOWN_UNSIGNALLED
}

/// What [`Fence::arm`] does to the word `s`: submitted, no longer known unsignalled; `None`
/// where a submission already signals it, its handle was lent since the last reset (the
/// caller's submission may signal it), or a reset runs.
fn mark_armed(s: u64) -> Option<u64> {
    (s & (SUBMITTED | LENT | RESETTING) == 0).then_some((s | SUBMITTED) & !KNOWN_UNSIGNALLED)
}

/// [`Fence::wait_and_reset`]'s claim on the word `s`: [`RESETTING`] set, unless another reset
/// holds it.
fn claim_reset(s: u64) -> Option<u64> {
    (s & RESETTING == 0).then_some(s | RESETTING)
}

/// The state word after a reset that read `before` (and waited for what it named) finds `now`:
/// clears what was waited for; "known unsignalled" only if the word did not change meanwhile,
/// so a [`Fence::handle`] that ran during the reset keeps its bits and the next submission asks
/// the driver (a handle lent meanwhile is waited for by the next reset). An arm cannot run
/// during a reset (the reset holds `RESETTING`, and an arm then is `FenceBusy`); `settle` would
/// keep its bits all the same.
fn settle(before: u64, now: u64) -> u64 {
    let mut next = now & !(before & SUBMITTED);
    if now == before {
        next = (next & !LENT) | KNOWN_UNSIGNALLED;
    } else if (now ^ before) & !(LEND_ONE - 1) == 0 {
        // Same lend count: no handle lent meanwhile, the one waited for is done.
        next &= !LENT;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_reset_is_known_unsignalled() {
        for before in [0, SUBMITTED, LENT, SUBMITTED | LENT, lend(lend(0))] {
            let after = settle(before, before);
            assert_eq!(after & (SUBMITTED | LENT | KNOWN_UNSIGNALLED), KNOWN_UNSIGNALLED, "{before:#b}");
        }
    }

    #[test]
    fn handle_during_reset_wins() {
        // Lent before the reset read the word, and again while it ran (the same bits, a new count).
        let before = lend(0);
        let after = settle(before, lend(before));
        assert_eq!(after & LENT, LENT);
        assert_eq!(after & KNOWN_UNSIGNALLED, 0);
        // Not lent before: the reset must not mark it known unsignalled either.
        let after = settle(KNOWN_UNSIGNALLED, lend(KNOWN_UNSIGNALLED));
        assert_eq!(after & (LENT | KNOWN_UNSIGNALLED), LENT);
    }

    #[test]
    fn one_reset_at_a_time_and_no_arm_during_one() {
        for s in [0, SUBMITTED, LENT, KNOWN_UNSIGNALLED, lend(lend(SUBMITTED))] {
            let claimed = claim_reset(s).expect("free");
            assert_eq!(claimed, s | RESETTING);
            assert_eq!(claim_reset(claimed), None, "a second reset of {s:#b} while one runs");
            // `arm` is refused while a reset runs, and allowed after it (unless submitted or lent).
            assert_eq!(mark_armed(claimed), None, "an arm of {s:#b} while a reset runs");
            assert_eq!(mark_armed(s).is_some(), s & (SUBMITTED | LENT) == 0);
            // The claim is not a lend: the lend count and its bits stay apart.
            assert_eq!(lend(claimed) & RESETTING, RESETTING);
            assert_eq!(settle(s, claimed & !RESETTING) & RESETTING, 0);
        }
    }

    #[test]
    fn a_lent_fence_is_not_armed() {
        // Session 9, helper "mend10": the handle lent after `arm_for_submission` loaded the
        // word (or after its reset), before its compare-exchange: the arm itself refuses it, for
        // vkres's submission and the recorder's alike (the caller's submission with the handle
        // may be pending, VUID-vkQueueSubmit2-fence-04895).
        for s in [0, KNOWN_UNSIGNALLED, settle(lend(0), lend(0)), lend(lend(KNOWN_UNSIGNALLED))] {
            assert!(mark_armed(s).is_some() || s & LENT != 0, "{s:#b}");
            assert_eq!(mark_armed(lend(s)), None, "an arm of {s:#b} lent");
        }
        // A reset that waited for the lent handle's submission clears `LENT`: armed again.
        let reset = settle(lend(KNOWN_UNSIGNALLED), lend(KNOWN_UNSIGNALLED));
        assert_eq!(reset & LENT, 0);
        assert!(mark_armed(reset).is_some());
        // A handle lent while the reset ran keeps `LENT`: refused.
        let before = lend(0);
        assert_eq!(mark_armed(settle(before, lend(before))), None);
    }

    #[test]
    fn settle_keeps_bits_set_during_the_reset() {
        // Nothing pending before; `SUBMITTED` set while the reset ran (not possible through an
        // arm any more, which `RESETTING` refuses: the rule itself keeps every bit it did not
        // wait for).
        let after = settle(LENT, (LENT | SUBMITTED) & !KNOWN_UNSIGNALLED);
        assert_eq!(after & (SUBMITTED | LENT | KNOWN_UNSIGNALLED), SUBMITTED);
    }
}
