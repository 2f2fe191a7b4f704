//! `buffers` take one slice per buffer from run time: `data = input`, not an expression or a
//! copy, and not nothing at all.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, data = [1u32]))]
    one: Buffer<u32>,
    #[gpu(buffers(usage = STORAGE, data = [1u32, 2]))]
    constant: Vec<Buffer<u32>>,
    #[gpu(buffers(usage = STORAGE, copy = one))]
    copied: Vec<Buffer<u32>>,
    #[gpu(buffers(usage = STORAGE, len = 4))]
    sized: Vec<Buffer<u32>>,
}

fn main() {}
