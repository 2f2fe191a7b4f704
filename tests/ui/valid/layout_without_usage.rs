//! Final layouts whose usage the texture lacks (VUID-VkImageMemoryBarrier2-oldLayout-01208 to -01213).
use vkres::{GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], layout = COLOR_ATTACHMENT_OPTIMAL))]
    sampled: Texture,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = STORAGE, layout = SHADER_READ_ONLY_OPTIMAL))]
    storage: Texture,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], layout = TRANSFER_SRC_OPTIMAL))]
    source: Texture,
}

fn main() {}
