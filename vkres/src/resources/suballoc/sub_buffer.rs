//! [`SubBuffer`]: a range of a [`BufferArena`](super::BufferArena)'s buffer, typed by its
//! element.

use std::marker::PhantomData;
use std::sync::Arc;

use ash::vk;
use bytemuck::Pod;
use vk_mem::VirtualAllocation;

use super::ArenaShared;
use super::slab::{SlotHold, SlotRef};
use super::use_word::{self, Writing};
use crate::error::{Error, Result, check_range};
use crate::memory::MappedMemory;
use crate::resources::Buffer;

/// The owner of one allocation of the arena (one range, or a group's ranges), shared by
/// every [`SubBuffer`] handle in it: returns it to its arena when dropped.
pub(crate) struct SubShared {
    arena: Arc<ArenaShared>,
    allocation: VirtualAllocation,
    /// Recorded uses of the allocation not known to be finished (the [`RangeHold`]s that
    /// recorders hold), and a host write's bit (`use_word`): a host write into its ranges is
    /// refused while a use is counted, and a use waits for a host write's copy to end.
    busy: use_word::Word,
}

impl SubShared {
    pub(super) fn new(arena: Arc<ArenaShared>, allocation: VirtualAllocation) -> Self {
        Self { arena, allocation, busy: use_word::Word::new(0) }
    }
}

/// What recorded work holds of an exact-sized range (or group): the allocation, kept from
/// going back to the arena, and one recorded use of it counted until the work has finished.
struct RangeHold(Arc<SubShared>, u64);

impl RangeHold {
    /// `one`: [`use_word::WRITE`] or [`use_word::READ`] (a use that only reads the range).
    fn new(shared: &Arc<SubShared>, one: u64) -> Self {
        use_word::claim(&shared.busy, one);
        Self(shared.clone(), one)
    }
}

impl Drop for RangeHold {
    fn drop(&mut self) {
        use_word::release(&self.0.busy, self.1);
    }
}

