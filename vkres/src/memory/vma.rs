//! The [`MemoryAllocator`] backend on the Vulkan Memory Allocator (`vk-mem`).

use std::borrow::Cow;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use ash::vk;
use vk_mem::Alloc;

use super::{MappingType, MemoryAllocation, MemoryAllocator, MemoryInfo, MemoryLocation, MemoryRequest};
use crate::Context;
use crate::debug_name::NameRef;
use crate::error::{Error, Result, VkContext};

/// State shared by the allocator and its allocations.
///
/// Field order is the drop order and part of the contract: VMA's allocator is destroyed
/// before the `Arc<Context>` that keeps the device alive is released.
struct Shared {
    vma: vk_mem::Allocator,
    ctx: Arc<Context>,
    /// Flags every allocation carries (`WITHIN_BUDGET` where the driver's budget is checked).
    flags: vk_mem::AllocationCreateFlags,
    /// The debug name of every live named allocation (the one copy of it); with VMA's count of
    /// live allocations, the leak report. Unnamed allocations are counted by VMA only: they
    /// cost vkres no lock.
    live: Mutex<LiveTable>,
    /// Serialises `vmaMapMemory` and `vmaUnmapMemory`, which VMA wants externally synchronised
    /// per allocation: only for allocations VMA did not map persistently, which vkres never
    /// maps (every mappable request carries `MAPPED`), so one lock for all costs nothing.
    map_lock: Mutex<()>,
}

impl Shared {
    fn live(&self) -> MutexGuard<'_, LiveTable> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The names of the live named allocations, in slots that freed allocations leave for the
/// next: an insert or a removal is a `Vec` access under the lock, with no hashing and no rehash.
#[derive(Default)]
struct LiveTable {
    /// `Some(name)` for a live allocation, `None` for a free slot. A `&'static str` name (the
    /// derive's) is kept without a copy.
    slots: Vec<Option<Cow<'static, str>>>,
    /// Indices of the free slots.
    free: Vec<usize>,
}

impl LiveTable {
    /// The slot of an unnamed allocation: none.
    const UNNAMED: u32 = u32::MAX;

    fn insert(&mut self, name: Cow<'static, str>) -> u32 {
        let name = Some(name);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = name;
                slot
            }
            None => {
                self.slots.push(name);
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
        self.slots.get(slot as usize).and_then(Option::as_deref).unwrap_or_default()
    }

    fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}

/// A [`MemoryAllocator`] on VMA. Cheap to clone (clones share one VMA allocator).
///
/// VMA's allocator is thread-safe, so this is `Send + Sync`. Each allocation holds the
/// allocator alive; the allocator holds the context alive.
#[derive(Clone)]
pub struct VmaAllocator {
    shared: Arc<Shared>,
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

impl VmaAllocator {
    /// A VMA allocator for `ctx`'s device, with buffer device addresses. An allocation that
    /// would take this allocator's use of a heap beyond the heap's size fails with
    /// `ERROR_OUT_OF_DEVICE_MEMORY` in VMA (VMA's heap-size limit set to the heap's size, a
    /// check made only when VMA allocates a new `VkDeviceMemory`); beyond that, the driver
    /// reports out of memory from `vkAllocateMemory`. [`with_memory_budget`](Self::with_memory_budget)
    /// checks the driver's budget instead, which counts other processes' memory too.
    pub fn new(ctx: &Arc<Context>) -> Result<Self> {
        Self::create(ctx, Limit::HeapSize)
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
        Self::create(ctx, Limit::DriverBudget)
    }

    /// As [`new`](Self::new), with every memory heap capped at `limit` bytes (VMA's
    /// `pHeapSizeLimit`): allocations beyond it fail with `ERROR_OUT_OF_DEVICE_MEMORY`, as on
    /// a device with that much memory. The limit counts this allocator's own allocations.
    /// For testing out-of-memory paths, and for keeping a program within a memory budget.
    pub fn with_heap_limit(ctx: &Arc<Context>, limit: u64) -> Result<Self> {
        Self::create(ctx, Limit::Cap(limit))
    }

    fn create(ctx: &Arc<Context>, limit: Limit) -> Result<Self> {
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
        Ok(Self {
            shared: Arc::new(Shared {
                vma,
                ctx: ctx.clone(),
                flags,
                live: Mutex::default(),
                map_lock: Mutex::default(),
            }),
        })
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
        };
        let usage = match request.location {
            MemoryLocation::Auto => vk_mem::MemoryUsage::Auto,
            MemoryLocation::PreferDevice => vk_mem::MemoryUsage::AutoPreferDevice,
            MemoryLocation::PreferHost => vk_mem::MemoryUsage::AutoPreferHost,
        };
        let flags = if request.dedicated { flags | vk_mem::AllocationCreateFlags::DEDICATED_MEMORY } else { flags };
        vk_mem::AllocationCreateInfo { flags: flags | self.shared.flags, usage, ..Default::default() }
    }

