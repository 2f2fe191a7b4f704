//! A BLAS whose index buffer has no data (directly, or through a copy of a buffer without
//! data): the build would read indices of undefined value (the spec's rule on `maxVertex`).
use vkres::{Blas, Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(data = [[0.0f32; 3]; 3]))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(buffer(len = 3))]
    indices: Buffer<u32>,
    #[gpu(blas(vertices = vertices, indices = indices))]
    mesh: Blas,
    #[gpu(buffer(usage = STORAGE_BUFFER, len = 3))]
    blank: Buffer<u32>,
    #[gpu(buffer(copy = blank))]
    copied: Buffer<u32>,
    #[gpu(blas(vertices = vertices, indices = copied))]
    other: Blas,
}

fn main() {}
