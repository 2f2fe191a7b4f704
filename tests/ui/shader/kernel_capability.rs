//! A module that parses and whose IDs check, but declares `OpCapability Kernel` (OpenCL's,
//! which Vulkan does not allow: VUID-VkShaderModuleCreateInfo-pCode-08739): error at the path.
use vkres::{GpuResources, ShaderModule};

#[derive(GpuResources)]
struct Scene {
    #[gpu(shader(path = "../../../../tests/fixtures/kernel_capability.spv"))]
    module: ShaderModule,
}

fn main() {}
