//! One RAII type per Vulkan object kind. Every type here is a shared handle to an owner that
//! destroys the object first, then frees its memory, and keeps alive what it needs (its
//! allocator, the context, the image under a view, the buffer under an acceleration structure).

pub(crate) mod accel;
pub(crate) mod buffer;
pub(crate) mod image;
pub(crate) mod sampler;
pub(crate) mod texture;

pub use accel::AccelerationStructure;
pub use buffer::{Buffer, BufferDesc};
pub use image::{Image, ImageDesc, ImageView, ImageViewDesc, format_aspects, full_mip_count};
pub use sampler::{Sampler, SamplerDesc, SamplerPool};
pub use texture::Texture;
