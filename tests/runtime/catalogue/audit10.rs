//! Session 10's hostile-user audit (issue 16, helper "audit10"): a `Recorder` on the caller's
//! command buffer given resources and fences of another context, zero-byte copies at the end
//! of the address space, regions off a level's edges, one fence for two recordings; layouts
//! that name an aspect the image's format does not have (or only one of the two it has);
//! per-frame bundles given frames past their copies and `resize` given sizes no image can be.
//! Each refused with a typed error before Vulkan sees it.

use vkres::{
    Buffer, BufferDesc, Error, Fence, GpuResources, Image, ImageDesc, ImageRegion, ImageUpload, ImageView, PerFrame, vk,
};

use super::{Case, case};
use crate::recorder::OwnCommands;
use crate::support::{Gpu, with_command_buffer};

const RGBA: vk::Format = vk::Format::R8G8B8A8_UNORM;
const SRC: vk::BufferUsageFlags = vk::BufferUsageFlags::TRANSFER_SRC;
const DST: vk::BufferUsageFlags = vk::BufferUsageFlags::TRANSFER_DST;
const IMAGE_TRANSFER: vk::ImageUsageFlags = vk::ImageUsageFlags::from_raw(
    vk::ImageUsageFlags::TRANSFER_DST.as_raw()
        | vk::ImageUsageFlags::TRANSFER_SRC.as_raw()
        | vk::ImageUsageFlags::SAMPLED.as_raw(),
);
const DEPTH_USAGE: vk::ImageUsageFlags =
    vk::ImageUsageFlags::from_raw(IMAGE_TRANSFER.as_raw() | vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT.as_raw());

/// `f` with a recorder on a recording command buffer of `gpu`'s own, never submitted.
fn with_recorder(gpu: &Gpu, f: impl FnOnce(vkres::Recorder<'_>) -> vkres::Result<()>) -> vkres::Result<()> {
    with_command_buffer(gpu, |cmd| {
        // SAFETY: `cmd` is recording, of the context's queue family, and never submitted.
        f(unsafe { gpu.alloc().recorder(cmd) })
    })
}

fn buffer(gpu: &Gpu, size: u64, usage: vk::BufferUsageFlags) -> Buffer {
    gpu.alloc().create_buffer(&BufferDesc::new(size, usage).name("audit10 buffer")).expect("buffer")
}

fn image(gpu: &Gpu, format: vk::Format, usage: vk::ImageUsageFlags) -> Image {
    gpu.alloc().create_image(&ImageDesc::new_2d(format, 8, 8, usage).name("audit10 image")).expect("image")
}

/// An 8x8 image of `format` with its contents uploaded (so that a transition keeps them).
fn filled(gpu: &Gpu, format: vk::Format, texel: usize) -> vkres::Result<Image> {
    let image = image(gpu, format, DEPTH_USAGE);
    let mut batch = gpu.alloc().batch()?;
    batch.upload_image(&image, &vec![0; 64 * texel], &ImageUpload::default())?;
    batch.submit_and_wait()?;
    Ok(image)
}

/// A transition of `image` to `layout` through a recorder.
fn transition(gpu: &Gpu, image: &Image, layout: vk::ImageLayout) -> vkres::Result<()> {
    with_recorder(gpu, |mut r| r.transition_image(image, layout))
}

#[derive(GpuResources)]
struct Frames {
    #[gpu(buffer(usage = UNIFORM, len = 4, mapping = sequential_write, per_frame))]
    camera: PerFrame<Buffer<u32>>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, input], usage = STORAGE, resize))]
    target: ImageView,
}

fn frames(gpu: &Gpu) -> vkres::Result<Frames> {
    Frames::create(gpu.alloc(), FramesInputs { target_extent: [4, 4], frames_in_flight: 2 })
}

/// A resize of a new bundle to `extent`, through a recorder never submitted.
fn resize(gpu: &Gpu, extent: [u32; 2]) -> vkres::Result<()> {
    let mut bundle = frames(gpu)?;
    with_recorder(gpu, |mut r| bundle.resize(&mut r, FramesSizes { target_extent: extent }))
}

