//! A depth layout on a colour format, a colour layout on a depth format.
use vkres::{GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = DEPTH_STENCIL_ATTACHMENT, layout = DEPTH_STENCIL_ATTACHMENT_OPTIMAL))]
    colour: Texture,
    #[gpu(texture(format = D32_SFLOAT, extent = [4, 4], usage = COLOR_ATTACHMENT, layout = COLOR_ATTACHMENT_OPTIMAL))]
    depth: Texture,
}

fn main() {}
