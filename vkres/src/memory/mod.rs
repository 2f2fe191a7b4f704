//! Device memory: the [`MemoryAllocator`] and [`MemoryAllocation`] traits (after Merian's
//! interfaces), mapping types, and the VMA backend [`VmaAllocator`].
//!
//! The traits are the seam where another backend, or a wrapper that injects failures
//! ([`FailingAllocator`]) or counts allocations, plugs into a [`ResourceAllocator`](crate::ResourceAllocator).

mod copy;
mod failing;
mod mapping;
mod vma;

use std::fmt;
use std::sync::Arc;

use ash::vk;

pub use failing::FailingAllocator;
pub use mapping::MappedMemory;
pub use vma::VmaAllocator;
pub(crate) use vma::VmaMemory;

use crate::Context;
use crate::error::Result;

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

/// What a resource asks of the memory allocator.
///
/// `Send + Sync`: plain data.
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

    /// Maps the allocation and returns a pointer to its first byte. Mappings are counted: each
    /// successful `map` needs one [`unmap`](Self::unmap). Fails with
    /// [`Error::NotHostVisible`](crate::Error::NotHostVisible) for an allocation made with
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
}
