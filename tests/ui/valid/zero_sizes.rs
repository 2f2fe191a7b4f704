//! Sizes and formats no resource can have, written as literals: a buffer of no bytes
//! (VUID-VkBufferCreateInfo-size-00912), an image side, level or layer count of 0
//! (VUID-VkImageCreateInfo-extent-00944/-00946, -mipLevels-00947, -arrayLayers-00948), an image
//! of format UNDEFINED (VUID-VkImageCreateInfo-pNext-01975).
use vkres::{Buffer, GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, len = 0))]
    none: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, size = 0u64))]
    no_bytes: Buffer,
    #[gpu(buffer(usage = STORAGE, data = []))]
    empty: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [0, 4], usage = STORAGE))]
    narrow: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4, 0], usage = STORAGE))]
    flat: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = SAMPLED, mips = 0))]
    no_levels: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = SAMPLED, layers = 0))]
    no_layers: ImageView,
    #[gpu(texture(format = UNDEFINED, extent = [4, 4], usage = STORAGE))]
    formless: ImageView,
}

fn main() {}
