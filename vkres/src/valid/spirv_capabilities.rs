//! `vkCreateShaderModule`: the capabilities a module declares (`OpCapability`) against what
//! Vulkan allows and what the device enabled (issue 16, helper "sound4"). A module that parses
//! and whose IDs check (`spirv_module`) may still declare `Kernel` (OpenCL), or `Geometry` on a
//! device without `geometryShader`: the validation layer reports it, and without the layer the
//! driver compiles code for a feature that is off.
//!
//! - VUID-VkShaderModuleCreateInfo-pCode-08739: a capability the Vulkan environment does not
//!   list at all (OpenCL's and OpenGL's) is refused by `spirv_module` already, on every device
//!   and in the derive at compile time.
//! - VUID-VkShaderModuleCreateInfo-pCode-08740: a capability whose feature is off. Ray queries
//!   and ray-tracing pipelines are known through [`EnabledFeatures`]; the features of the
//!   table below are ones `Context::new` never enables, so they are refused where vkres chose
//!   the features (a [`Context::from_raw`](crate::Context::from_raw) creator may have enabled
//!   them: not refused there). Capabilities of features vkres enables where the device has
//!   them (`shaderInt64`, `shaderInt8`, ...) and of extensions pass.
//! - VUID-VkShaderModuleCreateInfo-pCode-08742 (and -08741): an `OpExtension` that Vulkan 1.3
//!   does not satisfy by version needs its device extension enabled (`VK_` for `SPV_`, or the
//!   few other names of [`RENAMED_EXTENSIONS`]); a made-up name needs one no device has.

use crate::context::EnabledFeatures;
use crate::error::{Error, Result};

/// `OpCapability`'s opcode, and the opcode that ends the module's capability section for good
/// (`OpMemoryModel`, which follows capabilities, extensions and imports).
const OP_CAPABILITY: u32 = 17;
const OP_MEMORY_MODEL: u32 = 14;

/// Capabilities whose feature `Context::new` never enables, with that feature.
const FEATURE_OFF: &[(u32, &str, &str)] = &[
    (2, "Geometry", "geometryShader"),
    (3, "Tessellation", "tessellationShader"),
    (9, "Float16", "shaderFloat16"),
    (10, "Float64", "shaderFloat64"),
    (12, "Int64Atomics", "shaderBufferInt64Atomics"),
    (22, "Int16", "shaderInt16"),
    (23, "TessellationPointSize", "shaderTessellationAndGeometryPointSize"),
    (24, "GeometryPointSize", "shaderTessellationAndGeometryPointSize"),
    (25, "ImageGatherExtended", "shaderImageGatherExtended"),
    (27, "StorageImageMultisample", "shaderStorageImageMultisample"),
    (28, "UniformBufferArrayDynamicIndexing", "shaderUniformBufferArrayDynamicIndexing"),
    (29, "SampledImageArrayDynamicIndexing", "shaderSampledImageArrayDynamicIndexing"),
    (30, "StorageBufferArrayDynamicIndexing", "shaderStorageBufferArrayDynamicIndexing"),
    (31, "StorageImageArrayDynamicIndexing", "shaderStorageImageArrayDynamicIndexing"),
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
    (4449, "UniformAndStorageBuffer8BitAccess", "uniformAndStorageBuffer8BitAccess"),
    (4450, "StoragePushConstant8", "storagePushConstant8"),
    (4441, "VariablePointersStorageBuffer", "variablePointersStorageBuffer"),
    (4442, "VariablePointers", "variablePointers"),
    (5345, "VulkanMemoryModel", "vulkanMemoryModel"),
];

/// `OpExtension`'s opcode.
const OP_EXTENSION: u32 = 10;

/// Capabilities whose feature `Context::new` enables where the device supports it, with that
/// feature: checked against the device's support where vkres chose the features.
pub(crate) const FEATURE_IF_SUPPORTED: &[(u32, &str, &str)] = &[
    (11, "Int64", "shaderInt64"),
    (39, "Int8", "shaderInt8"),
    (56, "StorageImageWriteWithoutFormat", "shaderStorageImageWriteWithoutFormat"),
    (4448, "StorageBuffer8BitAccess", "storageBuffer8BitAccess"),
];

/// SPIR-V extensions that Vulkan 1.1 to 1.3 satisfy by version (the environment appendix's
/// `VK_VERSION_1_x` requirements; their features are checked through their capabilities).
const CORE_EXTENSIONS: &[&str] = &[
    "SPV_KHR_16bit_storage",
    "SPV_KHR_8bit_storage",
    "SPV_KHR_device_group",
    "SPV_KHR_multiview",
    "SPV_KHR_shader_draw_parameters",
    "SPV_KHR_storage_buffer_storage_class",
    "SPV_KHR_variable_pointers",
    "SPV_KHR_float_controls",
    "SPV_KHR_shader_atomic_int64",
    "SPV_KHR_vulkan_memory_model",
    "SPV_KHR_physical_storage_buffer",
    "SPV_EXT_descriptor_indexing",
    "SPV_EXT_shader_viewport_index_layer",
    "SPV_KHR_terminate_invocation",
    "SPV_KHR_non_semantic_info",
    "SPV_EXT_demote_to_helper_invocation",
    "SPV_KHR_integer_dot_product",
];

