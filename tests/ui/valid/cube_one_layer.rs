//! A cube view of a one-layer texture (VUID-VkImageViewCreateInfo-viewType-02960).
use vkres::{GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], view = CUBE))]
    sky: Texture,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], layers = 5, view = CUBE))]
    five: Texture,
}

fn main() {}
