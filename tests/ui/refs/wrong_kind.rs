//! A texture whose sampler is a buffer field: error at the reference, naming both kinds.
use vkres::{Buffer, GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = UNIFORM, len = 4))]
    params: Buffer<f32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], sampler = params))]
    albedo: Texture,
}

fn main() {}
