//! A bound buffer must say whether it is a uniform or a storage buffer, and not both.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = VERTEX, len = 4), binding = 0)]
    vertices: Buffer<f32>,
    #[gpu(buffer(usage = UNIFORM | STORAGE, len = 4), binding = 1)]
    both: Buffer<f32>,
}

fn main() {}
