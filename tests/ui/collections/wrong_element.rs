//! The elements of a `bundles` field are derived bundles; those of `buffers` are buffers.
use vkres::{Buffer, GpuResources, Sampler};

#[derive(GpuResources)]
struct Scene {
    #[gpu(bundles)]
    meshes: Vec<u32>,
    #[gpu(buffers(usage = STORAGE, data = input))]
    weights: Vec<Sampler>,
    #[gpu(buffer(usage = STORAGE, len = 1))]
    ok: Buffer<u32>,
}

fn main() {}