/// One recorded use of a range, held by a recorder's tables until its work has finished (no
/// allocation of its own, unlike the boxed [`SubBuffer::keep_alive`]): dropping it ends the use.
pub(crate) struct RangeUse(#[allow(dead_code, reason = "held for its drop")] Use);

/// What a [`RangeUse`] holds.
enum Use {
    /// Of an exact-sized range (or group).
    Range(#[allow(dead_code, reason = "held for its drop")] RangeHold),
    /// Of a slab's slot.
    Slot(#[allow(dead_code, reason = "held for its drop")] SlotHold),
}

impl Drop for SubShared {
    fn drop(&mut self) {
        // The last handle is gone and every recorder that used the range held it until its
        // work finished: no device work uses the range any more, so it may be handed out again.
        self.arena.lock().block.free(&mut self.allocation);
        self.arena.live.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What a [`SubBuffer`] holds its range by: an exact-sized allocation of the arena (shared
/// by a group's ranges), or a slot of a slab.
#[derive(Clone)]
pub(crate) enum Owner {
    /// An allocation of its own (or its group's).
    Range(Arc<SubShared>),
    /// A slot of a slab of equal ranges.
    Slot(SlotRef),
}

impl Owner {
    fn arena(&self) -> &ArenaShared {
        match self {
            Owner::Range(shared) => &shared.arena,
            Owner::Slot(slot) => slot.arena(),
        }
    }
}

/// A range of a [`BufferArena`](super::BufferArena)'s `VkBuffer`, holding elements of `T`
/// (`u8` for raw bytes): a small buffer without a `VkBuffer` of its own.
///
/// A shared handle like [`Buffer`]: cloning is cheap, the range goes back to the arena when
/// the last handle drops (the ranges of one
/// [`allocate_group`](super::BufferArena::allocate_group) together, when the last handle of
/// any of them drops), and a [`Recorder`](crate::Recorder) or [`Batch`](crate::Batch) that
/// records work on it (its `upload_sub`, `download_sub` or `keep_alive`) holds it until that
/// work has finished, so a range is never handed out again while the device may still use it.
/// It keeps the arena's buffer alive. Bind it with [`descriptor_info`](Self::descriptor_info)
/// or read it in shaders through [`device_address`](Self::device_address).
///
/// `Send + Sync`: its state is immutable; host access goes through the arena's mapping.
pub struct SubBuffer<T = u8> {
    shared: Owner,
    /// Offset of the range in the arena's buffer.
    offset: u64,
    /// Size of the range in bytes.
    size: u64,
    _elem: PhantomData<fn() -> T>,
}

impl<T> Clone for SubBuffer<T> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone(), offset: self.offset, size: self.size, _elem: PhantomData }
    }
}

impl<T> std::fmt::Debug for SubBuffer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubBuffer")
            .field("arena", &self.name())
            .field("handle", &self.handle())
            .field("offset", &self.offset)
            .field("size", &self.size)
            .finish()
    }
}

impl SubBuffer {
    /// The range of `size` bytes at `offset` of `shared`'s allocation.
    pub(super) fn new(shared: Owner, offset: u64, size: u64) -> Self {
        Self { shared, offset, size, _elem: PhantomData }
    }

    /// The same range with element type `T` (sizes checked by the arena).
    pub(super) fn cast_any<T>(self) -> SubBuffer<T> {
        SubBuffer { shared: self.shared, offset: self.offset, size: self.size, _elem: PhantomData }
    }
}

impl<T> SubBuffer<T> {
    /// The arena's `VkBuffer`, which this range is part of.
    pub fn handle(&self) -> vk::Buffer {
        self.shared.arena().buffer.handle()
    }

    /// Offset of the range in the arena's buffer, in bytes.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Size of the range in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Number of whole elements of `T` it holds.
    pub fn len(&self) -> u64 {
        self.size / size_of::<T>().max(1) as u64
    }

    /// Whether it holds no whole element (a byte range never is).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The arena's debug name.
    pub fn name(&self) -> &str {
        self.shared.arena().buffer.name()
    }

    /// Usage flags of the arena's buffer.
    pub fn usage(&self) -> vk::BufferUsageFlags {
        self.shared.arena().buffer.usage()
    }

    /// The device address of the range's first byte, where the arena was made with
    /// `SHADER_DEVICE_ADDRESS`.
    pub fn device_address(&self) -> Option<vk::DeviceAddress> {
        // The range lies inside the buffer, whose addresses are contiguous.
        self.shared.arena().buffer.device_address().map(|base| base + self.offset)
    }

    /// The range as a descriptor's buffer info (buffer, offset, range).
    pub fn descriptor_info(&self) -> vk::DescriptorBufferInfo {
        vk::DescriptorBufferInfo { buffer: self.handle(), offset: self.offset, range: self.size }
    }

    /// The same range, viewed as raw bytes.
    pub fn as_bytes(&self) -> SubBuffer<u8> {
        SubBuffer { shared: self.shared.clone(), offset: self.offset, size: self.size, _elem: PhantomData }
    }

    /// The arena's whole buffer (the recorder's transfers address the range in it).
    pub(crate) fn arena_buffer(&self) -> &Buffer {
        &self.shared.arena().buffer
    }

    /// A type-erased handle that keeps the range (and so its arena's buffer) alive: what a
    /// recorder holds until its work has finished. Marks the arena's buffer used by a batch.
    /// The hold also counts a recorded use of the range, until the work has finished (see
    /// [`write`](SubBuffer::write)).
    pub(crate) fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        self.keep_alive_as(use_word::WRITE)
    }

    /// [`keep_alive`](Self::keep_alive) for commands that only read the range: its use is
    /// counted as a read, which does not stop host reads ([`read`](SubBuffer::read)).
    pub(crate) fn keep_alive_read_only(&self) -> Arc<dyn Send + Sync> {
        self.keep_alive_as(use_word::READ)
    }

    fn keep_alive_as(&self, one: u64) -> Arc<dyn Send + Sync> {
        self.shared.arena().buffer.mark_recorded();
        match &self.shared {
            Owner::Range(shared) => Arc::new(RangeHold::new(shared, one)),
            Owner::Slot(slot) => Arc::new(SlotHold::new(slot, one)),
        }
    }

    /// [`keep_alive`](Self::keep_alive) without the box: what the recorder's own transfers
    /// hold ranges by (`Tables::ranges`), one recorded use of the range counted until the work
    /// has finished, as `keep_alive`'s. Marks the arena's buffer used by a batch.
    pub(crate) fn hold(&self) -> RangeUse {
        self.hold_as(use_word::WRITE)
    }

    /// [`hold`](Self::hold) for a command that only reads the range (a download): counted as
    /// a read, which does not stop host reads.
    pub(crate) fn hold_read(&self) -> RangeUse {
        self.hold_as(use_word::READ)
    }

    fn hold_as(&self, one: u64) -> RangeUse {
        self.shared.arena().buffer.mark_recorded();
        RangeUse(match &self.shared {
            Owner::Range(shared) => Use::Range(RangeHold::new(shared, one)),
            Owner::Slot(slot) => Use::Slot(SlotHold::new(slot, one)),
        })
    }

    /// The recorded uses of the range (its allocation) not known to be finished.
    pub(crate) fn recorded_uses(&self) -> u64 {
        match &self.shared {
            Owner::Range(shared) => use_word::uses(&shared.busy),
            Owner::Slot(slot) => slot.recorded_uses(),
        }
    }

    /// Takes the range (its allocation) for a host write or read, held until the guard drops:
    /// no use is recorded meanwhile. [`Error::InUseByRecordedWork`] while work vkres recorded on this
    /// range (its allocation: a group's ranges share one) is not known to be finished.
    pub(crate) fn begin_host_write(&self) -> Result<Writing<'_>> {
        let word = match &self.shared {
            Owner::Range(shared) => &shared.busy,
            Owner::Slot(slot) => slot.use_word(),
        };
        use_word::begin_write(word).map_err(|busy| Error::InUseByRecordedWork {
            name: format!("{} [{}..+{}]", self.name(), self.offset, self.size),
            holds: busy,
        })
    }

    /// [`begin_host_write`](Self::begin_host_write) for a host read: refused only while a
    /// recorded use that may write the range is pending (uses that only read it are no obstacle).
    fn begin_host_read(&self) -> Result<Writing<'_>> {
        let word = match &self.shared {
            Owner::Range(shared) => &shared.busy,
            Owner::Slot(slot) => slot.use_word(),
        };
        use_word::begin_read(word).map_err(|writes| Error::InUseByRecordedWork {
            name: format!("{} [{}..+{}]", self.name(), self.offset, self.size),
            holds: writes,
        })
    }

    /// Maps the arena's buffer: the range's bytes start at [`offset`](Self::offset).
    fn map(&self) -> Result<MappedMemory<'_>> {
        self.shared.arena().buffer.map_locked()
    }
}

