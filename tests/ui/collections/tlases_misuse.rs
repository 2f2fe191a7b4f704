//! A `tlases` collection has one run-time instance list per TLAS: it needs `instances = input`
//! with `blases = field`, takes no fixed `instance(...)`, no `per_frame`, and no binding yet.
use vkres::{Blas, Buffer, GpuResources, Tlas};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffers(data = input))]
    vertices: Vec<Buffer<[f32; 3]>>,
    #[gpu(blases(vertices = vertices))]
    meshes: Vec<Blas>,
    #[gpu(tlases(blases = meshes))]
    no_input: Vec<Tlas>,
    #[gpu(tlases(instance(blas = meshes)))]
    fixed: Vec<Tlas>,
    #[gpu(tlases(instances = input, blases = meshes, allow_update, per_frame))]
    per_frame: Vec<Tlas>,
    #[gpu(tlases(instances = input, blases = meshes), binding = 0)]
    bound: Vec<Tlas>,
}

fn main() {}
