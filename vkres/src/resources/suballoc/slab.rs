//! Slabs: the fast path for many ranges of one size. Once an arena has been asked for
//! [`WARM_REQUESTS`] ranges of one size and alignment, it takes [`SLOTS`] of them at a time
//! as one allocation of its virtual block (a [`Slab`]) and hands its slots out one by one: a
//! bit search under the arena's lock instead of a TLSF search, and a counted reference to the
//! slab instead of a heap allocation per range. A slot goes back to its slab when its last
//! handle drops (a lock-free bit set); the slab goes back to the block when its last slot has.
//!
//! See docs/design-notes.md ("Suballocated buffers: the slab fast path").

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering, fence};
use std::sync::{Arc, Weak};

use vk_mem::VirtualAllocation;

use super::ArenaShared;
use super::block::Block;

/// Slots per slab: the bits of one `u64`.
pub(super) const SLOTS: u64 = 64;
/// Ranges of one size and alignment asked for before that size gets slabs: an arena that
/// hands out a few ranges of many sizes keeps every range exact-sized.
const WARM_REQUESTS: u64 = 16;
/// Sizes an arena keeps slabs for; other sizes take exact-sized ranges.
const MAX_CLASSES: usize = 16;
/// A slab takes at most this fraction of the arena (1/16), so that one size's slabs cannot
/// crowd out the others'.
const SLAB_SHARE: u64 = 16;

/// [`SLOTS`] ranges of one size, taken from the arena's block as one allocation.
pub(crate) struct Slab {
    arena: Arc<ArenaShared>,
    allocation: VirtualAllocation,
    /// Offset of slot 0 in the arena's buffer.
    base: u64,
    /// Bytes from one slot to the next (the size rounded up to the alignment).
    stride: u64,
    /// Slots whose last handle dropped and that the size's class has not taken back yet
    /// (bit `i`: slot `i`). Set without the arena's lock, cleared under it.
    returned: AtomicU64,
    /// Handles of each slot: 0 while the slot is free.
    refs: [AtomicUsize; SLOTS as usize],
}

impl Slab {
    /// The arena the slab is part of.
    pub(super) fn arena(&self) -> &ArenaShared {
        &self.arena
    }

    /// Slots that have handles.
    fn live(&self) -> usize {
        self.refs.iter().filter(|r| r.load(Ordering::Relaxed) > 0).count()
    }
}

impl Drop for Slab {
    fn drop(&mut self) {
        // Every slot's last handle is gone, and every recorder that used a slot held it until
        // its work finished: no device work uses the slab's bytes any more.
        self.arena.lock().block.free(&mut self.allocation);
    }
}

/// One handle of a slot: what a [`SubBuffer`](super::SubBuffer) of a slab holds. Cloning
/// counts a handle; the last one to drop returns the slot to its slab.
pub(crate) struct SlotRef {
    slab: Arc<Slab>,
    index: u32,
}

impl SlotRef {
    /// The slab the slot is part of.
    pub(super) fn slab(&self) -> &Slab {
        &self.slab
    }
}

impl Clone for SlotRef {
    fn clone(&self) -> Self {
        // At most as many handles as references to the slab, which `Arc` keeps below
        // `isize::MAX`: the count cannot overflow.
        self.slab.refs[self.index as usize].fetch_add(1, Ordering::Relaxed);
        Self { slab: self.slab.clone(), index: self.index }
    }
}

impl Drop for SlotRef {
    fn drop(&mut self) {
        if self.slab.refs[self.index as usize].fetch_sub(1, Ordering::Release) == 1 {
            // The last handle: every use of the slot through any handle happens before the
            // slot is handed out again (the class takes `returned` with `Acquire`).
            fence(Ordering::Acquire);
            self.slab.returned.fetch_or(1 << self.index, Ordering::Release);
        }
        // The `Arc` drops after this body: the last slot's drop returns the slab.
    }
}

/// The slabs of one size and alignment, under the arena's lock.
struct Class {
    size: u64,
    alignment: u64,
    stride: u64,
    /// Ranges of this size asked for (saturating).
    requests: u64,
    /// The slab slots are taken from. Weak: a slab whose slots have all gone back returns
    /// to the block at once, even while it is current.
    current: Weak<Slab>,
    /// Slots of `current` not handed out (bit `i`: slot `i`).
    free: u64,
    /// Every slab of this class that may still be live, for the arena's count of live
    /// ranges and for reuse of returned slots when the block is short.
    slabs: Vec<Weak<Slab>>,
    /// Length of `slabs` after its last pruning of dead slabs.
    pruned: usize,
}

