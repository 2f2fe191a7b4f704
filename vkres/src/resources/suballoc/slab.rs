//! Slabs: the fast path for many ranges of one size. Once an arena has been asked for
//! [`WARM_REQUESTS`] ranges of one size and alignment, it takes up to [`SLOTS`] of them at a
//! time as one allocation of its virtual block (a [`Slab`]) and hands its slots out with one
//! compare-and-swap on the slab's bitmap of free slots: no lock, no heap allocation and no
//! reference count per range. A slot goes back to its slab when its last handle drops (one
//! atomic `or`); a slab that is not the one slots are taken from goes back to the block
//! when its last slot has.
//!
//! Lifetimes, without a reference count per range:
//! - A slab's memory (this struct) lives as long as its arena: the arena's state owns it, and
//!   a slab whose range went back to the block ("retired", its bitmap 0) is reused for the
//!   same size. A thread that read a slab's address and takes a slot from it later finds
//!   either a valid slot of that size (the bitmap says so, and the slab's offset was written
//!   before its bitmap) or no free slot (retired or full), and then takes the lock.
//! - A slab with at least one slot taken holds one count of its arena's `Arc`: taken by the
//!   claim that finds every slot free, given back by the drop that makes every slot free (in
//!   that order per slab: the slot that was taken must be dropped first). So a slot's handle
//!   keeps its arena, and with it its slab, alive.
//!
//! See docs/design-notes.md ("Suballocated buffers at 10x, staged uploads gathered, the method").

use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering, fence};

use vk_mem::VirtualAllocation;

use super::ArenaShared;
use super::block::Block;

/// Slots per slab at most: the bits of one `u64`.
pub(super) const SLOTS: u64 = 64;
/// Slots per slab at least: a size whose slab of this many would be too large for the arena
/// takes exact-sized ranges.
const MIN_SLOTS: u64 = 8;
/// Ranges of one size and alignment asked for before that size gets slabs: an arena that
/// hands out a few ranges of many sizes keeps every range exact-sized.
const WARM_REQUESTS: u64 = 16;
/// Sizes an arena keeps slabs for; other sizes take exact-sized ranges.
pub(super) const MAX_CLASSES: usize = 8;
/// Sizes whose requests an arena counts towards [`WARM_REQUESTS`].
const MAX_CANDIDATES: usize = 32;
/// A slab takes at most this fraction of the arena (1/64). The slots of a slab that no range
/// holds serve only its size (and, once the arena is full, smaller ones): with at most
/// [`MAX_CLASSES`] sizes, their current slabs hold at most 1/8 of the arena.
const SLAB_SHARE: u64 = 64;

/// Up to [`SLOTS`] ranges of one size, taken from the arena's block as one allocation.
pub(crate) struct Slab {
    /// The arena (from `Arc::as_ptr`): valid while the slab holds a count of it (a slot is
    /// taken), and for whoever holds a handle of the arena.
    arena: *const ArenaShared,
    /// Index of the slab's class in the arena, and of the slab in its class.
    class: usize,
    index: usize,
    /// Bytes from one slot to the next (the size rounded up to the alignment).
    stride: u64,
    /// The bitmap with every slot free (bit `i` for each slot `i` the slab has).
    all: u64,
    /// Offset of slot 0 in the arena's buffer; written under the arena's lock while the slab
    /// is retired, before its bitmap is set.
    base: AtomicU64,
    /// Free slots (bit `i`: slot `i`); 0 when every slot is taken or the slab is retired.
    free: AtomicU64,
    /// Handles of each slot: 0 while the slot is free.
    refs: [AtomicUsize; SLOTS as usize],
    /// Recorded uses of each slot not known to be finished (the [`SlotHold`]s that recorders
    /// hold): a host write into the slot is refused while its count is not 0.
    busy: [super::use_word::Word; SLOTS as usize],
}

