//! Depth/stencil layouts belong to depth/stencil formats, the colour attachment layout to
//! colour formats.
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], usage = DEPTH_STENCIL_ATTACHMENT, layout = DEPTH_STENCIL_ATTACHMENT_OPTIMAL))]
    colour_as_depth: ImageView,
    #[gpu(texture(format = D32_SFLOAT, extent = [16, 16], usage = COLOR_ATTACHMENT, layout = COLOR_ATTACHMENT_OPTIMAL))]
    depth_as_colour: ImageView,
    // Fine.
    #[gpu(texture(format = D32_SFLOAT, extent = [16, 16], usage = DEPTH_STENCIL_ATTACHMENT, layout = DEPTH_STENCIL_ATTACHMENT_OPTIMAL))]
    depth: ImageView,
}

fn main() {}
