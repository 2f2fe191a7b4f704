//! `copy` names a buffer field; a sampler is not one.
use vkres::{Buffer, GpuResources, Sampler};

#[derive(GpuResources)]
struct Scene {
    #[gpu(sampler)]
    linear: Sampler,
    #[gpu(buffer(usage = STORAGE, copy = linear))]
    data: Buffer<u32>,
}

fn main() {}