// SAFETY: the slab's only non-thread-safe field is the arena's address, which is read-only
// and points to an `ArenaShared` (itself `Send + Sync`); everything else is atomics.
unsafe impl Send for Slab {}
// SAFETY: as for `Send`: shared access reads the address or goes through atomics.
unsafe impl Sync for Slab {}

impl Slab {
    /// Takes a free slot: its handle and offset, or `None` where every slot is taken or the
    /// slab is retired.
    ///
    /// # Safety
    /// The caller holds a handle of the slab's arena (so the slab and the arena are alive).
    #[inline]
    unsafe fn claim(&self) -> Option<(SlotRef, u64)> {
        let mut bits = self.free.load(Ordering::Relaxed);
        loop {
            if bits == 0 {
                return None;
            }
            // Acquire: the slot's last handle released it with `Release`, and `base` was
            // written before the bitmap that this value follows.
            match self.free.compare_exchange_weak(bits, bits & (bits - 1), Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => break,
                Err(now) => bits = now,
            }
        }
        if bits == self.all {
            // The first slot taken: the slab holds a count of its arena until the last goes.
            // SAFETY: `arena` came from `Arc::as_ptr` of the arena's `Arc`, which the caller
            // holds a handle of (its count is at least 1).
            unsafe { Arc::increment_strong_count(self.arena) };
        }
        let index = bits.trailing_zeros();
        // The slot was free: no handle counts it, and nothing else touches its count now.
        self.refs[index as usize].store(1, Ordering::Relaxed);
        // Inside the slab's allocation: index < SLOTS.
        let offset = self.base.load(Ordering::Relaxed) + u64::from(index) * self.stride;
        Some((SlotRef { slab: NonNull::from(self), index }, offset))
    }

    /// Slots taken.
    fn taken(&self) -> usize {
        (self.all.count_ones() - self.free.load(Ordering::Relaxed).count_ones()) as usize
    }
}

/// One handle of a slot: what a [`SubBuffer`](super::SubBuffer) of a slab holds. Cloning
/// counts a handle; the last one to drop returns the slot to its slab.
pub(crate) struct SlotRef {
    slab: NonNull<Slab>,
    index: u32,
}

// SAFETY: a slot handle is an address of a slab (`Sync`) and an index; it touches the slab
// only through atomics, and the arena under its mutex.
unsafe impl Send for SlotRef {}
// SAFETY: as for `Send`: `&SlotRef` only reads the address and the index.
unsafe impl Sync for SlotRef {}

impl SlotRef {
    fn slab(&self) -> &Slab {
        // SAFETY: the slot is taken while this handle lives, so the slab holds a count of
        // its arena, which owns the slab: the slab is alive.
        unsafe { self.slab.as_ref() }
    }

    /// The arena the slot is part of.
    pub(super) fn arena(&self) -> &ArenaShared {
        // SAFETY: the slab holds a count of its arena while this handle lives (see `slab`).
        unsafe { &*self.slab().arena }
    }
}

impl SlotRef {
    /// The recorded uses of the slot not known to be finished (see [`SlotHold`]).
    pub(super) fn recorded_uses(&self) -> u64 {
        super::use_word::uses(self.use_word())
    }

    /// The slot's state word (recorded uses and a host write's bit, see `use_word`).
    pub(super) fn use_word(&self) -> &super::use_word::Word {
        &self.slab().busy[self.index as usize]
    }
}

/// What recorded work holds of a slot: a handle (the slot is not handed out again before the
/// work has finished) that also counts one recorded use of it, so that a host write into the
/// slot is refused while the work may still use it (issue 16, item 9). One atomic add when
/// taken, one subtract when dropped (after the work's fence was seen signalled).
pub(crate) struct SlotHold(SlotRef, u64);

impl SlotHold {
    /// `one`: `use_word::WRITE` or `use_word::READ` (a use that only reads the slot).
    pub(super) fn new(slot: &SlotRef, one: u64) -> Self {
        super::use_word::claim(slot.use_word(), one);
        Self(slot.clone(), one)
    }
}

