//! [`StagingMemoryManager`]: host-visible staging memory in chunks from a fixed budget, handed
//! out in resource sets (after Merian's `StagingMemoryManager`).
//!
//! A resource set collects the staging space of one submission. Closing it
//! ([`finalize_resource_set`](StagingMemoryManager::finalize_resource_set)) gives its
//! [`SetId`]; releasing it, explicitly or when a fence signals, returns its chunks for reuse.
//! The chunks allocated never exceed the budget: a request that does not fit gets `None`, and
//! a [`Batch`](crate::Batch) then submits what it has, waits for it, and goes on; a batch with
//! nothing of its own to wait for waits for another thread's set to be released.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use ash::vk;

use super::fence::Fence;
use crate::error::{Error, Result};
use crate::memory::{MappingType, MemoryAllocator, MemoryLocation};
use crate::resources::{Buffer, BufferDesc};

/// Staging limits.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagingConfig {
    /// Most bytes of staging memory held at once (default 64 MiB).
    pub budget: u64,
    /// Size of one chunk (default 16 MiB); a larger single request gets a chunk of its own
    /// while it fits the budget.
    pub chunk_size: u64,
}

impl Default for StagingConfig {
    fn default() -> Self {
        Self { budget: 64 << 20, chunk_size: 16 << 20 }
    }
}

/// A resource set of a [`StagingMemoryManager`]: the caller's (from
/// [`open_set`](StagingMemoryManager::open_set), [`current_set`](StagingMemoryManager::current_set),
/// [`finalize_resource_set`](StagingMemoryManager::finalize_resource_set)), or the set of a
/// batch's or recorder's work ([`InFlight::staging_set`](crate::InFlight::staging_set)), which
/// vkres releases once that work has finished: the caller cannot release it
/// ([`Error::StagingSetInUse`]).
///
/// `Send + Sync`: plain data.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SetId(u64);

/// The bit of a [`SetId`] that marks the set of vkres's own work (a batch's, a recorder's).
const WORK_SET: u64 = 1 << 63;

impl SetId {
    /// Whether the set belongs to vkres's own work.
    fn of_work(self) -> bool {
        self.0 & WORK_SET != 0
    }
}

impl std::fmt::Debug for SetId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.of_work() {
            true => write!(f, "SetId({}, work)", self.0 & !WORK_SET),
            false => write!(f, "SetId({})", self.0),
        }
    }
}

/// [`Error::StagingSetInUse`] for the set of vkres's own work.
fn refuse_work_set(set: SetId) -> Result<()> {
    match set.of_work() {
        true => Err(Error::StagingSetInUse { set: set.0 & !WORK_SET }),
        false => Ok(()),
    }
}

/// Space in a staging chunk: `len` bytes at `offset` of `buffer`, written by the host
/// through [`write`](Self::write) while its set owns it. Made only by
/// [`StagingMemoryManager::stage`] (`non_exhaustive`: a space made by hand could name any
/// bytes of a chunk, which other sets' recorded copies read).
///
/// `Send + Sync`: a shared buffer handle, numbers, and the manager's shared state.
#[non_exhaustive]
pub struct StagingSpace {
    /// The chunk's buffer (`TRANSFER_SRC`, mapped; its mapping is written only through
    /// [`write`](Self::write)).
    pub buffer: Buffer,
    /// Offset of the space in it.
    pub offset: u64,
    /// Length of the space.
    pub len: u64,
    /// The set the space was staged in: the write checks that it still owns the chunk.
    set: SetId,
    /// The manager's state, locked around the write.
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for StagingSpace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagingSpace")
            .field("buffer", &self.buffer)
            .field("offset", &self.offset)
            .field("len", &self.len)
            .field("set", &self.set)
            .finish()
    }
}