impl Class {
    /// A slot of this class, from the current slab, a new slab, or (the block being short)
    /// any slab with returned slots; `None` where there is none. Slabs that this call stops
    /// holding go to `deferred`, to drop after the arena's lock is released (a slab's drop
    /// takes the lock).
    fn take(
        &mut self,
        arena: &Arc<ArenaShared>,
        block: &mut Block,
        deferred: &mut Vec<Arc<Slab>>,
    ) -> Option<(SlotRef, u64)> {
        match self.current.upgrade() {
            Some(slab) => {
                if self.free == 0 {
                    self.free = slab.returned.swap(0, Ordering::Acquire);
                }
                if self.free != 0 {
                    return Some(self.claim(slab));
                }
                deferred.push(slab);
            }
            // Every slot of the current slab went back and the slab with them.
            None => self.free = 0,
        }
        // SLOTS * stride was checked to be at most the arena's size when the class was made.
        if let Some((allocation, base)) = block.allocate(SLOTS * self.stride, self.alignment) {
            let refs = std::array::from_fn(|_| AtomicUsize::new(0));
            let slab = Slab {
                arena: arena.clone(),
                allocation,
                base,
                stride: self.stride,
                returned: AtomicU64::new(0),
                refs,
            };
            let slab = Arc::new(slab);
            self.adopt(&slab, u64::MAX);
            if self.slabs.len() >= 2 * self.pruned + 16 {
                self.slabs.retain(|s| s.strong_count() > 0);
                self.pruned = self.slabs.len();
            }
            self.slabs.push(Arc::downgrade(&slab));
            return Some(self.claim(slab));
        }
        // The block is short: slots returned to the other slabs of this size.
        for weak in &self.slabs {
            let Some(slab) = weak.upgrade() else { continue };
            let returned = slab.returned.swap(0, Ordering::Acquire);
            if returned != 0 {
                self.current = weak.clone();
                self.free = returned;
                return Some(self.claim(slab));
            }
            deferred.push(slab);
        }
        None
    }

    /// Makes `slab` current with `free` slots.
    fn adopt(&mut self, slab: &Arc<Slab>, free: u64) {
        self.current = Arc::downgrade(slab);
        self.free = free;
    }

    /// Hands out the lowest free slot of `slab` (the current slab, `free` not empty).
    fn claim(&mut self, slab: Arc<Slab>) -> (SlotRef, u64) {
        let index = self.free.trailing_zeros();
        self.free &= self.free - 1;
        // The slot is free: no handle counts it, and nothing else touches its count now.
        slab.refs[index as usize].store(1, Ordering::Relaxed);
        // Inside the slab's allocation: index < SLOTS.
        let offset = slab.base + u64::from(index) * slab.stride;
        (SlotRef { slab, index }, offset)
    }
}

/// The arena's size classes, under its lock.
#[derive(Default)]
pub(super) struct Classes(Vec<Class>);

impl Classes {
    /// A slot of `size` bytes at `alignment` for the `count`th range of a call asking for
    /// `count` (the first counts them, the others pass 0), where that size has slabs and one
    /// has room; `None` sends the range to the block. `capacity` is the arena's size.
    pub(super) fn take(
        &mut self,
        size: u64,
        alignment: u64,
        count: u64,
        capacity: u64,
        arena: &Arc<ArenaShared>,
        block: &mut Block,
        deferred: &mut Vec<Arc<Slab>>,
    ) -> Option<(SlotRef, u64)> {
        let class = match self.0.iter().position(|c| c.size == size && c.alignment == alignment) {
            Some(i) => &mut self.0[i],
            None => {
                // Size and alignment are at most the arena's size, below 2^63: no overflow.
                let stride = size.next_multiple_of(alignment);
                if stride.checked_mul(SLOTS)? > capacity / SLAB_SHARE {
                    return None;
                }
                if self.0.len() >= MAX_CLASSES {
                    // Room for a new size where some size never got a slab.
                    let idle = self.0.iter().position(|c| c.slabs.is_empty())?;
                    self.0.swap_remove(idle);
                }
                self.0.push(Class {
                    size,
                    alignment,
                    stride,
                    requests: 0,
                    current: Weak::new(),
                    free: 0,
                    slabs: Vec::new(),
                    pruned: 0,
                });
                self.0.last_mut()?
            }
        };
        class.requests = class.requests.saturating_add(count);
        if class.requests < WARM_REQUESTS {
            return None;
        }
        class.take(arena, block, deferred)
    }

    /// Slots with handles, over every slab; the slabs looked at go to `deferred` (to drop
    /// after the lock).
    pub(super) fn live(&self, deferred: &mut Vec<Arc<Slab>>) -> usize {
        let slabs = self.0.iter().flat_map(|c| &c.slabs).filter_map(Weak::upgrade);
        let before = deferred.len();
        deferred.extend(slabs);
        deferred[before..].iter().map(|s| s.live()).sum()
    }
}
