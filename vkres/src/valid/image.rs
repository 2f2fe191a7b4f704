//! `vkCreateImage`: the rules of `VkImageCreateInfo` that the caller's description can break
//! and `vkGetPhysicalDeviceImageFormatProperties` does not catch (the format-properties query
//! answers for type, format, tiling, usage and flags alone; the rules below tie them to the
//! extent, layers, mips and samples). Zero sizes, the mip count of the extent, the device's
//! limits and sample counts are checked in `resources::image` against that query's answer.

use ash::vk;

use crate::error::{Error, Result};

/// Checks `info` of the image `name`; `features` are the format's optimal-tiling features.
pub(crate) fn check(name: &str, info: &vk::ImageCreateInfo<'_>, features: vk::FormatFeatureFlags) -> Result<()> {
    let bad = |vuid: &'static str, detail: String| Err(Error::ValidUsage { name: name.into(), vuid, detail });
    let e = info.extent;
    // VUID-VkImageCreateInfo-imageType-00956: a 1D image is 1 texel high and deep.
    if info.image_type == vk::ImageType::TYPE_1D && (e.height != 1 || e.depth != 1) {
        return bad(
            "VUID-VkImageCreateInfo-imageType-00956",
            format!("a 1D image is {}x1x1, not {}x{}x{}", e.width, e.width, e.height, e.depth),
        );
    }
    // VUID-VkImageCreateInfo-imageType-00957: a 2D image is 1 texel deep.
    if info.image_type == vk::ImageType::TYPE_2D && e.depth != 1 {
        return bad("VUID-VkImageCreateInfo-imageType-00957", format!("a 2D image has depth 1, not {}", e.depth));
    }
    // VUID-VkImageCreateInfo-imageType-00961: a 3D image has one layer.
    if info.image_type == vk::ImageType::TYPE_3D && info.array_layers != 1 {
        return bad(
            "VUID-VkImageCreateInfo-imageType-00961",
            format!("a 3D image has 1 array layer, not {}", info.array_layers),
        );
    }
    if info.flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE) {
        // VUID-VkImageCreateInfo-flags-00949: cube-compatible images are 2D.
        if info.image_type != vk::ImageType::TYPE_2D {
            return bad(
                "VUID-VkImageCreateInfo-flags-00949",
                format!("a cube-compatible image is 2D, not {:?}", info.image_type),
            );
        }
        // VUID-VkImageCreateInfo-imageType-00954: square, and at least 6 layers.
        if e.width != e.height || info.array_layers < 6 {
            return bad(
                "VUID-VkImageCreateInfo-imageType-00954",
                format!(
                    "a cube-compatible image is square with at least 6 layers, not {}x{} with {} layers",
                    e.width, e.height, info.array_layers
                ),
            );
        }
    }
    // VUID-VkImageCreateInfo-samples-parameter: one VkSampleCountFlagBits (no bit at all
    // passed the format query's `sample_counts.contains`, issue 16, helper "sound4").
    let samples = info.samples.as_raw();
    if !samples.is_power_of_two() || samples > vk::SampleCountFlags::TYPE_64.as_raw() {
        return bad(
            "VUID-VkImageCreateInfo-samples-parameter",
            format!("samples is one sample count bit (TYPE_1 to TYPE_64), not {:?}", info.samples),
        );
    }
    check_flags(info, &bad)?;
    // VUID-VkImageCreateInfo-format-04712, -04713: a chroma-subsampled format's extent is a
    // whole number of chroma texels (`_422`: an even width; `_420`: an even width and height).
    if let Some((w, h)) = crate::format::ycbcr(info.format)
        && (e.width % w != 0 || e.height % h != 0)
    {
        let vuid = if e.width % w != 0 {
            "VUID-VkImageCreateInfo-format-04712"
        } else {
            "VUID-VkImageCreateInfo-format-04713"
        };
        return bad(
            vuid,
            format!(
                "{:?} needs a width a multiple of {w} and a height of {h}, not {}x{}",
                info.format, e.width, e.height
            ),
        );
    }
    if info.samples != vk::SampleCountFlags::TYPE_1 {
        // VUID-VkImageCreateInfo-samples-02257: multisampled images are 2D, not cube-compatible,
        // with one mip level and optimal tiling.
        let why = if info.image_type != vk::ImageType::TYPE_2D {
            Some(format!("a {:?} image", info.image_type))
        } else if info.flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE) {
            Some("a cube-compatible image".into())
        } else if info.mip_levels != 1 {
            Some(format!("{} mip levels", info.mip_levels))
        } else {
            None
        };
        if let Some(why) = why {
            return bad(
                "VUID-VkImageCreateInfo-samples-02257",
                format!("{:?} samples need a 2D image of one mip level, not {why}", info.samples),
            );
        }
    }
    // VUID-VkImageCreateInfo-imageCreateMaxMipLevels-02251: the format supports each usage
    // (some drivers' format-properties query answers yes where the format features say no:
    // STORAGE on a depth format, say).
    for (usage, feature) in USAGE_FEATURES {
        if info.usage.contains(usage) && !features.contains(feature) {
            return Err(Error::UnsupportedFormat {
                name: name.into(),
                format: info.format,
                ty: info.image_type,
                tiling: info.tiling,
                usage: info.usage,
            });
        }
    }
    Ok(())
}

