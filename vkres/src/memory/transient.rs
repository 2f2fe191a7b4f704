//! [`TransientMemory`]: one allocation that several buffers and images share (aliasing), for
//! resources whose lifetimes on the device do not overlap.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use ash::vk;

use super::{MappingType, MemoryAllocation, MemoryAllocator, MemoryInfo, MemoryRequest};
use crate::Context;
use crate::error::{Error, Result};

/// One allocation that buffers and images are bound to at its start, all at once: resources
/// that the device uses one after another (a frame graph's transient targets, scratch space)
/// share memory instead of each holding its own.
///
/// It is a [`MemoryAllocator`]: create resources in it as in any other,
/// `ResourceAllocator::create_aliased_buffer` / `create_aliased_image` or
/// [`Buffer`](crate::Buffer)-creating code given `&transient`. A resource that does not fit
/// (size, memory type, alignment) is [`Error::InvalidDescription`], found before it is bound.
/// The memory is freed when the handle and every resource in it are gone.
///
/// Aliased resources see each other's bytes: the contents of one are undefined after another
/// was written. Before the device uses a resource whose memory another one used, record
/// [`Batch::alias_barrier`](crate::Batch::alias_barrier) (or an equivalent barrier of your
/// own): it orders every earlier access before every later one and discards image contents.
/// The recorder checks it: the member recorded work used since the last alias barrier is the
/// active one ([`active_member`](Self::active_member)), and a command naming another member
/// is [`Error::AliasNotActive`], nothing recorded (`allocator/recorder/alias.rs` tells the
/// order this follows and what it does not see: a barrier of your own is not counted).
///
/// A cheap, shared handle. `Send + Sync` like every [`MemoryAllocator`].
#[derive(Clone)]
pub struct TransientMemory {
    inner: Arc<Inner>,
}

/// The allocation and its bookkeeping, shared by the handle and every resource in it.
///
/// Field order is the drop order: the allocation is freed (every resource bound to it is gone,
/// each holds this) before the backend that made it is released.
struct Inner {
    allocation: Box<dyn MemoryAllocation>,
    backend: Arc<dyn MemoryAllocator>,
    size: u64,
    memory_type: u32,
    name: String,
    /// Debug names of the live resources bound to it.
    live: Mutex<Vec<String>>,
    /// How many resources were ever bound to it (a member's id is the count before it).
    bound: AtomicUsize,
    /// The active member: its id, its name, and the alias epoch in which it was claimed.
    active: Mutex<Option<Active>>,
    /// The hold that recorded work on any member shares while any is not known to be
    /// finished (see [`MemoryHold`]).
    pending: Mutex<Weak<MemoryHold>>,
}

/// What recorded work holds of a transient memory (issue 16, items 1 and 9): one hold per
/// memory, made by the first recording that uses a member while no other does, shared by the
/// next ones, dropped with the last (after its work has finished). Its strong count is the
/// number of recordings of any member not known to be finished: a host write into a mapped
/// member writes every member's bytes, so it is refused while that count is not 0.
struct MemoryHold(#[allow(dead_code, reason = "held for its drop: it keeps the memory alive")] Arc<Inner>);

/// The member of a [`TransientMemory`] that recorded work used last, since which alias barrier.
struct Active {
    id: usize,
    name: String,
    epoch: u64,
}

/// Starts a new alias epoch on `context` (its `alias_epoch`: alias barriers recorded on the
/// device): called where an alias barrier is recorded. Every member claimed before it may be
/// replaced by the next use of another member.
pub(crate) fn advance_alias_epoch(context: &Context) {
    context.alias_epoch.fetch_add(1, Ordering::SeqCst);
}

impl std::fmt::Debug for TransientMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransientMemory")
            .field("name", &self.inner.name)
            .field("size", &self.inner.size)
            .field("memory_type", &self.inner.memory_type)
            .finish_non_exhaustive()
    }
}

