//! Host reads and downloads against recorded work that may write what they read (issue 16,
//! helper "sound3"): `SubBuffer::read` while a use of the range is pending, a mapped buffer
//! held by a recorder's `keep_alive` (the caller's commands may write it), and an image
//! download recorded while another recording writes or transitions the image.

use vkres::{Buffer, BufferDesc, Error, Image, ImageDesc, ImageUpload, MappingType, SubBuffer, vk};

use super::{Case, case};
use crate::recorder::OwnCommands;
use crate::support::Gpu;

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw()
        | vk::BufferUsageFlags::STORAGE_BUFFER.as_raw(),
);

/// Two ranges, and the ranges asked for before them (kept alive).
type Ranges = (SubBuffer<u32>, SubBuffer<u32>, Vec<SubBuffer<u32>>);

/// Two ranges of four `u32`s of a host-random arena; with `slab`, from a slab (more than 16
/// of one size asked for first, kept in the third value).
fn ranges(gpu: &Gpu, slab: bool) -> vkres::Result<Ranges> {
    let arena = gpu
        .alloc()
        .create_buffer_arena(&BufferDesc::new(1 << 16, USAGE).mapping(MappingType::HostAccessRandom).name("arena"))?;
    let warm = (0..if slab { 40 } else { 0 }).map(|_| arena.allocate::<u32>(4)).collect::<Result<_, _>>()?;
    Ok((arena.allocate::<u32>(4)?, arena.allocate::<u32>(4)?, warm))
}

/// `pending` records work on a range in an unsubmitted batch, then the range is read (the
/// result); the other range of the arena, which no work uses, must be readable meanwhile.
fn read_while_pending(
    gpu: &Gpu,
    slab: bool,
    pending: fn(&mut vkres::Batch<'_>, &SubBuffer<u32>) -> vkres::Result<()>,
) -> vkres::Result<()> {
    let (range, other, _warm) = ranges(gpu, slab)?;
    let mut batch = gpu.alloc().batch()?;
    pending(&mut batch, &range)?;
    let refused = range.read_vec().map(drop);
    other.read_vec().map_err(|e| Error::InvalidDescription {
        name: "other range".into(),
        reason: format!("a range no work uses was refused: {e}"),
    })?;
    batch.submit_and_wait()?;
    refused
}

/// A mapped buffer of four `u32`s.
fn mapped(gpu: &Gpu) -> vkres::Result<Buffer<u32>> {
    gpu.alloc().create_typed_buffer(&BufferDesc::new(16, USAGE).mapping(MappingType::HostAccessRandom).name("mapped"))
}

/// `access` of `buffer` while a recorder (the caller's command buffer, never submitted) holds
/// it with `keep_alive` (`read_only`: `keep_alive_read_only`).
fn access_while_kept_alive(
    gpu: &Gpu,
    buffer: &Buffer<u32>,
    read_only: bool,
    access: impl FnOnce(&Buffer<u32>) -> vkres::Result<()>,
) -> vkres::Result<()> {
    let own = OwnCommands::begin(gpu);
    // SAFETY: `own.cmd` is recording, of the context's queue family; the recorder is dropped
    // unfinished and the command buffer never submitted.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    if read_only {
        // SAFETY: no command is recorded at all.
        unsafe { recorder.keep_alive_read_only(buffer) };
    } else {
        recorder.keep_alive(buffer);
    }
    access(buffer)
}

/// A 4x4 RGBA image with contents (uploaded and waited for), shader-readable.
fn image(gpu: &Gpu) -> vkres::Result<Image> {
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST;
    let image = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, usage).name("image"))?;
    let mut batch = gpu.alloc().batch()?;
    batch.upload_image(&image, &[7; 64], &ImageUpload::default())?;
    batch.submit_and_wait()?;
    Ok(image)
}

