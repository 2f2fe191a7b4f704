//! Field types that do not match their kind: a sampler, a shader and a nested bundle.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(sampler)]
    linear: Buffer<u8>,
    #[gpu(shader(path = "../../../../tests/fixtures/empty_compute.spv"))]
    module: Vec<u32>,
    #[gpu(bundle)]
    inner: u32,
}

fn main() {}
