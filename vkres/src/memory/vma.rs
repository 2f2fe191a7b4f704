//! The [`MemoryAllocator`] backend on the Vulkan Memory Allocator (`vk-mem`).

use std::backtrace::Backtrace;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use ash::vk;
use vk_mem::Alloc;

use super::leak::{self, LeakReport, LiveAllocation};
use super::pool::{self, PoolShared};
use super::stats::{self, BlockStats, HeapBudget, MemoryStatistics, PoolStatistics, TypeStatistics};
use super::{
    ExportedMemory, MappingType, MemoryAllocation, MemoryAllocator, MemoryInfo, MemoryLocation, MemoryPool,
    MemoryRequest, PoolDesc, PoolMemory,
};
use crate::Context;
use crate::debug_name::{NameRef, StoredName};
use crate::error::{Error, Result, VkContext};

/// State shared by the allocator, its pools and its allocations.
///
/// Field order is the drop order and part of the contract: VMA's allocator is destroyed
/// before the `Arc<Context>` that keeps the device alive is released (pools hold this alive,
/// so they are gone by then).
pub(crate) struct Shared {
    pub(crate) vma: Arc<vk_mem::Allocator>,
    pub(crate) ctx: Arc<Context>,
    /// Flags every allocation carries (`WITHIN_BUDGET` where the driver's budget is checked).
    flags: vk_mem::AllocationCreateFlags,
    /// Every live named allocation (the one copy of its name), and with backtraces on every
    /// allocation; with VMA's count of live allocations, the leak report. Unnamed allocations
    /// are otherwise counted by VMA only: they cost vkres no lock.
    live: Mutex<LiveTable>,
    /// Serialises `vmaMapMemory` and `vmaUnmapMemory`, which VMA wants externally synchronised
    /// per allocation: only for allocations VMA did not map persistently, which vkres never
    /// maps (every mappable request carries `MAPPED`), so one lock for all costs nothing.
    map_lock: Mutex<()>,
    /// Whether every allocation is recorded with the backtrace of its creation.
    backtraces: bool,
    /// The live custom pools (statistics) and export pools (reused per memory type and handle
    /// types). Weak: each allocation in a pool holds its pool.
    pools: Mutex<Vec<Weak<PoolShared>>>,
    /// The driver's budget, reused for a few milliseconds by `heap_budgets`.
    budget: stats::BudgetCache,
    /// Defers frees while a defragmentation runs (VMA must not free an allocation that a pass's
    /// moves name, even an ignored one, before the pass ends).
    pub(crate) defrag: super::defrag::DefragGate,
}

impl Shared {
    fn live(&self) -> MutexGuard<'_, LiveTable> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn pools(&self) -> MutexGuard<'_, Vec<Weak<PoolShared>>> {
        self.pools.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One recorded allocation: its name, VMA handle (for its size and type in a leak report) and
/// where it was created, where captured.
struct LiveEntry {
    name: StoredName,
    allocation: vk_mem::Allocation,
    backtrace: Option<Arc<Backtrace>>,
}

/// The recorded live allocations, in slots that freed allocations leave for the next: an
/// insert or a removal is a `Vec` access under the lock, with no hashing and no rehash.
#[derive(Default)]
struct LiveTable {
    /// `Some` for a live allocation, `None` for a free slot. A `&'static str` name (the
    /// derive's) is kept without a copy.
    slots: Vec<Option<LiveEntry>>,
    /// Indices of the free slots.
    free: Vec<usize>,
}

impl LiveTable {
    /// The slot of an unrecorded allocation: none.
    const UNNAMED: u32 = u32::MAX;

    fn insert(&mut self, entry: LiveEntry) -> u32 {
        let entry = Some(entry);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = entry;
                slot
            }
            None => {
                self.slots.push(entry);
                self.slots.len() - 1
            }
        };
        // More than 4 billion live allocations exhaust the device long before the index.
        slot as u32
    }

    fn remove(&mut self, slot: u32) {
        self.slots[slot as usize] = None;
        self.free.push(slot as usize);
    }

    fn name(&self, slot: u32) -> &str {
        self.slots.get(slot as usize).and_then(Option::as_ref).map(|e| &*e.name).unwrap_or_default()
    }

    fn entries(&self) -> impl Iterator<Item = &LiveEntry> {
        self.slots.iter().flatten()
    }
}

/// A [`MemoryAllocator`] on VMA. Cheap to clone (clones share one VMA allocator).
///
/// VMA's allocator is thread-safe, so this is `Send + Sync`. Each allocation holds the
/// allocator's state alive; that state holds the context alive. With
/// [`VmaOptions::warn_leaks_on_drop`], the last clone, dropping while allocations are still
/// alive, logs their [`LeakReport`] as a warning.
#[derive(Clone)]
pub struct VmaAllocator {
    shared: Arc<Shared>,
    /// Dropped with the last clone: reports what is still alive then.
    _owner: Arc<Owner>,
}

/// Held by every clone of a [`VmaAllocator`] (not by its allocations).
struct Owner {
    shared: Arc<Shared>,
    warn_on_drop: bool,
}

impl Drop for Owner {
    fn drop(&mut self) {
        if self.warn_on_drop && live_count(&self.shared) > 0 {
            leak_report(&self.shared).warn("allocations outlive their VmaAllocator");
        }
    }
}

impl std::fmt::Debug for VmaAllocator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VmaAllocator").field("live_allocations", &self.live_allocations()).finish_non_exhaustive()
    }
}

/// How a [`VmaAllocator`] keeps allocations within the device's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// Each heap's size: VMA refuses a new block that would take its own usage of a heap
    /// beyond the heap's size (checked per `VkDeviceMemory`, not per allocation).
    HeapSize,
    /// A caller's cap on every heap, counted the same way.
    Cap(u64),
    /// The driver's budget (`VK_EXT_memory_budget`), which counts other processes too; checked
    /// on every allocation and refreshed by VMA every 30 allocations or frees.
    DriverBudget,
}

