//! Exportable memory: the checks a buffer or image to export passes before it is created, and
//! [`ExportedMemory`], a file descriptor of its memory for another API or device to import.

#[cfg(unix)]
use std::os::fd::OwnedFd;

use ash::vk;

use crate::Context;
use crate::error::{Error, Result, VkContext};

/// The handle types vkres exports: file descriptors.
pub(crate) const FD_TYPES: vk::ExternalMemoryHandleTypeFlags = vk::ExternalMemoryHandleTypeFlags::from_raw(
    vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD.as_raw() | vk::ExternalMemoryHandleTypeFlags::DMA_BUF_EXT.as_raw(),
);

/// A file descriptor of an allocation's memory (`vkGetMemoryFdKHR`), with what an importer
/// needs: the whole `VkDeviceMemory`'s size, where the resource lies in it, the memory type,
/// and whether it is a dedicated allocation (then the importer binds it, dedicated, to a
/// resource made with the same parameters).
///
/// Each call exports a new descriptor, owned here: an importer that takes ownership (Vulkan's
/// import does, on success) gets it with [`OwnedFd::into_raw_fd`](std::os::fd::IntoRawFd).
/// `Send + Sync`: a descriptor and plain data.
#[cfg(unix)]
#[derive(Debug)]
pub struct ExportedMemory {
    /// The descriptor.
    pub fd: OwnedFd,
    /// Its handle type (`OPAQUE_FD` or `DMA_BUF_EXT`).
    pub handle_type: vk::ExternalMemoryHandleTypeFlags,
    /// Size of the exported `VkDeviceMemory` (the `allocationSize` of an import).
    pub memory_size: u64,
    /// Offset of the resource in it.
    pub offset: u64,
    /// Bytes of the resource's allocation.
    pub size: u64,
    /// Index of the memory type (an import on the same physical device uses the same index).
    pub memory_type: u32,
    /// Whether the memory is dedicated to the resource (`VkMemoryDedicatedAllocateInfo`).
    pub dedicated: bool,
}

/// Checks that `handle_types` (non-empty) can be exported on `ctx` at all: file descriptor
/// types only, with their extensions enabled.
fn check_types(ctx: &Context, name: &str, handle_types: vk::ExternalMemoryHandleTypeFlags) -> Result<()> {
    let unsupported = |reason: String| Error::ExportUnsupported { name: name.to_owned(), handle_types, reason };
    if !FD_TYPES.contains(handle_types) {
        return Err(unsupported("vkres exports file descriptors only (OPAQUE_FD, DMA_BUF_EXT)".into()));
    }
    let caps = ctx.capabilities();
    if !caps.enabled.external_memory_fd {
        return Err(Error::MissingFeature { feature: "VK_KHR_external_memory_fd", operation: "export memory" });
    }
    if handle_types.contains(vk::ExternalMemoryHandleTypeFlags::DMA_BUF_EXT) && !caps.enabled.external_memory_dma_buf {
        return Err(Error::MissingFeature { feature: "VK_EXT_external_memory_dma_buf", operation: "export memory" });
    }
    Ok(())
}

/// Each single bit of `flags`.
fn bits(flags: vk::ExternalMemoryHandleTypeFlags) -> impl Iterator<Item = vk::ExternalMemoryHandleTypeFlags> {
    (0..32).map(|i| vk::ExternalMemoryHandleTypeFlags::from_raw(1 << i)).filter(move |b| flags.contains(*b))
}

/// Whether `props` allow exporting `handle_types` together; the reason where not.
fn exportable(props: &vk::ExternalMemoryProperties, handle_types: vk::ExternalMemoryHandleTypeFlags) -> Option<String> {
    if !props.external_memory_features.contains(vk::ExternalMemoryFeatureFlags::EXPORTABLE) {
        return Some("the driver cannot export this resource's memory as this handle type".into());
    }
    if !props.compatible_handle_types.contains(handle_types) {
        return Some(format!(
            "the driver cannot export these handle types together (compatible: {:?})",
            props.compatible_handle_types
        ));
    }
    None
}

/// Checks that a buffer of `usage` and `flags` can be exported as `handle_types` (non-empty).
pub(crate) fn check_buffer(
    ctx: &Context,
    name: &str,
    usage: vk::BufferUsageFlags,
    flags: vk::BufferCreateFlags,
    handle_types: vk::ExternalMemoryHandleTypeFlags,
) -> Result<()> {
    check_types(ctx, name, handle_types)?;
    for handle_type in bits(handle_types) {
        let info = vk::PhysicalDeviceExternalBufferInfo::default().usage(usage).flags(flags).handle_type(handle_type);
        let mut props = vk::ExternalBufferProperties::default();
        // SAFETY: a query of the context's physical device (Vulkan 1.1 core).
        unsafe {
            ctx.instance().get_physical_device_external_buffer_properties(ctx.physical_device(), &info, &mut props)
        };
        if let Some(reason) = exportable(&props.external_memory_properties, handle_types) {
            return Err(Error::ExportUnsupported { name: name.to_owned(), handle_types, reason });
        }
    }
    Ok(())
}

/// Checks that an image of `info` (without its external chain) can be exported as
/// `handle_types` (non-empty).
pub(crate) fn check_image(
    ctx: &Context,
    name: &str,
    info: &vk::ImageCreateInfo<'_>,
    handle_types: vk::ExternalMemoryHandleTypeFlags,
) -> Result<()> {
    check_types(ctx, name, handle_types)?;
    for handle_type in bits(handle_types) {
        let mut external = vk::PhysicalDeviceExternalImageFormatInfo::default().handle_type(handle_type);
        let query = vk::PhysicalDeviceImageFormatInfo2::default()
            .format(info.format)
            .ty(info.image_type)
            .tiling(info.tiling)
            .usage(info.usage)
            .flags(info.flags)
            .push_next(&mut external);
        let mut external_props = vk::ExternalImageFormatProperties::default();
        let mut props = vk::ImageFormatProperties2::default().push_next(&mut external_props);
        // SAFETY: a query of the context's physical device (Vulkan 1.1 core); the chained
        // structs are core 1.1.
        let answer = unsafe {
            ctx.instance().get_physical_device_image_format_properties2(ctx.physical_device(), &query, &mut props)
        };
        let reason = match answer {
            Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED) => {
                Some("the driver cannot export images of this format, usage and tiling as this handle type".into())
            }
            Err(result) => {
                return Err(Error::Vulkan { operation: "vkGetPhysicalDeviceImageFormatProperties2", result });
            }
            Ok(()) => exportable(&external_props.external_memory_properties, handle_types),
        };
        if let Some(reason) = reason {
            return Err(Error::ExportUnsupported { name: name.to_owned(), handle_types, reason });
        }
    }
    Ok(())
}

/// Exports `memory` as a file descriptor of `handle_type`.
#[cfg(unix)]
pub(crate) fn get_fd(
    ctx: &Context,
    memory: vk::DeviceMemory,
    handle_type: vk::ExternalMemoryHandleTypeFlags,
) -> Result<OwnedFd> {
    use std::os::fd::FromRawFd;
    let fns = ctx.external_memory_fd_fns("export memory")?;
    let info = vk::MemoryGetFdInfoKHR::default().memory(memory).handle_type(handle_type);
    // SAFETY: `memory` is a live allocation of this device, made exportable as `handle_type`
    // (the caller checked).
    let fd = unsafe { fns.get_memory_fd(&info) }.op("vkGetMemoryFdKHR")?;
    // SAFETY: vkGetMemoryFdKHR hands the caller a new descriptor it owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}
