//! A buffer's contents come from `data` or `copy`, not both.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, data = [1u32]))]
    a: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, data = [2u32], copy = a))]
    b: Buffer<u32>,
}

fn main() {}