impl StagingSpace {
    /// Copies `data` (at most `len` bytes) to the start of the space. After its set was
    /// released, the chunk may hold another set's bytes, which recorded copies read:
    /// [`Error::StagingReleased`] then, nothing written.
    pub fn write(&self, data: &[u8]) -> Result<()> {
        // The space's own length bounds the write (the chunk behind it is larger).
        if data.len() as u64 > self.len {
            return Err(Error::DataTooLarge {
                name: self.buffer.name().into(),
                offset: self.offset,
                given: data.len() as u64,
                capacity: self.len,
            });
        }
        // Under the manager's lock: no release (and no new owner) while the bytes are written.
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let owned = s.chunks.iter().any(|c| c.owner == Some(self.set) && c.buffer.handle() == self.buffer.handle());
        if !owned {
            return Err(Error::StagingReleased { name: self.buffer.name().into(), set: self.set.0 & !WORK_SET });
        }
        let written = self.buffer.map_unchecked()?.write_bytes(self.offset, data);
        drop(s);
        written
    }
}

/// Where a [`Batch`](crate::Batch) stages next without asking the manager: the rest of the
/// chunk the manager gave its set last, for the thread that asked.
///
/// While a batch records, it is the only one to stage into its set (a set is private to the
/// batch that opened it), so nobody else carves the chunk meanwhile. The bytes it carves are
/// written back to the manager's `Chunk::used` when the batch asks the manager again, before
/// the only reader of them for this set (step 1 of a request for the set) runs; other sets
/// never look at an owned chunk, and releasing the set resets the chunk (the batch drops its
/// cursor whenever it releases or changes its set). So a batch takes the manager's lock once
/// per chunk, not once per upload, and clones no handle per upload.
pub(crate) struct Cursor {
    /// The chunk's buffer.
    buffer: Buffer,
    /// Bytes of the chunk in use, the cursor's carving included.
    used: u64,
    /// The thread the manager gave the chunk to (its holder); on another thread the batch asks
    /// the manager, which records the new holder.
    thread: ThreadId,
    /// The chunk's mapping, held (one `map`, undone when the cursor drops) while the cursor
    /// lives: a staging write is a copy, with no map, unmap or flush call of its own where the
    /// memory is coherent (session 11, helper "xfer11": those three calls through the memory's
    /// `dyn` interface and the range check were about 150 instructions of each small upload).
    mapped: ChunkMapping,
}

/// A staging chunk's mapped first byte and whether its memory is coherent (a write then needs
/// no flush: a flush of coherent memory is a no-op anyway).
struct ChunkMapping {
    ptr: std::ptr::NonNull<u8>,
    coherent: bool,
}

// SAFETY: the pointer is into the chunk's mapping, which the cursor keeps mapped and its buffer
// alive; the cursor writes through it only bytes it carved itself (`&mut self`), so moving it to
// or sharing it with another thread shares no bytes another writer uses.
unsafe impl Send for ChunkMapping {}
// SAFETY: as `Send`: no method writes through it from `&self`.
unsafe impl Sync for ChunkMapping {}

impl Cursor {
    /// A cursor at `used` bytes of `buffer` (a staging chunk: host-visible), for the calling
    /// thread; maps the chunk for the cursor's life.
    fn new(buffer: Buffer, used: u64) -> Result<Self> {
        let memory = buffer.memory();
        let ptr = memory.map()?;
        let coherent = memory.properties().contains(vk::MemoryPropertyFlags::HOST_COHERENT);
        Ok(Cursor { buffer, used, thread: thread_id(), mapped: ChunkMapping { ptr, coherent } })
    }

    /// The offset of `len` bytes aligned to `align` in the chunk, if they fit and the calling
    /// thread is the chunk's holder.
    #[inline]
    pub(crate) fn carve(&mut self, len: u64, align: u64) -> Option<u64> {
        // Checked: `align` and `len` come from the caller (an overflow does not fit). A power
        // of two (every caller's) rounds up with a mask, not a division (a 64-bit `div` per
        // upload: the hottest instruction of 1000 small uploads, `perf`, session 11).
        let offset = if align.is_power_of_two() {
            self.used.checked_add(align - 1)? & !(align - 1)
        } else {
            self.used.checked_next_multiple_of(align.max(1))?
        };
        let fits = offset.checked_add(len).is_some_and(|end| end <= self.buffer.size());
        (fits && self.thread == thread_id()).then(|| {
            self.used = offset + len;
            offset
        })
    }

