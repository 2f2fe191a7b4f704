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
//!   does not enable by version needs one of the device extensions the registry names for it
//!   enabled (`SPIRV_EXTENSIONS`, generated from `vk.xml`); a name the registry does not list
//!   is refused. A capability of the feature tables below also passes where Vulkan 1.3 or an
//!   enabled device extension enables it (`SPIRV_CAPABILITIES`).

use crate::context::EnabledFeatures;
use crate::error::{Error, Result};

use super::spirv_enables_table::{SPIRV_CAPABILITIES, SPIRV_EXTENSIONS};

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
    (4448, "StorageBuffer8BitAccess", "storageBuffer8BitAccess"),
];

/// What enables a SPIR-V extension or capability in Vulkan, any one of them (the registry's
/// `<spirvextensions>` and `<spirvcapabilities>`, generated into `spirv_enables_table.rs` by
/// `tools/gen-extension-deps.py --spirv`).
pub(super) struct Enables {
    /// The SPIR-V name (`SPV_KHR_...`, or the capability's name).
    pub(super) name: &'static str,
    /// The lowest Vulkan 1.x minor version that enables it by itself (`0xFF`: none).
    pub(super) version: u8,
    /// Device extensions that enable it by themselves.
    pub(super) extensions: &'static [&'static str],
    /// Features (`struct.feature`) that enable it (read by the test that checks the feature
    /// tables above against the registry).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) features: &'static [&'static str],
    /// Whether a device property (subgroup operations and the like) may enable it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) property: bool,
}

impl Enables {
    /// Whether Vulkan 1.3 (every vkres device's version) or one of `device_extensions` enables
    /// it without a feature.
    fn by_version_or_extension(&self, device_extensions: &[&std::ffi::CStr]) -> bool {
        self.version <= 3
            || self.extensions.iter().any(|needed| device_extensions.iter().any(|e| e.to_bytes() == needed.as_bytes()))
    }
}