impl Drop for SlotHold {
    fn drop(&mut self) {
        super::use_word::release(self.0.use_word(), self.1);
    }
}

impl Clone for SlotRef {
    fn clone(&self) -> Self {
        let before = self.slab().refs[self.index as usize].fetch_add(1, Ordering::Relaxed);
        if before > isize::MAX as usize {
            // As `Arc` does: a count this high comes only from handles forgotten in a loop.
            std::process::abort();
        }
        Self { slab: self.slab, index: self.index }
    }
}

impl Drop for SlotRef {
    fn drop(&mut self) {
        let slab = self.slab.as_ptr().cast_const();
        let bit = 1u64 << self.index;
        let (emptied, arena) = {
            let slab = self.slab();
            if slab.refs[self.index as usize].fetch_sub(1, Ordering::Release) != 1 {
                return;
            }
            // The last handle: every use of the slot happens before it is taken again.
            fence(Ordering::Acquire);
            let before = slab.free.fetch_or(bit, Ordering::Release);
            (before | bit == slab.all, slab.arena)
        };
        if emptied {
            // The slab's count of its arena is still held (given back by this call only), so
            // the arena and the slab are alive; nothing here touches them after it.
            // SAFETY: `arena` and `slab` are the slab's arena and the slab, alive (above).
            unsafe { slab_emptied(arena, slab) };
        }
    }
}

/// The last slot of `slab` went back: retires the slab (its range back to the block) unless
/// it is its class's current slab or a slot was taken again meanwhile, then gives back the
/// slab's count of its arena.
///
/// # Safety
/// `slab`'s count of `arena` is held and given back by this call.
unsafe fn slab_emptied(arena: *const ArenaShared, slab: *const Slab) {
    {
        // SAFETY: the slab's count keeps the arena alive until the end of this call, and the
        // arena owns the slab.
        let (shared, slab_ref) = unsafe { (&*arena, &*slab) };
        let mut state = shared.lock();
        let current = shared.hot[slab_ref.class].current.load(Ordering::Relaxed).cast_const();
        if current != slab
            && slab_ref.free.compare_exchange(slab_ref.all, 0, Ordering::Acquire, Ordering::Relaxed).is_ok()
        {
            let State { block, classes } = &mut *state;
            if let Some(mut range) = classes.class_mut(slab_ref.class).and_then(|c| c.ranges[slab_ref.index].take()) {
                block.free(&mut range);
            }
        }
    }
    // SAFETY: the count taken when the slab's first slot was (the caller's contract); the
    // last use of the arena and the slab was above.
    unsafe { Arc::decrement_strong_count(arena) };
}

/// What threads read without the arena's lock: a class's key (0: unused; set once under the
/// lock) and its current slab (changed under the lock).
#[derive(Default)]
pub(crate) struct HotClass {
    key: AtomicU64,
    current: AtomicPtr<Slab>,
}

/// The key of a size and alignment: `size << 6 | log2(alignment)`; `None` where the size is
/// too large for slabs anyway.
fn key(size: u64, alignment: u64) -> Option<u64> {
    (size < 1 << 57).then(|| (size << 6) | u64::from(alignment.trailing_zeros()))
}

/// Takes a slot of `size` bytes at `alignment` without the lock, where that size has a current
/// slab with a free slot.
///
/// # Safety
/// The caller holds a handle of `arena`.
#[inline]
pub(super) unsafe fn take_fast(hot: &[HotClass; MAX_CLASSES], size: u64, alignment: u64) -> Option<(SlotRef, u64)> {
    let key = key(size, alignment)?;
    for class in hot {
        match class.key.load(Ordering::Acquire) {
            0 => return None,
            k if k == key => {
                let slab = class.current.load(Ordering::Acquire);
                // SAFETY: a current slab is owned by the arena, which the caller holds.
                return unsafe { slab.as_ref()?.claim() };
            }
            _ => {}
        }
    }
    None
}

