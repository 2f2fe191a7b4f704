//! `Batch` methods: uploads, copies, downloads and layout transitions with input they must
//! refuse before anything is recorded; fences and downloads used out of order.

use vkres::{Buffer, BufferDesc, Error, Fence, Image, ImageDesc, ImageUpload, MipSource, vk};

use super::{Case, case};
use crate::support::Gpu;

const DST: vk::BufferUsageFlags = vk::BufferUsageFlags::TRANSFER_DST;
const SRC: vk::BufferUsageFlags = vk::BufferUsageFlags::TRANSFER_SRC;
const STORAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::STORAGE_BUFFER;

fn buffer(gpu: &Gpu, size: u64, usage: vk::BufferUsageFlags) -> Buffer {
    gpu.alloc().create_buffer(&BufferDesc::new(size, usage).name("batch buffer")).expect("buffer")
}

fn image(gpu: &Gpu, format: vk::Format, usage: vk::ImageUsageFlags) -> Image {
    gpu.alloc().create_image(&ImageDesc::new_2d(format, 4, 4, usage).name("batch image")).expect("image")
}

const RGBA: vk::Format = vk::Format::R8G8B8A8_UNORM;
const UP: vk::ImageUsageFlags = vk::ImageUsageFlags::TRANSFER_DST;

/// Transitions a fresh RGBA image with `usage` to `layout`.
fn transition(gpu: &Gpu, usage: vk::ImageUsageFlags, layout: vk::ImageLayout) -> vkres::Result<()> {
    let image = image(gpu, RGBA, usage);
    gpu.alloc().batch()?.transition_image(&image, layout)
}

