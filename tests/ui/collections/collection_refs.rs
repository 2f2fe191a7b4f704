//! A collection is not a single buffer: `copy` and a BLAS's `vertices` cannot name it. Only a
//! `buffers` collection can be bound (a binding array), and only as a uniform or storage buffer.
use vkres::{Blas, Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffers(usage = VERTEX, data = input), binding = 0)]
    parts: Vec<Buffer<[f32; 3]>>,
    #[gpu(buffer(usage = STORAGE, copy = parts))]
    copy: Buffer<[f32; 3]>,
    #[gpu(blas(vertices = parts))]
    blas: Blas,
    #[gpu(blases(vertices = more), binding = 1)]
    blases: Vec<Blas>,
    #[gpu(buffers(data = input))]
    more: Vec<Buffer<[f32; 3]>>,
}

fn main() {}
