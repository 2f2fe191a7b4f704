//! Suballocation: [`BufferArena`], one large `VkBuffer` whose ranges are handed out as
//! [`SubBuffer`]s, for thousands of small uniform or storage buffers at the cost of an offset
//! search each instead of a `vkCreateBuffer` and a memory allocation each.
//!
//! The ranges are kept by VMA's virtual block (`block.rs`), the same TLSF allocator VMA uses
//! for device memory: any size, freed ranges merged with their free neighbours, constant time
//! per call. A size asked for many times gets slabs (`slab.rs`): 64 ranges of it taken from
//! the block at once and handed out by a bit search, without a heap allocation per range.
//! See docs/design-notes.md ("Suballocated buffers").

mod block;
mod slab;
mod sub_buffer;
mod use_word;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ash::vk;

pub(crate) use sub_buffer::RangeUse;
pub use sub_buffer::SubBuffer;

use super::buffer::{self, Buffer, BufferDesc};
use crate::error::{Error, Result};
use crate::memory::{MemoryAllocation, MemoryAllocator};
use block::Block;
use slab::{Classes, HotClass, MAX_CLASSES, State};
use sub_buffer::{Owner, SubShared};

/// The smallest alignment of a range: 16 bytes, a `vec4` (what std140 and std430 align to
/// at most for scalars and vectors), and a multiple of the 4 that transfers need.
const MIN_ALIGNMENT: u64 = 16;

/// What every range's handle shares: the buffer and the block of its ranges.
pub(crate) struct ArenaShared {
    buffer: Buffer,
    state: Mutex<State>,
    /// The slab classes' keys and current slabs, read without the lock.
    hot: [HotClass; MAX_CLASSES],
    /// The alignment of ranges asked for without one.
    alignment: u64,
    /// Exact-sized ranges (and groups) handed out and not yet returned; slab slots are
    /// counted by their slabs.
    live: AtomicUsize,
}

impl ArenaShared {
    /// Size of the arena in bytes.
    fn size(&self) -> u64 {
        self.buffer.size()
    }

    /// The arena's state, locked (a panic in another holder left it consistent: every
    /// change to it is one VMA call or a few plain writes).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One `VkBuffer` whose ranges are handed out as [`SubBuffer`]s: many small buffers without a
/// `VkBuffer` and an allocation each (made with
/// [`ResourceAllocator::create_buffer_arena`](crate::ResourceAllocator::create_buffer_arena)).
///
/// A range is returned to the arena when its last handle drops, and a
/// [`Recorder`](crate::Recorder) or [`Batch`](crate::Batch) that records work on it holds it
/// until that work has finished, as it holds a [`Buffer`]; the arena's buffer lives as long as
/// the arena or any of its ranges. Every range starts at a multiple of
/// [`alignment`](Self::alignment) (at least 16, and the device's minimum offset alignment for
/// the arena's storage, uniform and texel usages), so that it can be bound as a descriptor range
/// or read through its device address.
///
/// `Clone` is cheap (a shared handle); `Send + Sync`: the block of ranges is behind a mutex.
///
/// A size asked for many times (16 ranges of one size and alignment) is handed out from
/// slabs of up to 64 ranges of it (each slab one allocation of at most 1/64 of the arena; at
/// most 8 sizes): the fast path for thousands of equal buffers, a slot taken without a lock.
/// A slab goes back to the arena when its last range has. Its free slots serve its size, and
/// smaller ranges once the arena has no other room; so an arena sized to the byte for ranges
/// of several sizes can run out with up to one partly used slab per size free: give it that
/// much headroom, or take equal ranges with [`allocate_group`](Self::allocate_group).
#[derive(Clone)]
pub struct BufferArena {
    shared: Arc<ArenaShared>,
}

impl std::fmt::Debug for BufferArena {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufferArena")
            .field("buffer", &self.shared.buffer)
            .field("alignment", &self.shared.alignment)
            .finish()
    }
}

impl BufferArena {
    /// The arena's buffer: every range's `VkBuffer`.
    pub fn handle(&self) -> vk::Buffer {
        self.shared.buffer.handle()
    }

    /// Size of the arena in bytes.
    pub fn size(&self) -> u64 {
        self.shared.buffer.size()
    }

    /// The alignment of ranges asked for without one.
    pub fn alignment(&self) -> u64 {
        self.shared.alignment
    }

