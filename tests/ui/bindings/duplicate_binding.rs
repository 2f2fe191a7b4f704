//! Two fields on one binding: the error names both.
use vkres::{Buffer, GpuResources, Sampler};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = UNIFORM, len = 4), binding = 0)]
    params: Buffer<f32>,
    #[gpu(sampler, binding = 1)]
    linear: Sampler,
    #[gpu(buffer(usage = STORAGE, len = 4), binding = 0, stages = COMPUTE)]
    results: Buffer<u32>,
}

fn main() {}
