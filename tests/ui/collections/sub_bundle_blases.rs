//! `blases = meshes.blas` names the BLAS field of each element of a `bundles` collection: the
//! collection must be `bundles`, and its elements must have that field (a BLAS).
use vkres::{Blas, Buffer, GpuResources, Tlas};

#[derive(GpuResources)]
struct Mesh {
    #[gpu(buffer(data = input))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(blas(vertices = vertices))]
    blas: Blas,
}

#[derive(GpuResources)]
struct NotBundles {
    #[gpu(buffers(data = input))]
    vertices: Vec<Buffer<[f32; 3]>>,
    #[gpu(blases(vertices = vertices))]
    meshes: Vec<Blas>,
    #[gpu(tlas(instances = input, blases = meshes.blas))]
    tlas: Tlas,
}

#[derive(GpuResources)]
struct NoSuchField {
    #[gpu(bundles)]
    meshes: Vec<Mesh>,
    #[gpu(tlas(instances = input, blases = meshes.bvh))]
    tlas: Tlas,
}

#[derive(GpuResources)]
struct NotABlas {
    #[gpu(bundles)]
    meshes: Vec<Mesh>,
    #[gpu(tlas(instances = input, blases = meshes.vertices))]
    tlas: Tlas,
}

fn main() {}
