//! Uploads from the caller's memory (`VK_EXT_external_memory_host`): the page-aligned middle of
//! the data is imported as device-visible host memory, and the device reads it straight from
//! there, with no memcpy into staging and no staging budget to split over. The unaligned edges
//! go through staging. Sound only because the call waits before it returns: the device reads
//! the caller's borrowed slice only while the borrow lasts.
//!
//! Only where importing costs less than a copy: on a device sharing the host's memory
//! (lavapipe, 1.5x-2.5x a staged upload). A discrete GPU's driver pins every imported page and
//! unpins it on free, serialised (measured on the H100: 256 MiB pinned in 13.5 ms and unpinned
//! in 6.9 ms, no faster from 16 threads), while staging with a memcpy split over threads moves
//! the same 256 MiB in about 8 ms: there `upload_now` stages.

use std::ffi::c_void;

use ash::vk;
use bytemuck::Pod;

use super::ResourceAllocator;
use crate::Context;
use crate::error::{Result, VkContext, check_range};
use crate::resources::Buffer;

/// Uploads smaller than this are staged: pinning pages costs more than copying them.
pub const IMPORT_THRESHOLD: u64 = 4 << 20;

/// An imported host range and the buffer over it; freed on drop.
struct HostImport<'a> {
    ctx: &'a Context,
    buffer: vk::Buffer,
    memory: vk::DeviceMemory,
}

impl Drop for HostImport<'_> {
    fn drop(&mut self) {
        // SAFETY: dropped after the batch that read it finished (or was never submitted);
        // destroying null handles is a no-op.
        unsafe {
            self.ctx.device().destroy_buffer(self.buffer, None);
            self.ctx.device().free_memory(self.memory, None);
        }
    }
}

/// Imports `len` bytes at `ptr` (both aligned to `minImportedHostPointerAlignment`), or `None`
/// where the driver does not take this range (the caller then stages it).
///
/// # Safety
/// The range must be readable host memory that stays valid, and is not freed, until the
/// returned import is dropped.
unsafe fn import(ctx: &Context, ptr: *const u8, len: u64) -> Result<Option<HostImport<'_>>> {
    let Some(fns) = ctx.extensions().external_memory_host.as_ref() else { return Ok(None) };
    let device = ctx.device();
    let handle_type = vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT;
    let mut props = vk::MemoryHostPointerPropertiesEXT::default();
    // SAFETY: the extension is enabled (ash has no wrapper for this one function, so its
    // loaded pointer is called); `ptr` is an aligned host pointer (caller's contract).
    let result = unsafe {
        (fns.fp().get_memory_host_pointer_properties_ext)(fns.device(), handle_type, ptr.cast::<c_void>(), &mut props)
    };
    if result != vk::Result::SUCCESS {
        return Ok(None);
    }
    let mut external = vk::ExternalMemoryBufferCreateInfo::default().handle_types(handle_type);
    let info =
        vk::BufferCreateInfo::default().size(len).usage(vk::BufferUsageFlags::TRANSFER_SRC).push_next(&mut external);
    let mut out = HostImport { ctx, buffer: vk::Buffer::null(), memory: vk::DeviceMemory::null() };
    // SAFETY: a plain buffer for external host memory; destroyed by `out`'s drop.
    out.buffer = unsafe { ctx.create_unbound_buffer(&info, "vkres host import") }?;
    // SAFETY: a live buffer of this device.
    let requirements = unsafe { device.get_buffer_memory_requirements(out.buffer) };
    let types = requirements.memory_type_bits & props.memory_type_bits;
    if types == 0 || requirements.size > len {
        return Ok(None);
    }
    let mut host = vk::ImportMemoryHostPointerInfoEXT::default()
        .handle_type(handle_type)
        // The device only reads it (the buffer is TRANSFER_SRC only).
        .host_pointer(ptr.cast_mut().cast::<c_void>());
    let allocate = vk::MemoryAllocateInfo::default()
        .allocation_size(len)
        .memory_type_index(types.trailing_zeros())
        .push_next(&mut host);
    // SAFETY: the pointer and size are aligned and valid for the import's life (caller's
    // contract); the memory type is one the driver reported for this pointer.
    match unsafe { device.allocate_memory(&allocate, None) } {
        Ok(memory) => out.memory = memory,
        Err(_) => return Ok(None),
    }
    // SAFETY: unbound buffer, memory of a compatible type and of its size.
    unsafe { device.bind_buffer_memory(out.buffer, out.memory, 0) }.op("vkBindBufferMemory")?;
    Ok(Some(out))
}

impl ResourceAllocator {
    /// Uploads `data` into `dst` at element `offset` and waits for the copy: the fastest way
    /// vkres has to get a large slice onto the device.
    ///
    /// From [`IMPORT_THRESHOLD`] bytes on, on devices that share the host's memory (not a
    /// discrete GPU) and have `VK_EXT_external_memory_host`, the page-aligned middle of `data`
    /// is imported and copied by the device straight from the caller's memory (no memcpy, no
    /// staging memory). Everything else (the edges, discrete GPUs, where pinning the pages costs
    /// more than copying them over several threads) goes through staging as with
    /// [`Batch::upload`](crate::Batch::upload), pipelined over the staging budget.
    pub fn upload_now<T: Pod>(&self, dst: &Buffer<T>, offset: u64, data: &[T]) -> Result<()> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let dst = dst.as_bytes();
        let offset = offset.saturating_mul(size_of::<T>() as u64);
        let len = bytes.len() as u64;
        check_range(dst.name(), offset, len, dst.size())?;
        let caps = self.ctx.capabilities();
        let align = caps.min_imported_host_pointer_alignment.max(1);
        let start = bytes.as_ptr() as u64;
        let head = (start.next_multiple_of(align) - start).min(len);
        let middle = (len - head) / align * align;
        let imported = if caps.enabled.external_memory_host
            && caps.device_type != vk::PhysicalDeviceType::DISCRETE_GPU
            && middle >= IMPORT_THRESHOLD
            && dst.usage().contains(vk::BufferUsageFlags::TRANSFER_DST)
        {
            // SAFETY: `bytes` is borrowed for this whole call, which waits for the device before
            // returning and drops the import after the batch (declared before it); the range
            // [head, head + middle) lies inside `bytes` and is aligned.
            unsafe { import(&self.ctx, bytes.as_ptr().add(head as usize), middle)? }
        } else {
            None
        };
        let mut batch = self.batch()?;
        match &imported {
            Some(import) => {
                let tail = head + middle;
                batch.upload_bytes(&dst, offset, &bytes[..head as usize])?;
                // SAFETY: the import is live until after the batch (see above), TRANSFER_SRC,
                // `middle` bytes long; dst's range was checked above.
                unsafe { batch.rec.copy_from_raw(import.buffer, 0, &dst, offset + head, middle)? };
                batch.upload_bytes(&dst, offset + tail, &bytes[tail as usize..])?;
            }
            None => batch.upload_bytes(&dst, offset, bytes)?,
        }
        batch.submit_and_wait()
    }
}
