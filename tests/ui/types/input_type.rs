//! Run-time inputs are typed: a slice of the buffer's element type, bytes for a texture.
use vkres::{Buffer, GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = VERTEX, data = input))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(texture(format = R8_UNORM, extent = [2, 2], data = input))]
    pixels: ImageView,
}

fn main() {
    let floats = [1.0f32, 2.0, 3.0];
    let _ = |alloc: &vkres::ResourceAllocator| Scene::create(alloc, SceneInputs { vertices: &floats, pixels: &[0u8; 4] });
}
