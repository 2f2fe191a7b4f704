//! [`Buffer`]: a `VkBuffer` with its memory, typed by its element.

use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use ash::vk;
use bytemuck::Pod;

use super::spare::{Shared, spare_slots};
use super::{NameRef, ResourceMemory};
use crate::Context;
use crate::debug_name::StoredName;
use crate::error::{Error, Result};
use crate::memory::{
    MappedMemory, MappingType, MemoryAllocation, MemoryAllocator, MemoryLocation, MemoryPool, MemoryRequest, WriteCheck,
};

/// What buffer to create.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BufferDesc {
    /// Size in bytes.
    pub size: u64,
    /// Usage flags.
    pub usage: vk::BufferUsageFlags,
    /// Host access.
    pub mapping: MappingType,
    /// Placement preference.
    pub location: MemoryLocation,
    /// Whether it gets a `VkDeviceMemory` of its own (see [`MemoryRequest::dedicated`](crate::memory::MemoryRequest)).
    pub dedicated: bool,
    /// The custom pool its memory comes from (`None`: the allocator's own).
    pub pool: Option<MemoryPool>,
    /// Handle types its memory is exported as (empty: not exported); see
    /// [`export`](Self::export).
    pub export: vk::ExternalMemoryHandleTypeFlags,
    /// Debug name.
    pub name: String,
}

impl BufferDesc {
    /// A device buffer of `size` bytes for `usage`, never mapped.
    pub fn new(size: u64, usage: vk::BufferUsageFlags) -> Self {
        Self {
            size,
            usage,
            mapping: MappingType::None,
            location: MemoryLocation::Auto,
            dedicated: false,
            pool: None,
            export: vk::ExternalMemoryHandleTypeFlags::empty(),
            name: String::new(),
        }
    }

    /// A buffer of `count` elements of `T`.
    pub fn elements<T>(count: u64, usage: vk::BufferUsageFlags) -> Self {
        Self::new(count.saturating_mul(std::mem::size_of::<T>() as u64), usage)
    }

    /// Sets the host access.
    pub fn mapping(mut self, mapping: MappingType) -> Self {
        self.mapping = mapping;
        self
    }

    /// Sets the placement preference.
    pub fn location(mut self, location: MemoryLocation) -> Self {
        self.location = location;
        self
    }

    /// Sets the debug name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Asks for a `VkDeviceMemory` of its own.
    pub fn dedicated(mut self, dedicated: bool) -> Self {
        self.dedicated = dedicated;
        self
    }

    /// Takes its memory from `pool` (of the same allocator; a pool of fixed-size blocks holds
    /// no dedicated allocation).
    pub fn pool(mut self, pool: &MemoryPool) -> Self {
        self.pool = Some(pool.clone());
        self
    }

    /// Makes its memory exportable as `handle_types` (`OPAQUE_FD`, `DMA_BUF_EXT`): a
    /// `VkDeviceMemory` of its own, which [`MemoryAllocation::export_fd`] hands out as a file
    /// descriptor for another API or device to import. Checked at creation:
    /// [`Error::MissingFeature`] without `VK_KHR_external_memory_fd` (or
    /// `VK_EXT_external_memory_dma_buf`), [`Error::ExportUnsupported`] where the driver cannot
    /// export such a buffer.
    pub fn export(mut self, handle_types: vk::ExternalMemoryHandleTypeFlags) -> Self {
        self.export = handle_types;
        self
    }
}