/// SPIR-V extensions whose device extension has another name than `VK_` + the rest.
const RENAMED_EXTENSIONS: &[(&str, &str)] = &[
    ("SPV_KHR_ray_tracing", "VK_KHR_ray_tracing_pipeline"),
    ("SPV_KHR_ray_cull_mask", "VK_KHR_ray_tracing_maintenance1"),
    ("SPV_KHR_shader_ballot", "VK_EXT_shader_subgroup_ballot"),
    ("SPV_KHR_subgroup_vote", "VK_EXT_shader_subgroup_vote"),
    ("SPV_EXT_physical_storage_buffer", "VK_EXT_buffer_device_address"),
    ("SPV_KHR_subgroup_uniform_control_flow", "VK_KHR_shader_subgroup_uniform_control_flow"),
    ("SPV_KHR_maximal_reconvergence", "VK_KHR_shader_maximal_reconvergence"),
    ("SPV_KHR_quad_control", "VK_KHR_shader_quad_control"),
];

/// Checks the capabilities and extensions of `words` (a module `spirv_module` accepted), named
/// `name`, for a device with `enabled` features and `device_extensions`; `features_chosen`:
/// vkres chose the features (every feature of [`FEATURE_OFF`] is off, each of
/// [`FEATURE_IF_SUPPORTED`] on where `supported` says the device has it).
pub(crate) fn check(
    name: &str,
    words: &[u32],
    enabled: &EnabledFeatures,
    device_extensions: &[&std::ffi::CStr],
    features_chosen: bool,
    supported: &dyn Fn(&str) -> bool,
) -> Result<()> {
    let bad = |vuid: &'static str, detail: String| Err(Error::ValidUsage { name: name.into(), vuid, detail });
    for (opcode, operands) in first_section(words) {
        if opcode == OP_EXTENSION {
            let extension = literal_string(operands);
            if CORE_EXTENSIONS.contains(&extension.as_str()) {
                continue;
            }
            // VUID-VkShaderModuleCreateInfo-pCode-08742: the device extension it needs is
            // enabled (-08741: one Vulkan does not know at all is refused the same way).
            let needed = match RENAMED_EXTENSIONS.iter().find(|(spv, _)| *spv == extension) {
                Some((_, vk)) => (*vk).to_string(),
                None => extension.replacen("SPV_", "VK_", 1),
            };
            if !device_extensions.iter().any(|e| e.to_bytes() == needed.as_bytes()) {
                return bad(
                    "VUID-VkShaderModuleCreateInfo-pCode-08742",
                    format!("OpExtension \"{extension}\" needs the device extension {needed}, which is not enabled"),
                );
            }
            continue;
        }
        let Some(&capability) = operands.first() else { continue };
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
        if features_chosen
            && let Some((_, cap, feature)) = FEATURE_IF_SUPPORTED.iter().find(|(c, ..)| *c == capability)
            && !supported(feature)
        {
            return needs(cap, feature);
        }
    }
    Ok(())
}

/// The `OpCapability` and `OpExtension` instructions of the module's first section (up to
/// `OpMemoryModel`), as opcode and operands.
fn first_section(words: &[u32]) -> impl Iterator<Item = (u32, &[u32])> + '_ {
    let mut at = 5; // after the header
    std::iter::from_fn(move || {
        loop {
            let first = *words.get(at)?;
            let (count, opcode) = ((first >> 16) as usize, first & 0xffff);
            if count == 0 || opcode == OP_MEMORY_MODEL {
                return None;
            }
            let operands = words.get(at + 1..at + count)?;
            at += count;
            if opcode == OP_CAPABILITY || opcode == OP_EXTENSION {
                return Some((opcode, operands));
            }
        }
    })
}

/// A SPIR-V literal string: UTF-8 bytes, little-endian in words, up to the first NUL.
fn literal_string(words: &[u32]) -> String {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).take_while(|&b| b != 0).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{first_section, literal_string};

    #[test]
    fn the_first_section_is_read_up_to_the_memory_model() {
        let ext = u32::from_le_bytes(*b"SPV_");
        let words =
            [0x0723_0203, 0x0001_0000, 0, 10, 0, 0x0002_0011, 1, 0x0002_000a, ext, 0x0003_000e, 0, 1, 0x0002_0011, 6];
        let found: Vec<(u32, Vec<u32>)> = first_section(&words).map(|(op, operands)| (op, operands.to_vec())).collect();
        assert_eq!(found, vec![(17, vec![1]), (10, vec![ext])]);
        assert_eq!(literal_string(&[ext]), "SPV_");
        assert_eq!(first_section(&words[..6]).count(), 0, "a cut instruction ends the scan");
    }
}
