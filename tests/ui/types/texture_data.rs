//! Texture data is bytes; floats are an error at the expression. A bad format is an error at its name.
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R32_SFLOAT, extent = [2, 1], data = [1.0f32, 2.0]))]
    heights: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORN, extent = [1, 1], data = [0u8; 4]))]
    albedo: ImageView,
}

fn main() {}
