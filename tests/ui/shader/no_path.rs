//! A shader module without a path; `shader` without parentheses.
use vkres::{GpuResources, ShaderModule};

#[derive(GpuResources)]
struct Scene {
    #[gpu(shader())]
    a: ShaderModule,
    #[gpu(shader)]
    b: ShaderModule,
}

fn main() {}
