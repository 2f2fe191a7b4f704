//! Device memory: the [`MemoryAllocator`] and [`MemoryAllocation`] traits (after Merian's
//! interfaces), mapping types, the VMA backend [`VmaAllocator`] with its custom pools
//! ([`MemoryPool`]), budgets and statistics ([`HeapBudget`], [`MemoryStatistics`]), the leak
//! report ([`LeakReport`]) and exported memory ([`ExportedMemory`]).
//!
//! ```
//! # fn main() -> vkres::Result<()> {
//! use std::sync::Arc;
//! use vkres::{
//!     BufferDesc, Context, ContextOptions, MappingType, PoolDesc, PoolMemory, ResourceAllocator, StagingConfig,
//!     VmaAllocator, VmaOptions, vk,
//! };
//!
//! let ctx = Context::new(ContextOptions::new())?;
//! let vma = Arc::new(VmaAllocator::with_options(&ctx, VmaOptions::new().backtraces(true))?);
//! let alloc = ResourceAllocator::with_memory_allocator(vma.clone(), StagingConfig::default())?;
//!
//! // Every frame: usage and budget per heap (the driver's with VK_EXT_memory_budget).
//! for heap in alloc.heap_budgets() {
//!     assert!(heap.budget > 0);
//! }
//! // A pool of 1 MiB blocks, at most 4 of them, for per-frame uniforms.
//! let usage = vk::BufferUsageFlags::UNIFORM_BUFFER;
//! let mapping = MappingType::HostAccessSequentialWrite;
//! let memory = PoolMemory::Buffers { usage, mapping, location: vkres::MemoryLocation::Auto };
//! let pool = vma.create_pool(&PoolDesc::new("frame uniforms", memory).block_size(1 << 20).blocks(0, 4))?;
//! let uniforms = alloc.create_buffer(&BufferDesc::new(256, usage).mapping(mapping).pool(&pool).name("camera"))?;
//! assert_eq!(pool.stats().allocations, 1);
//! // What is alive, with sizes, memory types and where each was made.
//! let report = alloc.leak_details();
//! assert_eq!(report.names(), ["camera"]);
//! drop(uniforms);
//! assert!(alloc.leak_details().is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! The traits are the seam where another backend, or a wrapper that injects failures
//! ([`FailingAllocator`]) or counts allocations, plugs into a [`ResourceAllocator`](crate::ResourceAllocator).

pub(crate) mod copy;
mod defrag;
pub(crate) mod export;
mod failing;
mod leak;
mod mapping;
mod pool;
mod stats;
mod transient;
mod vma;

use std::fmt;
use std::sync::Arc;

use ash::vk;

pub use defrag::{AllocationId, DefragMove, DefragOptions, DefragPass, DefragStats};
#[cfg(unix)]
pub use export::ExportedMemory;
pub use failing::FailingAllocator;
pub use leak::{BACKTRACE_ENV, LeakReport, LiveAllocation};
pub use mapping::MappedMemory;
pub(crate) use mapping::{HostWriteGuard, WriteCheck};
pub use pool::{MemoryPool, PoolDesc, PoolMemory};
pub use stats::{BlockStats, DetailedStats, HeapBudget, MemoryStatistics, PoolStatistics, TypeStatistics};
pub(crate) use transient::advance_alias_epoch;
pub use transient::{AliasMember, TransientMemory};
pub(crate) use vma::VmaMemory;
pub use vma::{VmaAllocator, VmaOptions};

use crate::Context;
use crate::error::{Error, Result};

