//! Session 9's review mends (issue 16, helper "mend10", findings of the read-only review
//! "review9"): a download that another recording's layout change overtakes, a fence whose lent
//! handle a pending submission of the caller's still signals, and allocations past
//! `maxMemoryAllocationSize` other than buffers. `docs/VALID_USAGE.md`, "Session 9 review
//! mends", maps each to its check.

use vkres::memory::MemoryRequest;
use vkres::{BatchError, Error, Fence, Image, ImageDesc, ImageUpload, MemoryAllocator, TransientMemory, vk};

use super::{Case, case};
use crate::recorder::OwnCommands;
use crate::support::{Gpu, HeldSubmission};

const USAGE: vk::ImageUsageFlags = vk::ImageUsageFlags::from_raw(
    vk::ImageUsageFlags::SAMPLED.as_raw()
        | vk::ImageUsageFlags::TRANSFER_SRC.as_raw()
        | vk::ImageUsageFlags::TRANSFER_DST.as_raw(),
);

/// A 4x4 RGBA image with contents (uploaded and waited for), in `SHADER_READ_ONLY_OPTIMAL`.
fn image(gpu: &Gpu) -> vkres::Result<Image> {
    let image = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, USAGE).name("image"))?;
    let mut batch = gpu.alloc().batch()?;
    batch.upload_image(&image, &[7; 64], &ImageUpload::default())?;
    batch.submit_and_wait()?;
    Ok(image)
}

/// Another batch transitions `image` to `GENERAL` and is submitted (handed off) while the
/// caller's recording of a download of it is not yet.
fn transition_elsewhere(gpu: &Gpu, image: &Image) -> vkres::Result<()> {
    let mut second = gpu.alloc().batch()?;
    second.transition_image(image, vk::ImageLayout::GENERAL)?;
    second.submit_and_wait()
}

/// `maxMemoryAllocationSize` plus one byte (the device's limit; `u64::MAX` where it gave none).
fn past_allocation_limit(gpu: &Gpu) -> u64 {
    gpu.ctx().capabilities().max_memory_allocation_size.saturating_add(1)
}

/// Memory requirements of `size` bytes, any memory type.
fn requirements(size: u64) -> vk::MemoryRequirements {
    vk::MemoryRequirements { size, alignment: 256, memory_type_bits: !0 }
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("batch: image download handed off after another batch's transition of the image (was a barrier from the old layout)", |gpu| {
            let image = image(gpu)?;
            let mut first = gpu.alloc().batch()?;
            let _download = first.download_image(&image)?;
            transition_elsewhere(gpu, &image)?;
            first.submit_and_wait()
        } => Error::InUseByRecordedWork { ref name, holds: 1 } if name.starts_with("image")),
        case!("recorder: image download finished after another batch's transition of the image", |gpu| {
            let image = image(gpu)?;
            let own = OwnCommands::begin(gpu);
            let fence = Fence::new(gpu.ctx(), false)?;
            // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once with
            // `fence` (taken after `finish`) only if `finish` accepts it, and waited for.
            let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
            let _download = recorder.download_image(&image)?;
            transition_elsewhere(gpu, &image)?;
            let work = recorder.finish(&fence)?;
            own.submit(&fence);
            work.wait()
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("recorder: finish with a fence whose lent handle signals the caller's pending submission", |gpu| {
            let fence = Fence::new(gpu.ctx(), false)?;
            let held = HeldSubmission::with_handle(gpu, &fence)?;
            let target = gpu.device_buffer(16, "target");
            let own = OwnCommands::begin(gpu);
            // SAFETY: `own.cmd` is recording, of the context's queue family; never submitted
            // (the held submission signals the fence, so the `InFlight` of an accepted
            // `finish`, dropped after it, does not wait).
            let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
            recorder.upload_bytes(&target, 0, &[7; 16])?;
            let finished = recorder.finish(&fence);
            held.open()?;
            finished
        } => Error::Batch(BatchError::FenceBusy)),
        case!("prepare_for_own_submission of a fence whose lent handle signals a pending submission", |gpu| {
            let fence = Fence::new(gpu.ctx(), false)?;
            let held = HeldSubmission::with_handle(gpu, &fence)?;
            let prepared = fence.prepare_for_own_submission();
            held.open()?;
            prepared
        } => Error::Batch(BatchError::FenceBusy)),
        case!("bare memory past maxMemoryAllocationSize", |gpu| {
            vkres::VmaAllocator::new(gpu.ctx())?
                .allocate_memory(&requirements(past_allocation_limit(gpu)), &MemoryRequest::new("bare"))
                .map(drop)
        } => Error::LimitExceeded { ref name, .. } if name == "bare"),
        case!("transient memory past maxMemoryAllocationSize", |gpu| {
            let backend = gpu.alloc().memory_allocator().clone();
            TransientMemory::new(backend, &requirements(past_allocation_limit(gpu)), &MemoryRequest::new("transient"))
                .map(drop)
        } => Error::LimitExceeded { ref name, .. } if name == "transient"),
        // 4 GiB: past the H100's maxMemoryAllocationSize (4 GiB - 2 MiB) within its
        // maxResourceSize, where it reached vkAllocateMemory; lavapipe's maxResourceSize (or
        // its maximum extent) refuses it first.
        case!("image of 16384x16384 R32G32B32A32_SFLOAT (4 GiB, one allocation)", |gpu| {
            let desc = ImageDesc::new_2d(vk::Format::R32G32B32A32_SFLOAT, 16384, 16384, USAGE).name("huge");
            gpu.alloc().create_image(&desc).map(drop)
        } => Error::LimitExceeded { ref name, .. } if name == "huge"),
    ]
}

#[test]
fn mend10_cases() {
    super::run("mend10", cases);
}

/// What the download's hold must not refuse: two downloads of one image in two recordings,
/// and a download handed off before another recording's transition (it runs first).
#[test]
fn downloads_do_not_refuse_each_other_and_a_download_handed_off_first_is_no_obstacle() {
    let gpu = Gpu::new();
    let image = image(&gpu).expect("image");
    let mut first = gpu.alloc().batch().expect("batch");
    let a = first.download_image(&image).expect("first download");
    let mut second = gpu.alloc().batch().expect("batch");
    let b = second.download_image(&image).expect("a second download of the same image, elsewhere");
    let mut third = gpu.alloc().batch().expect("batch");
    third.transition_image(&image, vk::ImageLayout::GENERAL).expect("a transition while downloads are recorded");
    second.submit_and_wait().expect("second");
    first.submit_and_wait().expect("first");
    third.submit_and_wait().expect("the transition, handed off after both downloads");
    assert_eq!(a.bytes().expect("first bytes"), [7; 64]);
    assert_eq!(b.bytes().expect("second bytes"), [7; 64]);
    assert_eq!(image.layout(), vk::ImageLayout::GENERAL);
    // A download recorded after a write or transition elsewhere is still refused (the hold
    // of a download is not counted as a writer, that of a transition is).
    let mut writer = gpu.alloc().batch().expect("batch");
    writer.transition_image(&image, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL).expect("transition");
    let mut reader = gpu.alloc().batch().expect("batch");
    assert!(matches!(reader.download_image(&image), Err(Error::InUseByRecordedWork { .. })));
    writer.submit_and_wait().expect("writer");
    drop(reader);
    assert!(gpu.log().take().is_empty());
}