/// Options of [`VmaAllocator::with_options`].
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmaOptions {
    limit: Limit,
    backtraces: bool,
    warn_leaks_on_drop: bool,
}

impl Default for VmaOptions {
    fn default() -> Self {
        Self { limit: Limit::HeapSize, backtraces: leak::backtraces_from_env(), warn_leaks_on_drop: false }
    }
}

impl VmaOptions {
    /// The options of [`VmaAllocator::new`]: each heap limited to its size, backtraces where
    /// the environment asks for them ([`BACKTRACE_ENV`](super::BACKTRACE_ENV)), no warning of
    /// its own at drop (a [`ResourceAllocator`](crate::ResourceAllocator) on it warns when its
    /// last clone drops).
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks every allocation against the driver's budget (see
    /// [`VmaAllocator::with_memory_budget`]).
    pub fn memory_budget(mut self) -> Self {
        self.limit = Limit::DriverBudget;
        self
    }

    /// Caps every heap at `limit` bytes (see [`VmaAllocator::with_heap_limit`]).
    pub fn heap_limit(mut self, limit: u64) -> Self {
        self.limit = Limit::Cap(limit);
        self
    }

    /// Records every allocation (unnamed ones too) with the backtrace of its creation
    /// (`std::backtrace::Backtrace::force_capture`), for [`VmaAllocator::leak_report`]. Costs
    /// a lock and a stack walk (tens of microseconds) per allocation: for debugging leaks.
    pub fn backtraces(mut self, on: bool) -> Self {
        self.backtraces = on;
        self
    }

    /// Whether the last clone of the allocator, dropping while allocations are alive, logs
    /// their report as a warning (default off: a `ResourceAllocator` on it already does when
    /// its last clone drops; on for a `VmaAllocator` used without one).
    pub fn warn_leaks_on_drop(mut self, on: bool) -> Self {
        self.warn_leaks_on_drop = on;
        self
    }
}

impl VmaAllocator {
    /// VMA's allocator.
    pub(crate) fn vma(&self) -> &vk_mem::Allocator {
        &self.shared.vma
    }

    /// The gate that defers frees while a defragmentation runs.
    pub(crate) fn defrag_gate(&self) -> &super::defrag::DefragGate {
        &self.shared.defrag
    }

    /// Whether `pool` is one of this allocator's.
    pub(crate) fn owns_pool(&self, pool: &MemoryPool) -> bool {
        Arc::ptr_eq(&pool.shared.shared, &self.shared)
    }

    /// A VMA allocator for `ctx`'s device, with buffer device addresses. An allocation that
    /// would take this allocator's use of a heap beyond the heap's size fails with
    /// `ERROR_OUT_OF_DEVICE_MEMORY` in VMA (VMA's heap-size limit set to the heap's size, a
    /// check made only when VMA allocates a new `VkDeviceMemory`); beyond that, the driver
    /// reports out of memory from `vkAllocateMemory`. [`with_memory_budget`](Self::with_memory_budget)
    /// checks the driver's budget instead, which counts other processes' memory too.
    pub fn new(ctx: &Arc<Context>) -> Result<Self> {
        Self::with_options(ctx, VmaOptions::new())
    }

    /// As [`new`](Self::new), and every allocation checked against the driver's memory budget
    /// (`VK_EXT_memory_budget`, where the context enabled it; VMA's estimate of 80% of each
    /// heap where not): an allocation beyond what the budget has left fails with
    /// `ERROR_OUT_OF_DEVICE_MEMORY`, also when the memory is used by other processes. The cost
    /// is on every allocation: VMA reads the budget under a lock, and asks the driver for it
    /// anew every 30 allocations or frees (on lavapipe, a read of `/proc/meminfo`): 10 000
    /// buffers of 4 KiB took 1.27x the time on the H100, 1.3x to 1.4x on lavapipe
    /// (docs/design-notes.md).
    pub fn with_memory_budget(ctx: &Arc<Context>) -> Result<Self> {
        Self::with_options(ctx, VmaOptions::new().memory_budget())
    }

    /// As [`new`](Self::new), with every memory heap capped at `limit` bytes (VMA's
    /// `pHeapSizeLimit`): allocations beyond it fail with `ERROR_OUT_OF_DEVICE_MEMORY`, as on
    /// a device with that much memory. The limit counts this allocator's own allocations.
    /// For testing out-of-memory paths, and for keeping a program within a memory budget.
    pub fn with_heap_limit(ctx: &Arc<Context>, limit: u64) -> Result<Self> {
        Self::with_options(ctx, VmaOptions::new().heap_limit(limit))
    }

    /// An allocator with `options` (limit, backtraces, leak warnings).
    pub fn with_options(ctx: &Arc<Context>, options: VmaOptions) -> Result<Self> {
        let limit = options.limit;
        let props = &ctx.capabilities().memory_properties;
        let heaps = &props.memory_heaps[..props.memory_heap_count as usize];
        let heap_limits: Vec<u64> = match limit {
            Limit::HeapSize => heaps.iter().map(|h| h.size).collect(),
            Limit::Cap(cap) => vec![cap; heaps.len()],
            Limit::DriverBudget => Vec::new(),
        };
        let mut info = vk_mem::AllocatorCreateInfo::new(ctx.instance(), ctx.device(), ctx.physical_device());
        info.vulkan_api_version = vk::API_VERSION_1_3;
        info.flags = vk_mem::AllocatorCreateFlags::BUFFER_DEVICE_ADDRESS;
        // A heap limit equal to the heap's size changes no size VMA sees; it makes VMA compare
        // its usage of the heap with the limit before each vkAllocateMemory, so a request no
        // heap can hold fails in VMA instead of reaching vkAllocateMemory with a size above the
        // heap's (invalid usage, reported by the validation layer).
        info.heap_size_limits = &heap_limits;
        let mut flags = vk_mem::AllocationCreateFlags::empty();
        if limit == Limit::DriverBudget {
            if ctx.capabilities().enabled.memory_budget {
                info.flags |= vk_mem::AllocatorCreateFlags::EXT_MEMORY_BUDGET;
            }
            flags = vk_mem::AllocationCreateFlags::WITHIN_BUDGET;
        }
        // SAFETY: instance, device and physical device belong together and outlive the VMA
        // allocator: `Shared` drops `vma` before its `Arc<Context>`. The context enabled
        // bufferDeviceAddress (and VK_EXT_memory_budget where the flag is set); the heap limits
        // have one entry per heap.
        let vma = unsafe { vk_mem::Allocator::new(info) }.op("vmaCreateAllocator")?;
        let shared = Arc::new(Shared {
            vma: Arc::new(vma),
            ctx: ctx.clone(),
            flags,
            live: Mutex::default(),
            map_lock: Mutex::default(),
            backtraces: options.backtraces,
            pools: Mutex::default(),
            budget: stats::BudgetCache::default(),
            defrag: super::defrag::DefragGate::default(),
        });
        let owner = Arc::new(Owner { shared: shared.clone(), warn_on_drop: options.warn_leaks_on_drop });
        Ok(Self { shared, _owner: owner })
    }