    /// Usage flags of the arena's buffer (the description's, with `TRANSFER_SRC` and
    /// `TRANSFER_DST` added).
    pub fn usage(&self) -> vk::BufferUsageFlags {
        self.shared.buffer.usage()
    }

    /// Debug name.
    pub fn name(&self) -> &str {
        self.shared.buffer.name()
    }

    /// The memory of the arena's buffer.
    pub fn memory(&self) -> &dyn MemoryAllocation {
        self.shared.buffer.memory()
    }

    /// Allocations handed out and not yet returned (a range, or a group from
    /// [`allocate_group`](Self::allocate_group), counts once): one returns when its last
    /// handle drops and no recorded work that uses it is pending.
    pub fn live_ranges(&self) -> usize {
        let slots = self.shared.lock().classes.live();
        self.shared.live.load(Ordering::Relaxed) + slots
    }

    /// A range of `count` elements of `T`, at the arena's alignment.
    ///
    /// Zero elements is [`Error::ZeroSize`], a byte count past `u64` [`Error::Overflow`], no
    /// free range of that size [`Error::ArenaExhausted`].
    #[inline]
    pub fn allocate<T>(&self, count: u64) -> Result<SubBuffer<T>> {
        let size = self.elements_size::<T>(count)?;
        self.allocate_bytes(size).map(SubBuffer::cast_any)
    }

    /// A range of `size` bytes at the arena's alignment.
    #[inline]
    pub fn allocate_bytes(&self, size: u64) -> Result<SubBuffer> {
        let alignment = self.shared.alignment;
        // The arena's alignment is a power of two: a slot of a slab, if the size has one.
        match self.take_slot(size, alignment) {
            Some(range) => Ok(range),
            None => self.allocate_slow(size, alignment),
        }
    }

    /// A range of `size` bytes starting at a multiple of `alignment` (raised to the arena's
    /// alignment where smaller; 0 asks for the arena's). An alignment that is not a power of
    /// two, or larger than the arena, is [`Error::InvalidAlignment`].
    #[inline]
    pub fn allocate_aligned(&self, size: u64, alignment: u64) -> Result<SubBuffer> {
        // Zero or a power of two (anything else is refused by `check`, on the slow path): the
        // alignment the request would be checked to, and the key of its slabs.
        let slot = match alignment & alignment.wrapping_sub(1) {
            0 => self.take_slot(size, alignment.max(self.shared.alignment)),
            _ => None,
        };
        match slot {
            Some(range) => Ok(range),
            None => self.allocate_slow(size, alignment),
        }
    }

    /// The fast path of a single range: a slot of the current slab of `size` bytes at
    /// `alignment` (a power of two), taken without the lock, or `None`.
    ///
    /// Not checked, and it need not be: a size and alignment have slabs only once requests of
    /// them passed [`check`](Self::check) (`Classes::take` is called after it, and the arena's
    /// size never changes), so a request that finds a slot would pass it; one that would not
    /// (a zero size, a size or alignment past the arena) finds no slab of its key (a key is
    /// one size and one power-of-two alignment) and goes to [`allocate_slow`](Self::allocate_slow),
    /// which refuses it.
    #[inline]
    fn take_slot(&self, size: u64, alignment: u64) -> Option<SubBuffer> {
        // SAFETY: `self` is a handle of the arena.
        let (slot, offset) = unsafe { slab::take_fast(&self.shared.hot, size, alignment) }?;
        debug_assert_eq!(self.check(size, alignment).ok(), Some(alignment), "a slab's request passed check");
        Some(SubBuffer::new(Owner::Slot(slot), offset, size))
    }

    /// A single range once the fast path found no slot: checked, then taken under the lock
    /// (a new slab, a slot of another slab, or an exact-sized range).
    #[inline(never)]
    fn allocate_slow(&self, size: u64, alignment: u64) -> Result<SubBuffer> {
        let alignment = self.check(size, alignment)?;
        let mut taken = None;
        self.take(1, size, alignment, |range| taken = Some(range));
        taken.ok_or_else(|| self.exhausted(size, alignment))
    }

