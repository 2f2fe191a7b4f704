//! A cube-array view: vkres enables no imageCubeArray (VUID-VkImageViewCreateInfo-viewType-01004).
use vkres::{GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], layers = 12, view = CUBE_ARRAY))]
    skies: Texture,
}

fn main() {}
