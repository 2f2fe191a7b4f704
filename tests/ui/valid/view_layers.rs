//! A non-array view of a texture with several layers (VUID-VkImageViewCreateInfo-imageViewType-04973).
use vkres::{GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], layers = 4, view = TYPE_2D))]
    layered: Texture,
}

fn main() {}
