//! `geometry_table = field` names a triangle `blases(geometries = input, ...)` field, and is the
//! buffer's only source of contents.
use vkres::{Blas, Buffer, GeometryRecord, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(blases(vertices = positions))]
    fixed: Vec<Blas>,
    #[gpu(blases(geometries = input, vertices = positions))]
    listed: Vec<Blas>,
    #[gpu(blas(vertices = one))]
    single: Blas,
    #[gpu(buffer(usage = STORAGE_BUFFER, geometry_table = fixed))]
    not_listed: Buffer<GeometryRecord>,
    #[gpu(buffer(usage = STORAGE_BUFFER, geometry_table = single))]
    not_a_collection: Buffer<GeometryRecord>,
    #[gpu(buffer(usage = STORAGE_BUFFER, geometry_table = listed, len = 4))]
    sized: Buffer<GeometryRecord>,
    #[gpu(buffers(data = input))]
    positions: Vec<Buffer<[f32; 3]>>,
    #[gpu(buffer(data = input))]
    one: Buffer<[f32; 3]>,
}

fn main() {}