impl TransientMemory {
    /// Allocates memory for `requirements` (the largest size and alignment of the resources
    /// to share it, and the memory types all of them can use) from `backend`, as `request`
    /// asks (mapping, location, pool; no export). A backend that cannot allocate bare memory
    /// ([`MemoryAllocator::allocate_memory`]) refuses.
    pub fn new(
        backend: Arc<dyn MemoryAllocator>,
        requirements: &vk::MemoryRequirements,
        request: &MemoryRequest<'_>,
    ) -> Result<Self> {
        check_requirements(requirements, request.name)?;
        if !request.export.is_empty() {
            return Err(Error::InvalidDescription {
                name: request.name.to_owned(),
                reason: "transient memory is not exported".into(),
            });
        }
        let allocation = backend.allocate_memory(requirements, request)?;
        let memory_type = allocation.info().memory_type;
        Ok(Self {
            inner: Arc::new(Inner {
                allocation,
                backend,
                size: requirements.size,
                memory_type,
                name: request.name.to_owned(),
                live: Mutex::default(),
                bound: AtomicUsize::new(0),
                active: Mutex::new(None),
                pending: Mutex::new(Weak::new()),
            }),
        })
    }

    /// Bytes of the shared allocation.
    pub fn size(&self) -> u64 {
        self.inner.size
    }

    /// The memory type it lies in.
    pub fn memory_type(&self) -> u32 {
        self.inner.memory_type
    }

    /// The shared allocation.
    pub fn allocation(&self) -> &dyn MemoryAllocation {
        &*self.inner.allocation
    }

    /// How many resources were bound to it so far.
    pub fn resources_bound(&self) -> usize {
        self.inner.bound.load(Ordering::Relaxed)
    }

    /// Checks that an object with `reqs` fits at offset 0 (`buffer`: a buffer, else an image).
    fn check_fits(&self, name: &str, reqs: &vk::MemoryRequirements, buffer: bool) -> Result<()> {
        let vuid = match (reqs.size <= self.inner.size, reqs.memory_type_bits & (1 << self.inner.memory_type) != 0) {
            (true, true) => return Ok(()),
            (false, _) if buffer => "VUID-vkBindBufferMemory-size-01037",
            (false, _) => "VUID-vkBindImageMemory-size-01049",
            (true, false) if buffer => "VUID-vkBindBufferMemory-memory-01035",
            (true, false) => "VUID-vkBindImageMemory-memory-01047",
        };
        Err(Error::ValidUsage {
            name: name.to_owned(),
            vuid,
            detail: format!(
                "it needs {} bytes in memory types {:#b}; transient memory `{}` has {} bytes of type {}",
                reqs.size, reqs.memory_type_bits, self.inner.name, self.inner.size, self.inner.memory_type
            ),
        })
    }

    fn check_request(&self, request: &MemoryRequest<'_>) -> Result<()> {
        if request.pool.is_some() || request.dedicated || !request.export.is_empty() {
            return Err(Error::InvalidDescription {
                name: request.name.to_owned(),
                reason: format!(
                    "a resource in transient memory `{}` takes no pool, dedicated memory or export",
                    self.inner.name
                ),
            });
        }
        Ok(())
    }

    fn alias(&self, request: &MemoryRequest<'_>) -> Box<dyn MemoryAllocation> {
        let id = self.inner.bound.fetch_add(1, Ordering::Relaxed);
        self.inner.live.lock().unwrap_or_else(|e| e.into_inner()).push(request.name.to_owned());
        Box::new(Aliased { inner: self.inner.clone(), name: request.name.to_owned(), mapping: request.mapping, id })
    }

    /// The name of the member that recorded work used since the last alias barrier, if any.
    pub fn active_member(&self) -> Option<String> {
        let epoch = self.context().alias_epoch.load(Ordering::SeqCst);
        let active = self.inner.active.lock().unwrap_or_else(|e| e.into_inner());
        active.as_ref().filter(|a| a.epoch == epoch).map(|a| a.name.clone())
    }
}

impl MemoryAllocator for TransientMemory {
    fn context(&self) -> &Arc<Context> {
        self.inner.backend.context()
    }

