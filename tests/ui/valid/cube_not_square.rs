//! A cube whose faces are not square (VUID-VkImageCreateInfo-imageType-00954).
use vkres::{GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [8, 4], layers = 6, view = CUBE))]
    sky: Texture,
}

fn main() {}
