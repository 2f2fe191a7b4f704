//! A file with a valid SPIR-V header and a body of random words: error at the path literal.
use vkres::{GpuResources, ShaderModule};

#[derive(GpuResources)]
struct Scene {
    #[gpu(shader(path = "../../../../tests/fixtures/garbage_body.spv"))]
    module: ShaderModule,
}

fn main() {}
