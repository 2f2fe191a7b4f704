//! A key given twice (in a texture and in an inline sampler) is reported at the second.
use vkres::{GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8_UNORM, format = R16_UNORM, extent = [4, 4], sampler(filter = linear, filter = nearest)))]
    albedo: Texture,
}

fn main() {}