    fn create_info(&self, request: &MemoryRequest<'_>) -> vk_mem::AllocationCreateInfo {
        let flags = match request.mapping {
            MappingType::None => vk_mem::AllocationCreateFlags::empty(),
            MappingType::HostAccessSequentialWrite => {
                vk_mem::AllocationCreateFlags::HOST_ACCESS_SEQUENTIAL_WRITE | vk_mem::AllocationCreateFlags::MAPPED
            }
            MappingType::HostAccessRandom => {
                vk_mem::AllocationCreateFlags::HOST_ACCESS_RANDOM | vk_mem::AllocationCreateFlags::MAPPED
            }
            MappingType::PreferDirectWrite => {
                vk_mem::AllocationCreateFlags::HOST_ACCESS_SEQUENTIAL_WRITE
                    | vk_mem::AllocationCreateFlags::HOST_ACCESS_ALLOW_TRANSFER_INSTEAD
                    | vk_mem::AllocationCreateFlags::MAPPED
            }
            MappingType::PreferDirectRead => {
                vk_mem::AllocationCreateFlags::HOST_ACCESS_RANDOM
                    | vk_mem::AllocationCreateFlags::HOST_ACCESS_ALLOW_TRANSFER_INSTEAD
                    | vk_mem::AllocationCreateFlags::MAPPED
            }
        };
        let usage = match request.location {
            MemoryLocation::Auto => vk_mem::MemoryUsage::Auto,
            MemoryLocation::PreferDevice => vk_mem::MemoryUsage::AutoPreferDevice,
            MemoryLocation::PreferHost => vk_mem::MemoryUsage::AutoPreferHost,
        };
        // An exported allocation has a `VkDeviceMemory` of its own: the importer maps all of it.
        let dedicated = request.dedicated || !request.export.is_empty();
        let flags = if dedicated { flags | vk_mem::AllocationCreateFlags::DEDICATED_MEMORY } else { flags };
        vk_mem::AllocationCreateInfo { flags: flags | self.shared.flags, usage, ..Default::default() }
    }

    /// `name` is `request.name`, as the caller has it. Inlined into its two callers: out of
    /// line, moving the result out through the stack cost `create_buffer` 41 instructions.
    #[inline(always)]
    fn wrap(
        &self,
        allocation: vk_mem::Allocation,
        request: &MemoryRequest<'_>,
        name: NameRef<'_>,
        pool: Option<Arc<PoolShared>>,
    ) -> VmaMemory {
        let slot = match name.as_str().is_empty() && !self.shared.backtraces {
            true => LiveTable::UNNAMED,
            false => self.record(allocation, name),
        };
        VmaMemory {
            shared: self.shared.clone(),
            allocation,
            slot,
            mapping: request.mapping,
            facts: FactsCache::default(),
            pool,
        }
    }

    /// The live-table slot of a recorded allocation (out of line: most allocations are unnamed).
    #[inline(never)]
    fn record(&self, allocation: vk_mem::Allocation, name: NameRef<'_>) -> u32 {
        let backtrace = self.shared.backtraces.then(|| Arc::new(Backtrace::force_capture()));
        self.shared.live().insert(LiveEntry { name: name.to_stored(), allocation, backtrace })
    }

    /// The pool a request allocates from: the caller's (checked to be this allocator's and to
    /// suit the resource), an export pool for an exported resource, or none (VMA's own).
    fn pool_for(
        &self,
        request: &MemoryRequest<'_>,
        target: Target<'_>,
        create: &vk_mem::AllocationCreateInfo,
    ) -> Result<Option<Arc<PoolShared>>> {
        let invalid = |reason: String| Error::InvalidDescription { name: request.name.to_owned(), reason };
        if let Some(pool) = request.pool {
            let p = &pool.shared;
            if !Arc::ptr_eq(&p.shared, &self.shared) {
                return Err(invalid(format!("pool `{}` belongs to another allocator", p.name)));
            }
            if request.dedicated && p.block_size != 0 {
                return Err(invalid(format!(
                    "a dedicated allocation cannot come from pool `{}`, whose blocks have a fixed size",
                    p.name
                )));
            }
            if !request.export.is_empty() {
                return Err(invalid(format!("pool `{}` does not export its memory", p.name)));
            }
            let bits = self.memory_type_bits(target);
            if bits & (1 << p.memory_type) == 0 {
                return Err(Error::ValidUsage {
                    name: request.name.to_owned(),
                    vuid: match target {
                        Target::Buffer(_) => "VUID-vkBindBufferMemory-memory-01035",
                        Target::Image(_) => "VUID-vkBindImageMemory-memory-01047",
                    },
                    detail: format!(
                        "pool `{}` is of memory type {}, which this resource cannot use (types {bits:#b})",
                        p.name, p.memory_type
                    ),
                });
            }
            return Ok(Some(p.clone()));
        }
        if request.export.is_empty() {
            return Ok(None);
        }
        // SAFETY: the caller of `create_*_inline` vouches for the create info.
        let memory_type = unsafe {
            match target {
                Target::Buffer(info) => self.shared.vma.find_memory_type_index_for_buffer_info(info, create),
                Target::Image(info) => self.shared.vma.find_memory_type_index_for_image_info(*info, create),
            }
        }
        .op("vmaFindMemoryTypeIndex")?;
        self.export_pool(memory_type, request.export).map(Some)
    }

