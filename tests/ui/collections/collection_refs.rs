//! A collection is not a single buffer: `copy` and a BLAS's `vertices` cannot name it, and it
//! cannot have a `binding` (binding arrays are not supported).
use vkres::{Blas, Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffers(usage = STORAGE_BUFFER, data = input), binding = 0)]
    parts: Vec<Buffer<[f32; 3]>>,
    #[gpu(buffer(usage = STORAGE, copy = parts))]
    copy: Buffer<[f32; 3]>,
    #[gpu(blas(vertices = parts))]
    blas: Blas,
}

fn main() {}