    /// Copies `data` to `offset` of the chunk (space this cursor carved, or the manager gave
    /// it) and flushes it where the memory is not coherent. Out of the chunk is
    /// [`Error::DataTooLarge`] (never, for carved space).
    #[inline]
    pub(crate) fn write(&mut self, offset: u64, data: &[u8]) -> Result<()> {
        let len = data.len() as u64;
        if offset.checked_add(len).is_none_or(|end| end > self.buffer.size()) {
            return Err(Error::DataTooLarge {
                name: self.buffer.name().into(),
                offset,
                given: len,
                capacity: self.buffer.size(),
            });
        }
        // SAFETY: `offset..offset + len` lies in the chunk (checked above), whose mapping the
        // cursor holds (mapped in `new`, unmapped in `drop`) and whose buffer it keeps alive;
        // no other slice of those bytes exists (carved by this cursor, `&mut self`, for this
        // set only, and not read by the device before the work recorded with them is
        // submitted); `data` is a distinct host allocation.
        let dst = unsafe { std::slice::from_raw_parts_mut(self.mapped.ptr.as_ptr().add(offset as usize), data.len()) };
        crate::memory::copy::copy(dst, data);
        if self.mapped.coherent { Ok(()) } else { self.buffer.memory().flush(offset, len) }
    }

    /// The chunk's buffer.
    pub(crate) fn buffer(&self) -> &Buffer {
        &self.buffer
    }
}

impl Drop for Cursor {
    fn drop(&mut self) {
        // SAFETY: pairs with the `map` of `new`; the pointer dies with the cursor.
        unsafe { self.buffer.memory().unmap() };
    }
}

/// The calling thread's id, read once per thread (`thread::current()` clones a handle).
fn thread_id() -> ThreadId {
    thread_local!(static ID: ThreadId = thread::current().id());
    ID.with(|id| *id)
}

struct Chunk {
    buffer: Buffer,
    used: u64,
    owner: Option<SetId>,
    /// The thread that last staged into it for its owner.
    holder: Option<ThreadId>,
}

/// How long [`StagingMemoryManager::wait_for_release`] waits without any set being released
/// before it gives up (a holder that never releases: a stuck thread, a leaked set).
const STALL_LIMIT: Duration = Duration::from_secs(30);

/// How often a waiter checks the fences of sets released on a fence (nothing signals a
/// condition variable when the device finishes).
const POLL: Duration = Duration::from_millis(2);

#[derive(Default)]
struct State {
    chunks: Vec<Chunk>,
    next_set: u64,
    current: Option<SetId>,
    /// Sets to release once their fence has signalled.
    fenced: Vec<(SetId, Fence)>,
    allocated: u64,
    peak: u64,
    /// Counts releases that freed staging (sets released, chunks destroyed): waiters compare it.
    releases: u64,
}

impl State {
    fn release(&mut self, set: SetId) {
        let mut freed = false;
        for chunk in self.chunks.iter_mut().filter(|c| c.owner == Some(set)) {
            chunk.owner = None;
            chunk.used = 0;
            chunk.holder = None;
            freed = true;
        }
        if freed {
            self.releases += 1;
        }
    }

    /// Whether staging is held by a set that some other thread, or the device, will release:
    /// a set released on a fence, or one another thread staged into last.
    fn others_hold(&self, me: ThreadId) -> bool {
        self.chunks
            .iter()
            .any(|c| c.owner.is_some_and(|set| c.holder != Some(me) || self.fenced.iter().any(|(id, _)| *id == set)))
    }

    /// Bytes in chunks no set owns.
    fn free_bytes(&self) -> u64 {
        self.chunks.iter().filter(|c| c.owner.is_none()).map(|c| c.buffer.size()).sum()
    }

    /// Destroys the chunks no set owns.
    fn drop_free_chunks(&mut self) {
        let freed = self.free_bytes();
        self.chunks.retain(|c| c.owner.is_some());
        self.allocated -= freed;
        if freed > 0 {
            self.releases += 1;
        }
    }

    fn release_signalled(&mut self) {
        let mut i = 0;
        while i < self.fenced.len() {
            if self.fenced[i].1.is_signalled() {
                let (set, _) = self.fenced.swap_remove(i);
                self.release(set);
            } else {
                i += 1;
            }
        }
    }
}

