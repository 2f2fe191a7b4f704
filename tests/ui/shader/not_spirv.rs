//! A file that is not SPIR-V (GLSL text): error at the path literal.
use vkres::{GpuResources, ShaderModule};

#[derive(GpuResources)]
struct Scene {
    #[gpu(shader(path = "../../../../tests/fixtures/not_spirv.spv"))]
    module: ShaderModule,
}

fn main() {}