/// How the host accesses an allocation (Merian's `MemoryMappingType`).
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MappingType {
    /// Never mapped. On a discrete GPU this is device-local memory the host cannot see;
    /// mapping it is an error on every device, so code that works here works there.
    #[default]
    None,
    /// Mapped and written sequentially by the host (uploads): write-combined memory is fine.
    HostAccessSequentialWrite,
    /// Mapped, read and written in any order (read-backs): cached host memory.
    HostAccessRandom,
    /// Device memory that the host writes directly where the device has device-local,
    /// host-visible memory (a discrete GPU's resizable BAR, unified memory as on lavapipe);
    /// elsewhere device memory that uploads reach through staging. [`map`](MemoryAllocation::map)
    /// succeeds exactly where the memory turned out host-visible; batches then write uploads
    /// directly instead of staging them.
    PreferDirectWrite,
    /// Device memory that the device writes and the host reads back directly where the device
    /// has device-local, host-visible memory (cached where there is such a type); elsewhere
    /// device memory that read-backs reach through a copy into host memory
    /// ([`HostAccessRandom`](Self::HostAccessRandom), host-cached where the device has it).
    /// [`map`](MemoryAllocation::map) succeeds exactly where the memory turned out host-visible.
    PreferDirectRead,
}

/// Where an allocation should live.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MemoryLocation {
    /// The backend decides from the resource's usage and the mapping type.
    #[default]
    Auto,
    /// Device-local memory where possible.
    PreferDevice,
    /// Host memory where possible (staging, read-back).
    PreferHost,
}

/// What a resource asks of the memory allocator. Build with [`new`](Self::new) and struct
/// update syntax (`MemoryRequest { dedicated: true, ..MemoryRequest::new("name") }`): fields
/// may be added.
///
/// `Send + Sync`: plain data and a pool handle.
#[derive(Debug, Clone, Copy)]
pub struct MemoryRequest<'a> {
    /// Debug name of the resource, kept with the allocation for leak reports.
    pub name: &'a str,
    /// Host access.
    pub mapping: MappingType,
    /// Placement preference.
    pub location: MemoryLocation,
    /// A `VkDeviceMemory` of its own rather than a part of a shared block (for large,
    /// long-lived allocations such as staging chunks).
    pub dedicated: bool,
    /// The custom pool to allocate from (a backend without pools refuses it with
    /// [`Error::InvalidDescription`]).
    pub pool: Option<&'a MemoryPool>,
    /// Handle types the memory is exported as (empty: not exported). The resource's create
    /// info carries the matching external-memory struct; the allocation is dedicated.
    pub export: vk::ExternalMemoryHandleTypeFlags,
}

impl<'a> MemoryRequest<'a> {
    /// A request for `name` with the defaults: unmapped, placed by the backend, not
    /// dedicated, no pool, not exported.
    pub fn new(name: &'a str) -> Self {
        Self {
            name,
            mapping: MappingType::None,
            location: MemoryLocation::Auto,
            dedicated: false,
            pool: None,
            export: vk::ExternalMemoryHandleTypeFlags::empty(),
        }
    }
}

/// Where an allocation lives (Merian's `MemoryAllocation::get_memory_info`).
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryInfo {
    /// The `VkDeviceMemory` block the allocation is part of.
    pub memory: vk::DeviceMemory,
    /// Offset of the allocation in that block.
    pub offset: vk::DeviceSize,
    /// Size of the allocation (may exceed the resource's size).
    pub size: vk::DeviceSize,
    /// Index of the memory type.
    pub memory_type: u32,
    /// Property flags of that memory type.
    pub properties: vk::MemoryPropertyFlags,
    /// The resource's debug name.
    pub name: String,
}

/// A block of device memory bound to one buffer or image, freed when dropped.
///
/// An allocation keeps its allocator alive (and through it the device), so it can always be
/// freed. Implementations must be `Send + Sync`: map, unmap, flush and invalidate may be called
/// from several threads.
pub trait MemoryAllocation: Send + Sync + fmt::Debug {
    /// Where it lives.
    fn info(&self) -> MemoryInfo;

    /// The property flags of its memory type: `info().properties`, which a backend that knows
    /// them without a query (VMA caches them) answers more cheaply.
    fn properties(&self) -> vk::MemoryPropertyFlags {
        self.info().properties
    }

    /// How it was requested to be mapped.
    fn mapping(&self) -> MappingType;

    /// Its identity in a defragmentation ([`DefragMove::allocation`]), where the backend
    /// moves allocations ([`MemoryAllocator::defragment`]); the default: `None`, never moved.
    fn allocation_id(&self) -> Option<AllocationId> {
        None
    }

