//! Usage flags and layouts inferred at compile time from how fields use each other (the table
//! is in the README, "Inferred usage"):
//!
//! | field | gets |
//! |---|---|
//! | buffer with `data` | `TRANSFER_DST` |
//! | buffer with `copy = src` | `TRANSFER_DST`; `src` gets `TRANSFER_SRC` |
//! | texture without `usage` | `SAMPLED` |
//! | texture with `data` | `TRANSFER_DST` |
//! | texture with `mips = generate` | `TRANSFER_SRC \| TRANSFER_DST` |
//! | buffer a `blas` reads | `ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR \| SHADER_DEVICE_ADDRESS` |

use crate::attr::{BufferAttr, Mips, TextureAttr};
use crate::graph::Role;

/// Adds `flag` to `flags` once.
fn add(flags: &mut Vec<&'static str>, flag: &'static str) {
    if !flags.contains(&flag) {
        flags.push(flag);
    }
}

/// The `vk::BufferUsageFlags` constants of a buffer: its own and those its users imply.
pub fn buffer_usage(b: &BufferAttr, users: &[(usize, Role)]) -> Vec<&'static str> {
    let mut flags = Vec::new();
    for (_, flag) in b.usage.iter().flat_map(|u| &u.value) {
        add(&mut flags, flag);
    }
    if b.data.is_some() || b.copy.is_some() || b.geometry_table.is_some() {
        add(&mut flags, "TRANSFER_DST");
    }
    if users.iter().any(|(_, role)| *role == Role::CopySource) {
        add(&mut flags, "TRANSFER_SRC");
    }
    if users.iter().any(|(_, role)| matches!(role, Role::BuildInput(_) | Role::BuildInputs(_))) {
        add(&mut flags, "ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR");
        add(&mut flags, "SHADER_DEVICE_ADDRESS");
    }
    flags
}

/// The `vk::ImageUsageFlags` constants of a texture.
pub fn texture_usage(t: &TextureAttr) -> Vec<&'static str> {
    let mut flags = Vec::new();
    match &t.usage {
        Some(usage) => usage.value.iter().for_each(|(_, flag)| add(&mut flags, flag)),
        None => add(&mut flags, "SAMPLED"),
    }
    if t.data.is_some() {
        add(&mut flags, "TRANSFER_DST");
    }
    if matches!(t.mips.as_ref().map(|m| &m.value), Some(Mips::Generate)) {
        add(&mut flags, "TRANSFER_SRC");
        add(&mut flags, "TRANSFER_DST");
    }
    flags
}

/// The `vk::ImageLayout` a texture is left in: `layout = ...`, else from its usage (storage
/// images `GENERAL`, sampled ones `SHADER_READ_ONLY_OPTIMAL`, attachments their optimal layout).
pub fn texture_layout(t: &TextureAttr, usage: &[&str]) -> &'static str {
    if let Some(layout) = &t.layout {
        return layout.value;
    }
    default_layout(usage)
}

/// The layout a texture of `usage` is left in without `layout = ...`.
pub fn default_layout(usage: &[&str]) -> &'static str {
    let has = |f: &str| usage.contains(&f);
    if has("STORAGE") {
        "GENERAL"
    } else if has("SAMPLED") || has("INPUT_ATTACHMENT") {
        "SHADER_READ_ONLY_OPTIMAL"
    } else if has("COLOR_ATTACHMENT") {
        "COLOR_ATTACHMENT_OPTIMAL"
    } else if has("DEPTH_STENCIL_ATTACHMENT") {
        "DEPTH_STENCIL_ATTACHMENT_OPTIMAL"
    } else {
        "GENERAL"
    }
}

/// The `vkres::DescriptorKind` variant of a bound field, or why it cannot be bound.
pub fn descriptor_kind(kind: &crate::attr::Kind) -> Result<&'static str, String> {
    use crate::attr::Kind;
    match kind {
        Kind::Buffer(b) => {
            let usage = buffer_usage(b, &[]);
            let uniform = usage.contains(&"UNIFORM_BUFFER");
            let storage = usage.contains(&"STORAGE_BUFFER");
            match (uniform, storage) {
                (true, false) => Ok("UniformBuffer"),
                (false, true) => Ok("StorageBuffer"),
                (true, true) => Err("a bound buffer is a uniform or a storage buffer; its usage has both \
                                     `UNIFORM_BUFFER` and `STORAGE_BUFFER`"
                    .into()),
                (false, false) => Err("a bound buffer needs `UNIFORM_BUFFER` or `STORAGE_BUFFER` in its usage".into()),
            }
        }
        Kind::Texture(t) if t.sampler.is_some() => Ok("CombinedImageSampler"),
        Kind::Texture(t) if texture_usage(t).contains(&"STORAGE") => Ok("StorageImage"),
        Kind::Texture(_) => Ok("SampledImage"),
        Kind::Sampler(_) => Ok("Sampler"),
        Kind::Shader(_) => Err("a shader module is not a descriptor; it cannot have a `binding`".into()),
        Kind::Bundle(_) => Err("a nested bundle cannot have a `binding`; give its own fields bindings instead".into()),
        Kind::Tlas(_) => Ok("AccelerationStructure"),
        Kind::Blas(_) => Err("shaders trace against a TLAS; a BLAS cannot have a `binding`".into()),
    }
}
