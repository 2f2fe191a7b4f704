//! Values the caller passes as Vulkan flags and enums. `ash`'s types take any raw value
//! (`vk::ImageUsageFlags::from_raw(1 << 30)`, `vk::BorderColor::from_raw(99)`), and Vulkan's
//! `*-parameter` rules ("a valid combination of VkXFlagBits", "a valid VkX value") are broken
//! by a bit or a value no version or extension defines: the layer reports it; without the
//! layer the driver reads it as it likes (lavapipe segfaults on a sampler's unknown border
//! colour). Refused here with [`Error::ValidUsage`] naming the bits or the value.
//!
//! Flags: the bits `ash` names (every extension of the Vulkan headers it was made from,
//! 1.3.281) are known, found once per type from `ash`'s own `Debug` (which prints a named bit
//! by name and the rest in binary), so a bit of an extension the caller enabled stays
//! allowed. Enums: the values vkres passes on (core values, and the few extension values the
//! checks after this one refuse or allow by feature).

use std::sync::OnceLock;

use ash::vk;

use crate::error::{Error, Result};

/// The bits of a 32-bit flags type that `ash` names: `debug` prints one bit.
fn named_bits(debug: impl Fn(u32) -> String) -> u32 {
    (0..32)
        .map(|b| 1u32 << b)
        .filter(|&bit| !debug(bit).starts_with(|c: char| c.is_ascii_digit()))
        .fold(0, |m, b| m | b)
}

macro_rules! named_mask {
    ($fn_name:ident, $ty:ty) => {
        /// The bits of this flags type that `ash` names (computed once).
        fn $fn_name() -> u32 {
            static MASK: OnceLock<u32> = OnceLock::new();
            *MASK.get_or_init(|| named_bits(|bit| format!("{:?}", <$ty>::from_raw(bit))))
        }
    };
}

named_mask!(buffer_usage_bits, vk::BufferUsageFlags);
named_mask!(image_usage_bits, vk::ImageUsageFlags);
named_mask!(image_create_bits, vk::ImageCreateFlags);
named_mask!(geometry_bits, vk::GeometryFlagsKHR);
named_mask!(shader_stage_bits, vk::ShaderStageFlags);

/// [`Error::ValidUsage`] for `bits` of `what` that no Vulkan version or extension defines.
fn unknown_bits(name: &str, vuid: &'static str, what: &str, bits: u32) -> Result<()> {
    Err(Error::ValidUsage {
        name: name.into(),
        vuid,
        detail: format!("{what} bits {bits:#x} are not defined by Vulkan or any extension"),
    })
}

/// A buffer's usage (VUID-VkBufferCreateInfo-None-09499: a valid combination of
/// `VkBufferUsageFlagBits`).
pub(crate) fn buffer_usage(name: &str, usage: vk::BufferUsageFlags) -> Result<()> {
    match usage.as_raw() & !buffer_usage_bits() {
        0 => Ok(()),
        bits => unknown_bits(name, "VUID-VkBufferCreateInfo-None-09499", "usage", bits),
    }
}

/// A descriptor binding's shader stages (VUID-VkDescriptorSetLayoutBinding-descriptorCount-00283:
/// a valid combination of `VkShaderStageFlagBits`, or `ALL`).
pub(crate) fn shader_stages(name: &str, stages: vk::ShaderStageFlags) -> Result<()> {
    if stages == vk::ShaderStageFlags::ALL {
        return Ok(());
    }
    match stages.as_raw() & !shader_stage_bits() {
        0 => Ok(()),
        bits => unknown_bits(name, "VUID-VkDescriptorSetLayoutBinding-descriptorCount-00283", "shader stage", bits),
    }
}

/// An image's usage and creation flags (VUID-VkImageCreateInfo-usage-parameter,
/// VUID-VkImageCreateInfo-flags-parameter), and the sparse flags: vkres binds an image's
/// memory whole (VUID-vkBindImageMemory-image-01045), and enables no sparse feature
/// (VUID-VkImageCreateInfo-flags-00969, -01924, -00987).
pub(crate) fn image(name: &str, usage: vk::ImageUsageFlags, flags: vk::ImageCreateFlags) -> Result<()> {
    if let bits @ 1.. = usage.as_raw() & !image_usage_bits() {
        return unknown_bits(name, "VUID-VkImageCreateInfo-usage-parameter", "usage", bits);
    }
    if let bits @ 1.. = flags.as_raw() & !image_create_bits() {
        return unknown_bits(name, "VUID-VkImageCreateInfo-flags-parameter", "creation flag", bits);
    }
    let sparse = vk::ImageCreateFlags::SPARSE_BINDING
        | vk::ImageCreateFlags::SPARSE_RESIDENCY
        | vk::ImageCreateFlags::SPARSE_ALIASED;
    if flags.intersects(sparse) {
        return Err(Error::MissingFeature { feature: "sparseBinding", operation: "create a sparse image" });
    }
    image_binding_flags(name, flags)
}

