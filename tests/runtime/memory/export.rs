//! Exported memory: a buffer's memory exported as an opaque file descriptor, imported by a
//! second device (another `Context` on the same physical device) and read back byte for byte;
//! exported images; and the typed errors of exports that cannot be.

use std::os::fd::IntoRawFd;

use vkres::{BufferDesc, Context, ContextOptions, DeviceSelector, Error, ImageDesc, MappingType, vk};

use crate::support::{Gpu, noise};

const OPAQUE_FD: vk::ExternalMemoryHandleTypeFlags = vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD;
const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::STORAGE_BUFFER.as_raw() | vk::BufferUsageFlags::TRANSFER_SRC.as_raw(),
);

/// Whether the device exports file descriptors; where not, that an export is refused with a
/// typed error instead.
fn exports(gpu: &Gpu) -> bool {
    if gpu.ctx().capabilities().enabled.external_memory_fd {
        return true;
    }
    let err = gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE).export(OPAQUE_FD)).expect_err("no extension");
    assert!(matches!(err, Error::MissingFeature { feature: "VK_KHR_external_memory_fd", .. }), "{err:?}");
    println!("SKIPPED import: {} has no VK_KHR_external_memory_fd", gpu.ctx().capabilities().device_name);
    false
}

/// Imports `fd` into `ctx` as the memory of a new buffer made like the exported one, maps it
/// and returns `len` bytes from `offset`. Everything it makes is destroyed before it returns.
fn import_and_read(ctx: &Context, exported: vkres::memory::ExportedMemory, size: u64, len: usize) -> Vec<u8> {
    let device = ctx.device();
    let handle_type = exported.handle_type;
    let mut external = vk::ExternalMemoryBufferCreateInfo::default().handle_types(handle_type);
    let info = vk::BufferCreateInfo::default().size(size).usage(USAGE).push_next(&mut external);
    // SAFETY: a valid create info on a live device.
    let buffer = unsafe { device.create_buffer(&info, None) }.expect("buffer");
    // SAFETY: the buffer is live.
    let reqs = unsafe { device.get_buffer_memory_requirements(buffer) };
    assert!(reqs.memory_type_bits & (1 << exported.memory_type) != 0, "the exported type suits the importer's buffer");
    let mut memory_type = exported.memory_type;
    if handle_type != OPAQUE_FD {
        // A dma-buf says which memory types can import it.
        let fns = ash::khr::external_memory_fd::Device::new(ctx.instance(), device);
        let mut props = vk::MemoryFdPropertiesKHR::default();
        // SAFETY: the extension is enabled on `ctx`; the fd is a live dma-buf.
        unsafe { fns.get_memory_fd_properties(handle_type, std::os::fd::AsRawFd::as_raw_fd(&exported.fd), &mut props) }
            .expect("dma-buf properties");
        let bits = props.memory_type_bits & reqs.memory_type_bits;
        assert_ne!(bits, 0, "some memory type imports the dma-buf");
        if bits & (1 << memory_type) == 0 {
            memory_type = bits.trailing_zeros();
        }
    }
    let fd = exported.fd.into_raw_fd();
    let mut import = vk::ImportMemoryFdInfoKHR::default().handle_type(handle_type).fd(fd);
    let mut dedicated = vk::MemoryDedicatedAllocateInfo::default().buffer(buffer);
    let mut alloc = vk::MemoryAllocateInfo::default()
        .allocation_size(exported.memory_size)
        .memory_type_index(memory_type)
        .push_next(&mut import);
    if exported.dedicated {
        alloc = alloc.push_next(&mut dedicated);
    }
    // SAFETY: the fd is an opaque-fd export of memory of the same physical device, of this size
    // and type; on success Vulkan owns the fd.
    let memory = unsafe { device.allocate_memory(&alloc, None) }.expect("import");
    // SAFETY: buffer and memory are live and unbound; offset 0 of a dedicated import.
    unsafe { device.bind_buffer_memory(buffer, memory, exported.offset) }.expect("bind");
    // SAFETY: the memory type is host-visible (the exported buffer was mapped); the range lies
    // inside the allocation.
    let ptr = unsafe { device.map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty()) }.expect("map");
    // SAFETY: mapped, at least `offset + len` bytes, coherent (lavapipe's and the H100's host
    // types), nothing writes meanwhile.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>().add(exported.offset as usize), len) }.to_vec();
    // SAFETY: mapped above; nothing uses the buffer or memory any more.
    unsafe {
        device.unmap_memory(memory);
        device.destroy_buffer(buffer, None);
        device.free_memory(memory, None);
    }
    bytes
}

