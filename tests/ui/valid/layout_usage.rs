//! A final layout needs the usage its transition requires (VUID-VkImageMemoryBarrier2-oldLayout-01208..01213).
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], usage = STORAGE, layout = SHADER_READ_ONLY_OPTIMAL))]
    read_without_sampled: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], usage = SAMPLED, layout = COLOR_ATTACHMENT_OPTIMAL))]
    attachment_without_usage: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], usage = SAMPLED, layout = TRANSFER_SRC_OPTIMAL))]
    source_without_usage: ImageView,
    // Fine: data gives TRANSFER_DST.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [1, 1], usage = SAMPLED, data = [0u8; 4], layout = TRANSFER_DST_OPTIMAL))]
    uploaded: ImageView,
}

fn main() {}
