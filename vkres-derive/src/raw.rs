//! The raw Vulkan values of the names the attribute tables canonicalise to (`symbol.rs`), so
//! that the expansion writes `0x82` rather than a path per flag (issue 20 item 5: a literal
//! costs an incremental rebuild nothing, a path is resolved, lowered and hashed in every
//! struct). Every name of every table has its value here; the tests check each against ash.
//! The codes of vkres's own enums (mapping, location, descriptor kind) are indices into the
//! derive's tables, decoded by `vkres/src/bundle/compact.rs`.

/// `vk::BufferUsageFlags` by name.
const BUFFER_USAGE: &[(&str, u32)] = &[
    ("TRANSFER_SRC", 0x1),
    ("TRANSFER_DST", 0x2),
    ("UNIFORM_TEXEL_BUFFER", 0x4),
    ("STORAGE_TEXEL_BUFFER", 0x8),
    ("UNIFORM_BUFFER", 0x10),
    ("STORAGE_BUFFER", 0x20),
    ("INDEX_BUFFER", 0x40),
    ("VERTEX_BUFFER", 0x80),
    ("INDIRECT_BUFFER", 0x100),
    ("SHADER_BINDING_TABLE_KHR", 0x400),
    ("SHADER_DEVICE_ADDRESS", 0x2_0000),
    ("ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR", 0x8_0000),
    ("ACCELERATION_STRUCTURE_STORAGE_KHR", 0x10_0000),
];

/// `vk::ImageUsageFlags` by name.
const IMAGE_USAGE: &[(&str, u32)] = &[
    ("TRANSFER_SRC", 0x1),
    ("TRANSFER_DST", 0x2),
    ("SAMPLED", 0x4),
    ("STORAGE", 0x8),
    ("COLOR_ATTACHMENT", 0x10),
    ("DEPTH_STENCIL_ATTACHMENT", 0x20),
    ("TRANSIENT_ATTACHMENT", 0x40),
    ("INPUT_ATTACHMENT", 0x80),
];

/// `vk::ShaderStageFlags` by name.
const STAGES: &[(&str, u32)] = &[
    ("VERTEX", 0x1),
    ("TESSELLATION_CONTROL", 0x2),
    ("TESSELLATION_EVALUATION", 0x4),
    ("GEOMETRY", 0x8),
    ("FRAGMENT", 0x10),
    ("ALL_GRAPHICS", 0x1f),
    ("COMPUTE", 0x20),
    ("TASK_EXT", 0x40),
    ("MESH_EXT", 0x80),
    ("RAYGEN_KHR", 0x100),
    ("ANY_HIT_KHR", 0x200),
    ("CLOSEST_HIT_KHR", 0x400),
    ("MISS_KHR", 0x800),
    ("INTERSECTION_KHR", 0x1000),
    ("CALLABLE_KHR", 0x2000),
    ("ALL", 0x7fff_ffff),
];

/// `vk::ImageLayout` by name.
const LAYOUTS: &[(&str, i32)] = &[
    ("UNDEFINED", 0),
    ("GENERAL", 1),
    ("COLOR_ATTACHMENT_OPTIMAL", 2),
    ("DEPTH_STENCIL_ATTACHMENT_OPTIMAL", 3),
    ("DEPTH_STENCIL_READ_ONLY_OPTIMAL", 4),
    ("SHADER_READ_ONLY_OPTIMAL", 5),
    ("TRANSFER_SRC_OPTIMAL", 6),
    ("TRANSFER_DST_OPTIMAL", 7),
    ("READ_ONLY_OPTIMAL", 1_000_314_000),
    ("ATTACHMENT_OPTIMAL", 1_000_314_001),
];

/// `vk::ImageViewType` by name.
const VIEW_TYPES: &[(&str, i32)] = &[
    ("TYPE_1D", 0),
    ("TYPE_2D", 1),
    ("TYPE_3D", 2),
    ("CUBE", 3),
    ("TYPE_1D_ARRAY", 4),
    ("TYPE_2D_ARRAY", 5),
    ("CUBE_ARRAY", 6),
];

/// `vk::Filter` and `vk::SamplerMipmapMode` by name (the same numbers).
const FILTERS: &[(&str, i32)] = &[("NEAREST", 0), ("LINEAR", 1)];

/// `vk::SamplerAddressMode` by name.
const ADDRESS_MODES: &[(&str, i32)] =
    &[("REPEAT", 0), ("MIRRORED_REPEAT", 1), ("CLAMP_TO_EDGE", 2), ("CLAMP_TO_BORDER", 3), ("MIRROR_CLAMP_TO_EDGE", 4)];

/// `vkres::DescriptorKind` variants in declaration order (the code is the index).
const DESCRIPTOR_KINDS: &[&str] = &[
    "UniformBuffer",
    "StorageBuffer",
    "CombinedImageSampler",
    "SampledImage",
    "StorageImage",
    "Sampler",
    "AccelerationStructure",
];

/// The value of `name` in `table`; `None` for a name the table lacks (the caller keeps the
/// path form, so rustc reports it).
fn find<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// The union of buffer usage `flags`, or `None` if one is unknown here.
pub fn buffer_usage<'a>(flags: impl IntoIterator<Item = &'a str>) -> Option<u32> {
    flags.into_iter().try_fold(0, |acc, f| Some(acc | find(BUFFER_USAGE, f)?))
}

