//! Image layout transitions (`VkImageMemoryBarrier2`): a layout the image's usage or format
//! does not allow.

use ash::vk;

use crate::error::{Error, Result};
use crate::format;

/// Checks that the image `name` (of `format`, created with `usage`, on a device with
/// `VK_KHR_swapchain` enabled or not) may be transitioned to (or from) `layout`.
pub(crate) fn check(
    name: &str,
    format: vk::Format,
    usage: vk::ImageUsageFlags,
    layout: vk::ImageLayout,
    swapchain: bool,
) -> Result<()> {
    use vk::ImageLayout as L;
    use vk::ImageUsageFlags as U;
    let bad = |vuid: &'static str, detail: String| Err(Error::ValidUsage { name: name.into(), vuid, detail });
    super::known::layout(name, layout, swapchain)?;
    // VUID-VkImageMemoryBarrier2-newLayout-01198: never into UNDEFINED or PREINITIALIZED.
    if matches!(layout, L::UNDEFINED | L::PREINITIALIZED) {
        return bad(
            "VUID-VkImageMemoryBarrier2-newLayout-01198",
            format!("an image cannot be transitioned to {layout:?}"),
        );
    }
    let read = U::DEPTH_STENCIL_ATTACHMENT | U::SAMPLED | U::INPUT_ATTACHMENT;
    let (needed, vuid) = match layout {
        L::COLOR_ATTACHMENT_OPTIMAL => (U::COLOR_ATTACHMENT, "VUID-VkImageMemoryBarrier2-oldLayout-01208"),
        L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL => {
            (U::DEPTH_STENCIL_ATTACHMENT, "VUID-VkImageMemoryBarrier2-oldLayout-01209")
        }
        L::DEPTH_STENCIL_READ_ONLY_OPTIMAL => {
            (U::DEPTH_STENCIL_ATTACHMENT, "VUID-VkImageMemoryBarrier2-oldLayout-01210")
        }
        L::SHADER_READ_ONLY_OPTIMAL => (U::SAMPLED | U::INPUT_ATTACHMENT, "VUID-VkImageMemoryBarrier2-oldLayout-01211"),
        L::TRANSFER_SRC_OPTIMAL => (U::TRANSFER_SRC, "VUID-VkImageMemoryBarrier2-oldLayout-01212"),
        L::TRANSFER_DST_OPTIMAL => (U::TRANSFER_DST, "VUID-VkImageMemoryBarrier2-oldLayout-01213"),
        L::DEPTH_READ_ONLY_STENCIL_ATTACHMENT_OPTIMAL => {
            (U::DEPTH_STENCIL_ATTACHMENT, "VUID-VkImageMemoryBarrier2-oldLayout-01658")
        }
        L::DEPTH_ATTACHMENT_STENCIL_READ_ONLY_OPTIMAL => {
            (U::DEPTH_STENCIL_ATTACHMENT, "VUID-VkImageMemoryBarrier2-oldLayout-01659")
        }
        L::DEPTH_READ_ONLY_OPTIMAL => (read, "VUID-VkImageMemoryBarrier2-srcQueueFamilyIndex-04065"),
        L::DEPTH_ATTACHMENT_OPTIMAL => {
            (U::DEPTH_STENCIL_ATTACHMENT, "VUID-VkImageMemoryBarrier2-srcQueueFamilyIndex-04066")
        }
        L::STENCIL_READ_ONLY_OPTIMAL => (read, "VUID-VkImageMemoryBarrier2-srcQueueFamilyIndex-04067"),
        L::STENCIL_ATTACHMENT_OPTIMAL => {
            (U::DEPTH_STENCIL_ATTACHMENT, "VUID-VkImageMemoryBarrier2-srcQueueFamilyIndex-04068")
        }
        _ => return Ok(()),
    };
    // The layouts above need one of the usages named (an attachment layout: that usage).
    if !usage.intersects(needed) {
        return bad(vuid, format!("{layout:?} needs {needed:?} usage; the image has {usage:?}"));
    }
    // A depth or stencil layout on an image whose format has no such aspect.
    let aspects = format::aspects(format);
    let depth_stencil = !matches!(layout, L::COLOR_ATTACHMENT_OPTIMAL | L::SHADER_READ_ONLY_OPTIMAL)
        && !matches!(layout, L::TRANSFER_SRC_OPTIMAL | L::TRANSFER_DST_OPTIMAL);
    if depth_stencil && aspects == vk::ImageAspectFlags::COLOR {
        return bad(vuid, format!("{layout:?} is a depth/stencil layout; {format:?} is a colour format"));
    }
    if layout == L::COLOR_ATTACHMENT_OPTIMAL && aspects != vk::ImageAspectFlags::COLOR {
        return bad(vuid, format!("{layout:?} is a colour layout; {format:?} is a depth/stencil format"));
    }
    // A layout of one aspect alone: vkres's barriers cover every aspect of the image, so a
    // stencil layout on a format with depth, or a depth layout on one with stencil, names an
    // aspect the layout is not for (issue 16, helper "audit10": a D32_SFLOAT image transitioned
    // to STENCIL_READ_ONLY_OPTIMAL, a D32_SFLOAT_S8_UINT one to DEPTH_ATTACHMENT_OPTIMAL).
    let stencil_only = matches!(layout, L::STENCIL_ATTACHMENT_OPTIMAL | L::STENCIL_READ_ONLY_OPTIMAL);
    if stencil_only && aspects.contains(vk::ImageAspectFlags::DEPTH) {
        return bad(
            "VUID-VkImageMemoryBarrier2-aspectMask-08702",
            format!("{layout:?} is a layout of the stencil aspect alone; {format:?} has a depth aspect"),
        );
    }
    let depth_only = matches!(layout, L::DEPTH_ATTACHMENT_OPTIMAL | L::DEPTH_READ_ONLY_OPTIMAL);
    if depth_only && aspects.contains(vk::ImageAspectFlags::STENCIL) {
        return bad(
            "VUID-VkImageMemoryBarrier2-aspectMask-08703",
            format!("{layout:?} is a layout of the depth aspect alone; {format:?} has a stencil aspect"),
        );
    }
    Ok(())
}