/// The slabs of one size and alignment, under the arena's lock.
pub(super) struct Class {
    alignment: u64,
    stride: u64,
    /// Slots of each slab (`MIN_SLOTS..=SLOTS`).
    slots: u64,
    /// Every slab ever made for this class (reused once retired).
    slabs: Vec<Arc<Slab>>,
    /// Each slab's allocation of the block; `None`: retired.
    ranges: Vec<Option<VirtualAllocation>>,
}

/// The arena's slab classes and the sizes counted towards one, under its lock.
#[derive(Default)]
pub(super) struct Classes {
    classes: Vec<Class>,
    /// Sizes (keys) asked for, and how many ranges of each.
    candidates: Vec<(u64, u64)>,
}

/// What the arena's lock guards: the block of offsets and the slabs of its frequent sizes.
pub(crate) struct State {
    pub(super) block: Block,
    pub(super) classes: Classes,
}

impl Drop for State {
    fn drop(&mut self) {
        // The arena is going: no slot is taken (each taken slot's slab holds the arena), so
        // the slabs still holding a range are empty; their ranges go back before the block.
        for class in &mut self.classes.classes {
            for range in class.ranges.iter_mut().flatten() {
                self.block.free(range);
            }
        }
    }
}

impl Classes {
    fn class_mut(&mut self, index: usize) -> Option<&mut Class> {
        self.classes.get_mut(index)
    }

    /// Slots taken, over every slab.
    pub(super) fn live(&self) -> usize {
        let slabs = self.classes.iter().flat_map(|c| c.slabs.iter().zip(&c.ranges));
        slabs.filter(|(_, range)| range.is_some()).map(|(slab, _)| slab.taken()).sum()
    }

    /// Frees the ranges of current slabs that have no slot taken, so that the block has all
    /// its free room for a range that did not fit. True where one was.
    pub(super) fn trim(&mut self, hot: &[HotClass; MAX_CLASSES], block: &mut Block) -> bool {
        let mut trimmed = false;
        for (c, class) in self.classes.iter_mut().enumerate() {
            let current = hot[c].current.load(Ordering::Relaxed);
            // SAFETY: a current slab is owned by this arena, alive under its lock.
            let Some(slab) = (unsafe { current.as_ref() }) else { continue };
            // A thread taking a slot at the same time either got it first (this fails) or
            // finds the bitmap 0 and takes the lock.
            if slab.free.compare_exchange(slab.all, 0, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                hot[c].current.store(std::ptr::null_mut(), Ordering::Release);
                if let Some(mut range) = class.ranges[slab.index].take() {
                    block.free(&mut range);
                    trimmed = true;
                }
            }
        }
        trimmed
    }

