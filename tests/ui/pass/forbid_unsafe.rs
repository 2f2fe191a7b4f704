//! The expansion is safe code: it compiles in a crate that forbids `unsafe`, for every kind.
#![forbid(unsafe_code)]

use vkres::{Buffer, GpuResources, ImageView, Sampler, ShaderModule, Texture};

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
}

fn main() {
    let _ = Safe::create;
    let _ = Safe::descriptor_bindings;
    let _ = Safe::write_descriptors;
}
