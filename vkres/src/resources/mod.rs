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

use ash::vk;

use crate::error::{Error, Result};
use crate::memory::{MappingType, MemoryAllocation, MemoryInfo};

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