impl<T: Pod> SubBuffer<T> {
    /// Writes `data` at element `offset` of the range through the arena's mapping (the arena
    /// must have a host-access [`MappingType`](crate::MappingType); else
    /// [`Error::NotHostVisible`](crate::Error::NotHostVisible)). Data past the range's end is
    /// [`Error::DataTooLarge`](crate::Error::DataTooLarge), never written into a neighbour.
    /// While work vkres recorded on this range (an `upload_sub`, `download_sub` or
    /// `keep_alive` of a batch or recorder) is not known to be finished (the recording is
    /// open, or its [`InFlight`](crate::InFlight) not yet waited for and dropped), the write
    /// would race it or be overwritten by it: [`Error::InUseByRecordedWork`]
    /// (other ranges of the arena are not affected).
    pub fn write(&self, offset: u64, data: &[T]) -> Result<()> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let at = self.checked_byte_range(offset, bytes.len() as u64)?;
        // The check and the write are one step: a use another thread records meanwhile waits
        // for the copy to end (`use_word`).
        let _writing = self.begin_host_write()?;
        self.map()?.write_bytes(at, bytes)
    }

    /// Reads `out.len()` elements from element `offset` of the range through the arena's
    /// mapping.
    ///
    /// Refused with [`Error::InUseByRecordedWork`] (`holds`: the uses that may write) while
    /// work vkres recorded on this range that may write it is not known to be finished (the
    /// recording is open, or its [`InFlight`](crate::InFlight) not yet waited for and
    /// dropped): an `upload_sub`, a copy into it, a `keep_alive` (the caller's commands may
    /// write it, a shader store vkres cannot see); a read now could return the bytes from
    /// before that work (issue 16). Uses that only read the range (`download_sub`,
    /// `keep_alive_read_only`) do not stop it.
    pub fn read(&self, offset: u64, out: &mut [T]) -> Result<()> {
        let out: &mut [u8] = bytemuck::cast_slice_mut(out);
        let at = self.checked_byte_range(offset, out.len() as u64)?;
        // Checked and read in one step, as a write: a use another thread records meanwhile
        // waits for the copy to end (its work then runs after the read).
        let _reading = self.begin_host_read()?;
        self.map()?.read_bytes(at, out)
    }

    /// Reads every element of the range through the arena's mapping.
    pub fn read_vec(&self) -> Result<Vec<T>> {
        let mut out = vec![T::zeroed(); self.len() as usize];
        self.read(0, &mut out)?;
        Ok(out)
    }

    /// Reinterprets the handle with another element type of the same range.
    pub fn cast<U: Pod>(&self) -> SubBuffer<U> {
        SubBuffer { shared: self.shared.clone(), offset: self.offset, size: self.size, _elem: PhantomData }
    }

    /// The offset in the arena's buffer of `len` bytes at element `offset` of the range,
    /// checked to lie inside the range.
    pub(crate) fn checked_byte_range(&self, offset: u64, len: u64) -> Result<u64> {
        let byte_offset = offset.saturating_mul(size_of::<T>() as u64);
        check_range(self.name(), byte_offset, len, self.size)?;
        // Inside the range, which lies inside the buffer: no overflow.
        Ok(self.offset + byte_offset)
    }
}
