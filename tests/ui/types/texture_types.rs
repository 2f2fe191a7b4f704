//! A texture with a sampler is a `Texture`; one without is an `ImageView`.
use vkres::{GpuResources, ImageView, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8_UNORM, extent = [4, 4], sampler(filter = linear)))]
    sampled: ImageView,
    #[gpu(texture(format = R8_UNORM, extent = [4, 4]))]
    plain: Texture,
}

fn main() {}