    /// Its membership in a [`TransientMemory`], for a resource bound there (which member is
    /// active is checked where recorded work names it); the default: `None`, not aliased.
    fn alias_member(&self) -> Option<AliasMember<'_>> {
        None
    }

    /// Maps the allocation and returns a pointer to its first byte. Mappings are counted: each
    /// successful `map` needs one [`unmap`](Self::unmap). Fails with
    /// [`Error::NotHostVisible`] for an allocation made with
    /// [`MappingType::None`] or in memory the host cannot see.
    fn map(&self) -> Result<std::ptr::NonNull<u8>>;

    /// Undoes one [`map`](Self::map).
    ///
    /// # Safety
    /// Must follow a successful `map`; no pointer obtained from that `map` may be used after.
    unsafe fn unmap(&self);

    /// Makes host writes in `offset..offset + size` visible to the device (a no-op on coherent
    /// memory). `vk::WHOLE_SIZE` means to the end.
    fn flush(&self, offset: vk::DeviceSize, size: vk::DeviceSize) -> Result<()>;

    /// Makes device writes in `offset..offset + size` visible to the host (a no-op on coherent
    /// memory). `vk::WHOLE_SIZE` means to the end.
    fn invalidate(&self, offset: vk::DeviceSize, size: vk::DeviceSize) -> Result<()>;

    /// Binds `buffer` to this memory at `offset` (transient memory: [`TransientMemory`]). The
    /// default, for a backend that does not bind objects itself: [`Error::InvalidDescription`].
    ///
    /// # Safety
    /// `buffer` is a live buffer of this device, not bound to memory, whose requirements this
    /// memory meets at `offset` (size, alignment, memory type).
    unsafe fn bind_buffer(&self, buffer: vk::Buffer, offset: vk::DeviceSize) -> Result<()> {
        let _ = (buffer, offset);
        Err(Error::InvalidDescription {
            name: self.info().name,
            reason: "the memory backend does not bind buffers to its allocations".into(),
        })
    }

    /// Binds `image` to this memory at `offset`, as [`bind_buffer`](Self::bind_buffer).
    ///
    /// # Safety
    /// As [`bind_buffer`](Self::bind_buffer), for an image.
    unsafe fn bind_image(&self, image: vk::Image, offset: vk::DeviceSize) -> Result<()> {
        let _ = (image, offset);
        Err(Error::InvalidDescription {
            name: self.info().name,
            reason: "the memory backend does not bind images to its allocations".into(),
        })
    }

    /// Exports the memory as a file descriptor of `handle_type` (one of the types the
    /// resource was made exportable as, e.g. [`BufferDesc::export`](crate::BufferDesc::export)).
    /// The default, for a backend that does not export: [`Error::ExportUnsupported`].
    #[cfg(unix)]
    fn export_fd(&self, handle_type: vk::ExternalMemoryHandleTypeFlags) -> Result<ExportedMemory> {
        Err(Error::ExportUnsupported {
            name: self.info().name,
            handle_types: handle_type,
            reason: "the memory backend does not export memory".into(),
        })
    }
}

/// Creates buffers and images together with the memory bound to them.
///
/// The object is created by the backend so that it can choose memory from the object's full
/// description (VMA's `AUTO` usages need it). The caller destroys the object before it drops
/// the allocation.
///
/// Implementations are `Send + Sync` (the supertraits): allocators are shared by every thread that
/// creates resources.
pub trait MemoryAllocator: Send + Sync + fmt::Debug {
    /// The context whose device this allocator serves.
    fn context(&self) -> &Arc<Context>;