/// Whether `extension` (`SPV_X_name`, not in the registry table) names a device extension
/// `VK_X_name` that is enabled.
fn newer_extension_enabled(extension: &str, device_extensions: &[&std::ffi::CStr]) -> bool {
    let Some(rest) = extension.strip_prefix("SPV_") else { return false };
    device_extensions.iter().any(|e| e.to_bytes().strip_prefix(b"VK_") == Some(rest.as_bytes()))
}

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
            // VUID-VkShaderModuleCreateInfo-pCode-08742: Vulkan 1.3 or an enabled device
            // extension enables it (-08741: one Vulkan does not list at all is refused).
            let Some(enables) = SPIRV_EXTENSIONS.iter().find(|e| e.name == extension) else {
                // Newer than the registry the table was made from (Vulkan-Headers 1.3.281):
                // accepted where the device extension of the same name (`SPV_` -> `VK_`) is
                // enabled, as the registry names nearly every one since.
                if newer_extension_enabled(&extension, device_extensions) {
                    continue;
                }
                return bad(
                    "VUID-VkShaderModuleCreateInfo-pCode-08741",
                    format!(
                        "OpExtension \"{extension}\" is not a SPIR-V extension Vulkan lists, nor one whose device extension of the same name is enabled"
                    ),
                );
            };
            if !enables.by_version_or_extension(device_extensions) {
                return bad(
                    "VUID-VkShaderModuleCreateInfo-pCode-08742",
                    format!(
                        "OpExtension \"{extension}\" needs one of the device extensions {:?}, none of which is enabled",
                        enables.extensions
                    ),
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
            // Where vkres did not choose the features, `descriptor_indexing` stands for all
            // eight of them: the creator may have enabled this one alone.
            5302 if features_chosen && !enabled.descriptor_indexing => {
                return needs("RuntimeDescriptorArray", "runtimeDescriptorArray");
            }
            _ => {}
        }
        if !features_chosen {
            continue;
        }
        // Vulkan 1.3 or an enabled device extension may enable it without the feature
        // (`StorageImageWriteWithoutFormat`; `Float16` by VK_AMD_gpu_shader_half_float, ...).
        let by_extension = |cap: &str| {
            SPIRV_CAPABILITIES.iter().any(|e| e.name == cap && e.by_version_or_extension(device_extensions))
        };
        if let Some((_, cap, feature)) = FEATURE_OFF.iter().find(|(c, ..)| *c == capability)
            && !by_extension(cap)
        {
            return needs(cap, feature);
        }
        if let Some((_, cap, feature)) = FEATURE_IF_SUPPORTED.iter().find(|(c, ..)| *c == capability)
            && !supported(feature)
            && !by_extension(cap)
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
    use super::super::spirv_enables_table::{SPIRV_CAPABILITIES, SPIRV_EXTENSIONS};
    use super::{FEATURE_IF_SUPPORTED, FEATURE_OFF, check, first_section, literal_string};
    use crate::context::EnabledFeatures;
    use crate::error::Error;

    /// A module header, then `OpExtension name` (or `OpCapability capability`), then
    /// `OpMemoryModel`.
    fn module(extension: Option<&str>, capability: Option<u32>) -> Vec<u32> {
        let mut words = vec![0x0723_0203, 0x0001_0600, 0, 10, 0];
        if let Some(cap) = capability {
            words.extend([0x0002_0011, cap]);
        }
        if let Some(name) = extension {
            let mut bytes = name.as_bytes().to_vec();
            bytes.resize(bytes.len() / 4 * 4 + 4, 0);
            let literal: Vec<u32> = bytes.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            words.push(((1 + literal.len() as u32) << 16) | 10);
            words.extend(literal);
        }
        words.extend([0x0003_000e, 0, 1]);
        words
    }

    /// `check` with vkres's choice of features (none of the optional ones supported), and the
    /// device extensions `extensions`.
    fn checked(words: &[u32], extensions: &[&std::ffi::CStr], chosen: bool) -> crate::Result<()> {
        check("m", words, &EnabledFeatures::default(), extensions, chosen, &|_| false)
    }

    fn vuid(result: crate::Result<()>) -> &'static str {
        match result {
            Err(Error::ValidUsage { vuid, .. }) => vuid,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn spirv_extensions_follow_the_registry() {
        // Satisfied by Vulkan 1.3 (every vkres device).
        for name in ["SPV_KHR_subgroup_uniform_control_flow", "SPV_KHR_non_semantic_info", "SPV_KHR_16bit_storage"] {
            checked(&module(Some(name), None), &[], true).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        // The device extensions whose names are not `VK_` + the rest.
        let renamed = [
            ("SPV_EXT_shader_atomic_float_add", c"VK_EXT_shader_atomic_float"),
            ("SPV_EXT_shader_atomic_float_min_max", c"VK_EXT_shader_atomic_float2"),
            ("SPV_EXT_shader_image_int64", c"VK_EXT_shader_image_atomic_int64"),
            ("SPV_KHR_post_depth_coverage", c"VK_EXT_post_depth_coverage"),
            ("SPV_EXT_fragment_invocation_density", c"VK_EXT_fragment_density_map"),
            ("SPV_EXT_fragment_fully_covered", c"VK_EXT_conservative_rasterization"),
            ("SPV_KHR_ray_tracing", c"VK_KHR_ray_tracing_pipeline"),
        ];
        for (name, extension) in renamed {
            let words = module(Some(name), None);
            checked(&words, &[extension], true).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(vuid(checked(&words, &[], true)), "VUID-VkShaderModuleCreateInfo-pCode-08742", "{name}");
        }
        // Not in the registry table: refused, unless the device extension of the same name is
        // enabled (an extension newer than the table, e.g. SPV_KHR_compute_shader_derivatives).
        let newer = module(Some("SPV_KHR_compute_shader_derivatives"), None);
        assert_eq!(vuid(checked(&newer, &[], true)), "VUID-VkShaderModuleCreateInfo-pCode-08741");
        assert_eq!(
            vuid(checked(&newer, &[c"VK_KHR_compute_shader_derivatives_not"], true)),
            "VUID-VkShaderModuleCreateInfo-pCode-08741"
        );
        checked(&newer, &[c"VK_KHR_compute_shader_derivatives"], true).expect("a newer extension, enabled");
    }

    #[test]
    fn capabilities_enabled_by_version_or_extension_pass() {
        // StorageImageWriteWithoutFormat: Vulkan 1.3, even where the feature is not supported.
        checked(&module(None, Some(56)), &[], true).expect("by Vulkan 1.3");
        // Float16 (feature off where vkres chose): by VK_AMD_gpu_shader_half_float.
        assert_eq!(vuid(checked(&module(None, Some(9)), &[], true)), "VUID-VkShaderModuleCreateInfo-pCode-08740");
        checked(&module(None, Some(9)), &[c"VK_AMD_gpu_shader_half_float"], true).expect("by the AMD extension");
        // DrawParameters: by VK_KHR_shader_draw_parameters.
        assert_eq!(vuid(checked(&module(None, Some(4427)), &[], true)), "VUID-VkShaderModuleCreateInfo-pCode-08740");
        checked(&module(None, Some(4427)), &[c"VK_KHR_shader_draw_parameters"], true).expect("by the extension");
    }

    #[test]
    fn runtime_descriptor_arrays_of_a_raw_context_pass() {
        // `from_raw`: the creator may have enabled runtimeDescriptorArray alone.
        checked(&module(None, Some(5302)), &[], false).expect("features not chosen by vkres");
        assert_eq!(vuid(checked(&module(None, Some(5302)), &[], true)), "VUID-VkShaderModuleCreateInfo-pCode-08740");
    }

    #[test]
    fn the_feature_tables_name_the_registry_s_features() {
        for (_, cap, feature) in FEATURE_OFF.iter().chain(FEATURE_IF_SUPPORTED) {
            let enables = SPIRV_CAPABILITIES.iter().find(|e| e.name == *cap).unwrap_or_else(|| panic!("{cap}"));
            let suffix = format!(".{feature}");
            assert!(
                enables.features.iter().any(|f| f.ends_with(&suffix)),
                "{cap}: {feature} in {:?}",
                enables.features
            );
            assert!(!enables.property, "{cap}");
        }
        assert!(SPIRV_EXTENSIONS.windows(2).all(|w| w[0].name < w[1].name), "sorted");
    }

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