/// Creation flags that need a feature vkres never enables or a memory binding it never makes
/// (issue 16, helper "sound4"): refused before `vmaCreateImage`, which aborts the process on
/// `DISJOINT` (an assertion) and binds one ordinary allocation to any image.
fn image_binding_flags(name: &str, flags: vk::ImageCreateFlags) -> Result<()> {
    let bad =
        |vuid: &'static str, detail: &str| Err(Error::ValidUsage { name: name.into(), vuid, detail: detail.into() });
    // VUID-vkBindImageMemory-image-01608: a DISJOINT image binds each plane's memory on its
    // own (vkBindImageMemory2 with plane infos); vkres binds an image's memory whole.
    if flags.contains(vk::ImageCreateFlags::DISJOINT) {
        return bad(
            "VUID-vkBindImageMemory-image-01608",
            "DISJOINT images bind memory per plane; vkres binds an image's memory whole",
        );
    }
    // VUID-VkImageCreateInfo-flags-01890: PROTECTED needs the protectedMemory feature, which
    // vkres does not enable (nor allocate protected memory for).
    if flags.contains(vk::ImageCreateFlags::PROTECTED) {
        return Err(Error::MissingFeature { feature: "protectedMemory", operation: "create a protected image" });
    }
    // VUID-VkImageCreateInfo-physicalDeviceCount-01421: SPLIT_INSTANCE_BIND_REGIONS needs a
    // device group of more than one device; vkres's devices are made of one.
    if flags.contains(vk::ImageCreateFlags::SPLIT_INSTANCE_BIND_REGIONS) {
        return bad(
            "VUID-VkImageCreateInfo-physicalDeviceCount-01421",
            "SPLIT_INSTANCE_BIND_REGIONS needs a device group of more than one physical device",
        );
    }
    Ok(())
}

/// A geometry's flags (VUID-VkAccelerationStructureGeometryKHR-flags-parameter).
pub(crate) fn geometry_flags(name: &str, flags: vk::GeometryFlagsKHR) -> Result<()> {
    match flags.as_raw() & !geometry_bits() {
        0 => Ok(()),
        bits => unknown_bits(name, "VUID-VkAccelerationStructureGeometryKHR-flags-parameter", "geometry flag", bits),
    }
}

/// A layout an image is transitioned to (VUID-VkImageMemoryBarrier2-newLayout-parameter): the
/// core layouts, and `PRESENT_SRC_KHR` where `swapchain` (`VK_KHR_swapchain` enabled: a
/// swapchain's images, borrowed). `SHARED_PRESENT_KHR` needs `VK_KHR_shared_presentable_image`,
/// which vkres does not track: refused as every other extension layout.
pub(crate) fn layout(name: &str, layout: vk::ImageLayout, swapchain: bool) -> Result<()> {
    if layout == vk::ImageLayout::PRESENT_SRC_KHR && !swapchain {
        return Err(Error::MissingFeature {
            feature: "VK_KHR_swapchain",
            operation: "transition an image to PRESENT_SRC_KHR",
        });
    }
    use vk::ImageLayout as L;
    let known = matches!(
        layout,
        L::UNDEFINED
            | L::GENERAL
            | L::COLOR_ATTACHMENT_OPTIMAL
            | L::DEPTH_STENCIL_ATTACHMENT_OPTIMAL
            | L::DEPTH_STENCIL_READ_ONLY_OPTIMAL
            | L::SHADER_READ_ONLY_OPTIMAL
            | L::TRANSFER_SRC_OPTIMAL
            | L::TRANSFER_DST_OPTIMAL
            | L::PREINITIALIZED
            | L::DEPTH_READ_ONLY_STENCIL_ATTACHMENT_OPTIMAL
            | L::DEPTH_ATTACHMENT_STENCIL_READ_ONLY_OPTIMAL
            | L::DEPTH_ATTACHMENT_OPTIMAL
            | L::DEPTH_READ_ONLY_OPTIMAL
            | L::STENCIL_ATTACHMENT_OPTIMAL
            | L::STENCIL_READ_ONLY_OPTIMAL
            | L::READ_ONLY_OPTIMAL
            | L::ATTACHMENT_OPTIMAL
            | L::PRESENT_SRC_KHR
    );
    if known {
        return Ok(());
    }
    Err(Error::ValidUsage {
        name: name.into(),
        vuid: "VUID-VkImageMemoryBarrier2-newLayout-parameter",
        detail: format!("{layout:?} is not a layout vkres transitions to (core layouts, and PRESENT_SRC_KHR)"),
    })
}

