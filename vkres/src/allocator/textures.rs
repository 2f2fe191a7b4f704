//! Images with their view, created and (in a batch) filled: the one path of
//! [`ResourceAllocator::create_texture`], [`Batch::create_texture`],
//! [`Batch::create_image_view_with_data`], the derive's `texture` fields and the
//! [`ResourceManager`](crate::ResourceManager)'s textures.

use ash::vk;

use super::{Batch, ImageUpload, MipSource, ResourceAllocator};
use crate::error::Result;
use crate::resources::{ImageDesc, ImageView, ImageViewDesc, SamplerDesc, Texture, image};

impl ResourceAllocator {
    /// Creates an image (with `SAMPLED` added to its usage), a full view of it, and takes the
    /// sampler for `sampler` from the pool. Its contents are undefined and its layout
    /// `UNDEFINED`: [`Batch::create_texture`] creates one with its data instead.
    pub fn create_texture(&self, image: &ImageDesc, sampler: &SamplerDesc) -> Result<Texture> {
        let sampler = self.create_sampler(sampler)?;
        let view = image_and_view(self, sampled(image.clone()), None, &ImageViewDesc::default())?;
        Ok(Texture { view, sampler })
    }
}

impl Batch<'_> {
    /// Creates an image (with `SAMPLED` added to its usage), a full view of it and the pooled
    /// sampler for `sampler`, and records what
    /// [`create_image_view_with_data`](Self::create_image_view_with_data) records.
    pub fn create_texture(
        &mut self,
        image: &ImageDesc,
        sampler: &SamplerDesc,
        data: Option<&[u8]>,
        upload: &ImageUpload,
    ) -> Result<Texture> {
        let sampler = self.allocator().create_sampler(sampler)?;
        let view = record_image(self, sampled(image.clone()), None, &ImageViewDesc::default(), data, upload)?;
        Ok(Texture { view, sampler })
    }

    /// Creates an image of `desc` and the view `view` of it, and records the upload of `data`
    /// (tightly packed texels as [`upload_image`](Self::upload_image) takes them, mips as
    /// `upload.mips` says), or without data the image's transition, each ending in
    /// `upload.final_layout`. `TRANSFER_DST` is added to the usage where there is data, and
    /// `TRANSFER_SRC` where mips are generated from it. Without data the contents are undefined.
    pub fn create_image_view_with_data(
        &mut self,
        desc: &ImageDesc,
        view: &ImageViewDesc,
        data: Option<&[u8]>,
        upload: &ImageUpload,
    ) -> Result<ImageView> {
        record_image(self, desc.clone(), None, view, data, upload)
    }
}

/// `desc` with `SAMPLED` usage.
fn sampled(mut desc: ImageDesc) -> ImageDesc {
    desc.usage |= vk::ImageUsageFlags::SAMPLED;
    desc
}

/// The image of `desc` (which it keeps, without a copy; named `static_name` where given, the
/// derive's names, which the leak table keeps without a copy) and the view `view` of it.
fn image_and_view(
    alloc: &ResourceAllocator,
    desc: ImageDesc,
    static_name: Option<&'static str>,
    view: &ImageViewDesc,
) -> Result<ImageView> {
    let image = image::create_owned(&**alloc.memory_allocator(), desc, static_name)?;
    image::create_view(&image, view)
}

/// [`Batch::create_image_view_with_data`] from a description it keeps, named `static_name`
/// where given (see [`image_and_view`]).
pub(crate) fn record_image(
    batch: &mut Batch<'_>,
    mut desc: ImageDesc,
    static_name: Option<&'static str>,
    view: &ImageViewDesc,
    data: Option<&[u8]>,
    upload: &ImageUpload,
) -> Result<ImageView> {
    if data.is_some() {
        desc.usage |= vk::ImageUsageFlags::TRANSFER_DST;
        if upload.mips == MipSource::Generate {
            desc.usage |= vk::ImageUsageFlags::TRANSFER_SRC;
        }
    }
    let view = image_and_view(batch.allocator(), desc, static_name, view)?;
    match data {
        Some(data) => batch.upload_image(view.image(), data, upload)?,
        None => batch.transition_image(view.image(), upload.final_layout)?,
    }
    Ok(view)
}