/// The owner of one `VkBuffer` and its memory, shared by every [`Buffer`] handle to it.
pub(crate) struct BufferShared {
    handle: vk::Buffer,
    /// Freed after `handle` is destroyed (in `Drop`); holds the context.
    allocation: ResourceMemory,
    size: u64,
    usage: vk::BufferUsageFlags,
    /// Never 0 for a buffer made with `SHADER_DEVICE_ADDRESS` (`None` takes no room).
    address: Option<std::num::NonZeroU64>,
    name: StoredName,
    /// Cleared when a batch first records work on it: until then no submission has used it, so
    /// a transfer-queue upload needs to wait for nothing (`allocator/batch/transfer.rs`).
    fresh: super::FirstUse,
    /// A staging chunk's: only the staging manager writes its mapping (each
    /// [`StagingSpace`](crate::StagingSpace) its own range), so a write through
    /// [`Buffer::map`] is [`Error::MappingReserved`].
    reserved: bool,
    /// For a buffer made with a host-access [`MappingType`] (or counted since creation, a
    /// per-frame field's copy): the hold that recorded work on it shares while any is not
    /// known to be finished (see [`PendingHold`]); host writes through [`Buffer::map`] are
    /// checked against it. `None` for every other buffer (never mapped), whose holds are plain
    /// references (no allocation, no lock). Boxed: one pointer in the shared state of every
    /// buffer, the lock only in the mapped ones.
    holds: Option<Box<Mutex<HoldSlots>>>,
}

/// The shared holds of a mapped buffer's recorded work (see [`PendingHold`]): of every use, and
/// of the uses that write it (copies and staged uploads vkres records into it; each of those
/// holds the `any` one too), which host reads check (issue 16: a read before the work that
/// writes the buffer has finished would return old bytes).
#[derive(Default)]
struct HoldSlots {
    any: Weak<PendingHold>,
    writes: Weak<PendingHold>,
}

impl BufferShared {
    /// The common check of a host access through the mapping: a staging chunk's is
    /// [`Error::MappingReserved`]; a counted buffer's is refused while the holds `which` picks
    /// (every use, or the writing ones) are not all dropped, else its hold slots are returned
    /// locked (no use is recorded while the caller copies). `None`: an uncounted buffer.
    fn unheld(&self, which: fn(&HoldSlots) -> &Weak<PendingHold>) -> Result<Option<MutexGuard<'_, HoldSlots>>> {
        if self.reserved {
            return Err(Error::MappingReserved { name: self.name.to_string() });
        }
        let Some(holds) = &self.holds else { return Ok(None) };
        let slot = holds.lock().unwrap_or_else(|e| e.into_inner());
        let count = which(&slot).strong_count();
        if count != 0 {
            return Err(Error::InUseByRecordedWork { name: self.name.to_string(), holds: count as u64 });
        }
        // The last such hold was dropped (a release decrement) after its work's fence was seen
        // signalled: the access, made after this, sees that work done.
        std::sync::atomic::fence(Ordering::Acquire);
        Ok(Some(slot))
    }
}

/// The check behind every host write through [`Buffer::map`]'s mapping (issue 16, items 1 and
/// 9): refused while recorded work holds the buffer, and run under the lock that recording a
/// use of it takes, so that no batch records one while the bytes are written.
impl crate::memory::HostWriteGuard for BufferShared {
    fn guarded_write(&self, write: &mut dyn FnMut() -> Result<()>) -> Result<()> {
        let Some(slot) = self.unheld(|slots| &slots.any)? else { return write() };
        // A member of transient memory writes every member's bytes: no recording of any of
        // them may be pending (checked and written under the memory's lock, after the own one).
        let written = match self.allocation.alias_member() {
            Some(member) => member.with_none_pending(write).unwrap_or_else(|pending| {
                Err(Error::InUseByRecordedWork {
                    name: format!("{} (in transient memory `{}`)", &*self.name, member.memory_name()),
                    holds: pending as u64,
                })
            }),
            None => write(),
        };
        drop(slot);
        written
    }

    fn guarded_read(&self, read: &mut dyn FnMut() -> Result<()>) -> Result<()> {
        let Some(slot) = self.unheld(|slots| &slots.writes)? else { return read() };
        let done = match self.allocation.alias_member() {
            Some(member) => member.locked(read),
            None => read(),
        };
        drop(slot);
        done
    }

