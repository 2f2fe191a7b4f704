//! An unknown stage, with a suggestion; a binding that is no `u32`.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, len = 4), binding = 0, stages = COMPUTE | FRAGMNT)]
    data: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = 4), binding = 4294967296)]
    more: Buffer<u32>,
}

fn main() {}