    /// The export pool of `memory_type` and `export`, made on first use.
    fn export_pool(&self, memory_type: u32, export: vk::ExternalMemoryHandleTypeFlags) -> Result<Arc<PoolShared>> {
        let mut pools = self.shared.pools();
        let found = pools.iter().filter_map(Weak::upgrade).find(|p| p.export == export && p.memory_type == memory_type);
        if let Some(pool) = found {
            return Ok(pool);
        }
        let desc =
            PoolDesc::new(format!("export {export:?} of memory type {memory_type}"), PoolMemory::Index(memory_type));
        let pool = pool::create(&self.shared, &desc, memory_type, export)?;
        pools.retain(|p| p.strong_count() > 0);
        pools.push(Arc::downgrade(&pool));
        Ok(pool)
    }

    /// The memory types `target` can be bound to, asked without creating it.
    fn memory_type_bits(&self, target: Target<'_>) -> u32 {
        let device = self.shared.ctx.device();
        let mut reqs = vk::MemoryRequirements2::default();
        // SAFETY: the caller of `create_*_inline` vouches for the create info; both queries are
        // Vulkan 1.3 core, which a vkres context has.
        unsafe {
            match target {
                Target::Buffer(info) => device.get_device_buffer_memory_requirements(
                    &vk::DeviceBufferMemoryRequirements::default().create_info(info),
                    &mut reqs,
                ),
                Target::Image(info) => device.get_device_image_memory_requirements(
                    &vk::DeviceImageMemoryRequirements::default().create_info(info),
                    &mut reqs,
                ),
            }
        };
        reqs.memory_requirements.memory_type_bits
    }

    /// The error of a failed allocation: [`Error::PoolExhausted`] where a pool of the caller's
    /// ran out of blocks.
    fn alloc_error(&self, result: vk::Result, operation: &'static str, pool: Option<&PoolShared>, name: &str) -> Error {
        // Budget pressure, said where the program's logger sees it (the error itself goes to the
        // caller, who may handle it quietly).
        if result == vk::Result::ERROR_OUT_OF_DEVICE_MEMORY {
            let pool = pool.map_or(String::new(), |p| format!(" in pool `{}`", p.name));
            log::warn!(target: "vkres::memory", "vkres: `{name}`: out of device memory{pool} ({operation})");
        }
        match pool {
            Some(p) if p.export.is_empty() && result == vk::Result::ERROR_OUT_OF_DEVICE_MEMORY => {
                Error::PoolExhausted { pool: p.name.clone(), name: name.to_owned() }
            }
            _ => Error::Vulkan { operation, result },
        }
    }

    /// [`MemoryAllocator::create_buffer`], with the allocation unboxed (resources hold it inline)
    /// and its name as the caller has it (`request.name` is `name.as_str()`).
    ///
    /// # Safety
    /// As [`MemoryAllocator::create_buffer`].
    #[inline(always)]
    pub(crate) unsafe fn create_buffer_inline(
        &self,
        info: &vk::BufferCreateInfo<'_>,
        request: &MemoryRequest<'_>,
        name: NameRef<'_>,
    ) -> Result<(vk::Buffer, VmaMemory)> {
        let create = self.create_info(request);
        let pool = match request.pool.is_none() && request.export.is_empty() {
            true => None,
            false => self.pool_for(request, Target::Buffer(info), &create)?,
        };
        // SAFETY: the caller vouches for `info`; VMA creates, allocates and binds atomically; a
        // pool was checked to suit the buffer.
        let made = unsafe {
            match &pool {
                Some(p) => p.pool.create_buffer(info, &create),
                None => self.shared.vma.create_buffer(info, &create),
            }
        };
        let (buffer, allocation) =
            made.map_err(|r| self.alloc_error(r, "vmaCreateBuffer", pool.as_deref(), request.name))?;
        Ok((buffer, self.wrap(allocation, request, name, pool)))
    }

    /// [`MemoryAllocator::create_image`], with the allocation unboxed (resources hold it inline)
    /// and its name as the caller has it (`request.name` is `name.as_str()`).
    ///
    /// # Safety
    /// As [`MemoryAllocator::create_image`].
    pub(crate) unsafe fn create_image_inline(
        &self,
        info: &vk::ImageCreateInfo<'_>,
        request: &MemoryRequest<'_>,
        name: NameRef<'_>,
    ) -> Result<(vk::Image, VmaMemory)> {
        let create = self.create_info(request);
        let pool = match request.pool.is_none() && request.export.is_empty() {
            true => None,
            false => self.pool_for(request, Target::Image(info), &create)?,
        };
        // SAFETY: the caller vouches for `info`; VMA creates, allocates and binds atomically; a
        // pool was checked to suit the image.
        let made = unsafe {
            match &pool {
                Some(p) => p.pool.create_image(info, &create),
                None => self.shared.vma.create_image(info, &create),
            }
        };
        let (image, allocation) =
            made.map_err(|r| self.alloc_error(r, "vmaCreateImage", pool.as_deref(), request.name))?;
        Ok((image, self.wrap(allocation, request, name, pool)))
    }

    /// Creates a custom pool ([`PoolDesc`]): its memory type resolved (for
    /// [`PoolMemory::Buffers`] and [`PoolMemory::Images`], the one VMA would pick), checked to
    /// exist, its block size against the heap and `maxMemoryAllocationSize` (each block is one
    /// `VkDeviceMemory`), its block counts against each other.
    pub fn create_pool(&self, desc: &PoolDesc) -> Result<MemoryPool> {
        let memory_type = self.pool_memory_type(desc)?;
        let pool = pool::create(&self.shared, desc, memory_type, vk::ExternalMemoryHandleTypeFlags::empty())?;
        let mut pools = self.shared.pools();
        pools.retain(|p| p.strong_count() > 0);
        pools.push(Arc::downgrade(&pool));
        Ok(MemoryPool { shared: pool })
    }

