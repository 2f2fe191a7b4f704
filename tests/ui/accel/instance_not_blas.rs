//! A TLAS instance places a BLAS; a buffer (or another TLAS) is not one.
use vkres::{Blas, Buffer, GpuResources, Tlas};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(data = [[0.0f32; 3]; 3]))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(blas(vertices = vertices))]
    mesh: Blas,
    #[gpu(tlas(instance(blas = mesh), instance(blas = vertices)))]
    scene: Tlas,
    #[gpu(tlas(instance(blas = scene)))]
    nested: Tlas,
}

fn main() {}
