//! A `Recorder` on the caller's own command buffer: the batch's rules hold for it (usage,
//! ranges, overlaps, layouts), plus its own: staging it cannot split into rounds, fences and
//! downloads used out of order.

use vkres::{Buffer, BufferDesc, Error, Fence, Image, ImageDesc, ImageRegion, ImageUpload, vk};

use super::{Case, case};
use crate::support::{Gpu, with_command_buffer};

const RGBA: vk::Format = vk::Format::R8G8B8A8_UNORM;

/// `f` with a recorder on a recording command buffer of `gpu`'s own, never submitted (its pool
/// is destroyed after).
fn with_recorder(gpu: &Gpu, f: impl FnOnce(vkres::Recorder<'_>) -> vkres::Result<()>) -> vkres::Result<()> {
    with_command_buffer(gpu, |cmd| {
        // SAFETY: `cmd` is recording, of the context's queue family, and never submitted.
        f(unsafe { gpu.alloc().recorder(cmd) })
    })
}

fn buffer(gpu: &Gpu, size: u64, usage: vk::BufferUsageFlags) -> Buffer {
    gpu.alloc().create_buffer(&BufferDesc::new(size, usage).name("recorder buffer")).expect("buffer")
}

fn image(gpu: &Gpu, usage: vk::ImageUsageFlags) -> Image {
    gpu.alloc().create_image(&ImageDesc::new_2d(RGBA, 4, 4, usage).name("recorder image")).expect("image")
}

const DST: vk::BufferUsageFlags = vk::BufferUsageFlags::TRANSFER_DST;
const SRC: vk::BufferUsageFlags = vk::BufferUsageFlags::TRANSFER_SRC;

pub fn cases() -> Vec<Case> {
    vec![
        case!("recorder upload without TRANSFER_DST", |gpu| with_recorder(gpu, |mut r| {
            r.upload_bytes(&buffer(gpu, 16, vk::BufferUsageFlags::STORAGE_BUFFER), 0, &[1; 4])
        }) => Error::MissingUsage { operation: "an upload", .. }),
        case!("recorder upload past the end", |gpu| with_recorder(gpu, |mut r| {
            r.upload_bytes(&buffer(gpu, 16, DST), 12, &[1; 8])
        }) => Error::DataTooLarge { .. }),
        case!("recorder upload at element offset u64::MAX", |gpu| with_recorder(gpu, |mut r| {
            r.upload(&buffer(gpu, 16, DST).cast::<u32>(), u64::MAX, &[1u32])
        }) => Error::DataTooLarge { .. }),
        case!("recorder upload larger than the staging budget", |gpu| {
            let small = gpu.alloc().with_staging(vkres::StagingConfig { budget: 1 << 16, chunk_size: 1 << 16 })?;
            let dst = buffer(gpu, 1 << 17, DST);
            with_command_buffer(gpu, |cmd| {
                // SAFETY: recording, never submitted.
                unsafe { small.recorder(cmd) }.upload_bytes(&dst, 0, &vec![7; 1 << 17])
            })
        } => Error::StagingExhausted { .. }),
        case!("recorder copy of overlapping ranges", |gpu| with_recorder(gpu, |mut r| {
            let b = buffer(gpu, 64, SRC | DST);
            r.copy_buffer(&b, 0, &b, 8, 16)
        }) => Error::OverlappingCopy { .. }),
        case!("recorder copy of u64::MAX bytes", |gpu| with_recorder(gpu, |mut r| {
            r.copy_buffer(&buffer(gpu, 16, SRC), 0, &buffer(gpu, 16, DST), 0, u64::MAX)
        }) => Error::DataTooLarge { .. }),
        case!("recorder download without TRANSFER_SRC", |gpu| with_recorder(gpu, |mut r| {
            r.download_buffer(&buffer(gpu, 16, DST)).map(drop)
        }) => Error::MissingUsage { .. }),
        case!("recorder download read before the fence", |gpu| with_recorder(gpu, |mut r| {
            let download = r.download_buffer(&buffer(gpu, 16, SRC))?;
            download.bytes().map(drop)
        }) => Error::NotReady { .. }),
        case!("recorder image upload of the wrong size", |gpu| with_recorder(gpu, |mut r| {
            r.upload_image(&image(gpu, vk::ImageUsageFlags::TRANSFER_DST), &[0; 60], &ImageUpload::default())
        }) => Error::ImageDataSize { expected: 64, given: 60, .. }),
        case!("recorder transition back to UNDEFINED", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::SAMPLED);
            r.transition_image(&image, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)?;
            r.transition_image(&image, vk::ImageLayout::UNDEFINED)
        }) => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-newLayout-01198", .. }),
        case!("recorder transition to a depth layout on a colour image", |gpu| with_recorder(gpu, |mut r| {
            r.transition_image(&image(gpu, vk::ImageUsageFlags::SAMPLED), vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
        }) => Error::ValidUsage { .. }),
        case!("recorder download of an image never written", |gpu| with_recorder(gpu, |mut r| {
            r.download_image(&image(gpu, vk::ImageUsageFlags::TRANSFER_SRC)).map(drop)
        }) => Error::Uninitialized { .. }),
        case!("recorder finished with a fence a pending submission signals", |gpu| {
            let fence = Fence::new(gpu.ctx(), false)?;
            let held = crate::support::HeldSubmission::new(gpu, &fence)?;
            let result = with_recorder(gpu, |r| r.finish(&fence).map(drop));
            held.open()?;
            result
        } => Error::Batch(vkres::BatchError::FenceBusy)),
        case!("tracked layout set to a depth layout on a colour image", |gpu| {
            let image = image(gpu, vk::ImageUsageFlags::SAMPLED);
            // SAFETY: refused before anything is tracked: no work starts from the layout.
            unsafe { image.set_tracked_layout(vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL) }
        } => Error::ValidUsage { .. }),
        case!("tracked layout set to a layout whose usage the image lacks", |gpu| {
            let image = image(gpu, vk::ImageUsageFlags::SAMPLED);
            // SAFETY: refused before anything is tracked: no work starts from the layout.
            unsafe { image.set_tracked_layout(vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL) }
        } => Error::ValidUsage { .. }),
        case!("region upload ending in a depth layout on a colour image", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED);
            r.upload_image_region(&image, &ImageRegion::level(0), &[0; 64], vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
        }) => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01209", .. }),
        case!("region upload ending as colour attachment without the usage", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED);
            r.upload_image_region(&image, &ImageRegion::level(0), &[0; 64], vk::ImageLayout::COLOR_ATTACHMENT_OPTIMAL)
        }) => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01208", .. }),
        case!("region upload ending shader-readable without SAMPLED", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::TRANSFER_DST);
            r.upload_image_region(&image, &ImageRegion::level(0), &[0; 64], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
        }) => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-oldLayout-01211", .. }),
        case!("region upload ending in UNDEFINED", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED);
            r.upload_image_region(&image, &ImageRegion::level(0), &[0; 64], vk::ImageLayout::UNDEFINED)
        }) => Error::InvalidDescription { .. }),
        case!("region of mip level 1 of a one-level image", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED);
            r.upload_image_region(&image, &ImageRegion::level(1), &[0; 16], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
        }) => Error::InvalidDescription { .. }),
        case!("region of zero layers", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED);
            r.upload_image_region(&image, &ImageRegion::level(0).layers(0, 0), &[], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
        }) => Error::InvalidDescription { .. }),
        case!("region of layers u32::MAX..+2", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED);
            r.upload_image_region(&image, &ImageRegion::level(0).layers(u32::MAX, 2), &[0; 128], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
        }) => Error::InvalidDescription { .. }),
        case!("region of texels past the level", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED);
            let region = ImageRegion::level(0).texels([3, 3, 0], [2, 2, 1]);
            r.upload_image_region(&image, &region, &[0; 16], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
        }) => Error::InvalidDescription { .. }),
        case!("region at texel offset u32::MAX", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED);
            let region = ImageRegion::level(0).texels([u32::MAX, 0, 0], [1, 1, 1]);
            r.upload_image_region(&image, &region, &[0; 4], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
        }) => Error::InvalidDescription { .. }),
        case!("region data one byte short", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED);
            let region = ImageRegion::level(0).texels([0, 0, 0], [2, 2, 1]);
            r.upload_image_region(&image, &region, &[0; 15], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
        }) => Error::ImageDataSize { expected: 16, given: 15, .. }),
        case!("region upload without TRANSFER_DST", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::ImageUsageFlags::SAMPLED);
            r.upload_image_region(&image, &ImageRegion::level(0), &[0; 64], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
        }) => Error::MissingUsage { .. }),
        case!("recorder BLAS of no geometry", |gpu| with_recorder(gpu, |mut r| {
            r.build_blas(&vkres::BlasDesc::new("empty")).map(drop)
        }) => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("recorder TLAS of no instances", |gpu| with_recorder(gpu, |mut r| {
            r.build_tlas(&vkres::TlasDesc::new("empty")).map(drop)
        }) => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
    ]
}

#[test]
fn recorder_cases() {
    super::run("recorder", cases);
}
