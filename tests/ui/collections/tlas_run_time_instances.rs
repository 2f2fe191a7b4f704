//! `tlas(instances = input)` indexes one `blases` collection, named by `blases = field`; the
//! two keys go together, and run-time instances do not mix with fixed `instance(...)`s.
use vkres::{Blas, Buffer, GpuResources, Tlas};

#[derive(GpuResources)]
struct Scene {
    #[gpu(tlas(instances = input))]
    no_collection: Tlas,
    #[gpu(tlas(instance(blas = single), blases = meshes))]
    no_input: Tlas,
    #[gpu(tlas(instances = input, blases = meshes, instance(blas = single)))]
    mixed: Tlas,
    #[gpu(tlas(instances = everything, blases = meshes))]
    not_input: Tlas,
    #[gpu(tlas(instances = input, blases = single))]
    not_a_collection: Tlas,
    #[gpu(tlas(instance(blas = meshes)))]
    collection_as_one: Tlas,
    #[gpu(blases(vertices = positions))]
    meshes: Vec<Blas>,
    #[gpu(blas(vertices = one))]
    single: Blas,
    #[gpu(buffers(data = input))]
    positions: Vec<Buffer<[f32; 3]>>,
    #[gpu(buffer(data = input))]
    one: Buffer<[f32; 3]>,
}

fn main() {}
