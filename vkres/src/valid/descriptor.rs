//! Descriptor writes (`vkUpdateDescriptorSets`): the rules of `VkWriteDescriptorSet` that a
//! resource bound to a binding can break. The checks return a [`Violation`] (plain, cloneable
//! data) because the writes are collected first and handed to the caller's update later.

use ash::vk;

use super::Violation;

/// Checks the whole of a buffer of `size` bytes and `usage`, named `name`, written as `ty`.
pub(crate) fn buffer(
    name: &str,
    ty: vk::DescriptorType,
    usage: vk::BufferUsageFlags,
    size: u64,
    limits: &vk::PhysicalDeviceLimits,
) -> Option<Violation> {
    let (needed, usage_vuid, limit, limit_vuid, what) = match ty {
        vk::DescriptorType::UNIFORM_BUFFER => (
            vk::BufferUsageFlags::UNIFORM_BUFFER,
            "VUID-VkWriteDescriptorSet-descriptorType-00330",
            limits.max_uniform_buffer_range,
            "VUID-VkWriteDescriptorSet-descriptorType-00332",
            "maxUniformBufferRange",
        ),
        vk::DescriptorType::STORAGE_BUFFER => (
            vk::BufferUsageFlags::STORAGE_BUFFER,
            "VUID-VkWriteDescriptorSet-descriptorType-00331",
            limits.max_storage_buffer_range,
            "VUID-VkWriteDescriptorSet-descriptorType-00333",
            "maxStorageBufferRange",
        ),
        // VUID-VkWriteDescriptorSet-descriptorType-00322: image and sampler types read
        // pImageInfo, which a buffer does not fill.
        other => {
            return Violation::new(
                name,
                "VUID-VkWriteDescriptorSet-descriptorType-00322",
                format!("a buffer cannot be written as {other:?}"),
            );
        }
    };
    // VUID-VkWriteDescriptorSet-descriptorType-00330, -00331: the usage of the type.
    if !usage.contains(needed) {
        return Violation::new(
            name,
            usage_vuid,
            format!("a {ty:?} descriptor needs {needed:?} usage; it has {usage:?}"),
        );
    }
    // VUID-VkWriteDescriptorSet-descriptorType-00332, -00333: the whole buffer is the range.
    if size > u64::from(limit) {
        return Violation::new(name, limit_vuid, format!("{size} bytes exceed the device's {what} of {limit}"));
    }
    None
}

/// Checks an image view of an image with `usage`, showing `aspects`, named `name`, written as
/// `ty` in `layout`, with a sampler or not.
pub(crate) fn image(
    name: &str,
    ty: vk::DescriptorType,
    usage: vk::ImageUsageFlags,
    aspects: vk::ImageAspectFlags,
    layout: vk::ImageLayout,
    has_sampler: bool,
) -> Option<Violation> {
    let (needed, vuid) = match ty {
        vk::DescriptorType::SAMPLED_IMAGE | vk::DescriptorType::COMBINED_IMAGE_SAMPLER => {
            (vk::ImageUsageFlags::SAMPLED, "VUID-VkWriteDescriptorSet-descriptorType-00337")
        }
        vk::DescriptorType::STORAGE_IMAGE => {
            (vk::ImageUsageFlags::STORAGE, "VUID-VkWriteDescriptorSet-descriptorType-00339")
        }
        // VUID-VkWriteDescriptorSet-descriptorType-00324: buffer types read pBufferInfo,
        // which an image does not fill.
        other => {
            return Violation::new(
                name,
                "VUID-VkWriteDescriptorSet-descriptorType-00324",
                format!("an image view cannot be written as {other:?}"),
            );
        }
    };
    // VUID-VkWriteDescriptorSet-descriptorType-00325: a combined image sampler has a sampler.
    if ty == vk::DescriptorType::COMBINED_IMAGE_SAMPLER && !has_sampler {
        return Violation::new(
            name,
            "VUID-VkWriteDescriptorSet-descriptorType-00325",
            "a combined image sampler needs a sampler (bind a texture)".into(),
        );
    }
    // VUID-VkWriteDescriptorSet-descriptorType-00337, -00339: the usage of the type.
    if !usage.contains(needed) {
        return Violation::new(name, vuid, format!("a {ty:?} descriptor needs {needed:?} usage; it has {usage:?}"));
    }
    // VUID-VkDescriptorImageInfo-imageView-01976: one aspect of a depth-stencil image.
    if aspects.contains(vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL) {
        return Violation::new(
            name,
            "VUID-VkDescriptorImageInfo-imageView-01976",
            "a descriptor shows depth or stencil, not both".into(),
        );
    }
    // VUID-VkWriteDescriptorSet-descriptorType-04150, -04152: a layout the type reads in.
    let layout_ok = match ty {
        vk::DescriptorType::STORAGE_IMAGE => {
            matches!(layout, vk::ImageLayout::GENERAL | vk::ImageLayout::SHARED_PRESENT_KHR)
        }
        _ => matches!(
            layout,
            vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL
                | vk::ImageLayout::GENERAL
                | vk::ImageLayout::DEPTH_STENCIL_READ_ONLY_OPTIMAL
                | vk::ImageLayout::DEPTH_READ_ONLY_STENCIL_ATTACHMENT_OPTIMAL
                | vk::ImageLayout::DEPTH_ATTACHMENT_STENCIL_READ_ONLY_OPTIMAL
                | vk::ImageLayout::DEPTH_READ_ONLY_OPTIMAL
                | vk::ImageLayout::STENCIL_READ_ONLY_OPTIMAL
                | vk::ImageLayout::READ_ONLY_OPTIMAL
                | vk::ImageLayout::SHARED_PRESENT_KHR
        ),
    };
    if !layout_ok {
        let vuid = if ty == vk::DescriptorType::STORAGE_IMAGE {
            "VUID-VkWriteDescriptorSet-descriptorType-04152"
        } else {
            "VUID-VkWriteDescriptorSet-descriptorType-04150"
        };
        return Violation::new(name, vuid, format!("a {ty:?} descriptor cannot read an image in {layout:?}"));
    }
    None
}
