//! [`FirstUse`]: whether recorded work has used a buffer or image yet, and whether a batch's
//! transfer lane has claimed it (`allocator/lane.rs`).

use std::sync::atomic::{AtomicU8, Ordering};

/// No recorded work has used it: a transfer-lane upload needs to wait for nothing.
const FRESH: u8 = 1;
/// A batch's transfer lane claimed it (its first use): other recordings are refused until that
/// batch's work has finished, since they would not be ordered after the lane's copy.
const ON_LANE: u8 = 2;
/// Used by recorded work (or released by the lane that claimed it).
const USED: u8 = 0;

/// A resource's first-use state: one byte in its shared state, written at most twice.
#[derive(Debug)]
pub(crate) struct FirstUse(AtomicU8);

impl FirstUse {
    /// A resource no work has used (`true`), or one whose contents work may already use.
    pub(crate) fn new(fresh: bool) -> Self {
        Self(AtomicU8::new(if fresh { FRESH } else { USED }))
    }

    /// Whether no recorded work has used it, nor a lane claimed it.
    pub(crate) fn is_fresh(&self) -> bool {
        self.0.load(Ordering::Relaxed) == FRESH
    }

    /// Marks it used by recorded work (a fresh one; a claimed one stays claimed).
    pub(crate) fn mark_used(&self) {
        // Read first: later uses only read it (no store into the line of the counts).
        if self.is_fresh() {
            let _ = self.0.compare_exchange(FRESH, USED, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    /// Marks it used, with no other handle to it (`&mut`: a moved resource).
    pub(crate) fn set_used(&mut self) {
        *self.0.get_mut() = USED;
    }

    /// Claims it for a transfer lane, atomically: `true` for the one caller that found it
    /// fresh (of two threads uploading into one unused resource at once, only one takes the
    /// transfer queue), `false` for every other.
    pub(crate) fn claim_for_lane(&self) -> bool {
        // Read first: a used resource (the common case) costs no write to the shared line.
        self.is_fresh() && self.0.compare_exchange(FRESH, ON_LANE, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }

    /// Marks it used by the recording about to use it, unless a lane claimed it: `false` then
    /// (and nothing changes). One atomic step, so that a lane's claim and this use never both
    /// succeed (a test and a later mark would let a claim in between).
    pub(crate) fn use_now(&self) -> bool {
        match self.0.load(Ordering::Acquire) {
            USED => true,
            FRESH => match self.0.compare_exchange(FRESH, USED, Ordering::Relaxed, Ordering::Acquire) {
                Ok(_) => true,
                Err(now) => now != ON_LANE,
            },
            _ => false,
        }
    }

    /// Whether a lane claimed it and its batch's work has not finished.
    pub(crate) fn on_lane(&self) -> bool {
        // Acquire: pairs with `release_lane` (made after the claiming work finished).
        self.0.load(Ordering::Acquire) == ON_LANE
    }

    /// Ends a lane's claim, once the work of the batch that made it has finished.
    pub(crate) fn release_lane(&self) {
        let _ = self.0.compare_exchange(ON_LANE, USED, Ordering::Release, Ordering::Relaxed);
    }
}