    /// `count` ranges of `count_each` elements of `T` each, taken under one lock of the
    /// arena: the fast path for thousands of equal buffers. All or nothing: where the arena
    /// runs out, the ranges taken are returned and the call is [`Error::ArenaExhausted`].
    pub fn allocate_many<T>(&self, count: usize, count_each: u64) -> Result<Vec<SubBuffer<T>>> {
        let size = self.elements_size::<T>(count_each)?;
        // Bounded by the arena before anything is reserved: `count` ranges that cannot fit
        // would otherwise ask for a vector of `count` handles first (a capacity overflow, or
        // an allocation failure that aborts).
        let alignment = self.check(size, self.shared.alignment)?;
        // Size and alignment are at most the arena's size (checked, below 2^63): no overflow.
        let stride = size.next_multiple_of(alignment);
        // The last range needs its size, not its stride: no padding after it.
        let overflow =
            || Error::Overflow { name: self.name().into(), what: format!("{count} ranges of {stride} bytes") };
        let total = match (count as u64).checked_sub(1) {
            None => 0,
            Some(before_last) => {
                stride.checked_mul(before_last).and_then(|b| b.checked_add(size)).ok_or_else(overflow)?
            }
        };
        if total > self.size() {
            return Err(self.exhausted(total, alignment));
        }
        let mut out = Vec::with_capacity(count);
        self.allocate_into(count, size, self.shared.alignment, &mut out)?;
        Ok(out.into_iter().map(SubBuffer::cast_any).collect())
    }

    /// `count` ranges of `count_each` elements of `T` each, in one allocation of the arena
    /// (one offset search and one shared owner for all of them, each range at the arena's
    /// alignment): the fastest way to make thousands of equal buffers. The ranges go back to
    /// the arena together, once the last handle of any of them has dropped (and the work that
    /// uses any of them has finished). Zero ranges is an empty `Vec`; a total past `u64`
    /// [`Error::Overflow`], no room [`Error::ArenaExhausted`].
    pub fn allocate_group<T>(&self, count: usize, count_each: u64) -> Result<Vec<SubBuffer<T>>> {
        let size = self.elements_size::<T>(count_each)?;
        let alignment = self.check(size, 0)?;
        if count == 0 {
            return Ok(Vec::new());
        }
        // Size and alignment are at most the arena's size (checked above, below 2^63): the
        // rounding does not overflow.
        let stride = size.next_multiple_of(alignment);
        let total = stride.checked_mul(count as u64).ok_or_else(|| Error::Overflow {
            name: self.name().into(),
            what: format!("{count} ranges of {stride} bytes"),
        })?;
        let alignment = self.check(total, alignment)?;
        let taken = self.shared.lock().block.allocate(total, alignment);
        let (allocation, base) = taken.ok_or_else(|| self.exhausted(total, alignment))?;
        let shared = Arc::new(SubShared::new(self.shared.clone(), allocation));
        self.shared.live.fetch_add(1, Ordering::Relaxed);
        // Inside the allocation: base + stride * count fits (it is at most the arena's size).
        Ok((0..count as u64)
            .map(|i| SubBuffer::new(Owner::Range(shared.clone()), base + i * stride, size).cast_any())
            .collect())
    }

    /// Bytes of `count` elements of `T`.
    fn elements_size<T>(&self, count: u64) -> Result<u64> {
        let elem = size_of::<T>().max(1) as u64;
        count.checked_mul(elem).ok_or_else(|| Error::Overflow {
            name: self.name().into(),
            what: format!("{count} elements of {elem} bytes"),
        })
    }

    fn exhausted(&self, requested: u64, alignment: u64) -> Error {
        Error::ArenaExhausted { name: self.name().into(), requested, alignment, capacity: self.size() }
    }

    /// Checks a request of `size` bytes at `alignment`; returns the alignment to use.
    fn check(&self, size: u64, alignment: u64) -> Result<u64> {
        let capacity = self.size();
        if size == 0 {
            return Err(Error::ZeroSize { name: self.name().into(), kind: "sub-buffer" });
        }
        if (alignment != 0 && !alignment.is_power_of_two()) || alignment > capacity {
            return Err(Error::InvalidAlignment { name: self.name().into(), alignment, capacity });
        }
        let alignment = alignment.max(self.shared.alignment);
        // Size and alignment are at most the arena's size (below 2^63 on every device), so
        // VMA's offset arithmetic cannot overflow.
        if size > capacity {
            return Err(self.exhausted(size, alignment));
        }
        Ok(alignment)
    }