    /// `name` is `request.name`, as the caller has it.
    #[inline]
    fn wrap(&self, allocation: vk_mem::Allocation, request: &MemoryRequest<'_>, name: NameRef<'_>) -> VmaMemory {
        let slot = match name.as_str().is_empty() {
            true => LiveTable::UNNAMED,
            false => self.record_name(name),
        };
        VmaMemory { shared: self.shared.clone(), allocation, slot, mapping: request.mapping, facts: OnceLock::new() }
    }

    /// The live-table slot of a named allocation (out of line: most allocations are unnamed).
    #[inline(never)]
    fn record_name(&self, name: NameRef<'_>) -> u32 {
        self.shared.live().insert(name.to_cow())
    }

    /// [`MemoryAllocator::create_buffer`], with the allocation unboxed (resources hold it inline)
    /// and its name as the caller has it (`request.name` is `name.as_str()`).
    ///
    /// # Safety
    /// As [`MemoryAllocator::create_buffer`].
    #[inline]
    pub(crate) unsafe fn create_buffer_inline(
        &self,
        info: &vk::BufferCreateInfo<'_>,
        request: &MemoryRequest<'_>,
        name: NameRef<'_>,
    ) -> Result<(vk::Buffer, VmaMemory)> {
        let create = self.create_info(request);
        // SAFETY: the caller vouches for `info`; VMA creates, allocates and binds atomically.
        let (buffer, allocation) = unsafe { self.shared.vma.create_buffer(info, &create) }.op("vmaCreateBuffer")?;
        Ok((buffer, self.wrap(allocation, request, name)))
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
        // SAFETY: the caller vouches for `info`; VMA creates, allocates and binds atomically.
        let (image, allocation) = unsafe { self.shared.vma.create_image(info, &create) }.op("vmaCreateImage")?;
        Ok((image, self.wrap(allocation, request, name)))
    }
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
        match self.shared.vma.get_heap_budgets() {
            Ok(heaps) => heaps.iter().map(|h| h.statistics.allocationCount as usize).sum(),
            Err(_) => self.shared.live().len(),
        }
    }

    /// The names of the named allocations, and an empty name for each unnamed one. Read while
    /// other threads allocate, the two counts may be a moment apart (an allocation VMA made
    /// before its name was recorded is reported unnamed).
    fn live_allocation_names(&self) -> Vec<String> {
        let live = self.live_allocations();
        let mut names: Vec<String> = self.shared.live().slots.iter().flatten().map(|n| n.to_string()).collect();
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
    /// its memory type never asked for).
    facts: OnceLock<Facts>,
}

/// What VMA placed an allocation in; fixed for its lifetime.
struct Facts {
    memory_type: u32,
    properties: vk::MemoryPropertyFlags,
    /// Where VMA mapped it for its whole life (`MAPPED` allocations in host-visible memory):
    /// `map` hands this out without asking VMA (whose map and unmap lock the memory block).
    persistent: Option<NonNull<u8>>,
}

// SAFETY: `persistent` is the address of a mapping that lives as long as the allocation and is
// only handed out, never dereferenced here; the other fields are plain numbers.
unsafe impl Send for Facts {}
// SAFETY: as for `Send`: immutable once made.
unsafe impl Sync for Facts {}

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

    fn facts(&self) -> &Facts {
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
        self.shared.vma.flush_allocation(&self.allocation, offset, size).op("vmaFlushAllocation")
    }

    fn invalidate(&self, offset: vk::DeviceSize, size: vk::DeviceSize) -> Result<()> {
        if self.coherent() {
            return Ok(());
        }
        self.shared.vma.invalidate_allocation(&self.allocation, offset, size).op("vmaInvalidateAllocation")
    }
}

impl Drop for VmaMemory {
    fn drop(&mut self) {
        // SAFETY: this type is the sole owner of the allocation; the resource using it was
        // destroyed by its owner before dropping this (see `MemoryAllocator`'s contract).
        unsafe { self.shared.vma.free_memory(&mut self.allocation) };
        if self.slot != LiveTable::UNNAMED {
            self.shared.live().remove(self.slot);
        }
    }
}
