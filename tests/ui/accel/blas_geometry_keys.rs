//! A BLAS holds triangles or boxes: neither, both, or triangle keys on boxes are errors; a TLAS
//! needs instances and each instance its BLAS; unknown keys get a suggestion.
use vkres::{Aabb, Blas, Buffer, GpuResources, Tlas};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(data = [[0.0f32; 3]; 3]))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(buffer(data = [Aabb::default()]))]
    boxes: Buffer<Aabb>,
    #[gpu(blas(allow_update))]
    nothing: Blas,
    #[gpu(blas(vertices = vertices, aabbs = boxes))]
    both: Blas,
    #[gpu(blas(aabbs = boxes, indices = vertices, stride = 16))]
    boxes_with_indices: Blas,
    #[gpu(blas(vertex = vertices, prefer = fastest))]
    misspelled: Blas,
    #[gpu(tlas(allow_update))]
    empty: Tlas,
    #[gpu(tlas(instance(custom_index = 1)))]
    no_blas: Tlas,
}

fn main() {}
