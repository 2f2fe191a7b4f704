//! Errors of every kind in one struct, all reported at once; uses of the type raise none.
use vkres::{Buffer, GpuResources, ImageView, Sampler, ShaderModule, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(extent = [4, 4], sampler = missing))]
    albedo: Texture,
    #[gpu(sampler(filter = cubic))]
    linear: Sampler,
    #[gpu(shader(path = "no/such/file.spv"))]
    module: ShaderModule,
    #[gpu(buffer(usage = UNIFORM, len = 4), binding = 0)]
    a: Buffer<u32>,
    #[gpu(texture(format = R8_UNORM, extent = [1, 1]), binding = 0)]
    b: ImageView,
    #[gpu(buffer(usage = STORAGE, copy = b))]
    c: Buffer<u32>,
}

fn main() {
    let _ = Scene::create;
    let _ = Scene::descriptor_bindings();
}
