//! Generated mips are blitted from level 0, so there must be data.
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], mips = generate))]
    albedo: ImageView,
}

fn main() {}
