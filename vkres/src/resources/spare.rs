//! Spare shared-state slots: the heap allocation of a dropped resource's shared state (its
//! `Arc`), kept per thread and filled by the next resource of its kind made on that thread,
//! instead of a `free` and a `malloc` (issue 20 item 3: the one allocation per buffer was ~180
//! of the ~460 host instructions `create_buffer` spent beyond `vmaCreateBuffer`). Used by
//! [`Buffer`](crate::Buffer), [`AccelerationStructure`](crate::AccelerationStructure),
//! [`Image`](crate::Image) and [`ImageView`](crate::ImageView) (a small BLAS has a buffer and a
//! structure, a texture an image and a view).
//!
//! A resource's handle holds an `Arc<Option<S>>` whose state is `Some` for as long as any
//! handle or hold has it: it is `None` only in a spare list, which holds the only reference
//! to it. When the last *handle* drops ([`retire`]: `Arc::get_mut` succeeds), the state is
//! dropped in place (the object destroyed, then its memory freed: the same order as before)
//! and the empty slot kept; where a hold of recorded work is the last reference instead, the
//! `Arc` drops as any other and its allocation is freed. Nothing but the allocation is reused:
//! identity (a live state's address) is as unique as before, since a slot is reused only once
//! nothing refers to it, exactly as `malloc` may reuse a freed address.
//!
//! A thread's list is freed with the thread's locals. Where a platform does not destroy
//! them (std's `LocalKey` documentation allows it; Linux does), an exiting thread's empty slots
//! stay allocated: no Vulkan object, at most [`cap`] slots a kind.
//!
//! A handle holds its slot as a [`Shared`]: filled on [`Shared::new`], retired on drop, read
//! through `Deref`. Each kind of state names its thread's list through [`Spare`].

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::Arc;
use std::thread::LocalKey;

/// A resource's shared state kept in spare slots: its thread-local list (declared with
/// [`spare_slots!`] next to the state's type).
pub(crate) trait Spare: Sized + 'static {
    /// This thread's spare slots of this kind.
    fn spares() -> &'static LocalKey<Spares<Self>>;
}