/// Staging memory for uploads, bounded by [`StagingConfig::budget`]. Every
/// [`ResourceAllocator`](crate::ResourceAllocator) has one; clones share it.
///
/// `Send + Sync`: its state is behind one mutex, and releasing a set wakes the batches of
/// other threads that wait for staging (see [`Batch`](crate::Batch)).
#[derive(Clone)]
pub struct StagingMemoryManager {
    /// Declared (so dropped) before `memory`: the chunks are freed while the manager still
    /// holds the allocator, whose last handle reports what is alive when it goes.
    state: Arc<Mutex<State>>,
    memory: Arc<dyn MemoryAllocator>,
    config: StagingConfig,
    /// Notified whenever staging is released.
    released: Arc<Condvar>,
}

impl std::fmt::Debug for StagingMemoryManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagingMemoryManager")
            .field("config", &self.config)
            .field("allocated", &self.allocated_bytes())
            .finish_non_exhaustive()
    }
}

impl StagingMemoryManager {
    /// A manager allocating its chunks from `memory`.
    pub fn new(memory: Arc<dyn MemoryAllocator>, config: StagingConfig) -> Result<Self> {
        if config.budget == 0 || config.chunk_size == 0 || config.chunk_size > config.budget {
            return Err(Error::InvalidDescription {
                name: "staging".into(),
                reason: format!("chunk size {} must be in 1..=budget {}", config.chunk_size, config.budget),
            });
        }
        Ok(Self { memory, config, state: Arc::new(Mutex::new(State::default())), released: Arc::new(Condvar::new()) })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The limits.
    pub fn config(&self) -> StagingConfig {
        self.config
    }

    /// Bytes of staging memory allocated now (in use or free for reuse).
    pub fn allocated_bytes(&self) -> u64 {
        self.lock().allocated
    }

    /// The most bytes of staging memory allocated at once so far.
    pub fn peak_bytes(&self) -> u64 {
        self.lock().peak
    }

    /// Starts counting the peak anew from what is allocated now.
    pub fn reset_peak(&self) {
        let mut s = self.lock();
        s.peak = s.allocated;
    }

    /// Opens a new, private resource set.
    pub fn open_set(&self) -> SetId {
        let mut s = self.lock();
        s.next_set += 1;
        SetId(s.next_set)
    }

    /// Opens the set of a batch's or recorder's work: released by vkres only
    /// ([`release_work_set`](Self::release_work_set)), once that work has finished.
    pub(crate) fn open_work_set(&self) -> SetId {
        SetId(self.open_set().0 | WORK_SET)
    }

    /// The current resource set of the frame-loop API: what
    /// [`finalize_resource_set`](Self::finalize_resource_set) closes.
    pub fn current_set(&self) -> SetId {
        let mut s = self.lock();
        if let Some(set) = s.current {
            return set;
        }
        s.next_set += 1;
        let set = SetId(s.next_set);
        s.current = Some(set);
        set
    }

    /// Closes the current resource set and returns its id; later staging goes to a new set.
    pub fn finalize_resource_set(&self) -> SetId {
        let mut s = self.lock();
        s.current.take().unwrap_or_else(|| {
            s.next_set += 1;
            SetId(s.next_set)
        })
    }

    /// Like [`finalize_resource_set`](Self::finalize_resource_set), and releases the set once
    /// `fence` has signalled (checked whenever staging space is asked for, and by
    /// [`release_finished`](Self::release_finished)).
    pub fn finalize_resource_set_with_fence(&self, fence: &Fence) -> SetId {
        let set = self.finalize_resource_set();
        self.release_work_set_on_fence(set, fence);
        set
    }

    /// Releases `set` once `fence` has signalled.
    ///
    /// The set of a batch's or recorder's work ([`InFlight::staging_set`](crate::InFlight::staging_set))
    /// is [`Error::StagingSetInUse`]: vkres releases it when that work has finished.
    pub fn release_on_fence(&self, set: SetId, fence: &Fence) -> Result<()> {
        refuse_work_set(set)?;
        self.release_work_set_on_fence(set, fence);
        Ok(())
    }

    /// [`release_on_fence`](Self::release_on_fence) for any set: vkres's own work, with the
    /// fence its submission signals.
    pub(crate) fn release_work_set_on_fence(&self, set: SetId, fence: &Fence) {
        self.lock().fenced.push((set, fence.clone()));
    }

    /// Frees the staging memory of `set` for reuse: its transfers must have finished.
    ///
    /// The set of a batch's or recorder's work ([`InFlight::staging_set`](crate::InFlight::staging_set))
    /// is [`Error::StagingSetInUse`]: vkres releases it when that work has finished (released
    /// sooner, the next uploads would overwrite bytes the device may still be copying).
    pub fn release_resource_set(&self, set: SetId) -> Result<()> {
        refuse_work_set(set)?;
        self.release_work_set(set);
        Ok(())
    }

    /// [`release_resource_set`](Self::release_resource_set) for any set: vkres's own work, once
    /// it has finished (or was never submitted).
    pub(crate) fn release_work_set(&self, set: SetId) {
        let mut s = self.lock();
        s.fenced.retain(|(id, _)| *id != set);
        s.release(set);
        drop(s);
        self.released.notify_all();
    }

    /// Releases every set whose fence has signalled.
    pub fn release_finished(&self) {
        self.lock().release_signalled();
        self.released.notify_all();
    }

    /// Destroys the chunks no set uses.
    pub fn trim(&self) {
        self.lock().drop_free_chunks();
        self.released.notify_all();
    }

    /// The memory backend's live allocation names less one `staging chunk N` name per chunk no
    /// set uses (free chunks are a cache for reuse, not a leak), read under the manager's lock so
    /// that no chunk is made, reused or destroyed in between (the lock is already held around
    /// allocations in [`stage`](Self::stage): staging before memory, as there).
    pub(crate) fn live_allocation_names_less_free_chunks(&self) -> Vec<String> {
        let mut names = self.less_free_chunks(|| self.memory.live_allocation_names(), |n| n);
        names.sort();
        names
    }

    /// `list()`'s entries less one per free chunk whose name (`name` of an entry) is the
    /// chunk's, read under the manager's lock as [`live_allocation_names_less_free_chunks`](Self::live_allocation_names_less_free_chunks).
    pub(crate) fn less_free_chunks<T>(&self, list: impl FnOnce() -> Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
        let s = self.lock();
        let mut entries = list();
        for chunk in s.chunks.iter().filter(|c| c.owner.is_none()) {
            if let Some(i) = entries.iter().position(|e| name(e) == chunk.buffer.name()) {
                entries.swap_remove(i);
            }
        }
        entries
    }

    /// Waits until staging is released, when a set that another thread or the device will
    /// release holds some; returns whether any was. Returns `false` at once when all staging
    /// is held by sets this thread staged into last and no fence releases (waiting for them
    /// could never end: only this thread can release them), and after `STALL_LIMIT` (30 s)
    /// without any release (a holder that never releases).
    ///
    /// The caller must hold no staging itself, so that waiters never wait for each other.
    pub(crate) fn wait_for_release(&self) -> bool {
        let me = thread_id();
        let mut s = self.lock();
        let start = s.releases;
        let deadline = Instant::now() + STALL_LIMIT;
        loop {
            s.release_signalled();
            if s.releases != start {
                return true;
            }
            if !s.others_hold(me) || Instant::now() >= deadline {
                return false;
            }
            s = match self.released.wait_timeout(s, POLL) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// `len` bytes of staging space aligned to `align`, in `set`; `None` when the budget is
    /// used up by sets not yet released. A request above the budget is an error.
    ///
    /// The set of a batch's or recorder's work ([`InFlight::staging_set`](crate::InFlight::staging_set))
    /// is [`Error::StagingSetInUse`]: its chunks hold the bytes that work's copies read, carved
    /// by the recording without telling the manager, so space staged there could overlap them
    /// (issue 16, helper "audit10": a write into it changed a recorder's upload before the
    /// caller's submission ran).
    pub fn stage(&self, set: SetId, len: u64, align: u64) -> Result<Option<StagingSpace>> {
        refuse_work_set(set)?;
        self.stage_locked(set, len, align, |_| {})
    }

    /// [`stage`](Self::stage) for a batch that carves the chunk of `cursor` itself: writes the
    /// cursor's bytes back to its chunk (taking the cursor), stages, and returns the space as a
    /// cursor at the rest of its chunk, with the space's offset (see [`Cursor`]).
    pub(crate) fn stage_with_cursor(
        &self,
        set: SetId,
        len: u64,
        align: u64,
        cursor: &mut Option<Cursor>,
    ) -> Result<Option<(Cursor, u64)>> {
        let carved = cursor.take();
        let space = self.stage_locked(set, len, align, |chunks| {
            if let Some(carved) = &carved {
                let handle = carved.buffer.handle();
                if let Some(c) = chunks.iter_mut().find(|c| c.owner == Some(set) && c.buffer.handle() == handle) {
                    c.used = c.used.max(carved.used);
                }
            }
        })?;
        match space {
            Some(space) => {
                let offset = space.offset;
                // Mapped outside the manager's lock.
                Ok(Some((Cursor::new(space.buffer, offset + len)?, offset)))
            }
            None => Ok(None),
        }
    }

    /// [`stage`](Self::stage), after `write_back` has updated the chunks under the same lock.
    fn stage_locked(
        &self,
        set: SetId,
        len: u64,
        align: u64,
        write_back: impl FnOnce(&mut [Chunk]),
    ) -> Result<Option<StagingSpace>> {
        let me = thread_id();
        let mut s = self.lock();
        // Written back first, also when the request fails: the carved bytes are in use.
        write_back(&mut s.chunks);
        if len > self.config.budget {
            return Err(Error::StagingBudgetExceeded { requested: len, budget: self.config.budget });
        }
        let align = align.max(1);
        // 1. Room in a chunk the set already uses (a set being staged into is never fenced, so
        // releasing finished sets, a fence query each, cannot change this step).
        // Checked: `align` and `len` come from the caller (an overflow does not fit).
        let end = |c: &Chunk| c.used.checked_next_multiple_of(align).and_then(|o| o.checked_add(len));
        let fits = |c: &Chunk| end(c).is_some_and(|end| end <= c.buffer.size());
        if let Some(c) = s.chunks.iter_mut().find(|c| c.owner == Some(set) && fits(c)) {
            let offset = c.used.next_multiple_of(align);
            c.used = offset + len;
            c.holder = Some(me);
            let buffer = c.buffer.clone();
            return Ok(Some(StagingSpace { buffer, offset, len, set, state: self.state.clone() }));
        }
        s.release_signalled();
        // 2. A free chunk large enough.
        if let Some(c) = s.chunks.iter_mut().find(|c| c.owner.is_none() && c.buffer.size() >= len) {
            c.owner = Some(set);
            c.used = len;
            c.holder = Some(me);
            let buffer = c.buffer.clone();
            return Ok(Some(StagingSpace { buffer, offset: 0, len, set, state: self.state.clone() }));
        }
        // 3. A new chunk, after destroying free chunks too small to serve, if the budget needs it.
        let size = len.max(self.config.chunk_size);
        if s.allocated + size > self.config.budget {
            if s.allocated - s.free_bytes() + size > self.config.budget {
                return Ok(None);
            }
            s.drop_free_chunks();
        }
        let desc = BufferDesc::new(size, vk::BufferUsageFlags::TRANSFER_SRC)
            .mapping(MappingType::HostAccessSequentialWrite)
            .location(MemoryLocation::PreferHost)
            // Chunks are large and long-lived: memory of their own, as VMA advises for such.
            .dedicated(true)
            .name(format!("staging chunk {}", s.chunks.len()));
        // Read by the transfer queue's copies too, where the context has one.
        let buffer: Buffer = crate::resources::buffer::create_for_all_queues(&*self.memory, &desc)?;
        s.allocated += size;
        s.peak = s.peak.max(s.allocated);
        s.chunks.push(Chunk { buffer: buffer.clone(), used: len, owner: Some(set), holder: Some(me) });
        Ok(Some(StagingSpace { buffer, offset: 0, len, set, state: self.state.clone() }))
    }
}