    fn pool_memory_type(&self, desc: &PoolDesc) -> Result<u32> {
        let invalid = |reason: &str| Error::InvalidDescription { name: desc.name.clone(), reason: reason.into() };
        let found = match desc.memory {
            PoolMemory::Index(index) => return Ok(index),
            PoolMemory::Buffers { usage, mapping, location } => {
                if usage.is_empty() {
                    return Err(invalid("a pool for buffers needs at least one usage flag"));
                }
                let request = MemoryRequest { mapping, location, ..MemoryRequest::new(&desc.name) };
                let info = vk::BufferCreateInfo::default().size(4096).usage(usage);
                // SAFETY: a non-zero size and usage; VMA creates and destroys a probe buffer.
                unsafe { self.shared.vma.find_memory_type_index_for_buffer_info(&info, &self.create_info(&request)) }
            }
            PoolMemory::Images { format, usage } => {
                if usage.is_empty() {
                    return Err(invalid("a pool for images needs at least one usage flag"));
                }
                let ctx = &self.shared.ctx;
                let (ty, tiling) = (vk::ImageType::TYPE_2D, vk::ImageTiling::OPTIMAL);
                // SAFETY: a query of the context's physical device.
                let supported = unsafe {
                    ctx.instance().get_physical_device_image_format_properties(
                        ctx.physical_device(),
                        format,
                        ty,
                        tiling,
                        usage,
                        vk::ImageCreateFlags::empty(),
                    )
                };
                if supported.is_err() {
                    return Err(Error::UnsupportedFormat { name: desc.name.clone(), format, ty, tiling, usage });
                }
                let info = vk::ImageCreateInfo::default()
                    .image_type(ty)
                    .format(format)
                    .extent(vk::Extent3D { width: 1, height: 1, depth: 1 })
                    .mip_levels(1)
                    .array_layers(1)
                    .samples(vk::SampleCountFlags::TYPE_1)
                    .tiling(tiling)
                    .usage(usage);
                let request = MemoryRequest::new(&desc.name);
                // SAFETY: format and usage were checked as supported for a 1x1 optimal image.
                unsafe { self.shared.vma.find_memory_type_index_for_image_info(info, &self.create_info(&request)) }
            }
        };
        found.op("vmaFindMemoryTypeIndex")
    }

    /// Every live allocation with its name, size, memory type and, with
    /// [`VmaOptions::backtraces`], where it was created. Without backtraces, unnamed
    /// allocations are not recorded and appear with an empty name, size 0 and no type.
    pub fn leak_report(&self) -> LeakReport {
        leak_report(&self.shared)
    }
}

/// The object whose memory a pool must suit.
#[derive(Clone, Copy)]
enum Target<'a> {
    Buffer(&'a vk::BufferCreateInfo<'a>),
    Image(&'a vk::ImageCreateInfo<'a>),
}

/// How many allocations VMA holds (custom pools included).
fn live_count(shared: &Shared) -> usize {
    match shared.vma.get_heap_budgets() {
        Ok(heaps) => heaps.iter().map(|h| h.statistics.allocationCount as usize).sum(),
        Err(_) => shared.live().entries().count(),
    }
}

/// See [`VmaAllocator::leak_report`].
fn leak_report(shared: &Shared) -> LeakReport {
    let live = live_count(shared);
    let table = shared.live();
    // An entry is removed before its allocation is freed (`VmaMemory::drop`), under this lock:
    // every handle read here is of a live allocation.
    let mut list: Vec<LiveAllocation> = table
        .entries()
        .map(|e| {
            let info = shared.vma.get_allocation_info(&e.allocation);
            LiveAllocation {
                name: e.name.to_string(),
                size: info.size,
                memory_type: Some(info.memory_type),
                backtrace: e.backtrace.clone(),
            }
        })
        .collect();
    drop(table);
    let unrecorded = live.saturating_sub(list.len());
    list.extend((0..unrecorded).map(|_| LiveAllocation {
        name: String::new(),
        size: 0,
        memory_type: None,
        backtrace: None,
    }));
    LeakReport::new(list)
}

impl MemoryAllocator for VmaAllocator {
    fn context(&self) -> &Arc<Context> {
        &self.shared.ctx
    }