    /// Creates the buffer and binds it at the start of the shared allocation.
    unsafe fn create_buffer(
        &self,
        info: &vk::BufferCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> Result<(vk::Buffer, Box<dyn MemoryAllocation>)> {
        self.check_request(request)?;
        let device = self.context().device();
        // SAFETY: the caller vouches for `info`; the buffer is bound below or destroyed.
        let buffer = unsafe { self.context().create_unbound_buffer(info, request.name) }?;
        // SAFETY: the buffer is live.
        let reqs = unsafe { device.get_buffer_memory_requirements(buffer) };
        // SAFETY: the buffer is live, unbound, and fits at offset 0 (checked first).
        let bound = self
            .check_fits(request.name, &reqs, true)
            .and_then(|()| unsafe { self.inner.allocation.bind_buffer(buffer, 0) });
        match bound {
            Ok(()) => Ok((buffer, self.alias(request))),
            Err(e) => {
                // SAFETY: made above and never used.
                unsafe { device.destroy_buffer(buffer, None) };
                Err(e)
            }
        }
    }

    /// Creates the image and binds it at the start of the shared allocation.
    unsafe fn create_image(
        &self,
        info: &vk::ImageCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> Result<(vk::Image, Box<dyn MemoryAllocation>)> {
        self.check_request(request)?;
        let device = self.context().device();
        // SAFETY: the caller vouches for `info`; the image is bound below or destroyed.
        let image = unsafe { self.context().create_unbound_image(info, request.name) }?;
        // SAFETY: the image is live.
        let reqs = unsafe { device.get_image_memory_requirements(image) };
        // SAFETY: the image is live, unbound, and fits at offset 0 (checked first).
        let bound = self
            .check_fits(request.name, &reqs, false)
            .and_then(|()| unsafe { self.inner.allocation.bind_image(image, 0) });
        match bound {
            Ok(()) => Ok((image, self.alias(request))),
            Err(e) => {
                // SAFETY: made above and never used.
                unsafe { device.destroy_image(image, None) };
                Err(e)
            }
        }
    }

    /// The resources bound to it that are alive.
    fn live_allocations(&self) -> usize {
        self.inner.live.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn live_allocation_names(&self) -> Vec<String> {
        let mut names = self.inner.live.lock().unwrap_or_else(|e| e.into_inner()).clone();
        names.sort();
        names
    }
}

/// Checks memory requirements a caller gives [`MemoryAllocator::allocate_memory`]: a size, a
/// power-of-two alignment, some memory type.
pub(crate) fn check_requirements(requirements: &vk::MemoryRequirements, name: &str) -> Result<()> {
    let invalid = |reason: String| Error::InvalidDescription { name: name.to_owned(), reason };
    if requirements.size == 0 {
        return Err(Error::ZeroSize { name: name.to_owned(), kind: "memory allocation" });
    }
    if requirements.memory_type_bits == 0 {
        return Err(invalid("no memory type is allowed (memory type bits 0)".into()));
    }
    if !requirements.alignment.is_power_of_two() {
        return Err(invalid(format!("alignment {} is not a power of two", requirements.alignment)));
    }
    Ok(())
}

/// A resource's share of transient memory: the whole allocation, from offset 0.
struct Aliased {
    inner: Arc<Inner>,
    name: String,
    mapping: MappingType,
    /// Its member id in the memory.
    id: usize,
}

/// A resource's membership in a [`TransientMemory`]
/// ([`MemoryAllocation::alias_member`]): what the recorder checks before a command uses it.
pub struct AliasMember<'a> {
    aliased: &'a Aliased,
}

impl std::fmt::Debug for AliasMember<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.aliased.fmt(f)
    }
}

