//! Shader modules and nested bundles are not descriptors.
use vkres::{Buffer, GpuResources, ShaderModule};

#[derive(GpuResources)]
struct Inner {
    #[gpu(buffer(usage = STORAGE, len = 4))]
    data: Buffer<u32>,
}

#[derive(GpuResources)]
struct Scene {
    #[gpu(shader(path = "../../../../tests/fixtures/empty_compute.spv"), binding = 0)]
    module: ShaderModule,
    #[gpu(bundle, binding = 1)]
    inner: Inner,
}

fn main() {}
