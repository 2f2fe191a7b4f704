//! `vkCreateSampler`: the rules of `VkSamplerCreateInfo` that a sampler description can break.
//! Finite LOD bias and anisotropy above the device's limits are clamped by the sampler pool
//! (documented on `SamplerDesc`), so only what cannot be clamped is refused here.

use ash::vk;

use crate::context::DeviceCapabilities;
use crate::error::{Error, Result};

/// Checks `info` as the description gives it (before clamping to the limits).
pub(crate) fn check(info: &vk::SamplerCreateInfo<'_>, caps: &DeviceCapabilities) -> Result<()> {
    let bad = |vuid: &'static str, detail: String| Err(Error::ValidUsage { name: "sampler".into(), vuid, detail });
    super::known::sampler(info)?;
    // VUID-VkSamplerCreateInfo-mipLodBias-01069: a bias within the limit (NaN is in none).
    if info.mip_lod_bias.is_nan() {
        return bad("VUID-VkSamplerCreateInfo-mipLodBias-01069", "the mip LOD bias is NaN".into());
    }
    // VUID-VkSamplerCreateInfo-maxLod-01973: min_lod <= max_lod, neither NaN.
    if info.min_lod.is_nan() || info.max_lod.is_nan() || info.min_lod.is_infinite() || info.min_lod > info.max_lod {
        return bad(
            "VUID-VkSamplerCreateInfo-maxLod-01973",
            format!("min_lod {} must be finite and not exceed max_lod {}", info.min_lod, info.max_lod),
        );
    }
    if info.anisotropy_enable == vk::TRUE {
        // VUID-VkSamplerCreateInfo-anisotropyEnable-01070: the feature is enabled.
        if !caps.enabled.sampler_anisotropy {
            return Err(Error::MissingFeature { feature: "samplerAnisotropy", operation: "create a sampler" });
        }
        // VUID-VkSamplerCreateInfo-anisotropyEnable-01071: at least 1 (the limit is clamped to).
        if info.max_anisotropy.is_nan() || info.max_anisotropy < 1.0 {
            return bad(
                "VUID-VkSamplerCreateInfo-anisotropyEnable-01071",
                format!("max anisotropy {} is below 1", info.max_anisotropy),
            );
        }
    }
    let modes = [info.address_mode_u, info.address_mode_v, info.address_mode_w];
    // VUID-VkSamplerCreateInfo-addressModeU-01079: MIRROR_CLAMP_TO_EDGE needs
    // samplerMirrorClampToEdge, which vkres does not enable.
    if modes.contains(&vk::SamplerAddressMode::MIRROR_CLAMP_TO_EDGE) {
        return Err(Error::MissingFeature { feature: "samplerMirrorClampToEdge", operation: "create a sampler" });
    }
    // VUID-VkSamplerCreateInfo-magFilter-01081: cubic filtering needs VK_EXT_filter_cubic,
    // which vkres does not enable.
    if info.mag_filter == vk::Filter::CUBIC_EXT || info.min_filter == vk::Filter::CUBIC_EXT {
        return Err(Error::MissingFeature { feature: "VK_EXT_filter_cubic", operation: "create a sampler" });
    }
    // VUID-VkSamplerCreateInfo-borderColor-04011: custom border colours need
    // VK_EXT_custom_border_color, which vkres does not enable.
    if matches!(info.border_color, vk::BorderColor::FLOAT_CUSTOM_EXT | vk::BorderColor::INT_CUSTOM_EXT) {
        return Err(Error::MissingFeature { feature: "VK_EXT_custom_border_color", operation: "create a sampler" });
    }
    if info.unnormalized_coordinates == vk::TRUE {
        check_unnormalized(info, &bad)?;
    }
    Ok(())
}

/// VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01072 to -01077: texel coordinates allow
/// one filter, nearest mips at level 0, clamped u and v, no anisotropy and no comparison.
fn check_unnormalized(
    info: &vk::SamplerCreateInfo<'_>,
    bad: &dyn Fn(&'static str, String) -> Result<()>,
) -> Result<()> {
    if info.min_filter != info.mag_filter {
        return bad(
            "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01072",
            format!("unnormalized coordinates need one filter, not {:?} and {:?}", info.min_filter, info.mag_filter),
        );
    }
    if info.mipmap_mode != vk::SamplerMipmapMode::NEAREST {
        return bad(
            "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01073",
            format!("unnormalized coordinates need NEAREST mips, not {:?}", info.mipmap_mode),
        );
    }
    if info.min_lod != 0.0 || info.max_lod != 0.0 {
        return bad(
            "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01074",
            format!("unnormalized coordinates need min_lod = max_lod = 0, not {} and {}", info.min_lod, info.max_lod),
        );
    }
    let clamped = |m| matches!(m, vk::SamplerAddressMode::CLAMP_TO_EDGE | vk::SamplerAddressMode::CLAMP_TO_BORDER);
    if !clamped(info.address_mode_u) || !clamped(info.address_mode_v) {
        return bad(
            "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01075",
            format!(
                "unnormalized coordinates need clamped u and v, not {:?} and {:?}",
                info.address_mode_u, info.address_mode_v
            ),
        );
    }
    if info.anisotropy_enable == vk::TRUE {
        return bad(
            "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01076",
            "unnormalized coordinates allow no anisotropy".into(),
        );
    }
    if info.compare_enable == vk::TRUE {
        return bad(
            "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01077",
            "unnormalized coordinates allow no depth comparison".into(),
        );
    }
    Ok(())
}