/// Uploads to a fresh RGBA image with `usage`, ending in `layout`.
fn upload_to(gpu: &Gpu, usage: vk::ImageUsageFlags, layout: vk::ImageLayout) -> vkres::Result<()> {
    let image = image(gpu, RGBA, usage | UP);
    let upload = ImageUpload { final_layout: layout, ..ImageUpload::default() };
    gpu.alloc().batch()?.upload_image(&image, &[0; 64], &upload)
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("upload without TRANSFER_DST", |gpu| gpu.alloc().batch()?.upload_bytes(&buffer(gpu, 16, STORAGE), 0, &[0; 4])
            => Error::MissingUsage { operation: "an upload", .. }),
        case!("upload past the end", |gpu| gpu.alloc().batch()?.upload_bytes(&buffer(gpu, 8, DST), 4, &[0; 5])
            => Error::DataTooLarge { offset: 4, given: 5, capacity: 8, .. }),
        case!("upload at offset u64::MAX", |gpu| gpu.alloc().batch()?.upload_bytes(&buffer(gpu, 8, DST), u64::MAX, &[0; 1])
            => Error::DataTooLarge { .. }),
        case!("typed upload at element u64::MAX", |gpu| {
            let typed = gpu.alloc().create_typed_buffer::<u32>(&BufferDesc::new(16, DST)).expect("typed");
            gpu.alloc().batch()?.upload(&typed, u64::MAX, &[1u32])
        } => Error::DataTooLarge { .. }),
        case!("copy from a buffer without TRANSFER_SRC", |gpu| gpu.alloc().batch()?.copy_buffer(
            &buffer(gpu, 16, STORAGE), 0, &buffer(gpu, 16, DST), 0, 16)
            => Error::MissingUsage { operation: "a copy", .. }),
        case!("copy into a buffer without TRANSFER_DST", |gpu| gpu.alloc().batch()?.copy_buffer(
            &buffer(gpu, 16, SRC), 0, &buffer(gpu, 16, STORAGE), 0, 16)
            => Error::MissingUsage { operation: "a copy", .. }),
        case!("copy past the source's end", |gpu| gpu.alloc().batch()?.copy_buffer(
            &buffer(gpu, 16, SRC), 8, &buffer(gpu, 32, DST), 0, 16)
            => Error::DataTooLarge { .. }),
        case!("copy past the destination's end", |gpu| gpu.alloc().batch()?.copy_buffer(
            &buffer(gpu, 32, SRC), 0, &buffer(gpu, 16, DST), 8, 16)
            => Error::DataTooLarge { .. }),
        case!("copy of u64::MAX bytes", |gpu| gpu.alloc().batch()?.copy_buffer(
            &buffer(gpu, 16, SRC), 0, &buffer(gpu, 16, DST), 0, u64::MAX)
            => Error::DataTooLarge { .. }),
        case!("download without TRANSFER_SRC", |gpu| gpu.alloc().batch()?.download_buffer(&buffer(gpu, 16, STORAGE)).map(drop)
            => Error::MissingUsage { .. }),
        case!("download read before the batch ran", |gpu| {
            let mut batch = gpu.alloc().batch()?;
            let download = batch.download_buffer(&buffer(gpu, 16, SRC))?;
            download.bytes().map(drop)
        } => Error::NotReady { .. }),
        case!("download of 6 bytes read as u32s", |gpu| {
            let mut batch = gpu.alloc().batch()?;
            let download = batch.download_buffer(&buffer(gpu, 6, SRC))?;
            batch.submit_and_wait()?;
            download.read::<u32>().map(drop)
        } => Error::NotWholeElements { bytes: 6, element: 4, .. }),
        case!("a fence that signals a pending submission", |gpu| {
            // Pending however fast the device: the first submission waits on a host-signalled gate.
            let fence = Fence::new(gpu.ctx(), false)?;
            let held = crate::support::HeldSubmission::new(gpu, &fence)?;
            let target = buffer(gpu, 16, DST);
            let mut second = gpu.alloc().batch()?;
            second.upload_bytes(&target, 0, &[2; 16])?;
            let result = second.submit_with_fence(&fence).map(drop);
            held.open()?;
            result
        } => Error::Batch(vkres::BatchError::FenceBusy)),
        case!("a fence whose lent handle signals the caller's pending submission", |gpu| {
            // The caller took `handle()` and submitted its own work with it (no
            // `prepare_for_own_submission`): vkres must not submit with it too (VUID-vkQueueSubmit2-fence-04895).
            let fence = Fence::new(gpu.ctx(), false)?;
            let held = crate::support::HeldSubmission::with_handle(gpu, &fence)?;
            let target = buffer(gpu, 16, DST);
            let mut second = gpu.alloc().batch()?;
            second.upload_bytes(&target, 0, &[2; 16])?;
            let result = second.submit_with_fence(&fence).map(drop);
            held.open()?;
            result
        } => Error::Batch(vkres::BatchError::FenceBusy)),
        case!("a fence whose handle was lent and not yet submitted with", |gpu| {
            let fence = Fence::new(gpu.ctx(), false)?;
            let _ = fence.handle();
            let target = buffer(gpu, 16, DST);
            let mut batch = gpu.alloc().batch()?;
            batch.upload_bytes(&target, 0, &[2; 16])?;
            batch.submit_with_fence(&fence).map(drop)
        } => Error::Batch(vkres::BatchError::FenceBusy)),
        case!("image upload without TRANSFER_DST", |gpu| gpu.alloc().batch()?.upload_image(
            &image(gpu, RGBA, vk::ImageUsageFlags::SAMPLED), &[0; 64], &ImageUpload::default())
            => Error::MissingUsage { operation: "an upload", .. }),
        case!("image data one byte short", |gpu| gpu.alloc().batch()?.upload_image(
            &image(gpu, RGBA, UP), &[0; 63], &ImageUpload::default())
            => Error::ImageDataSize { expected: 64, given: 63, .. }),
        case!("image data one byte long", |gpu| gpu.alloc().batch()?.upload_image(
            &image(gpu, RGBA, UP), &[0; 65], &ImageUpload::default())
            => Error::ImageDataSize { expected: 64, given: 65, .. }),
        case!("depth-stencil image data", |gpu| {
            let format = vk::Format::D32_SFLOAT_S8_UINT;
            let usage = UP | vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT;
            match gpu.alloc().create_image(&ImageDesc::new_2d(format, 4, 4, usage)) {
                Ok(image) => gpu.alloc().batch()?.upload_image(&image, &[0; 80], &ImageUpload::default()),
                Err(e) => Err(e),
            }
        } => Error::FormatNotTransferable { .. } | Error::UnsupportedFormat { .. }),
        case!("upload ending in UNDEFINED", |gpu| upload_to(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::UNDEFINED)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-newLayout-01198", .. }),
        case!("upload ending as colour attachment without the usage", |gpu| upload_to(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01208", .. }),
        case!("upload ending in a depth layout on a colour format", |gpu| upload_to(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01209", .. }),
        case!("upload ending shader-readable without SAMPLED", |gpu| upload_to(gpu, vk::ImageUsageFlags::STORAGE, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01211", .. }),
        case!("generated mips without TRANSFER_SRC", |gpu| {
            let desc = ImageDesc::new_2d(RGBA, 4, 4, UP | vk::ImageUsageFlags::SAMPLED).mip_levels(3);
            let image = gpu.alloc().create_image(&desc).expect("image");
            gpu.alloc().batch()?.upload_image(&image, &[0; 64], &ImageUpload::generate_mips())
        } => Error::MissingUsage { operation: "mip generation", .. }),
        case!("generated mips of an integer format", |gpu| {
            let usage = UP | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::SAMPLED;
            let desc = ImageDesc::new_2d(vk::Format::R32_UINT, 4, 4, usage).mip_levels(3);
            let image = gpu.alloc().create_image(&desc).expect("image");
            let upload = ImageUpload { mips: MipSource::Generate, ..ImageUpload::default() };
            gpu.alloc().batch()?.upload_image(&image, &[0; 64], &upload)
        } => Error::MipGenerationUnsupported { .. }),
        case!("transition to PREINITIALIZED", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::PREINITIALIZED)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-newLayout-01198", .. }),
        case!("transition to colour attachment without the usage", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01208", .. }),
        case!("transition to depth attachment on a colour format", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01209", .. }),
        case!("transition to depth read-only on a colour format", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::DEPTH_READ_ONLY_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-srcQueueFamilyIndex-04065", .. }),
        case!("transition to stencil attachment on a colour format", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::STENCIL_ATTACHMENT_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-srcQueueFamilyIndex-04068", .. }),
        case!("transition to depth-stencil read-only on a sampled colour image", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::DEPTH_STENCIL_READ_ONLY_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01210", .. }),
        case!("transition to depth read-only, stencil attachment", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::DEPTH_READ_ONLY_STENCIL_ATTACHMENT_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01658", .. }),
        case!("transition to depth attachment, stencil read-only", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::DEPTH_ATTACHMENT_STENCIL_READ_ONLY_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01659", .. }),
        case!("transition to depth attachment on a sampled colour image", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::DEPTH_ATTACHMENT_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-srcQueueFamilyIndex-04066", .. }),
        case!("transition to stencil read-only on a colour format", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::STENCIL_READ_ONLY_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-srcQueueFamilyIndex-04067", .. }),
        case!("transition to shader-readable without SAMPLED", |gpu| transition(gpu, vk::ImageUsageFlags::STORAGE, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01211", .. }),
        case!("transition to transfer source without the usage", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::TRANSFER_SRC_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01212", .. }),
        case!("transition to transfer destination without the usage", |gpu| transition(gpu, vk::ImageUsageFlags::SAMPLED, vk::ImageLayout::TRANSFER_DST_OPTIMAL)
            => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01213", .. }),
        case!("image download without TRANSFER_SRC", |gpu| gpu.alloc().batch()?.download_image(&image(gpu, RGBA, UP)).map(drop)
            => Error::MissingUsage { operation: "a download", .. }),
        case!("download of an image never written", |gpu| gpu.alloc().batch()?.download_image(
            &image(gpu, RGBA, vk::ImageUsageFlags::TRANSFER_SRC)).map(drop)
            => Error::Uninitialized { .. }),
    ]
}

#[test]
fn batch_cases() {
    super::run("batch", cases);
}
