//! A sampler on a texture whose usage does not include SAMPLED.
use vkres::{GpuResources, Sampler, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(sampler)]
    linear: Sampler,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = STORAGE, sampler = linear))]
    target: Texture,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = COLOR_ATTACHMENT, sampler(filter = nearest)))]
    color: Texture,
}

fn main() {}
