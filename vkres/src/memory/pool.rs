//! Custom memory pools ([`MemoryPool`], described by [`PoolDesc`]): VMA pools of one memory
//! type, with a block size and a maximum number of blocks, for a class of resources.

use std::sync::Arc;

use ash::vk;

use super::vma::Shared;
use super::{MappingType, MemoryLocation};
use crate::error::{Error, Result};

/// Which memory type a pool takes its blocks from.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolMemory {
    /// This memory type index.
    Index(u32),
    /// The type VMA would choose for buffers of this usage, mapping and location.
    Buffers {
        /// Usage of the buffers the pool will hold.
        usage: vk::BufferUsageFlags,
        /// Their host access.
        mapping: MappingType,
        /// Their placement preference.
        location: MemoryLocation,
    },
    /// The type VMA would choose for optimal-tiling 2D images of this format and usage.
    Images {
        /// Format of the images the pool will hold.
        format: vk::Format,
        /// Their usage.
        usage: vk::ImageUsageFlags,
    },
}

/// What [`VmaAllocator::create_pool`](super::VmaAllocator::create_pool) makes.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolDesc {
    /// Debug name (reported by statistics and errors).
    pub name: String,
    /// Where its blocks come from.
    pub memory: PoolMemory,
    /// Bytes of each `VkDeviceMemory` block; 0 lets VMA choose (and allows dedicated
    /// allocations in the pool).
    pub block_size: u64,
    /// Blocks allocated up front and always kept.
    pub min_blocks: usize,
    /// The most blocks the pool holds; 0 means no limit. An allocation that needs one more
    /// fails with [`Error::PoolExhausted`].
    pub max_blocks: usize,
    /// VMA's linear algorithm: allocations in a stack or ring (free in reverse order or in
    /// creation order), for per-frame or transient resources; one block at most.
    pub linear: bool,
}

impl PoolDesc {
    /// A pool of `memory`, VMA's block size, no limit.
    pub fn new(name: impl Into<String>, memory: PoolMemory) -> Self {
        Self { name: name.into(), memory, block_size: 0, min_blocks: 0, max_blocks: 0, linear: false }
    }

    /// Sets the block size: at most the heap's size and the device's
    /// `maxMemoryAllocationSize` (each block is one `VkDeviceMemory`), else pool creation is
    /// [`Error::LimitExceeded`].
    pub fn block_size(mut self, bytes: u64) -> Self {
        self.block_size = bytes;
        self
    }

    /// Sets the minimum and maximum number of blocks.
    pub fn blocks(mut self, min: usize, max: usize) -> Self {
        self.min_blocks = min;
        self.max_blocks = max;
        self
    }

    /// Uses VMA's linear algorithm.
    pub fn linear(mut self, linear: bool) -> Self {
        self.linear = linear;
        self
    }
}

/// A custom memory pool of a [`VmaAllocator`](super::VmaAllocator). Resources are placed in it
/// through [`BufferDesc::pool`](crate::BufferDesc::pool) or [`ImageDesc::pool`](crate::ImageDesc::pool).
///
/// A cheap, shared handle: every allocation in the pool keeps it alive, and the pool keeps its
/// allocator alive, so it is destroyed after its last allocation. Two handles are equal when
/// they are the same pool. `Send + Sync`: VMA's pools are thread-safe.
#[derive(Clone)]
pub struct MemoryPool {
    pub(crate) shared: Arc<PoolShared>,
}

impl std::fmt::Debug for MemoryPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryPool")
            .field("name", &self.shared.name)
            .field("memory_type", &self.shared.memory_type)
            .field("block_size", &self.shared.block_size)
            .finish_non_exhaustive()
    }
}

impl PartialEq for MemoryPool {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl Eq for MemoryPool {}

impl std::hash::Hash for MemoryPool {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.shared).hash(state);
    }
}

impl MemoryPool {
    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Its memory type.
    pub fn memory_type(&self) -> u32 {
        self.shared.memory_type
    }

