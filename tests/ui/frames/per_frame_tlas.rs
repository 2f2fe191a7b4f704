//! A `per_frame` TLAS is refitted in each frame: it needs `allow_update`, and its type is
//! `PerFrame<Tlas>`.
use vkres::{Blas, Buffer, GpuResources, PerFrame, Tlas};

#[derive(GpuResources)]
struct NoUpdate {
    #[gpu(buffer(data = [[0.0f32; 3]; 3]))]
    triangle: Buffer<[f32; 3]>,
    #[gpu(blas(vertices = triangle))]
    blas: Blas,
    #[gpu(tlas(instance(blas = blas), per_frame))]
    tlas: PerFrame<Tlas>,
}

#[derive(GpuResources)]
struct NotWrapped {
    #[gpu(buffer(data = [[0.0f32; 3]; 3]))]
    triangle: Buffer<[f32; 3]>,
    #[gpu(blas(vertices = triangle))]
    blas: Blas,
    #[gpu(tlas(instance(blas = blas), allow_update, per_frame))]
    tlas: Tlas,
}

fn main() {}