    /// Checks the request and takes `count` ranges into `out` (none where one fails).
    fn allocate_into(&self, count: usize, size: u64, alignment: u64, out: &mut Vec<SubBuffer>) -> Result<()> {
        let alignment = self.check(size, alignment)?;
        if self.take(count, size, alignment, |range| out.push(range)) {
            return Ok(());
        }
        // All or nothing: the ranges taken go back as their handles drop (after the lock).
        out.clear();
        Err(self.exhausted(size, alignment))
    }

    /// Takes `count` ranges of `size` bytes at `alignment` (checked), each passed to `out`:
    /// slots of the size's slabs where it has them (without the lock while the current slab
    /// has free slots), exact-sized ranges of the block otherwise. False where the arena has
    /// no room for the next one (the ranges taken before it went to `out`). `out` may run
    /// under the lock: it must not drop a range.
    fn take(&self, count: usize, size: u64, alignment: u64, mut out: impl FnMut(SubBuffer)) -> bool {
        let mut state: Option<MutexGuard<'_, State>> = None;
        let mut exact = 0;
        let mut taken = true;
        for n in 0..count {
            if state.is_none() {
                // SAFETY: `self` is a handle of the arena.
                if let Some((slot, offset)) = unsafe { slab::take_fast(&self.shared.hot, size, alignment) } {
                    out(SubBuffer::new(Owner::Slot(slot), offset, size));
                    continue;
                }
            }
            let state = state.get_or_insert_with(|| self.shared.lock());
            let State { block, classes } = &mut **state;
            // The call's ranges count once towards the size's slabs.
            let asked = if n == 0 { count as u64 } else { 0 };
            if let Some((slot, offset)) = classes.take(&self.shared, block, size, alignment, asked) {
                out(SubBuffer::new(Owner::Slot(slot), offset, size));
                continue;
            }
            let allocated = block.allocate(size, alignment);
            if allocated.is_none() {
                // Short of room: a free slot of another size's slab that is large enough.
                // SAFETY: `self` is a handle of the arena.
                if let Some((slot, offset)) = unsafe { classes.take_any(size, alignment) } {
                    out(SubBuffer::new(Owner::Slot(slot), offset, size));
                    continue;
                }
            }
            let allocated = match allocated {
                None if classes.trim(&self.shared.hot, block) => block.allocate(size, alignment),
                allocated => allocated,
            };
            let Some((allocation, offset)) = allocated else {
                taken = false;
                break;
            };
            exact += 1;
            out(SubBuffer::new(Owner::Range(Arc::new(SubShared::new(self.shared.clone(), allocation))), offset, size));
        }
        // Counted before any of them can drop (after the lock).
        self.shared.live.fetch_add(exact, Ordering::Relaxed);
        drop(state);
        taken
    }
}

/// Creates an arena of `desc.size` bytes: one buffer of `desc` (with `TRANSFER_SRC` and
/// `TRANSFER_DST` added, for the recorder's uploads and downloads of its ranges).
pub(crate) fn create(memory: &dyn MemoryAllocator, desc: &BufferDesc) -> Result<BufferArena> {
    let mut desc = desc.clone();
    desc.usage |= vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
    let limits = &memory.context().capabilities().limits;
    let mut alignment = MIN_ALIGNMENT;
    for (flags, limit) in [
        (vk::BufferUsageFlags::STORAGE_BUFFER, limits.min_storage_buffer_offset_alignment),
        (vk::BufferUsageFlags::UNIFORM_BUFFER, limits.min_uniform_buffer_offset_alignment),
        (
            vk::BufferUsageFlags::UNIFORM_TEXEL_BUFFER | vk::BufferUsageFlags::STORAGE_TEXEL_BUFFER,
            limits.min_texel_buffer_offset_alignment,
        ),
    ] {
        if desc.usage.intersects(flags) {
            // Powers of two by the specification's limit requirements; raised to one otherwise.
            alignment = alignment.max(limit.next_power_of_two());
        }
    }
    let buffer: Buffer = buffer::create(memory, &desc)?;
    let state = Mutex::new(State { block: Block::new(desc.size)?, classes: Classes::default() });
    let shared = ArenaShared { buffer, state, hot: Default::default(), alignment, live: AtomicUsize::new(0) };
    Ok(BufferArena { shared: Arc::new(shared) })
}
