//! [`TextureManager`]: 2D textures (image, view, pooled sampler) made from a
//! [`TextureDescriptor`], uploaded and left ready for sampling.

use ash::vk;

use crate::{Error, ImageDesc, ImageUpload, MipSource, ResourceAllocator, Result, SamplerDesc, Texture};

/// Texel formats of textures: Vulkan's (`TextureFormat::R8G8B8A8_UNORM`).
pub type TextureFormat = vk::Format;

/// The mip levels of a texture.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextureMips {
    /// One level.
    #[default]
    One,
    /// The full chain, generated from level 0 by linear blits (the data holds level 0).
    Generate,
    /// This many levels, all in the data (tightly packed, level 0 first).
    Provided(u32),
}

/// What texture to create.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct TextureDescriptor<'a> {
    /// Width of level 0.
    pub width: u32,
    /// Height of level 0.
    pub height: u32,
    /// Texel format.
    pub format: TextureFormat,
    /// Usage; `SAMPLED` is always added, and `TRANSFER_DST` (and `TRANSFER_SRC` for generated
    /// mips) where there is data.
    pub usage: vk::ImageUsageFlags,
    /// Initial texels, tightly packed in the order of [`crate::format`]; `None` leaves the
    /// contents undefined.
    pub data: Option<&'a [u8]>,
    /// Mip levels.
    pub mips: TextureMips,
    /// Sampler, from the allocator's pool.
    pub sampler: SamplerDesc,
    /// Debug name.
    pub name: String,
}

impl Default for TextureDescriptor<'_> {
    fn default() -> Self {
        Self {
            width: 1,
            height: 1,
            format: vk::Format::R8G8B8A8_UNORM,
            usage: vk::ImageUsageFlags::SAMPLED,
            data: None,
            mips: TextureMips::One,
            sampler: SamplerDesc::linear(),
            name: String::new(),
        }
    }
}

/// Creates textures on a [`ResourceAllocator`].
///
/// `Send + Sync`: it holds the allocator, which is.
#[derive(Debug, Clone)]
pub struct TextureManager {
    alloc: ResourceAllocator,
}

impl TextureManager {
    /// A texture manager on `alloc`.
    pub fn new(alloc: &ResourceAllocator) -> Self {
        Self { alloc: alloc.clone() }
    }

    /// Creates the texture, uploads its data (or generates its mips) in one batch and leaves
    /// it in `SHADER_READ_ONLY_OPTIMAL`, ready to be sampled; a texture without data is only
    /// transitioned there.
    pub fn create_texture(&self, desc: &TextureDescriptor<'_>) -> Result<Texture> {
        // `create_texture` adds SAMPLED, and the transfer usages the data needs.
        if desc.data.is_none() && desc.mips == TextureMips::Generate {
            return Err(Error::InvalidDescription {
                name: desc.name.clone(),
                reason: "mips can only be generated from data".into(),
            });
        }
        let mut image = ImageDesc::new_2d(desc.format, desc.width, desc.height, desc.usage).name(desc.name.clone());
        let mips = match desc.mips {
            TextureMips::One => MipSource::Provided,
            TextureMips::Provided(n) => {
                image = image.mip_levels(n);
                MipSource::Provided
            }
            TextureMips::Generate => {
                image = image.full_mip_chain();
                MipSource::Generate
            }
        };
        let mut batch = self.alloc.batch()?;
        let texture =
            batch.create_texture(&image, &desc.sampler, desc.data, &ImageUpload { mips, ..Default::default() })?;
        batch.submit_and_wait()?;
        Ok(texture)
    }
}
