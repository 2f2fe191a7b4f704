//! `resize` re-creates a field empty from new sizes: its sizes are inputs, it has no contents
//! to carry over, it is one field, and no other field names it.
use vkres::{Blas, Buffer, GpuResources, ImageView, MemoryPool};

#[derive(GpuResources)]
struct Targets {
    #[gpu(buffer(usage = STORAGE, len = 16, resize))]
    fixed: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [8, 8], usage = STORAGE, resize))]
    fixed_image: ImageView,
    #[gpu(buffer(usage = STORAGE, len = input, data = input, resize))]
    filled: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = input, copy = filled, resize))]
    copied: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, input], data = input, resize, sampler))]
    texels: vkres::Texture,
    #[gpu(buffers(usage = STORAGE, data = input, resize))]
    many: Vec<Buffer<u32>>,
    #[gpu(buffer(usage = STORAGE, len = input, pool = input, resize))]
    pooled: Buffer<u32>,
}

#[derive(GpuResources)]
struct Named {
    #[gpu(buffer(len = input, resize))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(blas(vertices = vertices))]
    blas: Blas,
    #[gpu(buffer(usage = STORAGE, len = input, resize))]
    source: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, copy = source))]
    copy: Buffer<u32>,
}

fn main() {
    let _: Option<&MemoryPool> = None;
}