    unsafe fn create_buffer(
        &self,
        info: &vk::BufferCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> Result<(vk::Buffer, Box<dyn MemoryAllocation>)> {
        // SAFETY: the caller's contract is the same.
        let (buffer, memory) = unsafe { self.create_buffer_inline(info, request, NameRef::Borrowed(request.name)) }?;
        Ok((buffer, Box::new(memory)))
    }

    unsafe fn create_image(
        &self,
        info: &vk::ImageCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> Result<(vk::Image, Box<dyn MemoryAllocation>)> {
        // SAFETY: the caller's contract is the same.
        let (image, memory) = unsafe { self.create_image_inline(info, request, NameRef::Borrowed(request.name)) }?;
        Ok((image, Box::new(memory)))
    }

    fn live_allocations(&self) -> usize {
        // VMA counts every allocation it made (all of them through `wrap`) and frees.
        live_count(&self.shared)
    }

    /// The names of the named allocations, and an empty name for each unnamed one. Read while
    /// other threads allocate, the two counts may be a moment apart (an allocation VMA made
    /// before its name was recorded is reported unnamed).
    fn live_allocation_names(&self) -> Vec<String> {
        let live = self.live_allocations();
        let mut names: Vec<String> = self.shared.live().entries().map(|e| e.name.to_string()).collect();
        names.resize(live.max(names.len()), String::new());
        names.sort();
        names
    }

    fn device_memory_blocks(&self) -> Option<usize> {
        let stats = self.shared.vma.calculate_statistics().ok()?;
        Some(stats.total.statistics.blockCount as usize)
    }

    fn as_vma(&self) -> Option<&VmaAllocator> {
        Some(self)
    }

    fn defragment(
        &self,
        options: &super::DefragOptions,
        pass: &mut super::defrag::DefragPass<'_>,
    ) -> Result<super::DefragStats> {
        self.defragment_passes(options, pass)
    }

    /// VMA's count per heap (`vmaGetHeapBudgets`, no walk over blocks) and the driver's usage
    /// and budget where the context enabled `VK_EXT_memory_budget`: asked of the driver
    /// (`vkGetPhysicalDeviceMemoryProperties2`) at most every 30 ms, the usage following this
    /// allocator's block bytes in between (VMA's own estimate).
    fn heap_budgets(&self) -> Vec<HeapBudget> {
        let blocks: Vec<BlockStats> = match self.shared.vma.get_heap_budgets() {
            Ok(heaps) => heaps.iter().map(|h| stats::block_stats!(h.statistics)).collect(),
            Err(_) => Vec::new(),
        };
        self.shared.budget.heap_budgets(&self.shared.ctx, &blocks)
    }

    /// `vmaCalculateStatistics` and `vmaCalculatePoolStatistics` of each live pool: a walk over
    /// every block.
    fn memory_statistics(&self) -> Option<MemoryStatistics> {
        let total = self.shared.vma.calculate_statistics().ok()?;
        let props = &self.shared.ctx.capabilities().memory_properties;
        let heaps =
            total.memoryHeap[..props.memory_heap_count as usize].iter().map(|s| stats::detailed_stats!(s)).collect();
        let types = (0..props.memory_type_count)
            .map(|i| {
                let ty = props.memory_types[i as usize];
                TypeStatistics {
                    memory_type: i,
                    heap: ty.heap_index,
                    properties: ty.property_flags,
                    stats: stats::detailed_stats!(total.memoryType[i as usize]),
                }
            })
            .collect();
        let live_pools: Vec<Arc<PoolShared>> = self.shared.pools().iter().filter_map(Weak::upgrade).collect();
        let pools = live_pools
            .iter()
            .map(|p| PoolStatistics {
                name: p.name.clone(),
                memory_type: p.memory_type,
                stats: p.pool.calculate_statistics().map(|s| stats::detailed_stats!(s)).unwrap_or_default(),
            })
            .collect();
        Some(MemoryStatistics {
            budgets: self.heap_budgets(),
            heaps,
            types,
            pools,
            total: stats::detailed_stats!(total.total),
        })
    }

    fn leak_report(&self) -> LeakReport {
        leak_report(&self.shared)
    }

    /// `vmaAllocateMemory`, from the request's pool where it names one; a dedicated request
    /// carries `CAN_ALIAS` (no `VkMemoryDedicatedAllocateInfo`, so several objects may bind).
    fn allocate_memory(
        &self,
        requirements: &vk::MemoryRequirements,
        request: &MemoryRequest<'_>,
    ) -> Result<Box<dyn MemoryAllocation>> {
        let invalid = |reason: String| Error::InvalidDescription { name: request.name.to_owned(), reason };
        super::transient::check_requirements(requirements, request.name)?;
        if !request.export.is_empty() {
            return Err(invalid("bare memory is not exported; export a buffer or image".into()));
        }
        // One `VkDeviceMemory`: past `maxMemoryAllocationSize` vkAllocateMemory may fail or
        // accept it (the layer reports it; session 9, helper "mend10", as for buffers and images).
        let limit = self.context().capabilities().max_memory_allocation_size;
        if requirements.size > limit {
            return Err(Error::LimitExceeded {
                name: request.name.to_owned(),
                what: "memory size (maxMemoryAllocationSize)",
                requested: requirements.size,
                limit,
            });
        }
        let mut create = self.create_info(request);
        if request.dedicated {
            create.flags |= vk_mem::AllocationCreateFlags::CAN_ALIAS;
        }
        // VMA's AUTO usages need the object's description, which bare memory has not: the
        // same choice, spelled as property flags.
        let (host, device) = (vk::MemoryPropertyFlags::HOST_VISIBLE, vk::MemoryPropertyFlags::DEVICE_LOCAL);
        let cached = vk::MemoryPropertyFlags::HOST_CACHED;
        let near = match request.location {
            MemoryLocation::PreferHost => vk::MemoryPropertyFlags::empty(),
            _ => device,
        };
        (create.required_flags, create.preferred_flags) = match request.mapping {
            MappingType::None => (vk::MemoryPropertyFlags::empty(), near),
            MappingType::HostAccessSequentialWrite => (host, near),
            MappingType::HostAccessRandom => (host, cached),
            MappingType::PreferDirectWrite => (vk::MemoryPropertyFlags::empty(), near | host),
            MappingType::PreferDirectRead => (vk::MemoryPropertyFlags::empty(), near | host | cached),
        };
        create.usage = vk_mem::MemoryUsage::Unknown;
        let pool = match request.pool {
            Some(pool) => {
                let p = &pool.shared;
                if !Arc::ptr_eq(&p.shared, &self.shared) {
                    return Err(invalid(format!("pool `{}` belongs to another allocator", p.name)));
                }
                if request.dedicated && p.block_size != 0 {
                    return Err(invalid(format!("pool `{}` has fixed-size blocks: no dedicated memory", p.name)));
                }
                if requirements.memory_type_bits & (1 << p.memory_type) == 0 {
                    return Err(invalid(format!("pool `{}` is of a memory type the request excludes", p.name)));
                }
                Some(p.clone())
            }
            None => None,
        };
        // SAFETY: the requirements were checked (non-zero size, power-of-two alignment, some
        // memory type: VMA asserts on the alignment); VMA allocates and binds nothing.
        let made = unsafe {
            match &pool {
                Some(p) => p.pool.allocate_memory(requirements, &create),
                None => self.shared.vma.allocate_memory(requirements, &create),
            }
        };
        let allocation = made.map_err(|r| self.alloc_error(r, "vmaAllocateMemory", pool.as_deref(), request.name))?;
        Ok(Box::new(self.wrap(allocation, request, NameRef::Borrowed(request.name), pool)))
    }
}

/// One VMA allocation. The `vk_mem::Allocation` handle is `Copy` and has no `Drop`; this type
/// owns it, is not `Copy`, and frees it exactly once.
pub(crate) struct VmaMemory {
    shared: Arc<Shared>,
    /// VMA's handle: read by VMA's queries, flushes and invalidations, which may run on several
    /// threads at once; mapped under `Shared::map_lock`; freed in `Drop` (`&mut self`).
    allocation: vk_mem::Allocation,
    /// Its entry in the live table, which holds its name.
    slot: u32,
    mapping: MappingType,
    /// Asked of VMA the first time they are needed (most device memory is never mapped, and
    /// its memory type never asked for). Two words, not a `OnceLock` (three): a buffer's shared
    /// state then fits the 128 bytes that are moved into its `Arc` without a `memcpy` call.
    facts: FactsCache,
    /// The pool it came from, kept alive until it is freed (dropped after `Drop::drop`).
    pool: Option<Arc<PoolShared>>,
}

/// What VMA placed an allocation in; fixed for its lifetime.
#[derive(Clone, Copy)]
struct Facts {
    memory_type: u32,
    properties: vk::MemoryPropertyFlags,
    /// Where VMA mapped it for its whole life (`MAPPED` allocations in host-visible memory):
    /// `map` hands this out without asking VMA (whose map and unmap lock the memory block).
    persistent: Option<NonNull<u8>>,
}

/// [`Facts`], filled in the first time they are read. Threads that read them at once may each
/// ask VMA and store them: the same values (fixed for the allocation's lifetime), so any store
/// wins. `persistent` is stored before `known` (release) and read after it (acquire).
#[derive(Default)]
struct FactsCache {
    /// [`KNOWN`](Self::KNOWN) once filled, with the memory type in bits 32..40 and the property
    /// flags in bits 0..32.
    known: AtomicU64,
    persistent: AtomicPtr<u8>,
}

impl FactsCache {
    const KNOWN: u64 = 1 << 63;

    fn get_or_init(&self, init: impl FnOnce() -> Facts) -> Facts {
        let known = self.known.load(Ordering::Acquire);
        if known & Self::KNOWN != 0 {
            return Facts {
                memory_type: ((known >> 32) & 0xff) as u32,
                properties: vk::MemoryPropertyFlags::from_raw(known as u32),
                persistent: NonNull::new(self.persistent.load(Ordering::Relaxed)),
            };
        }
        let facts = init();
        // A device has at most `VK_MAX_MEMORY_TYPES` (32) memory types: the index fits 8 bits.
        let packed = Self::KNOWN | (u64::from(facts.memory_type & 0xff) << 32) | u64::from(facts.properties.as_raw());
        self.persistent.store(facts.persistent.map_or(std::ptr::null_mut(), NonNull::as_ptr), Ordering::Relaxed);
        self.known.store(packed, Ordering::Release);
        facts
    }
}

impl std::fmt::Debug for VmaMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VmaMemory")
            .field("name", &self.name())
            .field("mapping", &self.mapping)
            .field("memory_type", &self.facts().memory_type)
            .finish_non_exhaustive()
    }
}

