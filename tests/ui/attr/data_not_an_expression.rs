//! Brackets of literals that are no expression: syn reports them at the attribute (review12
//! finding 5), not rustc inside the derive's expansion.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, data = [1u32 2 3]))]
    spaced: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, data = [1u32, , 2]))]
    doubled: Buffer<u32>,
}

fn main() {}
