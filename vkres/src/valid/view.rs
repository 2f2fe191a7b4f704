//! `vkCreateImageView`: the rules of `VkImageViewCreateInfo` that a view description can break
//! against its image.

use ash::vk;

use crate::error::{Error, Result};
use crate::format;

/// The image usages a view can serve (the valid-usage list of VUID-VkImageViewCreateInfo-image-04441).
const VIEW_USAGES: vk::ImageUsageFlags = vk::ImageUsageFlags::from_raw(
    vk::ImageUsageFlags::SAMPLED.as_raw()
        | vk::ImageUsageFlags::STORAGE.as_raw()
        | vk::ImageUsageFlags::COLOR_ATTACHMENT.as_raw()
        | vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT.as_raw()
        | vk::ImageUsageFlags::INPUT_ATTACHMENT.as_raw()
        | vk::ImageUsageFlags::TRANSIENT_ATTACHMENT.as_raw()
        | vk::ImageUsageFlags::FRAGMENT_SHADING_RATE_ATTACHMENT_KHR.as_raw()
        | vk::ImageUsageFlags::FRAGMENT_DENSITY_MAP_EXT.as_raw()
        | vk::ImageUsageFlags::VIDEO_DECODE_DST_KHR.as_raw()
        | vk::ImageUsageFlags::VIDEO_DECODE_DPB_KHR.as_raw()
        | vk::ImageUsageFlags::VIDEO_ENCODE_SRC_KHR.as_raw()
        | vk::ImageUsageFlags::VIDEO_ENCODE_DPB_KHR.as_raw()
        | vk::ImageUsageFlags::SAMPLE_WEIGHT_QCOM.as_raw()
        | vk::ImageUsageFlags::SAMPLE_BLOCK_MATCH_QCOM.as_raw(),
);

/// Checks the view (named by `name`, called only for an error) of the image created with
/// `image`: `view` with its range resolved (no `VK_REMAINING_*`), `features` the view format's
/// optimal-tiling features, `image_cube_array` whether that feature is enabled.
pub(crate) fn check(
    name: &dyn Fn() -> String,
    image: &vk::ImageCreateInfo<'_>,
    view: &vk::ImageViewCreateInfo<'_>,
    features: vk::FormatFeatureFlags,
    image_cube_array: bool,
) -> Result<()> {
    let bad = |vuid: &'static str, detail: String| Err(Error::ValidUsage { name: name(), vuid, detail });
    let r = view.subresource_range;
    // VUID-VkImageViewCreateInfo-image-04441: the image has a usage a view serves (a
    // transfer-only image reached the driver, issue 16, helper "sound4").
    if !image.usage.intersects(VIEW_USAGES) {
        return bad(
            "VUID-VkImageViewCreateInfo-image-04441",
            format!("an image of usage {:?} has none a view serves (sampled, storage, attachments)", image.usage),
        );
    }
    // VUID-VkImageViewCreateInfo-format-06415: a sampled view of a format that needs a
    // sampler Y'CbCr conversion chains one; vkres makes none (issue 16, helper "sound4").
    if image.usage.contains(vk::ImageUsageFlags::SAMPLED) && format::ycbcr(view.format).is_some() {
        return bad(
            "VUID-VkImageViewCreateInfo-format-06415",
            format!(
                "a view of {:?} on a SAMPLED image needs a sampler Y'CbCr conversion, which vkres does not make",
                view.format
            ),
        );
    }
    // VUID-VkImageViewCreateInfo-subresourceRange-01478, -image-01482: the first mip and
    // layer inside the image.
    if r.base_mip_level >= image.mip_levels {
        return bad(
            "VUID-VkImageViewCreateInfo-subresourceRange-01478",
            format!("base mip {} is past the image's {} mips", r.base_mip_level, image.mip_levels),
        );
    }
    if r.base_array_layer >= image.array_layers {
        return bad(
            "VUID-VkImageViewCreateInfo-image-01482",
            format!("base layer {} is past the image's {} layers", r.base_array_layer, image.array_layers),
        );
    }
    // VUID-VkImageSubresourceRange-levelCount-01720, -layerCount-01721: not empty.
    if r.level_count == 0 {
        return bad("VUID-VkImageSubresourceRange-levelCount-01720", "a view shows at least one mip level".into());
    }
    if r.layer_count == 0 {
        return bad("VUID-VkImageSubresourceRange-layerCount-01721", "a view shows at least one layer".into());
    }
    // VUID-VkImageViewCreateInfo-subresourceRange-01718, -01483: the last mip and layer too.
    if u64::from(r.base_mip_level) + u64::from(r.level_count) > u64::from(image.mip_levels) {
        return bad(
            "VUID-VkImageViewCreateInfo-subresourceRange-01718",
            format!("mips {}+{} exceed the image's {} mips", r.base_mip_level, r.level_count, image.mip_levels),
        );
    }
    if u64::from(r.base_array_layer) + u64::from(r.layer_count) > u64::from(image.array_layers) {
        return bad(
            "VUID-VkImageViewCreateInfo-subresourceRange-01483",
            format!("layers {}+{} exceed the image's {} layers", r.base_array_layer, r.layer_count, image.array_layers),
        );
    }
    check_type(image, view, image_cube_array, &bad)?;
    check_format(image, view, &bad)?;
    // VUID-VkImageViewCreateInfo-subresourceRange-09594: the aspects are the format's.
    let aspects = format::aspects(image.format);
    if r.aspect_mask.is_empty() || !aspects.contains(r.aspect_mask) {
        return bad(
            "VUID-VkImageViewCreateInfo-subresourceRange-09594",
            format!("aspect {:?} is not one of {:?}'s aspects {aspects:?}", r.aspect_mask, image.format),
        );
    }
    // VUID-VkImageViewCreateInfo-usage-02274, -02275, -08931, -02277: the view's format has the
    // feature each usage of the image needs.
    for (usage, feature, vuid) in VIEW_FEATURES {
        if image.usage.contains(usage) && !features.contains(feature) {
            return bad(vuid, format!("the image has {usage:?} usage, but format {:?} lacks {feature:?}", view.format));
        }
    }
    Ok(())
}

