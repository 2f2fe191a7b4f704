//! One RAII type per Vulkan object kind. Every type here is a shared handle to an owner that
//! destroys the object first, then frees its memory, and keeps alive what it needs (its
//! allocator, the context, the image under a view, the buffer under an acceleration structure).

pub(crate) mod accel;
pub(crate) mod buffer;
pub(crate) mod image;
pub(crate) mod sampler;
pub(crate) mod shader;
pub(crate) mod texture;

pub use accel::AccelerationStructure;
pub use buffer::{Buffer, BufferDesc};
pub use image::{Image, ImageDesc, ImageView, ImageViewDesc, format_aspects, full_mip_count};
pub use sampler::{Sampler, SamplerDesc, SamplerPool};
pub use shader::{SPIRV_MAGIC, ShaderModule};
pub use texture::Texture;

use std::borrow::Cow;
use std::sync::Arc;

use ash::vk;

use crate::Context;
use crate::error::{Error, Result};
use crate::memory::{MappingType, MemoryAllocation, MemoryInfo, VmaMemory};

/// A resource's debug name as the creating code has it: a `&'static str` (the derive's
/// `Bundle.field` names) is kept by the resource and the leak table without a copy.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NameRef<'a> {
    Static(&'static str),
    Borrowed(&'a str),
}

impl<'a> NameRef<'a> {
    pub(crate) fn as_str(&self) -> &'a str {
        match *self {
            Self::Static(name) => name,
            Self::Borrowed(name) => name,
        }
    }

    /// An owned name: a copy only of a borrowed one.
    pub(crate) fn to_cow(self) -> Cow<'static, str> {
        match self {
            Self::Static(name) => Cow::Borrowed(name),
            Self::Borrowed(name) => Cow::Owned(name.to_owned()),
        }
    }
}

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
