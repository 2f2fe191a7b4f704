//! A module whose header says SPIR-V 1.7, which no Vulkan 1.3 device reads
//! (VUID-VkShaderModuleCreateInfo-pCode-08737): error at the path.
use vkres::{GpuResources, ShaderModule};

#[derive(GpuResources)]
struct Scene {
    #[gpu(shader(path = "../../../../tests/fixtures/spirv_1_7.spv"))]
    module: ShaderModule,
}

fn main() {}