impl VmaMemory {
    /// The debug name (kept once, in the live table).
    fn name(&self) -> String {
        match self.slot {
            LiveTable::UNNAMED => String::new(),
            slot => self.shared.live().name(slot).to_owned(),
        }
    }

    fn facts(&self) -> Facts {
        self.facts.get_or_init(|| {
            let info = self.shared.vma.get_allocation_info(&self.allocation);
            Facts {
                memory_type: info.memory_type,
                properties: self.type_properties(info.memory_type),
                persistent: NonNull::new(info.mapped_data.cast::<u8>()),
            }
        })
    }

    /// The property flags of memory type `memory_type` of the device.
    fn type_properties(&self, memory_type: u32) -> vk::MemoryPropertyFlags {
        let props = &self.shared.ctx.capabilities().memory_properties;
        props.memory_types.get(memory_type as usize).map(|t| t.property_flags).unwrap_or_default()
    }

    /// A flush or invalidate of `offset..offset + size` (`WHOLE_SIZE`: to the end) lies in the
    /// allocation: VMA asserts it (an abort in debug builds) and Vulkan's range rules follow
    /// from it (VUID-VkMappedMemoryRange-offset-00687, -size-01390; issue 16, helper "sound4":
    /// `MemoryAllocation::flush` is a safe method). Asked on non-coherent memory only, where VMA
    /// is called.
    fn check_sync_range(&self, offset: vk::DeviceSize, size: vk::DeviceSize) -> Result<()> {
        let total = self.shared.vma.get_allocation_info(&self.allocation).size;
        sync_range_fits(offset, size, total).then_some(()).ok_or_else(|| Error::DataTooLarge {
            name: self.name(),
            offset,
            given: size,
            capacity: total,
        })
    }

    /// Whether flushes and invalidations are no-ops (VMA skips them on coherent memory too).
    fn coherent(&self) -> bool {
        self.facts().properties.contains(vk::MemoryPropertyFlags::HOST_COHERENT)
    }

    /// The context of the allocator's device.
    pub(crate) fn context(&self) -> &Arc<Context> {
        &self.shared.ctx
    }
}

impl MemoryAllocation for VmaMemory {
    fn info(&self) -> MemoryInfo {
        let info = self.shared.vma.get_allocation_info(&self.allocation);
        MemoryInfo {
            memory: info.device_memory,
            offset: info.offset,
            size: info.size,
            memory_type: info.memory_type,
            properties: self.type_properties(info.memory_type),
            name: self.name(),
        }
    }

    fn properties(&self) -> vk::MemoryPropertyFlags {
        self.facts().properties
    }

