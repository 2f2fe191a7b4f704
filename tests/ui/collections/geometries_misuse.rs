//! `geometries = input` is for a `blases` collection, its value is `input`, and per-geometry
//! flags replace `opaque`.
use vkres::{Blas, Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(blas(vertices = one, geometries = input))]
    single: Blas,
    #[gpu(blases(vertices = many, geometries = input, opaque = false))]
    flagged: Vec<Blas>,
    #[gpu(blases(vertices = many, geometries = list))]
    named: Vec<Blas>,
    #[gpu(buffers(data = input))]
    many: Vec<Buffer<[f32; 3]>>,
    #[gpu(buffer(data = input))]
    one: Buffer<[f32; 3]>,
}

fn main() {}