    /// Its fixed block size (0 when VMA chooses).
    pub fn block_size(&self) -> u64 {
        self.shared.block_size
    }

    /// Its blocks, allocations and bytes now (cheap: no walk over the blocks).
    pub fn stats(&self) -> super::BlockStats {
        match self.shared.pool.get_statistics() {
            Ok(s) => super::stats::block_stats!(s),
            Err(_) => super::BlockStats::default(),
        }
    }

    /// Its statistics with free ranges (walks its blocks).
    pub fn detailed_stats(&self) -> super::DetailedStats {
        match self.shared.pool.calculate_statistics() {
            Ok(s) => super::stats::detailed_stats!(s),
            Err(_) => super::DetailedStats::default(),
        }
    }
}

/// The VMA pool and what vkres knows of it.
///
/// Field order is the drop order: the VMA pool is destroyed (its last allocation is gone: each
/// holds this alive) before the export chain it points to and the allocator it belongs to.
pub(crate) struct PoolShared {
    pub(crate) pool: vk_mem::AllocatorPool,
    /// `VkExportMemoryAllocateInfo` chained into every `vkAllocateMemory` of the pool (export
    /// pools only): VMA keeps the pointer, so it lives as long as the pool, boxed in place.
    _export_info: Option<Box<ExportChain>>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) name: String,
    pub(crate) memory_type: u32,
    pub(crate) block_size: u64,
    /// VMA's linear algorithm (which VMA does not defragment).
    pub(crate) linear: bool,
    /// Handle types the pool's memory is exportable as (empty for a pool of the caller's).
    pub(crate) export: vk::ExternalMemoryHandleTypeFlags,
}

// The handle `raw_handle` reads: checked at compile time (Cargo.toml pins vk-mem to 0.5.0).
const _: () = {
    use std::mem::{align_of, size_of};
    assert!(size_of::<vk_mem::PoolHandle>() == size_of::<*mut std::ffi::c_void>());
    assert!(align_of::<vk_mem::PoolHandle>() == align_of::<*mut std::ffi::c_void>());
};

impl PoolShared {
    /// VMA's `VmaPool` handle of the pool (for `vmaBeginDefragmentation`): vk-mem 0.5 gives it
    /// out as `PoolHandle` (through its public `Alloc` trait) but keeps the pointer inside
    /// private.
    pub(crate) fn raw_handle(&self) -> *mut std::ffi::c_void {
        let handle = vk_mem::Alloc::pool(&self.pool);
        // SAFETY: `PoolHandle` is vk-mem 0.5.0's `struct PoolHandle(ffi::VmaPool)`, one field
        // that is a raw pointer (`VmaPool`), `Copy`, of a pointer's size and alignment (checked
        // above at compile time); a struct of one field has that field's layout, so its bits
        // are the `VmaPool` pointer. Reading it takes no ownership (the pool keeps it).
        unsafe { std::mem::transmute::<vk_mem::PoolHandle, *mut std::ffi::c_void>(handle) }
    }
}

