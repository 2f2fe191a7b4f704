//! Samplers: `create_sampler` with descriptions Vulkan refuses (the pool clamps finite bias and
//! anisotropy to the device's limits; what cannot be clamped is an error).

use vkres::{Error, SamplerDesc, vk};

use super::{Case, case};

/// A valid sampler with texel (unnormalized) coordinates.
fn texel() -> SamplerDesc {
    SamplerDesc { unnormalized_coordinates: true, min_lod: 0.0, max_lod: 0.0, ..SamplerDesc::nearest() }
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("NaN LOD bias", |gpu| gpu.alloc().create_sampler(&SamplerDesc { mip_lod_bias: f32::NAN, ..SamplerDesc::linear() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-mipLodBias-01069", .. }),
        case!("min_lod above max_lod", |gpu| gpu.alloc().create_sampler(&SamplerDesc { min_lod: 5.0, max_lod: 1.0, ..SamplerDesc::linear() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-maxLod-01973", .. }),
        case!("NaN min_lod", |gpu| gpu.alloc().create_sampler(&SamplerDesc { min_lod: f32::NAN, ..SamplerDesc::linear() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-maxLod-01973", .. }),
        case!("NaN max_lod", |gpu| gpu.alloc().create_sampler(&SamplerDesc { max_lod: f32::NAN, ..SamplerDesc::linear() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-maxLod-01973", .. }),
        case!("infinite min_lod", |gpu| gpu.alloc().create_sampler(&SamplerDesc { min_lod: f32::INFINITY, ..SamplerDesc::linear() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-maxLod-01973", .. }),
        case!("anisotropy below 1", |gpu| gpu.alloc().create_sampler(&SamplerDesc { max_anisotropy: Some(0.5), ..SamplerDesc::linear() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-anisotropyEnable-01071", .. }
                | Error::MissingFeature { feature: "samplerAnisotropy", .. }),
        case!("NaN anisotropy", |gpu| gpu.alloc().create_sampler(&SamplerDesc { max_anisotropy: Some(f32::NAN), ..SamplerDesc::linear() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-anisotropyEnable-01071", .. }
                | Error::MissingFeature { feature: "samplerAnisotropy", .. }),
        case!("mirror clamp to edge", |gpu| gpu.alloc().create_sampler(&SamplerDesc::linear().address(vk::SamplerAddressMode::MIRROR_CLAMP_TO_EDGE))
            => Error::MissingFeature { feature: "samplerMirrorClampToEdge", .. }),
        case!("cubic filter", |gpu| gpu.alloc().create_sampler(&SamplerDesc { mag_filter: vk::Filter::CUBIC_EXT, ..SamplerDesc::linear() })
            => Error::MissingFeature { feature: "VK_EXT_filter_cubic", .. }),
        case!("custom border colour", |gpu| gpu.alloc().create_sampler(&SamplerDesc { border_color: vk::BorderColor::FLOAT_CUSTOM_EXT, ..SamplerDesc::linear() })
            => Error::MissingFeature { feature: "VK_EXT_custom_border_color", .. }),
        case!("texel coordinates with two filters", |gpu| gpu.alloc().create_sampler(&SamplerDesc { mag_filter: vk::Filter::LINEAR, ..texel() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01072", .. }),
        case!("texel coordinates with linear mips", |gpu| gpu.alloc().create_sampler(&SamplerDesc { mipmap_mode: vk::SamplerMipmapMode::LINEAR, ..texel() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01073", .. }),
        case!("texel coordinates with max_lod 1", |gpu| gpu.alloc().create_sampler(&SamplerDesc { max_lod: 1.0, ..texel() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01074", .. }),
        case!("texel coordinates with repeat", |gpu| gpu.alloc().create_sampler(&texel().address(vk::SamplerAddressMode::REPEAT))
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01075", .. }),
        case!("texel coordinates with anisotropy", |gpu| gpu.alloc().create_sampler(&SamplerDesc { max_anisotropy: Some(4.0), ..texel() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01076", .. }
                | Error::MissingFeature { feature: "samplerAnisotropy", .. }),
        case!("texel coordinates with depth comparison", |gpu| gpu.alloc().create_sampler(&SamplerDesc { compare_op: Some(vk::CompareOp::LESS), ..texel() })
            => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-unnormalizedCoordinates-01077", .. }),
    ]
}

#[test]
fn sampler_cases() {
    super::run("samplers", cases);
}
