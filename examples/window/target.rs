//! The ray-traced target: a storage image the size of the window, made again on a resize.
//! The frames in flight that trace into the old one keep it alive (their recorders hold its
//! view, and their work goes to the allocator's retire queue), so the old handle is dropped
//! at once and the image is released when the last of those frames' fences has signalled.

use vkres::{Image, ImageDesc, ImageView, ImageViewDesc, ResourceAllocator, vk};

use super::scene::{HEIGHT, View, WIDTH};

/// A picture of `extent` the tracer writes (linear RGBA floats, `GENERAL` once initialized).
pub struct Target {
    pub image: Image,
    pub view: ImageView,
    pub extent: vk::Extent2D,
    /// Which target this is (frames rebind their descriptor set when it changes).
    pub serial: u64,
    /// Whether a recorded transition to `GENERAL` precedes every later frame's trace.
    pub initialized: bool,
}

impl Target {
    /// A target of `extent`, the `serial`th made.
    pub fn new(alloc: &ResourceAllocator, extent: vk::Extent2D, serial: u64) -> vkres::Result<Self> {
        let usage = vk::ImageUsageFlags::STORAGE | vk::ImageUsageFlags::TRANSFER_SRC;
        let desc = ImageDesc::new_2d(vk::Format::R32G32B32A32_SFLOAT, extent.width, extent.height, usage)
            .name(format!("window target {}x{} #{serial}", extent.width, extent.height));
        let image = alloc.create_image(&desc)?;
        let view = alloc.create_image_view(&image, &ImageViewDesc::default())?;
        Ok(Self { image, view, extent, serial, initialized: false })
    }
}

/// `view` (made for the scene's `WIDTH` x `HEIGHT` picture) for a picture of `extent`: the same
/// vertical field of view, the horizontal one and the texture level of detail per pixel to
/// fit. At `WIDTH` x `HEIGHT` it is `view` unchanged (the factors are exactly 1).
pub fn fit(mut view: View, extent: vk::Extent2D) -> View {
    let (w, h) = (extent.width as f32, extent.height as f32);
    let widen = (w / h) / (WIDTH as f32 / HEIGHT as f32);
    for c in &mut view.right[..3] {
        *c *= widen;
    }
    view.params[0] *= HEIGHT as f32 / h;
    view.params[1] = w;
    view.params[2] = h;
    view
}