pub fn cases() -> Vec<Case> {
    vec![
        // Resources and fences of another context.
        case!("recorder copy from another context's buffer", |gpu| {
            let other = Gpu::without_validation();
            let src = buffer(&other, 16, SRC);
            with_recorder(gpu, |mut r| r.copy_buffer(&src, 0, &buffer(gpu, 16, DST), 0, 16))
        } => Error::WrongDevice { .. }),
        case!("recorder copy into another context's buffer", |gpu| {
            let other = Gpu::without_validation();
            let dst = buffer(&other, 16, DST);
            with_recorder(gpu, |mut r| r.copy_buffer(&buffer(gpu, 16, SRC), 0, &dst, 0, 16))
        } => Error::WrongDevice { .. }),
        case!("recorder download of another context's buffer", |gpu| {
            let other = Gpu::without_validation();
            let src = buffer(&other, 16, SRC);
            with_recorder(gpu, |mut r| r.download_buffer(&src).map(drop))
        } => Error::WrongDevice { .. }),
        case!("recorder upload into another context's buffer", |gpu| {
            let other = Gpu::without_validation();
            let dst = buffer(&other, 16, DST);
            with_recorder(gpu, |mut r| r.upload(&dst.cast::<u32>(), 0, &[1, 2, 3, 4]))
        } => Error::WrongDevice { .. }),
        case!("recorder transition of another context's image", |gpu| {
            let other = Gpu::without_validation();
            let image = image(&other, RGBA, IMAGE_TRANSFER);
            transition(gpu, &image, vk::ImageLayout::GENERAL)
        } => Error::WrongDevice { .. }),
        case!("recorder image upload into another context's image", |gpu| {
            let other = Gpu::without_validation();
            let image = image(&other, RGBA, IMAGE_TRANSFER);
            with_recorder(gpu, |mut r| r.upload_image(&image, &[0; 256], &ImageUpload::default()))
        } => Error::WrongDevice { .. }),
        case!("recorder region upload into another context's image", |gpu| {
            let other = Gpu::without_validation();
            let image = image(&other, RGBA, IMAGE_TRANSFER);
            with_recorder(gpu, |mut r| {
                r.upload_image_region(&image, &ImageRegion::level(0), &[0; 256], vk::ImageLayout::GENERAL)
            })
        } => Error::WrongDevice { .. }),
        case!("recorder download of another context's image", |gpu| {
            let other = Gpu::without_validation();
            let image = image(&other, RGBA, IMAGE_TRANSFER);
            with_recorder(gpu, |mut r| r.download_image(&image).map(drop))
        } => Error::WrongDevice { .. }),
        case!("recorder alias barrier naming another context's image", |gpu| {
            let other = Gpu::without_validation();
            let image = image(&other, RGBA, IMAGE_TRANSFER);
            with_recorder(gpu, |mut r| r.alias_barrier(&[&image]))
        } => Error::WrongDevice { .. }),
        case!("recorder finished with another context's fence", |gpu| {
            let other = Gpu::without_validation();
            let fence = Fence::new(other.ctx(), false)?;
            with_recorder(gpu, |mut r| {
                r.upload(&buffer(gpu, 16, DST).cast::<u32>(), 0, &[1, 2, 3, 4])?;
                r.finish(&fence).map(drop)
            })
        } => Error::WrongDevice { .. }),
        case!("two recorders finished with one fence", |gpu| {
            let fence = Fence::new(gpu.ctx(), false)?;
            let first = OwnCommands::begin(gpu);
            // SAFETY: `first.cmd` is recording, of the context's queue family; submitted once,
            // with `fence`, after `finish`.
            let in_flight = unsafe { gpu.alloc().recorder(first.cmd) }.finish(&fence)?;
            let second = with_recorder(gpu, |r| r.finish(&fence).map(drop));
            first.submit(&fence);
            in_flight.wait()?;
            second
        } => Error::Batch(vkres::BatchError::FenceBusy)),
        // Sizes and offsets at the edges.
        case!("recorder copy of zero bytes at source offset u64::MAX", |gpu| with_recorder(gpu, |mut r| {
            r.copy_buffer(&buffer(gpu, 16, SRC), u64::MAX, &buffer(gpu, 16, DST), 0, 0)
        }) => Error::DataTooLarge { .. }),
        case!("recorder copy of one byte at destination offset u64::MAX", |gpu| with_recorder(gpu, |mut r| {
            r.copy_buffer(&buffer(gpu, 16, SRC), 0, &buffer(gpu, 16, DST), u64::MAX, 1)
        }) => Error::DataTooLarge { .. }),
        case!("region of a 2D image at depth 1", |gpu| with_recorder(gpu, |mut r| {
            let region = ImageRegion::level(0).texels([0, 0, 1], [1, 1, 1]);
            r.upload_image_region(&image(gpu, RGBA, IMAGE_TRANSFER), &region, &[0; 4], vk::ImageLayout::GENERAL)
        }) => Error::InvalidDescription { .. }),
        case!("region of a 2D image of depth 0 (width and height given)", |gpu| with_recorder(gpu, |mut r| {
            let region = ImageRegion::level(0).texels([0, 0, 0], [2, 2, 0]);
            r.upload_image_region(&image(gpu, RGBA, IMAGE_TRANSFER), &region, &[], vk::ImageLayout::GENERAL)
        }) => Error::InvalidDescription { .. }),
        case!("region of a BC1 image off its block edges", |gpu| with_recorder(gpu, |mut r| {
            let bc1 = image(gpu, vk::Format::BC1_RGBA_UNORM_BLOCK, IMAGE_TRANSFER);
            let region = ImageRegion::level(0).texels([2, 0, 0], [4, 4, 1]);
            r.upload_image_region(&bc1, &region, &[0; 8], vk::ImageLayout::GENERAL)
        }) => Error::InvalidDescription { .. }),
        // Layouts of an aspect the format lacks, or of one of its two aspects only: vkres's
        // barriers cover every aspect of the image (VUID-VkImageMemoryBarrier2-aspectMask-08702,
        // -08703).
        case!("transition of a depth-only image to STENCIL_ATTACHMENT_OPTIMAL", |gpu| {
            transition(gpu, &filled(gpu, vk::Format::D32_SFLOAT, 4)?, vk::ImageLayout::STENCIL_ATTACHMENT_OPTIMAL)
        } => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-aspectMask-08702", .. }),
        case!("transition of a depth-only image to STENCIL_READ_ONLY_OPTIMAL", |gpu| {
            transition(gpu, &filled(gpu, vk::Format::D32_SFLOAT, 4)?, vk::ImageLayout::STENCIL_READ_ONLY_OPTIMAL)
        } => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-aspectMask-08702", .. }),
        case!("depth-only upload ending in STENCIL_READ_ONLY_OPTIMAL", |gpu| with_recorder(gpu, |mut r| {
            let upload = ImageUpload { final_layout: vk::ImageLayout::STENCIL_READ_ONLY_OPTIMAL, ..Default::default() };
            r.upload_image(&image(gpu, vk::Format::D32_SFLOAT, DEPTH_USAGE), &[0; 256], &upload)
        }) => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-aspectMask-08702", .. }),
        case!("depth-only region upload ending in STENCIL_ATTACHMENT_OPTIMAL", |gpu| with_recorder(gpu, |mut r| {
            let image = image(gpu, vk::Format::D32_SFLOAT, DEPTH_USAGE);
            r.upload_image_region(&image, &ImageRegion::level(0), &[0; 256], vk::ImageLayout::STENCIL_ATTACHMENT_OPTIMAL)
        }) => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-aspectMask-08702", .. }),
        case!("tracked layout of a depth-only image set to STENCIL_READ_ONLY_OPTIMAL", |gpu| {
            let image = image(gpu, vk::Format::D32_SFLOAT, DEPTH_USAGE);
            // SAFETY: refused before anything is tracked: no work starts from the layout.
            unsafe { image.set_tracked_layout(vk::ImageLayout::STENCIL_READ_ONLY_OPTIMAL) }
        } => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-aspectMask-08702", .. }),
        case!("transition of a depth-stencil image to DEPTH_ATTACHMENT_OPTIMAL", |gpu| {
            let image = image(gpu, vk::Format::D32_SFLOAT_S8_UINT, DEPTH_USAGE);
            transition(gpu, &image, vk::ImageLayout::DEPTH_ATTACHMENT_OPTIMAL)
        } => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-aspectMask-08703", .. }),
        case!("transition of a depth-stencil image to DEPTH_READ_ONLY_OPTIMAL", |gpu| {
            let image = image(gpu, vk::Format::D32_SFLOAT_S8_UINT, DEPTH_USAGE);
            transition(gpu, &image, vk::ImageLayout::DEPTH_READ_ONLY_OPTIMAL)
        } => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-aspectMask-08703", .. }),
        case!("transition of a depth-stencil image to STENCIL_ATTACHMENT_OPTIMAL", |gpu| {
            let image = image(gpu, vk::Format::D32_SFLOAT_S8_UINT, DEPTH_USAGE);
            transition(gpu, &image, vk::ImageLayout::STENCIL_ATTACHMENT_OPTIMAL)
        } => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-aspectMask-08702", .. }),
        case!("transition of a depth-stencil image to STENCIL_READ_ONLY_OPTIMAL", |gpu| {
            let image = image(gpu, vk::Format::D32_SFLOAT_S8_UINT, DEPTH_USAGE);
            transition(gpu, &image, vk::ImageLayout::STENCIL_READ_ONLY_OPTIMAL)
        } => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-aspectMask-08702", .. }),
        // Staging sets: the set of a recording's work is vkres's (its staged bytes are read by
        // the caller's submission), not the caller's to stage into.
        case!("staging space in a finished recording's set, written before its submission", |gpu| {
            let (a, b) = (gpu.device_buffer(16, "audit10 a"), gpu.device_buffer(16, "audit10 b"));
            let fence = Fence::new(gpu.ctx(), false)?;
            let own = OwnCommands::begin(gpu);
            // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once,
            // with `fence`, after `finish`.
            let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
            recorder.upload_bytes(&a, 0, &[1; 16])?;
            recorder.upload_bytes(&b, 0, &[2; 16])?;
            let in_flight = recorder.finish(&fence)?;
            let staged = gpu.alloc().staging().stage(in_flight.staging_set(), 16, 4);
            if let Ok(Some(space)) = &staged {
                space.write(&[0xff; 16])?;
            }
            own.submit(&fence);
            in_flight.wait()?;
            let (a, b) = (gpu.read_back(&a), gpu.read_back(&b));
            if a != [1; 16] || b != [2; 16] {
                let reason = format!("the recording's staged uploads were overwritten: a {a:?}, b {b:?}");
                return Err(Error::InvalidDescription { name: "staging".into(), reason });
            }
            staged.map(drop)
        } => Error::StagingSetInUse { .. }),
        // Per-frame bundles and resize.
        case!("per-frame write to frame usize::MAX", |gpu| frames(gpu)?.camera.write(usize::MAX, 0, &[1])
            => Error::IndexOutOfRange { .. }),
        case!("per-frame write to frame 2 of 2", |gpu| frames(gpu)?.write_camera(2, &[1, 2, 3, 4])
            => Error::IndexOutOfRange { .. }),
        case!("bundle of usize::MAX frames in flight", |gpu| {
            Frames::create(gpu.alloc(), FramesInputs { target_extent: [4, 4], frames_in_flight: usize::MAX }).map(drop)
        } => Error::ValueOutOfRange { .. }),
        case!("resize to 0x0", |gpu| resize(gpu, [0, 0]) => Error::ZeroSize { .. }),
        case!("resize to 0x4", |gpu| resize(gpu, [0, 4]) => Error::ZeroSize { .. }),
        case!("resize to u32::MAX x u32::MAX", |gpu| resize(gpu, [u32::MAX, u32::MAX]) => Error::LimitExceeded { .. }),
        case!("resize one texel past maxImageDimension2D", |gpu| {
            let max = gpu.ctx().capabilities().limits.max_image_dimension2_d;
            resize(gpu, [max + 1, 1])
        } => Error::LimitExceeded { .. }),
    ]
}

#[test]
fn audit10_cases() {
    super::run("audit10", cases);
}
