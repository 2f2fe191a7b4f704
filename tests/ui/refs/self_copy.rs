//! A buffer that copies itself is a cycle of one.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, copy = data))]
    data: Buffer<u32>,
}

fn main() {}
