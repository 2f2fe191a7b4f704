//! A bound texture whose usage lacks SAMPLED (and STORAGE): it can be bound as nothing.
use vkres::{GpuResources, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = COLOR_ATTACHMENT | TRANSFER_SRC), binding = 0)]
    target: Texture,
}

fn main() {}
