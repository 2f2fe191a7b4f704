//! One RAII type per Vulkan object kind. Every type here is a shared handle to an owner that
//! destroys the object first, then frees its memory, and keeps alive what it needs (its
//! allocator, the context, the image under a view, the buffer under an acceleration structure).

pub(crate) mod accel;
pub(crate) mod buffer;
mod first_use;
pub(crate) mod image;
pub(crate) mod sampler;
pub(crate) mod shader;
pub(crate) mod spare;
pub(crate) mod suballoc;
pub(crate) mod texture;

pub use accel::AccelerationStructure;
pub use buffer::{Buffer, BufferDesc};
pub use image::{Image, ImageDesc, ImageView, ImageViewDesc, format_aspects, full_mip_count};
pub use sampler::{Sampler, SamplerDesc, SamplerPool};
pub use shader::{SPIRV_MAGIC, ShaderModule, spirv_words};
pub use suballoc::{BufferArena, SubBuffer};
pub use texture::Texture;

use std::sync::Arc;

use ash::vk;

use crate::Context;
pub(crate) use crate::debug_name::NameRef;
use crate::error::{Error, Result};
use crate::memory::{MappingType, MemoryAllocation, MemoryInfo, VmaMemory};
pub(crate) use first_use::FirstUse;

/// The memory bound to a buffer or image, and the context that keeps the device alive: a VMA
/// allocation inline (the resource's owner and its memory in one heap allocation; the
/// allocation holds the context), or another backend's boxed, with the context beside it.
/// Dropping it frees the memory.
pub(crate) enum ResourceMemory {
    Vma(VmaMemory),
    Boxed(Box<dyn MemoryAllocation>, Arc<Context>),
}

impl ResourceMemory {
    /// A released handle's placeholder memory (a box of a zero-sized type allocates nothing).
    pub(crate) fn none(ctx: &Arc<Context>) -> Self {
        Self::Boxed(Box::new(NoMemory), ctx.clone())
    }

    /// The allocation.
    pub(crate) fn get(&self) -> &dyn MemoryAllocation {
        match self {
            Self::Vma(memory) => memory,
            Self::Boxed(memory, _) => &**memory,
        }
    }

    /// Its membership in transient memory: `None` for VMA memory without a dynamic call (the
    /// per-use test of `keep_alive`).
    pub(crate) fn alias_member(&self) -> Option<crate::memory::AliasMember<'_>> {
        match self {
            Self::Vma(_) => None,
            Self::Boxed(memory, _) => memory.alias_member(),
        }
    }

    /// The context of the resource's device.
    pub(crate) fn context(&self) -> &Arc<Context> {
        match self {
            Self::Vma(memory) => memory.context(),
            Self::Boxed(_, ctx) => ctx,
        }
    }
}

/// The memory of a released handle's placeholder (see `Buffer::release`): none. It maps
/// nothing and frees nothing.
#[derive(Debug)]
pub(crate) struct NoMemory;

impl MemoryAllocation for NoMemory {
    fn info(&self) -> MemoryInfo {
        MemoryInfo {
            memory: vk::DeviceMemory::null(),
            offset: 0,
            size: 0,
            memory_type: 0,
            properties: vk::MemoryPropertyFlags::empty(),
            name: String::new(),
        }
    }

    fn mapping(&self) -> MappingType {
        MappingType::None
    }

    fn map(&self) -> Result<std::ptr::NonNull<u8>> {
        Err(Error::NotHostVisible { name: String::new(), reason: "the resource was released" })
    }

    unsafe fn unmap(&self) {}

    fn flush(&self, _offset: vk::DeviceSize, _size: vk::DeviceSize) -> Result<()> {
        Ok(())
    }

    fn invalidate(&self, _offset: vk::DeviceSize, _size: vk::DeviceSize) -> Result<()> {
        Ok(())
    }
}