    fn allocation_id(&self) -> Option<super::AllocationId> {
        // SAFETY: `vk_mem::Allocation` is a struct whose one field is the pointer
        // `VmaAllocation`; `transmute` checks at compile time that its size is a `usize`'s, so
        // that field is at offset 0 with no padding: its bytes are the pointer's, read as a
        // number (never turned back into a pointer from this value).
        Some(super::AllocationId(unsafe { std::mem::transmute::<vk_mem::Allocation, usize>(self.allocation) }))
    }

    fn mapping(&self) -> MappingType {
        self.mapping
    }

    fn map(&self) -> Result<NonNull<u8>> {
        let reason = if self.mapping == MappingType::None {
            Some("it was allocated with MappingType::None")
        } else if !self.facts().properties.contains(vk::MemoryPropertyFlags::HOST_VISIBLE) {
            Some("its memory type is not host-visible")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(Error::NotHostVisible { name: self.name(), reason });
        }
        if let Some(ptr) = self.facts().persistent {
            return Ok(ptr);
        }
        let _serialised = self.shared.map_lock.lock().unwrap_or_else(|e| e.into_inner());
        // VMA takes the handle mutably but does not change it: a copy.
        let mut handle = self.allocation;
        // SAFETY: the allocation is live and host-visible; VMA counts nested maps, under the
        // lock that serialises them.
        let ptr = unsafe { self.shared.vma.map_memory(&mut handle) }.op("vmaMapMemory")?;
        NonNull::new(ptr)
            .ok_or(Error::Vulkan { operation: "vmaMapMemory", result: vk::Result::ERROR_MEMORY_MAP_FAILED })
    }

    unsafe fn unmap(&self) {
        if self.facts().persistent.is_some() {
            return; // `map` did not map it
        }
        let _serialised = self.shared.map_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut handle = self.allocation;
        // SAFETY: the caller pairs this with a successful `map`; serialised as `map`.
        unsafe { self.shared.vma.unmap_memory(&mut handle) }
    }

    fn flush(&self, offset: vk::DeviceSize, size: vk::DeviceSize) -> Result<()> {
        if self.coherent() {
            return Ok(());
        }
        self.check_sync_range(offset, size)?;
        self.shared.vma.flush_allocation(&self.allocation, offset, size).op("vmaFlushAllocation")
    }

    fn invalidate(&self, offset: vk::DeviceSize, size: vk::DeviceSize) -> Result<()> {
        if self.coherent() {
            return Ok(());
        }
        self.check_sync_range(offset, size)?;
        self.shared.vma.invalidate_allocation(&self.allocation, offset, size).op("vmaInvalidateAllocation")
    }

    unsafe fn bind_buffer(&self, buffer: vk::Buffer, offset: vk::DeviceSize) -> Result<()> {
        // SAFETY: the caller vouches for the buffer, the offset and the fit; VMA serialises the
        // bind with maps of the same block.
        unsafe { self.shared.vma.bind_buffer_memory2(&self.allocation, offset, buffer, std::ptr::null()) }
            .op("vmaBindBufferMemory2")
    }

    unsafe fn bind_image(&self, image: vk::Image, offset: vk::DeviceSize) -> Result<()> {
        // SAFETY: as `bind_buffer`.
        unsafe { self.shared.vma.bind_image_memory2(&self.allocation, offset, image, std::ptr::null()) }
            .op("vmaBindImageMemory2")
    }

    #[cfg(unix)]
    fn export_fd(&self, handle_type: vk::ExternalMemoryHandleTypeFlags) -> Result<ExportedMemory> {
        let exportable = self.pool.as_ref().map_or(vk::ExternalMemoryHandleTypeFlags::empty(), |p| p.export);
        if handle_type.as_raw().count_ones() != 1 || !exportable.contains(handle_type) {
            return Err(Error::ExportUnsupported {
                name: self.name(),
                handle_types: handle_type,
                reason: format!(
                    "its memory was made exportable as {exportable:?}, and one handle type is exported at a time"
                ),
            });
        }
        let info = self.shared.vma.get_allocation_info2(&self.allocation);
        let fd = super::export::get_fd(&self.shared.ctx, info.allocation_info.device_memory, handle_type)?;
        Ok(ExportedMemory {
            fd,
            handle_type,
            memory_size: info.block_size,
            offset: info.allocation_info.offset,
            size: info.allocation_info.size,
            memory_type: info.allocation_info.memory_type,
            dedicated: info.dedicated_memory,
        })
    }
}

impl Drop for VmaMemory {
    fn drop(&mut self) {
        // Out of the table first: a leak report reads the handles it holds under its lock.
        if self.slot != LiveTable::UNNAMED {
            self.shared.live().remove(self.slot);
        }
        // While a defragmentation runs (of the default pools or of a custom one), frees wait
        // for its end; a deferred free keeps its pool alive until then.
        // SAFETY: this type is the sole owner of the allocation; the resource using it was
        // destroyed by its owner before dropping this (see `MemoryAllocator`'s contract).
        unsafe { self.shared.defrag.free_or_defer(&self.shared.vma, self.allocation, &mut self.pool) }
    }
}

/// Whether `offset..offset + size` (`WHOLE_SIZE`: to the end) lies in `total` bytes.
fn sync_range_fits(offset: vk::DeviceSize, size: vk::DeviceSize, total: vk::DeviceSize) -> bool {
    match size {
        vk::WHOLE_SIZE => offset <= total,
        size => offset.checked_add(size).is_some_and(|end| end <= total),
    }
}

#[cfg(test)]
mod sync_range_tests {
    use ash::vk;

    use super::sync_range_fits;

    #[test]
    fn a_flush_range_past_the_allocation_does_not_fit() {
        assert!(sync_range_fits(0, 64, 64) && sync_range_fits(64, 0, 64) && sync_range_fits(16, vk::WHOLE_SIZE, 64));
        assert!(!sync_range_fits(65, vk::WHOLE_SIZE, 64));
        assert!(!sync_range_fits(60, 8, 64));
        assert!(!sync_range_fits(u64::MAX, 16, 64), "an end past u64 does not wrap into range");
    }
}
