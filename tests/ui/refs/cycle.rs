//! Three buffers that copy each other in a ring: the error names the cycle.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, data = [1u32, 2]))]
    seed: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, copy = c))]
    a: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, copy = a))]
    b: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, copy = b))]
    c: Buffer<u32>,
}

fn main() {}
