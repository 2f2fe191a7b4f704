//! A collection field is a `Vec` of its kind.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Mesh {
    #[gpu(buffer(usage = VERTEX, data = input))]
    vertices: Buffer<f32>,
}

#[derive(GpuResources)]
struct Scene {
    #[gpu(bundles)]
    meshes: Mesh,
    #[gpu(buffers(usage = STORAGE, data = input))]
    weights: Buffer<f32>,
}

fn main() {}