/// The union of image usage `flags`, or `None` if one is unknown here.
pub fn image_usage<'a>(flags: impl IntoIterator<Item = &'a str>) -> Option<u32> {
    flags.into_iter().try_fold(0, |acc, f| Some(acc | find(IMAGE_USAGE, f)?))
}

/// The union of shader `stages`, or `None` if one is unknown here.
pub fn stages<'a>(flags: impl IntoIterator<Item = &'a str>) -> Option<u32> {
    flags.into_iter().try_fold(0, |acc, f| Some(acc | find(STAGES, f)?))
}

/// An image layout.
pub fn layout(name: &str) -> Option<i32> {
    find(LAYOUTS, name)
}

/// An image view type.
pub fn view_type(name: &str) -> Option<i32> {
    find(VIEW_TYPES, name)
}

/// A filter or mipmap mode.
pub fn filter(name: &str) -> Option<i32> {
    find(FILTERS, name)
}

/// An address mode.
pub fn address_mode(name: &str) -> Option<i32> {
    find(ADDRESS_MODES, name)
}

/// The code of a descriptor kind (`compact.rs::descriptor_kind` decodes it).
pub fn descriptor_kind(name: &str) -> Option<u8> {
    DESCRIPTOR_KINDS.iter().position(|k| *k == name).map(|i| i as u8)
}

/// The memory code of a buffer or texture: the index of its mapping variant plus 8 x the
/// index of its location variant (`compact.rs::mapping`/`location` decode it).
pub fn memory(mapping: Option<&str>, location: Option<&str>) -> Option<u8> {
    let m = match mapping {
        None => 0,
        Some(v) => crate::symbol::MAPPINGS.iter().position(|(_, variant)| *variant == v)?,
    };
    let l = match location {
        None => 0,
        Some(v) => crate::symbol::LOCATIONS.iter().position(|(_, variant)| *variant == v)?,
    };
    Some((m + 8 * l) as u8)
}

#[cfg(test)]
mod tests {
    use ash::vk;

    use super::*;

    /// ash prints a known single value by its name.
    fn named<T: std::fmt::Debug>(v: T) -> String {
        format!("{v:?}")
    }

    #[test]
    fn every_value_is_the_one_ash_names() {
        for &(n, v) in BUFFER_USAGE {
            assert_eq!(named(vk::BufferUsageFlags::from_raw(v)), n);
        }
        for &(n, v) in IMAGE_USAGE {
            assert_eq!(named(vk::ImageUsageFlags::from_raw(v)), n);
        }
        for &(n, v) in LAYOUTS {
            assert_eq!(named(vk::ImageLayout::from_raw(v)), n);
        }
        for &(n, v) in VIEW_TYPES {
            assert_eq!(named(vk::ImageViewType::from_raw(v)), n);
        }
        for &(n, v) in FILTERS {
            assert_eq!(named(vk::Filter::from_raw(v)), n);
            assert_eq!(named(vk::SamplerMipmapMode::from_raw(v)), n);
        }
        for &(n, v) in ADDRESS_MODES {
            assert_eq!(named(vk::SamplerAddressMode::from_raw(v)), n);
        }
        // Stages: the combined masks are compared as constants (ash prints their bits).
        assert_eq!(vk::ShaderStageFlags::from_raw(find(STAGES, "ALL").unwrap_or(0)), vk::ShaderStageFlags::ALL);
        assert_eq!(
            vk::ShaderStageFlags::from_raw(find(STAGES, "ALL_GRAPHICS").unwrap_or(0)),
            vk::ShaderStageFlags::ALL_GRAPHICS
        );
        for &(n, v) in STAGES.iter().filter(|(n, _)| !n.starts_with("ALL")) {
            assert_eq!(named(vk::ShaderStageFlags::from_raw(v)), n);
        }
    }

    #[test]
    fn every_name_of_the_attribute_tables_has_a_value() {
        use crate::symbol;
        for (_, c) in symbol::BUFFER_USAGES {
            assert!(buffer_usage([*c]).is_some(), "{c}");
        }
        for (_, c) in symbol::IMAGE_USAGES {
            assert!(image_usage([*c]).is_some(), "{c}");
        }
        for (_, c) in symbol::STAGE_FLAGS {
            assert!(stages([*c]).is_some(), "{c}");
        }
        for (_, c) in symbol::LAYOUTS {
            assert!(layout(c).is_some(), "{c}");
        }
        for (_, c) in symbol::VIEW_TYPES {
            assert!(view_type(c).is_some(), "{c}");
        }
        for (_, c) in symbol::FILTERS.iter().chain(symbol::MIPMAP_MODES) {
            assert!(filter(c).is_some(), "{c}");
        }
        for (_, c) in symbol::ADDRESS_MODES {
            assert!(address_mode(c).is_some(), "{c}");
        }
        for (_, m) in symbol::MAPPINGS {
            for (_, l) in symbol::LOCATIONS {
                assert!(memory(Some(m), Some(l)).is_some(), "{m} {l}");
            }
        }
        assert_eq!(memory(None, None), Some(0));
        assert_eq!(buffer_usage(["VERTEX_BUFFER", "TRANSFER_DST"]), Some(0x82));
        assert_eq!(buffer_usage(["NOT_A_FLAG"]), None);
    }
}
