//! A `blases` collection reads `buffers` collections, element by element; a `blas` reads single
//! buffers.
use vkres::{Blas, Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(blases(vertices = one))]
    meshes: Vec<Blas>,
    #[gpu(blas(vertices = many))]
    single: Blas,
    #[gpu(buffers(data = input))]
    many: Vec<Buffer<[f32; 3]>>,
    #[gpu(buffer(data = input))]
    one: Buffer<[f32; 3]>,
}

fn main() {}
