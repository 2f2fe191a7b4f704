//! `geometry(...)` adds a geometry to a `blas`: only geometry keys inside it, one type
//! (triangles or boxes) per BLAS, and each geometry complete.
use vkres::{Aabb, Blas, Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(blas(geometry(vertices = v, prefer = fast_build)))]
    options_inside: Blas,
    #[gpu(blas(vertices = v, geometry(aabbs = boxes)))]
    mixed: Blas,
    #[gpu(blas(geometry(vertices = v), geometry(indices = i)))]
    incomplete: Blas,
    #[gpu(blas(geometry(vertices = v, no_duplicate_any_hit), geometry(vertices = v, opaque = false)))]
    fine: Blas,
    #[gpu(buffer(data = input))]
    v: Buffer<[f32; 3]>,
    #[gpu(buffer(data = input))]
    i: Buffer<u32>,
    #[gpu(buffer(data = input))]
    boxes: Buffer<Aabb>,
}

fn main() {}