/// A sampler's enums (VUID-VkSamplerCreateInfo-magFilter-parameter, -minFilter-parameter,
/// -mipmapMode-parameter, -addressModeU/V/W-parameter, -borderColor-01681 and -compareEnable-01080
/// for a valid border colour and compare op). `CUBIC_EXT`, `MIRROR_CLAMP_TO_EDGE` and the
/// custom border colours pass here: `valid/sampler.rs` refuses them with the feature they need.
pub(crate) fn sampler(info: &vk::SamplerCreateInfo<'_>) -> Result<()> {
    use vk::SamplerAddressMode as A;
    let bad = |vuid: &'static str, detail: String| Err(Error::ValidUsage { name: "sampler".into(), vuid, detail });
    for (filter, vuid) in [
        (info.mag_filter, "VUID-VkSamplerCreateInfo-magFilter-parameter"),
        (info.min_filter, "VUID-VkSamplerCreateInfo-minFilter-parameter"),
    ] {
        if !matches!(filter, vk::Filter::NEAREST | vk::Filter::LINEAR | vk::Filter::CUBIC_EXT) {
            return bad(vuid, format!("{filter:?} is not a VkFilter"));
        }
    }
    if !matches!(info.mipmap_mode, vk::SamplerMipmapMode::NEAREST | vk::SamplerMipmapMode::LINEAR) {
        return bad(
            "VUID-VkSamplerCreateInfo-mipmapMode-parameter",
            format!("{:?} is not a VkSamplerMipmapMode", info.mipmap_mode),
        );
    }
    for (mode, vuid) in [
        (info.address_mode_u, "VUID-VkSamplerCreateInfo-addressModeU-parameter"),
        (info.address_mode_v, "VUID-VkSamplerCreateInfo-addressModeV-parameter"),
        (info.address_mode_w, "VUID-VkSamplerCreateInfo-addressModeW-parameter"),
    ] {
        let valid = matches!(
            mode,
            A::REPEAT | A::MIRRORED_REPEAT | A::CLAMP_TO_EDGE | A::CLAMP_TO_BORDER | A::MIRROR_CLAMP_TO_EDGE
        );
        if !valid {
            return bad(vuid, format!("{mode:?} is not a VkSamplerAddressMode"));
        }
    }
    // Read by Vulkan only with comparison on, but never passed on invalid.
    if !(0..=7).contains(&info.compare_op.as_raw()) {
        return bad(
            "VUID-VkSamplerCreateInfo-compareEnable-01080",
            format!("{:?} is not a VkCompareOp", info.compare_op),
        );
    }
    // Read with a clamp-to-border mode; never passed on invalid either.
    let border = info.border_color;
    let custom = matches!(border, vk::BorderColor::FLOAT_CUSTOM_EXT | vk::BorderColor::INT_CUSTOM_EXT);
    if !(0..=5).contains(&border.as_raw()) && !custom {
        return bad("VUID-VkSamplerCreateInfo-addressModeU-01078", format!("{border:?} is not a VkBorderColor"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ash::vk;

    /// The masks found from `ash`'s `Debug` hold the bits it names and none it does not (a
    /// change of that format would show here first).
    #[test]
    fn the_named_bits_are_found() {
        let usage = super::buffer_usage_bits();
        for bit in [
            vk::BufferUsageFlags::TRANSFER_SRC,
            vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS,
            vk::BufferUsageFlags::ACCELERATION_STRUCTURE_STORAGE_KHR,
        ] {
            assert_eq!(usage & bit.as_raw(), bit.as_raw(), "{bit:?}");
        }
        assert_eq!(usage & (1 << 30), 0);
        assert!(super::buffer_usage("b", vk::BufferUsageFlags::from_raw(1 << 30)).is_err());
        assert!(super::buffer_usage("b", vk::BufferUsageFlags::STORAGE_BUFFER).is_ok());
        let image = super::image_usage_bits();
        assert_eq!(image & vk::ImageUsageFlags::SAMPLED.as_raw(), vk::ImageUsageFlags::SAMPLED.as_raw());
        assert_eq!(image & (1 << 30), 0);
        assert_ne!(super::geometry_bits() & vk::GeometryFlagsKHR::OPAQUE.as_raw(), 0);
        assert_eq!(super::geometry_bits() & (1 << 20), 0);
    }
}