/// `spare_slots! { KEY: State }`, next to the state's type: declares `KEY`, a thread's spare
/// slots of `State` (a `thread_local!`; doc comments before `KEY` are its), and implements
/// [`Spare`] for `State` with it.
macro_rules! spare_slots {
    ($(#[$doc:meta])* $key:ident: $state:ty) => {
        thread_local! {
            $(#[$doc])*
            static $key: $crate::resources::spare::Spares<$state> =
                const { $crate::resources::spare::Spares::new() };
        }

        impl $crate::resources::spare::Spare for $state {
            #[inline(always)]
            fn spares() -> &'static ::std::thread::LocalKey<$crate::resources::spare::Spares<Self>> {
                &$key
            }
        }
    };
}
pub(crate) use spare_slots;

/// A handle's reference to its shared state's slot, which is `Some` for as long as the handle
/// lives: made by [`new`](Self::new) (a spare slot filled where the thread has one), dropped
/// through [`retire`] (the last handle's slot kept for the next one).
pub(crate) struct Shared<S: Spare>(ManuallyDrop<Arc<Option<S>>>);

impl<S: Spare> Shared<S> {
    /// A reference to a new slot holding `state` ([`fill`]).
    #[inline(always)]
    pub(crate) fn new(state: S) -> Self {
        Self(ManuallyDrop::new(fill(state)))
    }

    /// The state, where this is its only handle and no hold refers to it.
    #[inline]
    pub(crate) fn get_mut(&mut self) -> Option<&mut S> {
        Arc::get_mut(&mut self.0).and_then(Option::as_mut)
    }

    /// The slot's `Arc`: clones of it are the type-erased holds of recorded work (never
    /// retired: where one is the last reference, the slot is freed as any `Arc`'s).
    #[inline(always)]
    pub(crate) fn arc(&self) -> &Arc<Option<S>> {
        &self.0
    }
}

impl<S: Spare> Clone for Shared<S> {
    /// Another reference to the same slot.
    #[inline]
    fn clone(&self) -> Self {
        Self(ManuallyDrop::new(Arc::clone(&self.0)))
    }
}

impl<S: Spare> Deref for Shared<S> {
    type Target = S;

    /// The state, always `Some` while a handle refers to its slot.
    #[inline(always)]
    fn deref(&self) -> &S {
        match &**self.0 {
            Some(state) => state,
            None => empty_slot(),
        }
    }
}

impl<S: Spare> Drop for Shared<S> {
    fn drop(&mut self) {
        // SAFETY: `self.0` is not used again: this is its drop.
        let slot = unsafe { ManuallyDrop::take(&mut self.0) };
        retire(slot);
    }
}

/// A handle to an empty slot: never (slots are emptied only when no handle or hold refers
/// to them, and filled before a handle is made).
#[cold]
#[inline(never)]
fn empty_slot() -> ! {
    unreachable!("a resource handle refers to an emptied spare slot")
}

/// The spare slots kept per thread and kind: 2 MiB of them (16384 of a buffer's 128 bytes;
/// fewer of the larger image, view and structure states), at most 8 MiB a thread over the four
/// kinds. A thread keeps them after dropping that many resources (memory `malloc` would mostly
/// keep too) until it exits, past it a slot is freed. A batch of up to 16384 buffers dropped
/// and made again (the bench's 10 000) allocates none; a cap of 8192 buffers left 1808 of them
/// to `malloc` each round.
const CAP_BYTES: usize = 2 << 20;

/// How many spare slots of `S` a thread keeps ([`CAP_BYTES`] of them).
pub(crate) const fn cap<S>() -> usize {
    match CAP_BYTES.checked_div(std::mem::size_of::<Option<S>>()) {
        Some(n) => n,
        None => 0,
    }
}

/// One thread's spare slots of one kind of state (a `thread_local!` per kind): pointers from
/// `Arc::into_raw`, each the only reference to its empty (`None`) slot.
pub(crate) struct Spares<S>(RefCell<Vec<NonNull<Option<S>>>>);

impl<S> Spares<S> {
    /// No spare slot yet.
    pub(crate) const fn new() -> Self {
        Self(RefCell::new(Vec::new()))
    }
}

impl<S> Drop for Spares<S> {
    fn drop(&mut self) {
        for slot in self.0.get_mut().drain(..) {
            // SAFETY: from `Arc::into_raw` in `retire`, and the only reference to that `Arc`.
            drop(unsafe { Arc::from_raw(slot.as_ptr()) });
        }
    }
}

/// `state` in a slot of its own: a spare one of this thread where there is one (no
/// allocation, no atomic operation), a new `Arc` otherwise.
#[inline(always)]
fn fill<S: Spare>(state: S) -> Arc<Option<S>> {
    // `try_with`: none during the thread's destruction of its locals.
    match S::spares().try_with(|s| s.0.try_borrow_mut().ok().and_then(|mut v| v.pop())) {
        Ok(Some(slot)) => {
            // SAFETY: `slot` came from `Arc::into_raw` of an `Arc` that was the only reference
            // to its allocation when `retire` stored it (`get_mut` succeeded), and only the
            // list held it since: writing it cannot race or alias a reader. Its value is `None`
            // (nothing to drop), replaced whole.
            unsafe {
                slot.as_ptr().write(Some(state));
                Arc::from_raw(slot.as_ptr())
            }
        }
        _ => Arc::new(Some(state)),
    }
}

/// Drops a handle's reference: where it was the last one, the state is dropped in place (the
/// object destroyed) and the empty slot kept for [`fill`] (up to [`cap`] a thread); otherwise
/// the reference is dropped as any `Arc`'s.
#[inline]
fn retire<S: Spare>(mut slot: Arc<Option<S>>) {
    let Some(state) = Arc::get_mut(&mut slot) else { return };
    // Dropped before the list is borrowed: destroying an object may drop other resources.
    *state = None;
    // If the list is borrowed, full or gone (the thread's locals being destroyed), the slot is
    // freed (it holds nothing now).
    let _ = S::spares().try_with(move |s| {
        if let Ok(mut v) = s.0.try_borrow_mut() {
            if v.len() < cap::<S>() {
                // The only reference (`get_mut` above): `fill` may write it. (An `Arc`'s
                // pointer is never null.)
                if let Some(raw) = NonNull::new(Arc::into_raw(slot).cast_mut()) {
                    v.push(raw);
                }
            }
        }
    });
}
