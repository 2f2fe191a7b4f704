//! A texture naming a sampler field that does not exist: error at the name, with the closest field.
use vkres::{GpuResources, Sampler, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(sampler(filter = linear))]
    linear: Sampler,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], sampler = lienar))]
    albedo: Texture,
}

fn main() {}