    fn locked(&self, access: &mut dyn FnMut() -> Result<()>) -> Result<()> {
        if self.reserved {
            return Err(Error::MappingReserved { name: self.name.to_string() });
        }
        let Some(holds) = &self.holds else { return access() };
        let slot = holds.lock().unwrap_or_else(|e| e.into_inner());
        let done = match self.allocation.alias_member() {
            Some(member) => member.locked(access),
            None => access(),
        };
        drop(slot);
        done
    }
}

/// What recorded work holds of a mapped buffer (issue 16, item 9: a host write must not race
/// GPU work recorded before it): one shared hold per buffer, made by the first
/// recording that uses it while no other does, cloned by the next ones, dropped with the last
/// (after its work has finished: batches, recorders and [`InFlight`](crate::InFlight)s drop
/// their holds only then). Its strong count is the number of recorded uses not known to be
/// finished, which [`Buffer::unused_by_recorded_work`] reads.
///
/// For a member of transient memory it also carries the memory's hold (which host writes into
/// any member check): taken once per hold, not per recorded use.
#[allow(dead_code, reason = "held for its drop: it keeps the buffer (and its memory's hold) alive")]
struct PendingHold(Arc<Slot>, Option<Arc<dyn Send + Sync>>);

impl Drop for BufferShared {
    fn drop(&mut self) {
        // SAFETY: the last handle is gone and every batch that used the buffer holds a handle
        // until its fence signalled, so the device no longer uses it. The memory is freed
        // afterwards, when `allocation` drops.
        unsafe { self.allocation.context().device().destroy_buffer(self.handle, None) };
    }
}

/// A `VkBuffer` and its memory, holding elements of `T` (`u8` for raw bytes).
///
/// A `Buffer` is a shared handle: cloning it is cheap, and the buffer is destroyed (then its
/// memory freed) when the last handle drops. It keeps its allocator and context alive, and a
/// batch that records work on it keeps it alive until that work has finished, so safe code
/// cannot free it under the device. `Send + Sync`: its state is immutable, host access goes
/// through [`map`](Self::map), which the allocation serialises.
pub struct Buffer<T = u8> {
    /// The buffer's slot (see [`spare`](super::spare)): its drop keeps the allocation of the
    /// last handle's.
    shared: Shared<BufferShared>,
    _elem: PhantomData<fn() -> T>,
}

/// A buffer's shared state in its `Arc`: `None` only in a thread's spare list.
type Slot = Option<BufferShared>;

spare_slots! {
    /// This thread's spare slots of dropped buffers ([`spare`](super::spare)).
    SPARE: BufferShared
}

impl<T> Buffer<T> {
    /// Another handle to the same slot.
    #[inline]
    fn with_slot<U>(&self) -> Buffer<U> {
        Buffer { shared: self.shared.clone(), _elem: PhantomData }
    }

    /// The shared state, where this is its only handle and no hold refers to it.
    fn shared_mut(&mut self) -> Option<&mut BufferShared> {
        self.shared.get_mut()
    }
}

impl<T> Clone for Buffer<T> {
    fn clone(&self) -> Self {
        self.with_slot()
    }
}

impl<T> std::fmt::Debug for Buffer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffer")
            .field("name", &&*self.shared.name)
            .field("handle", &self.shared.handle)
            .field("size", &self.shared.size)
            .field("usage", &self.shared.usage)
            .finish()
    }
}

impl<T> Buffer<T> {
    /// The `VkBuffer`.
    pub fn handle(&self) -> vk::Buffer {
        self.shared.handle
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.shared.size
    }

    /// Number of whole elements of `T` it holds.
    pub fn len(&self) -> u64 {
        self.shared.size / std::mem::size_of::<T>().max(1) as u64
    }

    /// Whether it holds no whole element (a byte buffer never is).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Usage flags it was created with.
    pub fn usage(&self) -> vk::BufferUsageFlags {
        self.shared.usage
    }

