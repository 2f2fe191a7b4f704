//! More mips than the extent has (VUID-VkImageCreateInfo-mipLevels-00958).
use vkres::{GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], mips = 4))]
    small: Texture,
}

fn main() {}
