//! Spare shared-state slots: the heap allocation of a dropped resource's shared state (its
//! `Arc`), kept per thread and filled by the next resource of its kind made on that thread,
//! instead of a `free` and a `malloc` (issue 20 item 3: the one allocation per buffer was ~180
//! of the ~460 host instructions `create_buffer` spent beyond `vmaCreateBuffer`).
//!
//! A resource's handle holds an `Arc<Option<S>>` whose state is `Some` for as long as any
//! handle or hold has it: it is `None` only in a spare list, which holds the only reference
//! to it. When the last *handle* drops ([`retire`]: `Arc::get_mut` succeeds), the state is
//! dropped in place (the object destroyed, then its memory freed: the same order as before)
//! and the empty slot kept; where a hold of recorded work is the last reference instead, the
//! `Arc` drops as any other and its allocation is freed. Nothing but the allocation is reused:
//! identity (a live state's address) is as unique as before, since a slot is reused only once
//! nothing refers to it, exactly as `malloc` may reuse a freed address.

use std::cell::RefCell;
use std::sync::Arc;
use std::thread::LocalKey;

/// Spare slots kept per thread and kind: 16384 of a buffer's 128 bytes is 2 MiB, which a
/// thread keeps only after dropping that many resources (and which `malloc` would mostly keep
/// too).
const CAP: usize = 16384;

/// One thread's spare slots of one kind of state (a `thread_local!` per kind).
pub(crate) struct Spares<S>(RefCell<Vec<Arc<Option<S>>>>);

impl<S> Spares<S> {
    /// No spare slot yet.
    pub(crate) const fn new() -> Self {
        Self(RefCell::new(Vec::new()))
    }
}

/// `state` in a slot of its own: a spare one of this thread where there is one (no
/// allocation), a new `Arc` otherwise.
#[inline(always)]
pub(crate) fn fill<S: 'static>(spares: &'static LocalKey<Spares<S>>, state: S) -> Arc<Option<S>> {
    // `try_with`: none during the thread's destruction of its locals.
    let spare = spares.try_with(|s| s.0.try_borrow_mut().ok().and_then(|mut v| v.pop())).ok().flatten();
    if let Some(mut slot) = spare {
        // A spare slot is referred to by nothing else (it was unique when retired, and only
        // the list held it since): `get_mut` succeeds.
        if let Some(empty) = Arc::get_mut(&mut slot) {
            *empty = Some(state);
            return slot;
        }
    }
    Arc::new(Some(state))
}

/// Drops a handle's reference: where it was the last one, the state is dropped in place (the
/// object destroyed) and the empty slot kept for [`fill`] (up to [`CAP`] a thread); otherwise
/// the reference is dropped as any `Arc`'s.
#[inline]
pub(crate) fn retire<S: 'static>(spares: &'static LocalKey<Spares<S>>, mut slot: Arc<Option<S>>) {
    let Some(state) = Arc::get_mut(&mut slot) else { return };
    // Dropped before the list is borrowed: destroying an object may drop other resources.
    *state = None;
    // If the list is borrowed, full or gone (the thread's locals being destroyed), the slot is
    // freed (it holds nothing now).
    let _ = spares.try_with(move |s| {
        if let Ok(mut v) = s.0.try_borrow_mut() {
            if v.len() < CAP {
                v.push(slot);
            }
        }
    });
}