    /// Debug name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Its device address, for buffers made with `SHADER_DEVICE_ADDRESS`.
    pub fn device_address(&self) -> Option<vk::DeviceAddress> {
        self.shared.address.map(std::num::NonZeroU64::get)
    }

    /// Its memory.
    pub fn memory(&self) -> &dyn MemoryAllocation {
        self.shared.allocation.get()
    }

    /// Maps its memory. Fails with [`Error::NotHostVisible`] unless it was created with a
    /// host-access [`MappingType`].
    ///
    /// Each [`write_bytes`](MappedMemory::write_bytes) of the mapping is checked against the
    /// work vkres recorded on this buffer: while a batch or recorder that uses it is still
    /// recording, or its [`InFlight`](crate::InFlight) is not waited for and dropped, the
    /// write is [`Error::InUseByRecordedWork`] (it would race that work on the device, or a
    /// copy recorded before it would overwrite it, against program order). Each
    /// [`read_bytes`](MappedMemory::read_bytes) is refused the same way while such work may
    /// write the buffer (an upload or copy into it, a recorder's
    /// [`keep_alive`](crate::Recorder::keep_alive); not a
    /// [`keep_alive_read_only`](crate::Recorder::keep_alive_read_only) or a download). A
    /// refusal, not a wait: wait for and drop the work's `InFlight` first. A staging chunk's
    /// mapping ([`StagingSpace::buffer`](crate::StagingSpace)) is written only through
    /// [`StagingSpace::write`](crate::StagingSpace::write): [`Error::MappingReserved`].
    pub fn map(&self) -> Result<MappedMemory<'_>> {
        let shared = &*self.shared;
        MappedMemory::guarded(shared.allocation.get(), shared.size, &shared.name, shared, WriteCheck::Pending)
    }

    /// [`map`](Self::map) whose writes take the lock but are not checked against recorded
    /// work: a range of an arena, which counts its own recorded uses (`SubBuffer`).
    pub(crate) fn map_locked(&self) -> Result<MappedMemory<'_>> {
        let shared = &*self.shared;
        MappedMemory::guarded(shared.allocation.get(), shared.size, &shared.name, shared, WriteCheck::LockOnly)
    }

    /// [`map`](Self::map) without the check or the lock: vkres's own writes to bytes no
    /// other host thread copies (a staging chunk's space of one set, TLAS instance records),
    /// each ordered against the work that uses them by its caller.
    pub(crate) fn map_unchecked(&self) -> Result<MappedMemory<'_>> {
        MappedMemory::new(self.shared.allocation.get(), self.shared.size, &self.shared.name)
    }

    /// The same buffer, viewed as raw bytes.
    pub fn as_bytes(&self) -> Buffer<u8> {
        self.with_slot()
    }

    /// Swaps in `handle` for the `VkBuffer` where this is the buffer's only handle (the
    /// manager's defragmentation, which re-creates a moved buffer in place): `Ok` with the old
    /// `VkBuffer`, for the caller to destroy; `Err(handle)` back where other handles (or work
    /// in flight) share the buffer or it has a device address (which would change).
    ///
    /// # Safety
    /// `handle` is a buffer of this device created as this one was (size, usage, sharing),
    /// bound to the memory that this buffer's allocation names once the move is done, with the
    /// contents copied there.
    pub(crate) unsafe fn relocate(&mut self, handle: vk::Buffer) -> std::result::Result<vk::Buffer, vk::Buffer> {
        match self.shared_mut() {
            Some(shared) if shared.address.is_none() => {
                // Written by the move's copy: a later transfer-queue upload is not its first use.
                shared.fresh.set_used();
                Ok(std::mem::replace(&mut shared.handle, handle))
            }
            _ => Err(handle),
        }
    }

    /// How many handles share this buffer (the manager's eviction frees only buffers it alone
    /// holds; recorded work on it counts as one at least).
    pub(crate) fn holders(&self) -> usize {
        Arc::strong_count(self.shared.arc())
    }

    /// Whether no recorded work holds the buffer (a batch or recorder recording it, a submitted
    /// batch not yet waited for, an [`InFlight`](crate::InFlight) not yet dropped): a host write
    /// into its memory then races no GPU work vkres recorded on it. Counted from recording, not
    /// submission: work recorded but not yet submitted may run after a write made now. Always
    /// `true` for a buffer made without a host-access mapping (its holds are not counted; it is
    /// never mapped).
    pub(crate) fn unused_by_recorded_work(&self) -> bool {
        let Some(holds) = &self.shared.holds else { return true };
        let unused = holds.lock().unwrap_or_else(|e| e.into_inner()).any.strong_count() == 0;
        if unused {
            // The last hold was dropped (a release decrement) after its work's fence was seen
            // signalled: a write made after this sees that work done.
            std::sync::atomic::fence(Ordering::Acquire);
        }
        unused
    }

    /// Starts counting the recorded uses of this buffer (as a mapped buffer's are from its
    /// creation), so that a host write through [`write`](Self::write) is refused while any is
    /// not known to be finished ([`Error::InUseByRecordedWork`]): the per-frame fields' copies,
    /// written by the host every frame (a device-local copy counts too, to no effect). Only where this is the buffer's only handle (right after
    /// creation; recordings made before would go uncounted): `false` otherwise, and nothing
    /// changes.
    pub(crate) fn count_recorded_uses(&mut self) -> bool {
        match self.shared_mut() {
            Some(shared) => {
                if shared.holds.is_none() {
                    shared.holds = Some(Box::new(Mutex::new(HoldSlots::default())));
                }
                true
            }
            None => false,
        }
    }

    pub(crate) fn context(&self) -> &Arc<Context> {
        self.shared.allocation.context()
    }

    /// A type-erased handle that keeps the buffer alive (batches hold these, for every buffer
    /// they record work on: it is no longer fresh after this).
    ///
    /// A member of transient memory counts its holds (see `create_named`): its
    /// [`PendingHold`] carries the memory's hold too, which host writes into any member check.
    pub(crate) fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        self.mark_recorded();
        let Some(holds) = &self.shared.holds else { return Arc::<Slot>::clone(self.shared.arc()) };
        // A mapped buffer or a member of transient memory: the shared hold that counts the
        // recorded uses.
        let mut slot = holds.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hold) = slot.any.upgrade() {
            return hold;
        }
        let memory = self.shared.allocation.alias_member().map(|member| member.hold());
        let hold = Arc::new(PendingHold(Arc::<Slot>::clone(self.shared.arc()), memory));
        slot.any = Arc::downgrade(&hold);
        hold
    }

    /// A type-erased handle that keeps the buffer alive without counting a recorded use or
    /// marking it used: for a buffer that no recorded command uses (one a `resize` made), which
    /// host writes may then still fill.
    pub(crate) fn alive_handle(&self) -> Arc<dyn Send + Sync> {
        Arc::<Slot>::clone(self.shared.arc())
    }

    /// Whether its recorded uses are counted (a mapped buffer, or a member of transient
    /// memory): only such a buffer tells its write holds apart.
    pub(crate) fn counts_holds(&self) -> bool {
        self.shared.holds.is_some()
    }

    /// [`keep_alive`](Self::keep_alive) for recorded work that writes the buffer (a copy or a
    /// staged upload into it): while it is held, host reads through the buffer's mapping are
    /// [`Error::InUseByRecordedWork`] (they would return the bytes from before the work).
    pub(crate) fn keep_alive_written(&self) -> Arc<dyn Send + Sync> {
        let any = self.keep_alive();
        let Some(holds) = &self.shared.holds else { return any };
        let mut slot = holds.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hold) = slot.writes.upgrade() {
            return hold;
        }
        // Holds the `any` hold too: writes refused while the reads are.
        let hold = Arc::new(PendingHold(Arc::<Slot>::clone(self.shared.arc()), Some(any)));
        slot.writes = Arc::downgrade(&hold);
        hold
    }

    /// Marks it as recorded on by a batch (no longer fresh) without holding
    /// it (a `SubBuffer`'s hold keeps its arena's buffer alive).
    pub(crate) fn mark_recorded(&self) {
        self.shared.fresh.mark_used();
    }

    /// Its first-use state: whether any recording has used it, and a batch's transfer-lane
    /// claim (one atomic step each: see [`FirstUse`](super::FirstUse)).
    pub(crate) fn first_use(&self) -> &super::FirstUse {
        &self.shared.fresh
    }

    /// Whether uploads write it through its mapping instead of staging: a
    /// [`MappingType::PreferDirectWrite`] buffer that landed in host-visible memory.
    pub(crate) fn direct_writable(&self) -> bool {
        // Only such a buffer tracks its holds (decided at creation): the test costs every other
        // buffer no read of its allocation (a cache miss per upload of many small ones).
        let memory = self.memory();
        self.shared.holds.is_some()
            && memory.mapping() == MappingType::PreferDirectWrite
            && memory.properties().contains(vk::MemoryPropertyFlags::HOST_VISIBLE)
    }

    /// Drops this handle's reference to the buffer (destroying it if it was the last one),
    /// leaving a placeholder with a null handle and no memory: the ordered drop of derived
    /// bundles releases fields through this before the struct's fields drop. The placeholder
    /// takes the buffer's own slot where this was its only handle, a spare one otherwise (no
    /// allocation either way, once the thread has a spare).
    pub(crate) fn release(&mut self) {
        if self.shared.handle == vk::Buffer::null() {
            return;
        }
        let placeholder = BufferShared {
            handle: vk::Buffer::null(),
            allocation: ResourceMemory::none(self.context()),
            size: 0,
            usage: vk::BufferUsageFlags::empty(),
            address: None,
            name: StoredName::Static(""),
            fresh: super::FirstUse::new(false),
            reserved: false,
            holds: None,
        };
        // The only handle (the usual case): the state is replaced in its slot, no allocation.
        match self.shared_mut() {
            Some(state) => *state = placeholder,
            None => {
                // The placeholder's slot filled first, then this handle's reference retired.
                self.shared = Shared::new(placeholder);
            }
        }
    }
}