/// A download of the image recorded in a second batch while `pending` (recorded into a first,
/// unsubmitted one) writes or transitions it.
fn download_while_pending(
    gpu: &Gpu,
    pending: fn(&mut vkres::Batch<'_>, &Image) -> vkres::Result<()>,
) -> vkres::Result<()> {
    let image = image(gpu)?;
    let mut first = gpu.alloc().batch()?;
    pending(&mut first, &image)?;
    let mut second = gpu.alloc().batch()?;
    let refused = second.download_image(&image).map(drop);
    first.submit_and_wait()?;
    refused
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("SubBuffer::read of a range an unsubmitted upload writes", |gpu| {
            read_while_pending(gpu, false, |batch, range| batch.upload_sub(range, 0, &[1, 2, 3, 4]))
        } => Error::InUseByRecordedWork { ref name, holds: 1 } if name.starts_with("arena")),
        case!("SubBuffer::read of a slab slot an unsubmitted upload writes", |gpu| {
            read_while_pending(gpu, true, |batch, range| batch.upload_sub(range, 0, &[1, 2, 3, 4]))
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("SubBuffer::write into a range an unsubmitted download reads (its read accepted)", |gpu| {
            let (range, _other, _warm) = ranges(gpu, false)?;
            range.write(0, &[1, 2, 3, 4])?;
            let mut batch = gpu.alloc().batch()?;
            let download = batch.download_sub(&range)?;
            // A use that only reads: the host read is accepted, the write refused.
            let read = range.read_vec()?;
            let refused = range.write(0, &[9; 4]);
            batch.submit_and_wait()?;
            if read != [1, 2, 3, 4] || download.read::<u32>()? != [1, 2, 3, 4] {
                return Err(Error::InvalidDescription { name: "range".into(), reason: format!("read {read:?}") });
            }
            refused
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("SubBuffer::read of a slab slot an unsubmitted download reads and an upload writes", |gpu| {
            read_while_pending(gpu, true, |batch, range| {
                batch.download_sub(range)?;
                batch.upload_sub(range, 0, &[1, 2, 3, 4])
            })
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("SubBuffer::write into a slab slot a recorder keeps alive read-only (read accepted)", |gpu| {
            let (range, _other, _warm) = ranges(gpu, true)?;
            let own = OwnCommands::begin(gpu);
            // SAFETY: `own.cmd` is recording, of the context's queue family; no command is
            // recorded and it is never submitted.
            let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
            // SAFETY: no command is recorded at all.
            unsafe { recorder.keep_alive_read_only(&range) };
            range.read_vec().map_err(|e| Error::InvalidDescription {
                name: "range".into(),
                reason: format!("a read of a range held read-only was refused: {e}"),
            })?;
            range.write(0, &[1])
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("SubBuffer::read of a range a recorder keeps alive", |gpu| {
            let (range, _other, _warm) = ranges(gpu, false)?;
            let own = OwnCommands::begin(gpu);
            // SAFETY: `own.cmd` is recording, of the context's queue family; never submitted.
            let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
            recorder.keep_alive(&range);
            range.read(1, &mut [0u32; 2])
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("SubBuffer::read of a slab slot while a submitted upload is in flight", |gpu| {
            let (range, _other, _warm) = ranges(gpu, true)?;
            let mut batch = gpu.alloc().batch()?;
            batch.upload_sub(&range, 0, &[5, 6, 7, 8])?;
            let fence = vkres::Fence::new(gpu.ctx(), false)?;
            let in_flight = batch.submit_with_fence(&fence)?;
            let refused = range.read_vec().map(drop);
            in_flight.wait()?;
            // Waited for and dropped: read, with the uploaded bytes.
            let read = range.read_vec()?;
            if read != [5, 6, 7, 8] {
                return Err(Error::InvalidDescription { name: "range".into(), reason: format!("read {read:?}") });
            }
            refused
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("SubBuffer::read past the range's end", |gpu| {
            let (range, _other, _warm) = ranges(gpu, false)?;
            range.read(3, &mut [0u32; 2])
        } => Error::DataTooLarge { .. }),
        case!("SubBuffer::read at element u64::MAX", |gpu| {
            let (range, _other, _warm) = ranges(gpu, true)?;
            range.read(u64::MAX, &mut [0u32; 1])
        } => Error::DataTooLarge { .. }),
        case!("Buffer::read_vec of a mapped buffer a recorder keeps alive", |gpu| {
            let buffer = mapped(gpu)?;
            access_while_kept_alive(gpu, &buffer, false, |b| b.read_vec().map(drop))
        } => Error::InUseByRecordedWork { ref name, holds: 1 } if name == "mapped"),
        case!("map read of a mapped buffer a recorder keeps alive", |gpu| {
            let buffer = mapped(gpu)?;
            access_while_kept_alive(gpu, &buffer, false, |b| b.map()?.read_bytes(0, &mut [0; 16]))
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("Buffer::write into a mapped buffer held read-only (read accepted)", |gpu| {
            let buffer = mapped(gpu)?;
            access_while_kept_alive(gpu, &buffer, true, |b| {
                b.read_vec().map_err(|e| Error::InvalidDescription {
                    name: "mapped".into(),
                    reason: format!("a read of a buffer held read-only was refused: {e}"),
                })?;
                b.write(0, &[1])
            })
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("Buffer::read of a mapped buffer a submitted recorder keeps alive (accepted once waited)", |gpu| {
            let buffer = mapped(gpu)?;
            let own = OwnCommands::begin(gpu);
            let fence = vkres::Fence::new(gpu.ctx(), false)?;
            // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once
            // with `fence` after `finish`, and waited for.
            let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
            recorder.keep_alive(&buffer);
            let in_flight = recorder.finish(&fence)?;
            own.submit(&fence);
            let refused = buffer.read(0, &mut [0; 4]);
            in_flight.wait()?;
            buffer.read(0, &mut [0; 4])?;
            refused
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("image download while another batch's upload into the image is recorded", |gpu| {
            download_while_pending(gpu, |batch, image| batch.upload_image(image, &[9; 64], &ImageUpload::default()))
        } => Error::InUseByRecordedWork { ref name, holds: 1 } if name.starts_with("image")),
        case!("image download while another batch's transition of the image is recorded", |gpu| {
            download_while_pending(gpu, |batch, image| batch.transition_image(image, vk::ImageLayout::GENERAL))
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("image download while a submitted upload is in flight, then its bytes before it ran", |gpu| {
            // Handed off: the download is accepted and reads the upload (submitted after it).
            let image = image(gpu)?;
            let mut first = gpu.alloc().batch()?;
            first.upload_image(&image, &[3; 64], &ImageUpload::default())?;
            let fence = vkres::Fence::new(gpu.ctx(), false)?;
            let in_flight = first.submit_with_fence(&fence)?;
            let mut second = gpu.alloc().batch()?;
            let download = second.download_image(&image)?;
            let early = download.bytes().map(drop);
            second.submit_and_wait()?;
            in_flight.wait()?;
            if download.bytes()? != [3; 64] {
                return Err(Error::InvalidDescription { name: "image".into(), reason: "old bytes".into() });
            }
            early
        } => Error::NotReady { .. }),
        case!("hand-off of a recording whose image another recording handed off since transitioned", |gpu| {
            let image = image(gpu)?;
            // The first batch leaves the image as it found it (SHADER_READ_ONLY), so the second
            // may transition it; handed off first, the second's GENERAL is what the first's
            // barrier (old layout SHADER_READ_ONLY) would meet.
            let mut first = gpu.alloc().batch()?;
            first.transition_image(&image, vk::ImageLayout::TRANSFER_SRC_OPTIMAL)?;
            first.transition_image(&image, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)?;
            let mut second = gpu.alloc().batch()?;
            second.transition_image(&image, vk::ImageLayout::GENERAL)?;
            second.submit_and_wait()?;
            first.submit_and_wait()
        } => Error::InUseByRecordedWork { ref name, holds: 1 } if name.contains("handed off before this one")),
        case!("partial round of a recording whose image another recording handed off since transitioned", |gpu| {
            // Chunks of 64 KiB, budget 256 KiB: the batch submits a round once 128 KiB are staged.
            let alloc = gpu.alloc().with_staging(vkres::StagingConfig { budget: 256 << 10, chunk_size: 64 << 10 })?;
            let image = image(gpu)?;
            let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED;
            let big = alloc.create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 256, 256, usage).name("big"))?;
            // The first batch keeps the layout it found (SHADER_READ_ONLY): no change counted,
            // so the second may transition the image and hand off first.
            let mut first = alloc.batch()?;
            let region = vkres::ImageRegion::level(0).texels([0; 3], [2, 2, 1]);
            first.upload_image_region(&image, &region, &[1; 16], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)?;
            let mut second = alloc.batch()?;
            second.transition_image(&image, vk::ImageLayout::GENERAL)?;
            second.submit_and_wait()?;
            // 256 KiB staged in pieces: a partial round, whose barrier would name SHADER_READ_ONLY.
            first.upload_image(&big, &vec![2; 256 * 256 * 4], &ImageUpload::default())
        } => Error::InUseByRecordedWork { ref name, holds: 1 } if name.contains("handed off before this one")),
        case!("hand-off of a recording after another batch's submitted partial round changed the layout", |gpu| {
            // Chunks of 64 KiB, budget 256 KiB: the batch submits a round once 128 KiB are staged.
            let alloc = gpu.alloc().with_staging(vkres::StagingConfig { budget: 256 << 10, chunk_size: 64 << 10 })?;
            let image = image(gpu)?;
            let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED;
            let big = alloc.create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 256, 256, usage).name("big"))?;
            // The second batch finds the image in SHADER_READ_ONLY and leaves it there (no
            // change counted, no staging held).
            let mut second = alloc.batch()?;
            second.transition_image(&image, vk::ImageLayout::TRANSFER_SRC_OPTIMAL)?;
            second.transition_image(&image, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)?;
            // The first transitions it to GENERAL and submits that in a partial round (256 KiB
            // staged in pieces), so the image is GENERAL on the queue before the second goes.
            let mut first = alloc.batch()?;
            first.transition_image(&image, vk::ImageLayout::GENERAL)?;
            first.upload_image(&big, &vec![2; 256 * 256 * 4], &ImageUpload::default())?;
            let refused = second.submit_and_wait();
            first.submit_and_wait()?;
            refused
        } => Error::InUseByRecordedWork { ref name, holds: 1 } if name.contains("handed off before this one")),
        case!("transition of an image another batch changed in a submitted partial round and has not handed off", |gpu| {
            // Chunks of 64 KiB, budget 256 KiB: the batch submits a round once 128 KiB are staged.
            let alloc = gpu.alloc().with_staging(vkres::StagingConfig { budget: 256 << 10, chunk_size: 64 << 10 })?;
            let image = image(gpu)?;
            let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED;
            let big = alloc.create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 256, 256, usage).name("big"))?;
            // The first batch changes the image's layout and submits that in a partial round:
            // it still counts as changing the image until it is handed off, so another
            // recording's change is refused now, not the first batch's next round later.
            let mut first = alloc.batch()?;
            first.transition_image(&image, vk::ImageLayout::GENERAL)?;
            first.upload_image(&big, &vec![2; 256 * 256 * 4], &ImageUpload::default())?;
            let refused = alloc.batch()?.transition_image(&image, vk::ImageLayout::TRANSFER_SRC_OPTIMAL);
            first.submit_and_wait()?;
            refused
        } => Error::InUseByRecordedWork { .. }),
        case!("transition of a new image another batch's upload is recorded into", |gpu| {
            let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST;
            let image = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, usage))?;
            let mut first = gpu.alloc().batch()?;
            first.upload_image(&image, &[5; 64], &ImageUpload::default())?;
            // From UNDEFINED (the tracked layout) it would discard the upload once it ran after it.
            let refused = gpu.alloc().batch()?.transition_image(&image, vk::ImageLayout::GENERAL);
            first.submit_and_wait()?;
            refused
        } => Error::InUseByRecordedWork { .. }),
        case!("region upload while another batch's transition of the image is recorded", |gpu| {
            let image = image(gpu)?;
            let mut first = gpu.alloc().batch()?;
            first.transition_image(&image, vk::ImageLayout::GENERAL)?;
            let region = vkres::ImageRegion::level(0).texels([0; 3], [2, 2, 1]);
            let refused = gpu.alloc().batch()?.upload_image_region(&image, &region, &[1; 16], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
            first.submit_and_wait()?;
            refused
        } => Error::InUseByRecordedWork { .. }),
        case!("transition while another batch re-uploads the image into the layout it found (accepted; bytes not ready)", |gpu| {
            let image = image(gpu)?;
            let mut first = gpu.alloc().batch()?;
            // SHADER_READ_ONLY_OPTIMAL before and after: the tracked layout stays right.
            first.upload_image(&image, &[6; 64], &ImageUpload::default())?;
            let fence = vkres::Fence::new(gpu.ctx(), false)?;
            let in_flight = first.submit_with_fence(&fence)?;
            let mut second = gpu.alloc().batch()?;
            second.transition_image(&image, vk::ImageLayout::TRANSFER_SRC_OPTIMAL)?;
            let download = second.download_image(&image)?;
            let early = download.bytes().map(drop);
            second.submit_and_wait()?;
            in_flight.wait()?;
            if download.bytes()? != [6; 64] {
                return Err(Error::InvalidDescription { name: "image".into(), reason: "not the re-uploaded bytes".into() });
            }
            early
        } => Error::NotReady { .. }),
        case!("image download after the batch's own upload, while another batch's upload is recorded (accepted; bytes not ready)", |gpu| {
            let image = image(gpu)?;
            let mut first = gpu.alloc().batch()?;
            first.upload_image(&image, &[1; 64], &ImageUpload::default())?;
            let fence = vkres::Fence::new(gpu.ctx(), false)?;
            let in_flight = first.submit_with_fence(&fence)?;
            let mut second = gpu.alloc().batch()?;
            second.upload_image(&image, &[2; 64], &ImageUpload::default())?;
            // Reads what this batch wrote, after its own barriers: accepted.
            let download = second.download_image(&image)?;
            let early = download.bytes().map(drop);
            second.submit_and_wait()?;
            in_flight.wait()?;
            if download.bytes()? != [2; 64] {
                return Err(Error::InvalidDescription { name: "image".into(), reason: "not the batch's own bytes".into() });
            }
            early
        } => Error::NotReady { .. }),
        case!("image download's bytes before its batch finished (own upload first: accepted)", |gpu| {
            let image = image(gpu)?;
            let mut batch = gpu.alloc().batch()?;
            batch.upload_image(&image, &[4; 64], &ImageUpload::default())?;
            // The batch's own upload does not stop its download (ordered by its barriers).
            let download = batch.download_image(&image)?;
            let early = download.bytes().map(drop);
            batch.submit_and_wait()?;
            if download.bytes()? != [4; 64] {
                return Err(Error::InvalidDescription { name: "image".into(), reason: "old bytes".into() });
            }
            early
        } => Error::NotReady { .. }),
    ]
}

#[test]
fn pending_read_cases() {
    super::run("pending reads", cases);
}
