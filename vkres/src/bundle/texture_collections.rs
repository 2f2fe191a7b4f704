//! `textures(...)` collections of a derived schema: one texture per run-time [`TextureInput`],
//! each with its own format, size and texels, the rest of its description (usage, view,
//! sampler, layout) from the schema. The schema's `view` says what each image is: 2D (the
//! default, layered with `TYPE_2D_ARRAY`), 1D (`TYPE_1D`, `TYPE_1D_ARRAY`), 3D (`TYPE_3D`, its
//! depth from the input) or cube (`CUBE`, `CUBE_ARRAY`: square, 6 layers per cube).

use ash::vk;

use super::collections::CollectionField;
use super::private::{SampledTextureField, TextureField, TextureSpec, image, texture};
use crate::allocator::Batch;
use crate::error::{Error, Result};
use crate::resources::Sampler;

/// One element of a `textures(...)` collection: its format, size and texels (tightly packed,
/// mip level by level, each level layer by layer; checked against the size at run time with
/// `Error::ImageDataSize`).
///
/// `Send + Sync`: plain data and a shared slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextureInput<'a> {
    /// The image format.
    pub format: vk::Format,
    /// Width in texels.
    pub width: u32,
    /// Height in texels (1 for a 1D texture).
    pub height: u32,
    /// Depth in texels (1 unless the schema's `view` is `TYPE_3D`).
    pub depth: u32,
    /// Mip levels given in `data` (1 where the schema says `mips = generate`: level 0 only).
    pub mips: u32,
    /// Array layers.
    pub layers: u32,
    /// The texels; `None` leaves the image uninitialised (moved to its final layout).
    pub data: Option<&'a [u8]>,
}

impl<'a> TextureInput<'a> {
    /// A `width` x `height` texture of `format` with one level and one layer, from `data`.
    pub fn new(format: vk::Format, width: u32, height: u32, data: &'a [u8]) -> Self {
        Self { format, width, height, depth: 1, mips: 1, layers: 1, data: Some(data) }
    }

    /// `depth` slices: a 3D texture (the schema's `view = TYPE_3D`).
    pub fn depth(mut self, depth: u32) -> Self {
        self.depth = depth;
        self
    }

    /// `mips` levels given in the data.
    pub fn mips(mut self, mips: u32) -> Self {
        self.mips = mips;
        self
    }

    /// `layers` array layers.
    pub fn layers(mut self, layers: u32) -> Self {
        self.layers = layers;
        self
    }
}

/// `spec` with the format and size of `input` (a schema with `mips = generate` takes level 0).
fn element_spec<'s>(spec: &TextureSpec<'s>, input: &TextureInput<'_>) -> Result<TextureSpec<'s>> {
    let mips = match spec.mips {
        None if input.mips != 1 => {
            return Err(Error::InvalidDescription {
                name: spec.name.into(),
                reason: format!(
                    "the schema generates the mips from level 0, but an element gives {} levels",
                    input.mips
                ),
            });
        }
        None => None,
        Some(_) => Some(input.mips),
    };
    let invalid = |reason: String| Error::InvalidDescription { name: spec.name.into(), reason };
    let dims = match spec.view {
        Some(vk::ImageViewType::TYPE_3D) => 3,
        Some(vk::ImageViewType::TYPE_1D | vk::ImageViewType::TYPE_1D_ARRAY) => 1,
        _ => 2,
    };
    if dims != 3 && input.depth != 1 {
        return Err(invalid(format!(
            "an element has depth {}, but the schema's view ({:?}) is not `TYPE_3D`",
            input.depth,
            spec.view.unwrap_or(vk::ImageViewType::TYPE_2D)
        )));
    }
    if dims == 1 && input.height != 1 {
        return Err(invalid(format!("an element of a 1D collection has height {}, not 1", input.height)));
    }
    Ok(TextureSpec {
        format: input.format,
        dims,
        extent: [input.width, input.height, input.depth],
        mips,
        layers: input.layers,
        ..*spec
    })
}

/// Creates a `textures(..., sampler ...)` collection: one texture per input, all paired with
/// `sampler`, recorded into the same batch.
pub fn textures<C>(
    batch: &mut Batch<'_>,
    spec: &TextureSpec,
    inputs: &[TextureInput<'_>],
    sampler: &Sampler,
) -> Result<C>
where
    C: CollectionField,
    C::Item: SampledTextureField,
{
    let mut items = Vec::with_capacity(inputs.len());
    for input in inputs {
        items.push(texture::<C::Item>(batch, &element_spec(spec, input)?, input.data, sampler)?);
    }
    Ok(C::from_items(items))
}

/// As [`textures`], for a collection of textures without a sampler (`Vec<ImageView>`).
pub fn images<C>(batch: &mut Batch<'_>, spec: &TextureSpec, inputs: &[TextureInput<'_>]) -> Result<C>
where
    C: CollectionField,
    C::Item: TextureField,
{
    let mut items = Vec::with_capacity(inputs.len());
    for input in inputs {
        items.push(image::<C::Item>(batch, &element_spec(spec, input)?, input.data)?);
    }
    Ok(C::from_items(items))
}
