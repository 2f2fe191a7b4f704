//! View types that do not fit the extent's dimensions (VUID-VkImageViewCreateInfo-subResourceRange-01021).
use vkres::{GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], view = TYPE_3D))]
    flat: Texture,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4, 4], view = TYPE_2D))]
    volume: Texture,
    #[gpu(texture(format = R8_UNORM, extent = [8], view = TYPE_2D))]
    line: Texture,
}

fn main() {}