    /// Creates a buffer and binds fresh memory to it.
    ///
    /// # Safety
    /// `info` must be valid for `vkCreateBuffer` on this device (non-zero size, non-empty usage,
    /// features the usage needs enabled).
    unsafe fn create_buffer(
        &self,
        info: &vk::BufferCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> Result<(vk::Buffer, Box<dyn MemoryAllocation>)>;

    /// Creates an image and binds fresh memory to it.
    ///
    /// # Safety
    /// `info` must be valid for `vkCreateImage` on this device (format supported for its usage,
    /// extent, mips and layers within the device's limits).
    unsafe fn create_image(
        &self,
        info: &vk::ImageCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> Result<(vk::Image, Box<dyn MemoryAllocation>)>;

    /// How many allocations made by this allocator are alive.
    fn live_allocations(&self) -> usize;

    /// The debug names of the live allocations (for leak reports).
    fn live_allocation_names(&self) -> Vec<String>;

    /// How many `VkDeviceMemory` blocks the allocator holds, where the backend knows.
    fn device_memory_blocks(&self) -> Option<usize> {
        None
    }

    /// The VMA backend itself, where this allocator is one ([`VmaAllocator`] answers
    /// `Some(self)`): resources it makes then keep their VMA allocation inline, one heap
    /// allocation less per buffer or image than a boxed [`MemoryAllocation`]. A wrapper
    /// around another allocator keeps the default, `None`, or its own
    /// [`create_buffer`](Self::create_buffer) and [`create_image`](Self::create_image) would be
    /// bypassed.
    fn as_vma(&self) -> Option<&VmaAllocator> {
        None
    }

    /// Allocates memory for `requirements` with no object bound, for resources to be bound to
    /// it later ([`MemoryAllocation::bind_buffer`], [`TransientMemory`]); a dedicated request
    /// stays suitable for several resources. The default, for a backend that only creates
    /// objects with their memory: [`Error::InvalidDescription`].
    fn allocate_memory(
        &self,
        requirements: &vk::MemoryRequirements,
        request: &MemoryRequest<'_>,
    ) -> Result<Box<dyn MemoryAllocation>> {
        let _ = requirements;
        Err(Error::InvalidDescription {
            name: request.name.to_owned(),
            reason: "the memory backend does not allocate memory without an object".into(),
        })
    }

    /// Defragments the backend's default pools, or the custom pool [`DefragOptions::pool`]
    /// names: in passes, each a list of [`DefragMove`]s that
    /// `pass` carries out (binds a new object to each move's destination, an `unsafe` call
    /// whose contract is the copy and the swap, see [`DefragMove::bind_buffer`]) or leaves
    /// declined (each move starts so). When `pass` fails, every move of that pass is ignored
    /// (`pass` must have changed nothing it cannot undo) and the error returned; the moves of
    /// earlier passes stay done. A moved allocation keeps its identity (the same
    /// [`MemoryAllocation`]) at its new place. The default, for a backend that moves nothing:
    /// [`Error::DefragmentationUnsupported`].
    fn defragment(&self, options: &DefragOptions, pass: &mut DefragPass<'_>) -> Result<DefragStats> {
        let _ = (options, pass);
        Err(defrag::unsupported("the memory backend does not move allocations"))
    }

    /// Usage and budget of each memory heap: cheap enough for every frame. The default, for a
    /// backend that does not count per heap: the driver's usage and budget where the context
    /// enabled `VK_EXT_memory_budget`, else 80% of each heap as budget and usage 0, with
    /// [`HeapBudget::allocator`] `None`.
    fn heap_budgets(&self) -> Vec<HeapBudget> {
        stats::heap_budgets(self.context(), None)
    }

    /// Detailed statistics per heap, memory type and pool, where the backend keeps them (the
    /// default: `None`). Walks the allocator's blocks: for tools and occasional logs.
    fn memory_statistics(&self) -> Option<MemoryStatistics> {
        None
    }

    /// Every live allocation with its name, size and memory type (and backtrace, where the
    /// backend captures them). The default, from
    /// [`live_allocation_names`](Self::live_allocation_names): names only, size 0, no type.
    fn leak_report(&self) -> LeakReport {
        let list = self.live_allocation_names().into_iter();
        LeakReport::new(list.map(|name| LiveAllocation { name, size: 0, memory_type: None, backtrace: None }).collect())
    }
}
