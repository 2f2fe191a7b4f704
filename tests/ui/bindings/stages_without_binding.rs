//! `stages` without `binding` would be ignored: an error.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, len = 4), stages = COMPUTE)]
    data: Buffer<u32>,
}

fn main() {}
