//! Field types and referenced buffers must fit: a `blas` field is a `Blas`, indices are u16 or
//! u32, an instance transform is a `Transform3x4`, a custom index a `u32`.
use vkres::{Blas, Buffer, GpuResources, Tlas};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(data = [[0.0f32; 3]; 3]))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(buffer(data = [0.0f32, 1.0, 2.0]))]
    float_indices: Buffer<f32>,
    #[gpu(blas(vertices = vertices, indices = float_indices))]
    mesh: Blas,
    #[gpu(blas(vertices = vertices))]
    not_a_blas: Tlas,
    #[gpu(tlas(instance(blas = mesh, transform = [1.0f32; 12], custom_index = -1)))]
    scene: Tlas,
}

fn main() {}