impl<T: Pod> Buffer<T> {
    /// Writes `data` at element `offset` through a mapping (see [`map`](Self::map)).
    ///
    /// Refused with [`Error::InUseByRecordedWork`] while work vkres recorded on the buffer is
    /// not known to be finished: the bytes would race that work (or a copy recorded earlier
    /// would overwrite them), against program order.
    pub fn write(&self, offset: u64, data: &[T]) -> Result<()> {
        let offset = offset.saturating_mul(std::mem::size_of::<T>() as u64);
        self.map()?.write_bytes(offset, bytemuck::cast_slice(data))
    }

    /// Reads `out.len()` elements from element `offset` through a mapping.
    ///
    /// Refused with [`Error::InUseByRecordedWork`] (not waited for) while work vkres recorded
    /// that may write the buffer (an upload or copy into it, a recorder's
    /// [`keep_alive`](crate::Recorder::keep_alive)) is still recording or its
    /// [`InFlight`](crate::InFlight) not yet waited for and dropped: the bytes could be from
    /// before that work. Work that only reads it (a download,
    /// [`keep_alive_read_only`](crate::Recorder::keep_alive_read_only)) does not stop it.
    pub fn read(&self, offset: u64, out: &mut [T]) -> Result<()> {
        let offset = offset.saturating_mul(std::mem::size_of::<T>() as u64);
        self.map()?.read_bytes(offset, bytemuck::cast_slice_mut(out))
    }

