//! [`Texture`]: an image, a view of it and a sampler, as one value (Merian's `Texture`).

use ash::vk;

use super::image::{Image, ImageView};
use super::sampler::Sampler;

/// An image with a view and a sampler: what a shader samples.
///
/// Holds the view (which holds the image) and a pooled sampler; all three are shared handles,
/// so the texture keeps them alive and dropping it releases its references. A shared handle.
///
/// `Send + Sync`: a view and a sampler, both shared handles.
#[derive(Debug, Clone)]
pub struct Texture {
    pub(crate) view: ImageView,
    pub(crate) sampler: Sampler,
}

impl Texture {
    /// The image.
    pub fn image(&self) -> &Image {
        self.view.image()
    }

    /// The view.
    pub fn view(&self) -> &ImageView {
        &self.view
    }

    /// The sampler.
    pub fn sampler(&self) -> &Sampler {
        &self.sampler
    }

    /// Drops this handle's references to view, image and sampler (for the ordered drop of
    /// derived bundles): the view first, then the sampler.
    pub(crate) fn release(&mut self) {
        self.view.release();
        self.sampler.release();
    }

    /// A combined-image-sampler descriptor for it in `layout`.
    pub fn descriptor_info(&self, layout: vk::ImageLayout) -> vk::DescriptorImageInfo {
        vk::DescriptorImageInfo { sampler: self.sampler.handle(), image_view: self.view.handle(), image_layout: layout }
    }
}