/// The `VkExportMemoryAllocateInfo` of an export pool (its `p_next` is null).
struct ExportChain(vk::ExportMemoryAllocateInfo<'static>);

// SAFETY: plain data whose only pointer, `p_next`, is null; VMA reads it, nothing writes it.
unsafe impl Send for ExportChain {}
// SAFETY: as for `Send`.
unsafe impl Sync for ExportChain {}

/// Checks `desc` against the device: a memory type that exists, a block size the heap holds
/// and one `VkDeviceMemory` may have (`max_allocation`: `maxMemoryAllocationSize`), at most as
/// many minimum blocks as maximum ones.
pub(crate) fn check(
    desc: &PoolDesc,
    memory_type: u32,
    props: &vk::PhysicalDeviceMemoryProperties,
    max_allocation: u64,
) -> Result<()> {
    let invalid = |reason: String| Error::InvalidDescription { name: desc.name.clone(), reason };
    if memory_type >= props.memory_type_count {
        return Err(Error::ValidUsage {
            name: desc.name.clone(),
            vuid: "VUID-vkAllocateMemory-pAllocateInfo-01714",
            detail: format!("memory type {memory_type} does not exist (the device has {})", props.memory_type_count),
        });
    }
    let heap = props.memory_heaps[props.memory_types[memory_type as usize].heap_index as usize];
    if desc.block_size > heap.size {
        return Err(Error::LimitExceeded {
            name: desc.name.clone(),
            what: "pool block size (the heap's size)",
            requested: desc.block_size,
            limit: heap.size,
        });
    }
    // VMA allocates each block of a custom pool as one `VkDeviceMemory` of `block_size` bytes
    // and (vk-mem 0.5.0) never checks it against the limit (session 9, helper "mend11",
    // review10 #2).
    if desc.block_size > max_allocation {
        return Err(Error::LimitExceeded {
            name: desc.name.clone(),
            what: "pool block size (maxMemoryAllocationSize: one allocation backs a block)",
            requested: desc.block_size,
            limit: max_allocation,
        });
    }
    if desc.max_blocks != 0 && desc.min_blocks > desc.max_blocks {
        return Err(invalid(format!("{} minimum blocks but at most {}", desc.min_blocks, desc.max_blocks)));
    }
    if desc.linear && desc.max_blocks > 1 {
        return Err(invalid(format!("a linear pool has one block, not up to {}", desc.max_blocks)));
    }
    let min_bytes = desc.block_size.max(1).saturating_mul(desc.min_blocks as u64);
    if min_bytes > heap.size {
        return Err(Error::LimitExceeded {
            name: desc.name.clone(),
            what: "pool's minimum blocks (the heap's size)",
            requested: min_bytes,
            limit: heap.size,
        });
    }
    Ok(())
}

/// Makes the VMA pool of `desc` in `memory_type`, exportable as `export` where not empty.
pub(crate) fn create(
    shared: &Arc<Shared>,
    desc: &PoolDesc,
    memory_type: u32,
    export: vk::ExternalMemoryHandleTypeFlags,
) -> Result<Arc<PoolShared>> {
    let caps = shared.ctx.capabilities();
    check(desc, memory_type, &caps.memory_properties, caps.max_memory_allocation_size)?;
    let mut flags = vk_mem::AllocatorPoolCreateFlags::empty();
    if desc.linear {
        flags |= vk_mem::AllocatorPoolCreateFlags::LINEAR_ALGORITHM;
    }
    let mut export_info = (!export.is_empty())
        .then(|| Box::new(ExportChain(vk::ExportMemoryAllocateInfo::default().handle_types(export))));
    let mut info = vk_mem::PoolCreateInfo {
        memory_type_index: memory_type,
        flags,
        block_size: desc.block_size,
        min_block_count: desc.min_blocks,
        max_block_count: if desc.linear { 1 } else { desc.max_blocks },
        ..Default::default()
    };
    if let Some(export_info) = export_info.as_deref_mut() {
        // The box is kept in `PoolShared`, beside the pool and dropped after it.
        info.memory_allocate_next = std::ptr::from_mut(&mut export_info.0).cast::<std::ffi::c_void>().cast_const();
    }
    let pool = shared.vma.create_pool(&info).map_err(|result| match result {
        vk::Result::ERROR_OUT_OF_DEVICE_MEMORY | vk::Result::ERROR_OUT_OF_HOST_MEMORY => {
            Error::Vulkan { operation: "vmaCreatePool", result }
        }
        result => {
            Error::InvalidDescription { name: desc.name.clone(), reason: format!("VMA refused the pool: {result}") }
        }
    })?;
    if let Ok(name) = std::ffi::CString::new(desc.name.as_str()) {
        pool.set_name(Some(&name));
    }
    Ok(Arc::new(PoolShared {
        pool,
        _export_info: export_info,
        shared: shared.clone(),
        name: desc.name.clone(),
        memory_type,
        block_size: desc.block_size,
        linear: desc.linear,
        export,
    }))
}
