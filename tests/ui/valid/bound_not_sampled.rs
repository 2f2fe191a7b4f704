//! A texture bound without a sampler is a sampled image, unless its usage has STORAGE: its
//! usage must have SAMPLED (VUID-VkWriteDescriptorSet-descriptorType-00337).
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = TRANSFER_DST | COLOR_ATTACHMENT), binding = 0)]
    target: ImageView,
    // Fine: a storage image.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = STORAGE), binding = 1)]
    storage: ImageView,
    // Fine: no usage given means SAMPLED.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4]), binding = 2)]
    sampled: ImageView,
}

fn main() {}
