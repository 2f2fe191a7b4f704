//! A texture needs a format and an extent; vkres guesses neither.
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(extent = [4, 4]))]
    no_format: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM))]
    no_extent: ImageView,
    #[gpu(texture(usage = STORAGE))]
    neither: ImageView,
}

fn main() {}