    /// A slot of `size` bytes at `alignment` under the lock, the request counted as `asked`
    /// ranges of that size: from the size's current slab, a new (or retired) slab, or (the
    /// block being short) another of its slabs with a free slot. `None` sends the range to
    /// the block. `capacity` is the arena's size.
    pub(super) fn take(
        &mut self,
        arena: &Arc<ArenaShared>,
        block: &mut Block,
        size: u64,
        alignment: u64,
        asked: u64,
    ) -> Option<(SlotRef, u64)> {
        let key = key(size, alignment)?;
        let hot = &arena.hot;
        let c = match hot.iter().position(|h| h.key.load(Ordering::Relaxed) == key) {
            Some(c) => c,
            None => self.new_class(arena, key, size, alignment, asked)?,
        };
        let class = &mut self.classes[c];
        // SAFETY: a current slab is owned by the arena, which the caller holds.
        if let Some(current) = unsafe { hot[c].current.load(Ordering::Acquire).as_ref() } {
            // SAFETY: the caller holds a handle of the slab's arena.
            if let Some(slot) = unsafe { current.claim() } {
                return Some(slot);
            }
        }
        // A new range for a retired slab, or a new slab.
        // Slots and stride were checked when the class was made: no overflow.
        if let Some((allocation, base)) = block.allocate(class.slots * class.stride, class.alignment) {
            let index = match class.ranges.iter().position(Option::is_none) {
                Some(index) => index,
                None => {
                    let refs = std::array::from_fn(|_| AtomicUsize::new(0));
                    let busy = std::array::from_fn(|_| super::use_word::Word::new(0));
                    let index = class.slabs.len();
                    let slab = Slab {
                        arena: Arc::as_ptr(arena),
                        class: c,
                        index,
                        stride: class.stride,
                        all: if class.slots == SLOTS { u64::MAX } else { (1 << class.slots) - 1 },
                        base: AtomicU64::new(0),
                        free: AtomicU64::new(0),
                        refs,
                        busy,
                    };
                    class.slabs.push(Arc::new(slab));
                    class.ranges.push(None);
                    index
                }
            };
            class.ranges[index] = Some(allocation);
            let slab = &class.slabs[index];
            slab.base.store(base, Ordering::Relaxed);
            slab.free.store(slab.all, Ordering::Release);
            hot[c].current.store(Arc::as_ptr(slab).cast_mut(), Ordering::Release);
            // SAFETY: the caller holds a handle of the slab's arena.
            return unsafe { slab.claim() };
        }
        // The block is short: free slots of the size's other slabs.
        for (slab, range) in class.slabs.iter().zip(&class.ranges) {
            if range.is_some() && slab.free.load(Ordering::Relaxed) != 0 {
                hot[c].current.store(Arc::as_ptr(slab).cast_mut(), Ordering::Release);
                // SAFETY: the caller holds a handle of the slab's arena.
                if let Some(slot) = unsafe { slab.claim() } {
                    return Some(slot);
                }
            }
        }
        None
    }

    /// Where the block has no room for an exact-sized range of `size` bytes at `alignment`: a
    /// free slot of any slab whose slots are at least that large and aligned (the range is
    /// `size` bytes at the slot's start), so that the free slots of other sizes' slabs are not
    /// lost to it.
    ///
    /// # Safety
    /// The caller holds a handle of the arena.
    pub(super) unsafe fn take_any(&self, size: u64, alignment: u64) -> Option<(SlotRef, u64)> {
        let fitting = self.classes.iter().filter(|c| c.stride >= size && c.alignment >= alignment);
        for class in fitting {
            for (slab, range) in class.slabs.iter().zip(&class.ranges) {
                if range.is_some() && slab.free.load(Ordering::Relaxed) != 0 {
                    // SAFETY: the caller holds a handle of the slab's arena.
                    if let Some(slot) = unsafe { slab.claim() } {
                        return Some(slot);
                    }
                }
            }
        }
        None
    }

    /// Counts `asked` ranges of `key`; once the size is warm (and small enough for slabs, and
    /// a class is left), makes its class and returns its index.
    fn new_class(&mut self, arena: &ArenaShared, key: u64, size: u64, alignment: u64, asked: u64) -> Option<usize> {
        let count = match self.candidates.iter_mut().find(|(k, _)| *k == key) {
            Some((_, count)) => count,
            None => {
                if self.candidates.len() >= MAX_CANDIDATES {
                    self.candidates.clear();
                }
                self.candidates.push((key, 0));
                &mut self.candidates.last_mut()?.1
            }
        };
        *count = count.saturating_add(asked);
        if *count < WARM_REQUESTS || self.classes.len() >= MAX_CLASSES {
            return None;
        }
        // Size and alignment are at most the arena's size, below 2^63: no overflow.
        let stride = size.next_multiple_of(alignment);
        let slots = (arena.size() / SLAB_SHARE / stride).min(SLOTS);
        if slots < MIN_SLOTS {
            return None;
        }
        self.candidates.retain(|(k, _)| *k != key);
        let c = self.classes.len();
        self.classes.push(Class { alignment, stride, slots, slabs: Vec::new(), ranges: Vec::new() });
        arena.hot[c].key.store(key, Ordering::Release);
        Some(c)
    }
}
