//! A shader path that does not exist: error at the path literal.
use vkres::{GpuResources, ShaderModule};

#[derive(GpuResources)]
struct Scene {
    #[gpu(shader(path = "shaders/missing.spv"))]
    module: ShaderModule,
}

fn main() {}