    /// Reads every element through a mapping.
    pub fn read_vec(&self) -> Result<Vec<T>> {
        let mut out = vec![T::zeroed(); self.len() as usize];
        self.read(0, &mut out)?;
        Ok(out)
    }

    /// Reinterprets the handle with another element type of the same buffer.
    pub fn cast<U: Pod>(&self) -> Buffer<U> {
        self.with_slot()
    }
}

/// Validates `desc` and creates the buffer for elements of `T`.
pub(crate) fn create<T>(memory: &dyn MemoryAllocator, desc: &BufferDesc) -> Result<Buffer<T>> {
    create_named(memory, desc, NameRef::Borrowed(&desc.name), false)
}

/// [`create`], named `name` instead of `desc.name`, which the buffer and the leak table share
/// (an acceleration structure's storage, named after it: one string per structure).
pub(crate) fn create_shared_name<T>(
    memory: &dyn MemoryAllocator,
    desc: &BufferDesc,
    name: Arc<str>,
) -> Result<Buffer<T>> {
    create_named(memory, desc, NameRef::Shared(&name), false)
}

/// [`create`], shared by the context's queue families (`CONCURRENT` where it has a transfer
/// queue): staging chunks, which both queues' copies read.
pub(crate) fn create_for_all_queues(memory: &dyn MemoryAllocator, desc: &BufferDesc) -> Result<Buffer> {
    create_named(memory, desc, NameRef::Borrowed(&desc.name), true)
}