/// The view type against the image's type, flags and the layer count.
fn check_type(
    image: &vk::ImageCreateInfo<'_>,
    view: &vk::ImageViewCreateInfo<'_>,
    image_cube_array: bool,
    bad: &dyn Fn(&'static str, String) -> Result<()>,
) -> Result<()> {
    use vk::ImageViewType as V;
    let layers = view.subresource_range.layer_count;
    // VUID-VkImageViewCreateInfo-subResourceRange-01021: the view type table.
    let fits = match image.image_type {
        vk::ImageType::TYPE_1D => matches!(view.view_type, V::TYPE_1D | V::TYPE_1D_ARRAY),
        vk::ImageType::TYPE_2D => matches!(view.view_type, V::TYPE_2D | V::TYPE_2D_ARRAY | V::CUBE | V::CUBE_ARRAY),
        vk::ImageType::TYPE_3D => view.view_type == V::TYPE_3D,
        _ => false,
    };
    if !fits {
        return bad(
            "VUID-VkImageViewCreateInfo-subResourceRange-01021",
            format!("a {:?} view does not fit a {:?} image", view.view_type, image.image_type),
        );
    }
    if matches!(view.view_type, V::CUBE | V::CUBE_ARRAY) {
        // VUID-VkImageViewCreateInfo-image-01003: cube views of cube-compatible images.
        if !image.flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE) {
            return bad(
                "VUID-VkImageViewCreateInfo-image-01003",
                format!("a {:?} view needs a CUBE_COMPATIBLE image", view.view_type),
            );
        }
        // VUID-VkImageViewCreateInfo-viewType-02960, -02961: 6 faces, or whole cubes.
        if view.view_type == V::CUBE && layers != 6 {
            return bad(
                "VUID-VkImageViewCreateInfo-viewType-02960",
                format!("a cube view shows 6 layers, not {layers}"),
            );
        }
        if view.view_type == V::CUBE_ARRAY && layers % 6 != 0 {
            return bad(
                "VUID-VkImageViewCreateInfo-viewType-02961",
                format!("a cube-array view shows a multiple of 6 layers, not {layers}"),
            );
        }
        // VUID-VkImageViewCreateInfo-viewType-01004: cube arrays need imageCubeArray.
        if view.view_type == V::CUBE_ARRAY && !image_cube_array {
            return Err(Error::MissingFeature { feature: "imageCubeArray", operation: "a cube-array image view" });
        }
    }
    // VUID-VkImageViewCreateInfo-imageViewType-04973: non-array views show one layer.
    if matches!(view.view_type, V::TYPE_1D | V::TYPE_2D | V::TYPE_3D) && layers != 1 {
        return bad(
            "VUID-VkImageViewCreateInfo-imageViewType-04973",
            format!("a {:?} view shows 1 layer, not {layers} (an array view shows several)", view.view_type),
        );
    }
    Ok(())
}

/// The view's format against the image's.
fn check_format(
    image: &vk::ImageCreateInfo<'_>,
    view: &vk::ImageViewCreateInfo<'_>,
    bad: &dyn Fn(&'static str, String) -> Result<()>,
) -> Result<()> {
    if view.format == image.format {
        return Ok(());
    }
    // VUID-VkImageViewCreateInfo-image-01762: another format needs a MUTABLE_FORMAT image.
    if !image.flags.contains(vk::ImageCreateFlags::MUTABLE_FORMAT) {
        return bad(
            "VUID-VkImageViewCreateInfo-image-01762",
            format!(
                "format {:?} differs from the image's {:?}, which is not MUTABLE_FORMAT",
                view.format, image.format
            ),
        );
    }
    // VUID-VkImageViewCreateInfo-image-01761: a compatible format (same texel block size,
    // colour formats only).
    let colour = |f| format::aspects(f) == vk::ImageAspectFlags::COLOR;
    let block = |f| format::texel_block(f).map(|b| (b.bytes, b.width, b.height));
    if !colour(view.format)
        || !colour(image.format)
        || block(view.format).is_none()
        || block(view.format) != block(image.format)
    {
        return bad(
            "VUID-VkImageViewCreateInfo-image-01761",
            format!("format {:?} is not compatible with the image's {:?}", view.format, image.format),
        );
    }
    Ok(())
}

/// The format feature each image usage needs of a view's format, with the rule.
const VIEW_FEATURES: [(vk::ImageUsageFlags, vk::FormatFeatureFlags, &str); 4] = [
    (vk::ImageUsageFlags::SAMPLED, vk::FormatFeatureFlags::SAMPLED_IMAGE, "VUID-VkImageViewCreateInfo-usage-02274"),
    (vk::ImageUsageFlags::STORAGE, vk::FormatFeatureFlags::STORAGE_IMAGE, "VUID-VkImageViewCreateInfo-usage-02275"),
    (
        vk::ImageUsageFlags::COLOR_ATTACHMENT,
        vk::FormatFeatureFlags::COLOR_ATTACHMENT,
        "VUID-VkImageViewCreateInfo-usage-08931",
    ),
    (
        vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT,
        vk::FormatFeatureFlags::DEPTH_STENCIL_ATTACHMENT,
        "VUID-VkImageViewCreateInfo-usage-02277",
    ),
];