impl AliasMember<'_> {
    /// The hold a recording that uses this member keeps until its work has finished (shared
    /// by every recording of every member of the memory meanwhile).
    pub(crate) fn hold(&self) -> Arc<dyn Send + Sync> {
        let inner = &self.aliased.inner;
        let mut slot = inner.pending.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hold) = slot.upgrade() {
            return hold;
        }
        let hold = Arc::new(MemoryHold(inner.clone()));
        *slot = Arc::downgrade(&hold);
        hold
    }

    /// Runs `write` unless a recording of any member of the memory is not known to be
    /// finished (`Err` with how many), under the lock that recording a use takes: no member's
    /// use is recorded while `write` runs.
    pub(crate) fn with_none_pending<R>(&self, write: impl FnOnce() -> R) -> std::result::Result<R, usize> {
        let slot = self.aliased.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
        match slot.strong_count() {
            0 => {
                // The last hold was dropped (a release decrement) after its work's fence was
                // seen signalled: the write, made after this, sees that work done.
                std::sync::atomic::fence(Ordering::Acquire);
                let written = write();
                drop(slot);
                Ok(written)
            }
            pending => Err(pending),
        }
    }

    /// Runs `access` under the lock [`with_none_pending`](Self::with_none_pending) takes: no
    /// two host threads copy into, or into and out of, the memory's bytes at once.
    pub(crate) fn locked<R>(&self, access: impl FnOnce() -> R) -> R {
        let slot = self.aliased.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
        let result = access();
        drop(slot);
        result
    }

    /// The memory's debug name.
    pub(crate) fn memory_name(&self) -> &str {
        &self.aliased.inner.name
    }

    /// Makes it its memory's active member for recorded work, unless another member is active
    /// in the current alias epoch ([`Error::AliasNotActive`] naming `resource`, nothing changed).
    pub(crate) fn claim(&self, resource: &str) -> Result<()> {
        self.claim_or_check(resource, true)
    }

    /// For one command that uses two resources (a copy): claims both, or neither, as
    /// [`claim_all`](Self::claim_all) does.
    pub(crate) fn claim_both(
        first: Option<(AliasMember<'_>, &str)>,
        second: Option<(AliasMember<'_>, &str)>,
    ) -> Result<()> {
        let both: smallvec::SmallVec<[(AliasMember<'_>, &str); 2]> = first.into_iter().chain(second).collect();
        Self::claim_all(&both)
    }

    /// For one command that uses several resources (a copy's two sides, a BLAS build's
    /// geometry buffers): claims every one, or none. Each is checked first (another member
    /// active in this epoch, or two members of one memory, is [`Error::AliasNotActive`]
    /// naming the one that cannot be claimed) and only then claimed, so that a refused
    /// command leaves the memories' active members as they were. (Between the check and the
    /// claim another thread may claim a member: the claim is then refused as a lone `claim`
    /// is, after the earlier ones were claimed.) The same member listed twice is one claim.
    pub(crate) fn claim_all(members: &[(AliasMember<'_>, &str)]) -> Result<()> {
        for (i, (member, resource)) in members.iter().enumerate() {
            member.claim_or_check(resource, false)?;
            let inner = &member.aliased.inner;
            if let Some((other, _)) = members[..i]
                .iter()
                .find(|(other, _)| Arc::ptr_eq(&other.aliased.inner, inner) && other.aliased.id != member.aliased.id)
            {
                return Err(Error::AliasNotActive {
                    name: (*resource).to_owned(),
                    memory: inner.name.clone(),
                    active: other.aliased.name.clone(),
                });
            }
        }
        for (member, resource) in members {
            member.claim(resource)?;
        }
        Ok(())
    }

    /// [`claim`](Self::claim) where `write`, else only its check (nothing changed).
    fn claim_or_check(&self, resource: &str, write: bool) -> Result<()> {
        let inner = &self.aliased.inner;
        let epoch = inner.backend.context().alias_epoch.load(Ordering::SeqCst);
        let mut active = inner.active.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(a) = active.as_ref().filter(|a| a.epoch == epoch) {
            if a.id == self.aliased.id {
                // Active already in this epoch (every use after the first): nothing to write
                // (no copy of the name per recorded use).
                return Ok(());
            }
            return Err(Error::AliasNotActive {
                name: resource.to_owned(),
                memory: inner.name.clone(),
                active: a.name.clone(),
            });
        }
        if write {
            *active = Some(Active { id: self.aliased.id, name: self.aliased.name.clone(), epoch });
        }
        Ok(())
    }
}

impl std::fmt::Debug for Aliased {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aliased").field("name", &self.name).field("memory", &self.inner.name).finish()
    }
}

impl MemoryAllocation for Aliased {
    fn info(&self) -> MemoryInfo {
        MemoryInfo { name: self.name.clone(), ..self.inner.allocation.info() }
    }

    fn properties(&self) -> vk::MemoryPropertyFlags {
        self.inner.allocation.properties()
    }

    fn mapping(&self) -> MappingType {
        self.mapping
    }

    fn alias_member(&self) -> Option<AliasMember<'_>> {
        Some(AliasMember { aliased: self })
    }

    fn map(&self) -> Result<std::ptr::NonNull<u8>> {
        if self.mapping == MappingType::None {
            return Err(Error::NotHostVisible {
                name: self.name.clone(),
                reason: "it was allocated with MappingType::None",
            });
        }
        self.inner.allocation.map()
    }

    unsafe fn unmap(&self) {
        // SAFETY: the caller pairs this with a successful `map`, which mapped the shared allocation.
        unsafe { self.inner.allocation.unmap() }
    }

    fn flush(&self, offset: vk::DeviceSize, size: vk::DeviceSize) -> Result<()> {
        self.inner.allocation.flush(offset, size)
    }

    fn invalidate(&self, offset: vk::DeviceSize, size: vk::DeviceSize) -> Result<()> {
        self.inner.allocation.invalidate(offset, size)
    }
}

impl Drop for Aliased {
    fn drop(&mut self) {
        let mut live = self.inner.live.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = live.iter().position(|n| *n == self.name) {
            live.swap_remove(i);
        }
    }
}