/// The usage and creation flags that tie to each other, the image's type or format (issue 16,
/// helper "sound4").
fn check_flags(info: &vk::ImageCreateInfo<'_>, bad: &dyn Fn(&'static str, String) -> Result<()>) -> Result<()> {
    use vk::ImageUsageFlags as U;
    if info.usage.contains(U::TRANSIENT_ATTACHMENT) {
        let attachments = U::COLOR_ATTACHMENT | U::DEPTH_STENCIL_ATTACHMENT | U::INPUT_ATTACHMENT;
        // VUID-VkImageCreateInfo-usage-00963: a transient attachment is only an attachment.
        let other = info.usage & !(attachments | U::TRANSIENT_ATTACHMENT);
        if !other.is_empty() {
            return bad(
                "VUID-VkImageCreateInfo-usage-00963",
                format!("a TRANSIENT_ATTACHMENT image is only an attachment; it also has {other:?}"),
            );
        }
        // VUID-VkImageCreateInfo-usage-00966: ... and is one.
        if !info.usage.intersects(attachments) {
            return bad(
                "VUID-VkImageCreateInfo-usage-00966",
                "a TRANSIENT_ATTACHMENT image needs a colour, depth-stencil or input attachment usage".into(),
            );
        }
    }
    let flags = info.flags;
    // VUID-VkImageCreateInfo-flags-00950: 2D_ARRAY_COMPATIBLE is for 3D images.
    if flags.contains(vk::ImageCreateFlags::TYPE_2D_ARRAY_COMPATIBLE) && info.image_type != vk::ImageType::TYPE_3D {
        return bad(
            "VUID-VkImageCreateInfo-flags-00950",
            format!("TYPE_2D_ARRAY_COMPATIBLE is for 3D images, not {:?}", info.image_type),
        );
    }
    if flags.contains(vk::ImageCreateFlags::BLOCK_TEXEL_VIEW_COMPATIBLE) {
        // VUID-VkImageCreateInfo-flags-01572: of a compressed format.
        if !crate::format::texel_block(info.format).is_some_and(|b| b.is_compressed()) {
            return bad(
                "VUID-VkImageCreateInfo-flags-01572",
                format!("BLOCK_TEXEL_VIEW_COMPATIBLE needs a compressed format, not {:?}", info.format),
            );
        }
        // VUID-VkImageCreateInfo-flags-01573: with MUTABLE_FORMAT.
        if !flags.contains(vk::ImageCreateFlags::MUTABLE_FORMAT) {
            return bad(
                "VUID-VkImageCreateInfo-flags-01573",
                "BLOCK_TEXEL_VIEW_COMPATIBLE needs MUTABLE_FORMAT as well".into(),
            );
        }
    }
    Ok(())
}

/// The format feature each image usage needs.
pub(crate) const USAGE_FEATURES: [(vk::ImageUsageFlags, vk::FormatFeatureFlags); 6] = [
    (vk::ImageUsageFlags::SAMPLED, vk::FormatFeatureFlags::SAMPLED_IMAGE),
    (vk::ImageUsageFlags::STORAGE, vk::FormatFeatureFlags::STORAGE_IMAGE),
    (vk::ImageUsageFlags::COLOR_ATTACHMENT, vk::FormatFeatureFlags::COLOR_ATTACHMENT),
    (vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT, vk::FormatFeatureFlags::DEPTH_STENCIL_ATTACHMENT),
    (vk::ImageUsageFlags::TRANSFER_SRC, vk::FormatFeatureFlags::TRANSFER_SRC),
    (vk::ImageUsageFlags::TRANSFER_DST, vk::FormatFeatureFlags::TRANSFER_DST),
];