/// [`create`], named `name` instead of `desc.name` (the derive's names, kept without a copy).
pub(crate) fn create_static<T>(
    memory: &dyn MemoryAllocator,
    desc: &BufferDesc,
    name: &'static str,
) -> Result<Buffer<T>> {
    create_named(memory, desc, NameRef::Static(name), false)
}

/// Inlined into its few callers, each of which passes one kind of name: the name's kind is
/// then known where it is matched (the unnamed `create_buffer` path paid 23 instructions for
/// the third kind, `Shared`, when this was a function of its own; `#[inline]` alone left it one).
#[inline(always)]
fn create_named<T>(
    memory: &dyn MemoryAllocator,
    desc: &BufferDesc,
    name_ref: NameRef<'_>,
    all_queues: bool,
) -> Result<Buffer<T>> {
    // VMA (the usual backend) answers its context without a second dynamic call.
    let vma = memory.as_vma();
    let ctx = match vma {
        Some(vma) => vma.context(),
        None => memory.context(),
    };
    // A borrowed name (the description's) is copied once, into a string that the buffer and
    // the leak table share (they copied it once each); a static one (the derive's) not at all,
    // nor an empty one.
    let shared_name: Arc<str>;
    let name_ref = match name_ref {
        NameRef::Borrowed(name) if !name.is_empty() => {
            shared_name = Arc::from(name);
            NameRef::Shared(&shared_name)
        }
        name_ref => name_ref,
    };
    let name = name_ref.as_str();
    if desc.size == 0 {
        return Err(Error::ZeroSize { name: name.into(), kind: "buffer" });
    }
    if desc.usage.is_empty() {
        return Err(Error::ValidUsage {
            name: name.into(),
            vuid: "VUID-VkBufferCreateInfo-usage-requiredbitmask",
            detail: "a buffer needs at least one usage flag".into(),
        });
    }
    crate::valid::known::buffer_usage(name, desc.usage)?;
    crate::valid::extension_bits::buffer_usage(ctx, desc.usage)?;
    let limit = ctx.capabilities().max_buffer_size;
    if desc.size > limit {
        return Err(Error::LimitExceeded { name: name.into(), what: "buffer size", requested: desc.size, limit });
    }
    // One buffer is bound to one allocation: past `maxMemoryAllocationSize` none can back it
    // (the driver may fail or accept it; the validation layer reports it, found on the H100:
    // 4 GiB + 16 bytes against 4 GiB - 2 MiB).
    let limit = ctx.capabilities().max_memory_allocation_size;
    if desc.size > limit {
        return Err(Error::LimitExceeded {
            name: name.into(),
            what: "buffer size (maxMemoryAllocationSize: one allocation backs a buffer)",
            requested: desc.size,
            limit,
        });
    }
    let elem = std::mem::size_of::<T>() as u64;
    if elem > 1 && desc.size % elem != 0 {
        return Err(Error::NotWholeElements { name: name.into(), bytes: desc.size, element: elem });
    }
    // The transfer queue's family is never the main queue's (`Context::from_raw` refuses it).
    let families = match ctx.transfer_queue_family_index() {
        Some(transfer) if all_queues => Some([ctx.queue_family_index(), transfer]),
        _ => None,
    };
    let info = vk::BufferCreateInfo::default().size(desc.size).usage(desc.usage);
    let info = match &families {
        Some(families) => info.sharing_mode(vk::SharingMode::CONCURRENT).queue_family_indices(families),
        None => info.sharing_mode(vk::SharingMode::EXCLUSIVE),
    };
    // Built only for an exported buffer (most are not: no stores for the others).
    let mut external;
    let info = match desc.export.is_empty() {
        true => info,
        false => {
            crate::memory::export::check_buffer(ctx, name, desc.usage, info.flags, desc.export)?;
            external = vk::ExternalMemoryBufferCreateInfo::default().handle_types(desc.export);
            info.push_next(&mut external)
        }
    };
    let request = MemoryRequest {
        name,
        mapping: desc.mapping,
        location: desc.location,
        dedicated: desc.dedicated,
        pool: desc.pool.as_ref(),
        export: desc.export,
    };
    // SAFETY: size and usage are non-zero; the only usage needing a feature, device address,
    // is always enabled on a vkres context.
    let (handle, allocation) = unsafe {
        match vma {
            Some(vma) => vma.create_buffer_inline(&info, &request, name_ref).map(|(h, m)| (h, ResourceMemory::Vma(m))),
            None => memory.create_buffer(&info, &request).map(|(h, m)| (h, ResourceMemory::Boxed(m, ctx.clone()))),
        }
    }?;
    let address = desc.usage.contains(vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS).then(|| {
        let info = vk::BufferDeviceAddressInfo::default().buffer(handle);
        // SAFETY: the buffer is live, bound to memory and was created with SHADER_DEVICE_ADDRESS.
        unsafe { ctx.device().get_buffer_device_address(&info) }
    });
    // The device address of a buffer is never 0 (Vulkan reserves it for "no address").
    let address = address.and_then(std::num::NonZeroU64::new);
    // SAFETY: `handle` is a live buffer of this device.
    unsafe { ctx.set_debug_name(handle, name) };
    // Every mapped buffer tracks the recorded work that holds it (its host writes are checked
    // against it), but a staging chunk, which only the staging manager writes (the
    // description's mapping alone decides: no dynamic call on the allocation just made).
    // A member of transient memory too: its holds carry the memory's (`PendingHold`), which
    // host writes into a mapped sibling check (VMA memory answers without a dynamic call).
    let counted = (desc.mapping != MappingType::None || allocation.alias_member().is_some()) && !all_queues;
    let shared = BufferShared {
        handle,
        allocation,
        size: desc.size,
        usage: desc.usage,
        address,
        name: name_ref.to_stored(),
        fresh: super::FirstUse::new(true),
        reserved: all_queues,
        holds: counted.then(|| Box::new(Mutex::new(HoldSlots::default()))),
    };
    Ok(Buffer { shared: Shared::new(shared), _elem: PhantomData })
}

#[cfg(test)]
mod tests {
    /// The spare-slot cap is in bytes (`spare::CAP_BYTES`): a buffer's state must stay small
    /// enough that a batch of 10 000 dropped buffers is kept whole (design-notes, "Host
    /// overhead, session 9").
    #[test]
    fn ten_thousand_buffers_fit_the_spare_cap() {
        let cap = crate::resources::spare::cap::<super::BufferShared>();
        assert!(cap >= 10_000, "{cap} spare buffer slots a thread");
    }
}