/// Exports a buffer of noise as `handle_type`, imports it into a second device on the same
/// physical device (validated too) and checks the bytes.
fn export_and_import(gpu: &Gpu, handle_type: vk::ExternalMemoryHandleTypeFlags) {
    let data = noise(64 << 10, 19);
    let desc =
        BufferDesc::new(64 << 10, USAGE).mapping(MappingType::HostAccessRandom).export(handle_type).name("shared");
    let buffer = gpu.alloc().create_buffer_with_data(&desc, &data).expect("exportable buffer");
    let exported = buffer.memory().export_fd(handle_type).expect("export");
    let info = buffer.memory().info();
    assert!(exported.dedicated, "an exported allocation has its memory to itself");
    assert_eq!((exported.offset, exported.memory_type, exported.memory_size), (0, info.memory_type, info.size));
    assert_eq!(exported.handle_type, handle_type);

    // A second device on the same physical device, validated too.
    let name = gpu.ctx().capabilities().device_name.clone();
    let second = Context::new(
        ContextOptions::new()
            .synchronization_validation(true)
            .ray_tracing(false)
            .device(DeviceSelector::NameContains(name)),
    )
    .expect("second context");
    assert!(second.capabilities().enabled.external_memory_fd);
    let bytes = import_and_read(&second, exported, 64 << 10, data.len());
    assert!(bytes == data, "the importer reads what was written");
    let messages = second.message_log().take();
    assert!(messages.is_empty(), "validation on the importer:\n{}", crate::support::list(&messages));

    // Each export is a new descriptor; the buffer goes on working after both are gone.
    let again = buffer.memory().export_fd(handle_type).expect("second export");
    drop(again);
    assert_eq!(buffer.read_vec().expect("read"), data);
}

#[test]
fn an_exported_buffer_is_read_back_byte_for_byte_by_a_second_device() {
    let gpu = Gpu::new();
    if exports(&gpu) {
        export_and_import(&gpu, OPAQUE_FD);
    }
}

#[test]
fn a_dma_buf_export_is_read_back_byte_for_byte_by_a_second_device() {
    let gpu = Gpu::new();
    if !exports(&gpu) {
        return;
    }
    let dma_buf = vk::ExternalMemoryHandleTypeFlags::DMA_BUF_EXT;
    if gpu.ctx().capabilities().enabled.external_memory_dma_buf {
        // The extension does not promise that buffers export as dma-bufs (lavapipe's do not):
        // the driver's external buffer properties decide, and vkres asks them first.
        let probe = BufferDesc::new(64 << 10, USAGE).mapping(MappingType::HostAccessRandom).export(dma_buf);
        match gpu.alloc().create_buffer(&probe) {
            Ok(_) => export_and_import(&gpu, dma_buf),
            Err(Error::ExportUnsupported { handle_types, .. }) if handle_types == dma_buf => {
                println!(
                    "SKIPPED dma-buf import: {} exports no buffer as a dma-buf",
                    gpu.ctx().capabilities().device_name
                )
            }
            Err(e) => panic!("unexpected error: {e:?}"),
        }
    } else {
        let err = gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE).export(dma_buf)).expect_err("no dma-buf");
        assert!(matches!(err, Error::MissingFeature { feature: "VK_EXT_external_memory_dma_buf", .. }), "{err:?}");
        println!(
            "SKIPPED dma-buf import: {} has no VK_EXT_external_memory_dma_buf",
            gpu.ctx().capabilities().device_name
        );
    }
}

#[test]
fn exported_images_have_dedicated_memory_and_give_a_descriptor() {
    let gpu = Gpu::new();
    if !exports(&gpu) {
        return;
    }
    let desc = ImageDesc::new_2d(
        vk::Format::R8G8B8A8_UNORM,
        64,
        64,
        vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST,
    )
    .export(OPAQUE_FD)
    .name("shared image");
    let image = gpu.alloc().create_image(&desc).expect("exportable image");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_image(&image, &noise(64 * 64 * 4, 1), &vkres::ImageUpload::default()).expect("upload");
    batch.submit_and_wait().expect("submit");
    let exported = image.memory().export_fd(OPAQUE_FD).expect("export");
    assert!(exported.dedicated);
    assert_eq!(exported.memory_size, image.memory().info().size);
    assert!(exported.memory_size >= 64 * 64 * 4);
}

#[test]
fn exports_that_cannot_be_are_typed_errors() {
    let gpu = Gpu::new();
    if !exports(&gpu) {
        return;
    }
    let win32 = vk::ExternalMemoryHandleTypeFlags::OPAQUE_WIN32;
    let err =
        gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE).export(win32).name("win32")).expect_err("not an fd");
    assert!(
        matches!(&err, Error::ExportUnsupported { name, handle_types, .. } if name == "win32" && *handle_types == win32),
        "{err:?}"
    );
    let image = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, vk::ImageUsageFlags::SAMPLED).export(win32);
    assert!(matches!(gpu.alloc().create_image(&image), Err(Error::ExportUnsupported { .. })));
    let dma_buf = vk::ExternalMemoryHandleTypeFlags::DMA_BUF_EXT;
    if !gpu.ctx().capabilities().enabled.external_memory_dma_buf {
        let err = gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE).export(dma_buf)).expect_err("no dma-buf");
        assert!(matches!(err, Error::MissingFeature { feature: "VK_EXT_external_memory_dma_buf", .. }), "{err:?}");
    }

    let plain = gpu.device_buffer(64, "not exported");
    let err = plain.memory().export_fd(OPAQUE_FD).expect_err("not exportable");
    assert!(matches!(&err, Error::ExportUnsupported { name, .. } if name == "not exported"), "{err:?}");
    let exported = gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE).export(OPAQUE_FD)).expect("exportable");
    assert!(matches!(exported.memory().export_fd(dma_buf), Err(Error::ExportUnsupported { .. })), "another type");
    assert!(
        matches!(exported.memory().export_fd(OPAQUE_FD | dma_buf), Err(Error::ExportUnsupported { .. })),
        "two at once"
    );
    assert_eq!(gpu.alloc().leak_report().len(), 2);
}
