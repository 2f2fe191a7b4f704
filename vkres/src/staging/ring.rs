//! [`RingFences`]: N fences in a ring, each with user data: the frame loop of Merian's staging
//! example.

use std::sync::Arc;

use super::fence::Fence;
use crate::Context;
use crate::error::Result;

/// One slot of a [`RingFences`], handed out by [`RingFences::wait_and_get`]: its fence no
/// longer signals pending work (it was waited for and reset), and its user data is the
/// caller's to update.
///
/// Submit this iteration's work with the fence either through vkres
/// ([`Batch::submit_with_fence`](crate::Batch::submit_with_fence)) or with your own
/// `vkQueueSubmit(..., locked.handle())` with `locked` = [`slot.fence.lock_for_submit()`](Fence::lock_for_submit)
/// held around the submission (vkres may ask the fence's status from other threads): taking
/// the handle tells the ring that a submission of yours signals it, and the ring waits for it
/// before it resets the fence (VUID-vkResetFences-pFences-01123).
///
/// `Send`/`Sync` when `T` is: a borrow of the slot's fence and value.
#[derive(Debug)]
pub struct RingSlot<'a, T> {
    /// The slot's index in the ring.
    pub index: usize,
    /// The fence to submit this iteration's work with (e.g. [`Batch::submit_with_fence`](crate::Batch::submit_with_fence)).
    pub fence: &'a Fence,
    /// What the caller keeps with the slot (e.g. the previous iteration's `InFlight`).
    pub user_data: &'a mut T,
}

/// `N` fences used in turn, each with user data of type `T`: `wait_and_get` waits for the
/// oldest slot's fence, so at most `N` iterations are in flight.
///
/// ```no_run
/// # fn demo(ctx: &std::sync::Arc<vkres::Context>, alloc: &vkres::ResourceAllocator, buffer: &vkres::Buffer<u32>) -> vkres::Result<()> {
/// let mut ring = vkres::RingFences::<3, Option<vkres::InFlight>>::new(ctx)?;
/// for frame in 0..100u32 {
///     let slot = ring.wait_and_get()?;
///     drop(slot.user_data.take()); // the slot's last frame finished: release its staging
///     let mut batch = alloc.batch()?;
///     batch.upload(buffer, 0, &[frame])?;
///     *slot.user_data = Some(batch.submit_with_fence(slot.fence)?);
/// }
/// # Ok(()) }
/// ```
///
/// `Send`/`Sync` when `T` is: fences are.
#[derive(Debug)]
pub struct RingFences<const N: usize, T> {
    fences: Vec<Fence>,
    data: Vec<T>,
    next: usize,
}

impl<const N: usize, T: Default> RingFences<N, T> {
    /// `N` fences (at least one) and `N` default user data.
    pub fn new(ctx: &Arc<Context>) -> Result<Self> {
        let n = N.max(1);
        let fences = (0..n).map(|_| Fence::new(ctx, false)).collect::<Result<Vec<_>>>()?;
        Ok(Self { fences, data: (0..n).map(|_| T::default()).collect(), next: 0 })
    }
}

impl<const N: usize, T> RingFences<N, T> {
    /// Waits for the oldest slot's work (if any was submitted with its fence, through vkres or
    /// with its [`handle`](Fence::handle)), resets the fence and hands out the slot.
    pub fn wait_and_get(&mut self) -> Result<RingSlot<'_, T>> {
        let index = self.next;
        // The slot is handed out only once its fence is reset: after an error (a timeout, a
        // reset on another clone) the next call tries the same slot again.
        self.fences[index].wait_and_reset()?;
        self.next = (index + 1) % self.fences.len();
        Ok(RingSlot { index, fence: &self.fences[index], user_data: &mut self.data[index] })
    }

    /// The user data of every slot.
    pub fn user_data(&self) -> &[T] {
        &self.data
    }
}
