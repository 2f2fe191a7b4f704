//! `vkCreateShaderModule`: the capabilities a module declares (`OpCapability`) against what
//! Vulkan allows and what the device enabled (issue 16, helper "sound4"). A module that parses
//! and whose IDs check (`spirv_module`) may still declare `Kernel` (OpenCL), or `Geometry` on a
//! device without `geometryShader`: the validation layer reports it, and without the layer the
//! driver compiles code for a feature that is off.
//!
//! - VUID-VkShaderModuleCreateInfo-pCode-08739: a capability the Vulkan environment does not
//!   list at all (OpenCL's and OpenGL's): refused on every device.
//! - VUID-VkShaderModuleCreateInfo-pCode-08740: a capability whose feature is off. Ray queries
//!   and ray-tracing pipelines are known through [`EnabledFeatures`]; the features of the
//!   table below are ones `Context::new` never enables, so they are refused where vkres chose
//!   the features (a [`Context::from_raw`](crate::Context::from_raw) creator may have enabled
//!   them: not refused there). Capabilities of features vkres enables where the device has
//!   them (`shaderInt64`, `shaderInt8`, ...) and of extensions pass.

use crate::context::EnabledFeatures;
use crate::error::{Error, Result};

/// `OpCapability`'s opcode, and the opcode that ends the module's capability section for good
/// (`OpMemoryModel`, which follows capabilities, extensions and imports).
const OP_CAPABILITY: u32 = 17;
const OP_MEMORY_MODEL: u32 = 14;

/// Capabilities the Vulkan environment does not list (OpenCL kernels and OpenGL only).
const NOT_IN_VULKAN: &[(u32, &str)] = &[
    (4, "Addresses"),
    (5, "Linkage"),
    (6, "Kernel"),
    (7, "Vector16"),
    (8, "Float16Buffer"),
    (13, "ImageBasic"),
    (14, "ImageReadWrite"),
    (15, "ImageMipmap"),
    (17, "Pipes"),
    (18, "Groups"),
    (19, "DeviceEnqueue"),
    (20, "LiteralSampler"),
    (21, "AtomicStorage"),
    (38, "GenericPointer"),
    (58, "SubgroupDispatch"),
    (59, "NamedBarrier"),
    (60, "PipeStorage"),
];

/// Capabilities whose feature `Context::new` never enables, with that feature.
const FEATURE_OFF: &[(u32, &str, &str)] = &[
    (2, "Geometry", "geometryShader"),
    (3, "Tessellation", "tessellationShader"),
    (9, "Float16", "shaderFloat16"),
    (10, "Float64", "shaderFloat64"),
    (22, "Int16", "shaderInt16"),
    (23, "TessellationPointSize", "shaderTessellationAndGeometryPointSize"),
    (24, "GeometryPointSize", "shaderTessellationAndGeometryPointSize"),
    (25, "ImageGatherExtended", "shaderImageGatherExtended"),
    (27, "StorageImageMultisample", "shaderStorageImageMultisample"),
    (32, "ClipDistance", "shaderClipDistance"),
    (33, "CullDistance", "shaderCullDistance"),
    (34, "ImageCubeArray", "imageCubeArray"),
    (35, "SampleRateShading", "sampleRateShading"),
    (41, "SparseResidency", "shaderResourceResidency"),
    (42, "MinLod", "shaderResourceMinLod"),
    (45, "SampledCubeArray", "imageCubeArray"),
    (54, "GeometryStreams", "geometryStreams"),
    (57, "MultiViewport", "multiViewport"),
    (4427, "DrawParameters", "shaderDrawParameters"),
    (4433, "StorageBuffer16BitAccess", "storageBuffer16BitAccess"),
    (4434, "UniformAndStorageBuffer16BitAccess", "uniformAndStorageBuffer16BitAccess"),
    (4435, "StoragePushConstant16", "storagePushConstant16"),
    (4436, "StorageInputOutput16", "storageInputOutput16"),
    (4439, "MultiView", "multiview"),
    (4441, "VariablePointersStorageBuffer", "variablePointersStorageBuffer"),
    (4442, "VariablePointers", "variablePointers"),
    (5345, "VulkanMemoryModel", "vulkanMemoryModel"),
];

/// Checks the capabilities of `words` (a module `spirv_module` accepted), named `name`, for a
/// device with `enabled` features; `features_chosen`: vkres chose them (every other feature
/// of [`FEATURE_OFF`] is off).
pub(crate) fn check(name: &str, words: &[u32], enabled: &EnabledFeatures, features_chosen: bool) -> Result<()> {
    for capability in capabilities(words) {
        let bad = |vuid: &'static str, detail: String| Err(Error::ValidUsage { name: name.into(), vuid, detail });
        if let Some((_, cap)) = NOT_IN_VULKAN.iter().find(|(c, _)| *c == capability) {
            return bad(
                "VUID-VkShaderModuleCreateInfo-pCode-08739",
                format!("OpCapability {cap} ({capability}) is not one Vulkan allows"),
            );
        }
        let needs = |cap: &str, feature: &str| {
            bad(
                "VUID-VkShaderModuleCreateInfo-pCode-08740",
                format!(
                    "OpCapability {cap} ({capability}) needs the {feature} feature, which the device does not have enabled"
                ),
            )
        };
        match capability {
            4472 if !enabled.ray_query => return needs("RayQueryKHR", "rayQuery"),
            4479 if !enabled.ray_tracing_pipeline => return needs("RayTracingKHR", "rayTracingPipeline"),
            5302 if !enabled.descriptor_indexing => return needs("RuntimeDescriptorArray", "runtimeDescriptorArray"),
            _ => {}
        }
        if features_chosen && let Some((_, cap, feature)) = FEATURE_OFF.iter().find(|(c, ..)| *c == capability) {
            return needs(cap, feature);
        }
    }
    Ok(())
}

/// The operands of the module's `OpCapability` instructions (the module's first section).
fn capabilities(words: &[u32]) -> impl Iterator<Item = u32> + '_ {
    let mut at = 5; // after the header
    std::iter::from_fn(move || {
        loop {
            let first = *words.get(at)?;
            let (count, opcode) = ((first >> 16) as usize, first & 0xffff);
            if count == 0 || opcode == OP_MEMORY_MODEL {
                return None;
            }
            at += count;
            if opcode == OP_CAPABILITY && count == 2 {
                return words.get(at - 1).copied();
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::capabilities;

    #[test]
    fn the_capabilities_of_a_module_are_read_up_to_its_memory_model() {
        let words =
            [0x0723_0203, 0x0001_0000, 0, 10, 0, 0x0002_0011, 1, 0x0002_0011, 5301, 0x0003_000e, 0, 1, 0x0002_0011, 6];
        assert_eq!(capabilities(&words).collect::<Vec<_>>(), vec![1, 5301]);
        assert_eq!(capabilities(&words[..6]).count(), 0, "a cut instruction ends the scan");
    }
}
