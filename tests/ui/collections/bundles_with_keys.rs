//! `bundles` takes no keys: each element's inputs are a `Vec` in the inputs struct.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Mesh {
    #[gpu(buffer(usage = VERTEX, data = input))]
    vertices: Buffer<f32>,
}

#[derive(GpuResources)]
struct Scene {
    #[gpu(bundles(inputs))]
    meshes: Vec<Mesh>,
}

fn main() {}
