//! The expansion is safe code: it compiles in a crate that forbids `unsafe`, for every kind.
#![forbid(unsafe_code)]

use vkres::{Aabb, Blas, Buffer, GpuResources, ImageView, Sampler, ShaderModule, Texture, Tlas, Transform3x4};

#[derive(GpuResources)]
struct Inner {
    #[gpu(buffer(usage = STORAGE, data = input))]
    data: Buffer<u32>,
}

#[derive(GpuResources)]
struct Safe {
    #[gpu(buffer(usage = STORAGE, data = [1u32, 2, 3]), binding = 0)]
    data: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, copy = data))]
    copy: Buffer<u32>,
    #[gpu(texture(format = R8_UNORM, extent = [2, 2], data = input, sampler = smp), binding = 1)]
    tex: Texture,
    #[gpu(texture(format = R8_UNORM, extent = [2, 2], usage = STORAGE), binding = 2)]
    image: ImageView,
    #[gpu(sampler, binding = 3)]
    smp: Sampler,
    #[gpu(shader(path = "../../../../tests/fixtures/empty_compute.spv"))]
    module: ShaderModule,
    #[gpu(bundle(inputs))]
    inner: Inner,
    #[gpu(buffer(data = input))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(buffer(data = [0u16, 1, 2]))]
    indices: Buffer<u16>,
    #[gpu(buffer(data = [Transform3x4::IDENTITY]))]
    transforms: Buffer<Transform3x4>,
    #[gpu(buffer(data = [Aabb::default()]))]
    boxes: Buffer<Aabb>,
    #[gpu(blas(vertices = vertices, indices = indices, transform = transforms, allow_update, allow_compaction))]
    mesh: Blas,
    #[gpu(blas(aabbs = boxes, opaque = false, prefer = fast_build))]
    procedural: Blas,
    #[gpu(tlas(instance(blas = mesh, custom_index = 1, mask = 0x0F, sbt_offset = 2), instance(blas = procedural, transform = Transform3x4::translation([1.0, 0.0, 0.0]))), binding = 4)]
    scene: Tlas,
}

fn main() {
    let _ = Safe::create;
    let _ = Safe::descriptor_bindings;
    let _ = Safe::write_descriptors;
}
