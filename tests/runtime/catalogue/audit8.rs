//! Session 8's hostile-user audit of the API added in sessions 6-7 (issue 16, helper
//! "sound3"): what a new user tries on arenas, mip generation, downloads of ranges, per-frame
//! bundles and `resize`, each refused with a typed error before Vulkan (or the allocator)
//! sees it.

use vkres::{Buffer, BufferDesc, Error, GpuResources, ImageDesc, ImageUpload, ImageView, MappingType, PerFrame, vk};

use super::{Case, case};
use crate::recorder::OwnCommands;
use crate::support::Gpu;

const STORAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::STORAGE_BUFFER;
const MIPPED: vk::ImageUsageFlags = vk::ImageUsageFlags::from_raw(
    vk::ImageUsageFlags::TRANSFER_DST.as_raw()
        | vk::ImageUsageFlags::TRANSFER_SRC.as_raw()
        | vk::ImageUsageFlags::SAMPLED.as_raw(),
);

#[derive(GpuResources)]
struct Resized {
    #[gpu(buffer(usage = UNIFORM, len = 4, mapping = sequential_write, per_frame), binding = 0)]
    camera: PerFrame<Buffer<u32>>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, input], usage = STORAGE, resize))]
    target: ImageView,
    #[gpu(buffer(usage = STORAGE, len = input, mapping = sequential_write, resize, per_frame))]
    rows: PerFrame<Buffer<u32>>,
}

fn arena(gpu: &Gpu) -> vkres::Result<vkres::BufferArena> {
    gpu.alloc()
        .create_buffer_arena(&BufferDesc::new(1 << 16, STORAGE).mapping(MappingType::HostAccessRandom).name("arena"))
}

/// An 8x8 image of `format` with four mips, its level 0 uploaded and the rest generated.
fn generate_mips(gpu: &Gpu, format: vk::Format, level0: usize) -> vkres::Result<()> {
    let image = gpu.alloc().create_image(&ImageDesc::new_2d(format, 8, 8, MIPPED).mip_levels(4).name("mipped"))?;
    gpu.alloc().batch()?.upload_image(&image, &vec![0; level0], &ImageUpload::generate_mips())
}

/// The same through a recorder (the caller's command buffer, never submitted).
fn generate_mips_recorded(gpu: &Gpu, format: vk::Format, level0: usize) -> vkres::Result<()> {
    let image = gpu.alloc().create_image(&ImageDesc::new_2d(format, 8, 8, MIPPED).mip_levels(4).name("mipped"))?;
    let own = OwnCommands::begin(gpu);
    // SAFETY: `own.cmd` is recording, of the context's queue family; the recorder is dropped
    // unfinished and the command buffer never submitted.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    recorder.upload_image(&image, &vec![0; level0], &ImageUpload::generate_mips())
}

/// A four-sample colour image.
fn multisampled(gpu: &Gpu) -> vkres::Result<vkres::Image> {
    let mut desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 8, 8, MIPPED | vk::ImageUsageFlags::COLOR_ATTACHMENT)
        .name("multisampled");
    desc.samples = vk::SampleCountFlags::TYPE_4;
    gpu.alloc().create_image(&desc)
}

/// A context made with `options` (validation and synchronization validation on): only its
/// creation's result matters.
fn context(options: vkres::ContextOptions) -> vkres::Result<()> {
    vkres::Context::new(options.synchronization_validation(true).application_name("vkres catalogue")).map(drop)
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("allocate_many of usize::MAX ranges (was a capacity-overflow panic)", |gpu| {
            arena(gpu)?.allocate_many::<u32>(usize::MAX, 1).map(drop)
        } => Error::Overflow { .. }),
        case!("allocate_many of more ranges than the arena holds (checked before reserving)", |gpu| {
            arena(gpu)?.allocate_many::<u32>(1 << 40, 4).map(drop)
        } => Error::ArenaExhausted { capacity: 65536, .. }),
        case!("allocate_many of zero-byte ranges", |gpu| arena(gpu)?.allocate_many::<u32>(4, 0).map(drop)
            => Error::ZeroSize { .. }),
        case!("allocate_group of zero-byte ranges", |gpu| arena(gpu)?.allocate_group::<u32>(4, 0).map(drop)
            => Error::ZeroSize { .. }),
        case!("generated mips of a D32_SFLOAT image (linear blit of depth)", |gpu| generate_mips(gpu, vk::Format::D32_SFLOAT, 256)
            => Error::MipGenerationUnsupported { format: vk::Format::D32_SFLOAT, .. }),
        case!("generated mips of a D16_UNORM image", |gpu| generate_mips(gpu, vk::Format::D16_UNORM, 128)
            => Error::MipGenerationUnsupported { .. } | Error::UnsupportedFormat { .. }),
        case!("recorder: generated mips of a D32_SFLOAT image", |gpu| generate_mips_recorded(gpu, vk::Format::D32_SFLOAT, 256)
            => Error::MipGenerationUnsupported { .. }),
        case!("generated mips given every level's data", |gpu| generate_mips(gpu, vk::Format::R8G8B8A8_UNORM, 340)
            => Error::ImageDataSize { .. }),
        case!("upload into a multisampled image", |gpu| {
            let image = multisampled(gpu)?;
            gpu.alloc().batch()?.upload_image(&image, &[0; 256], &ImageUpload::default())
        } => Error::FormatNotTransferable { .. } | Error::UnsupportedFormat { .. }),
        case!("download of a multisampled image", |gpu| {
            let image = multisampled(gpu)?;
            let mut batch = gpu.alloc().batch()?;
            batch.transition_image(&image, vk::ImageLayout::TRANSFER_SRC_OPTIMAL)?;
            batch.download_image(&image).map(drop)
        } => Error::FormatNotTransferable { .. } | Error::UnsupportedFormat { .. }),
        case!("download_sub of another context's range holds nothing after the refusal", |gpu| {
            let other = Gpu::without_validation();
            let range = arena(&other)?.allocate::<u32>(4)?;
            let mut batch = gpu.alloc().batch()?;
            let refused = batch.download_sub(&range).map(drop);
            // The refused call took no hold of the range: a host write is accepted.
            range.write(0, &[1]).map_err(|e| Error::InvalidDescription {
                name: "range".into(),
                reason: format!("a refused download_sub still holds the range: {e}"),
            })?;
            drop(batch);
            refused
        } => Error::WrongDevice { .. }),
        case!("resize through a recorder of another context", |gpu| {
            let mut bundle =
                Resized::create(gpu.alloc(), ResizedInputs { target_extent: [4, 4], rows_len: 4, frames_in_flight: 2 })?;
            let other = Gpu::without_validation();
            let own = OwnCommands::begin(&other);
            // SAFETY: `own.cmd` is recording, of the other context's queue family; the recorder
            // is dropped unfinished and the command buffer never submitted.
            let mut recorder = unsafe { other.alloc().recorder(own.cmd) };
            let refused = bundle.resize(&mut recorder, ResizedSizes { target_extent: [8, 8], rows_len: 8 });
            drop(recorder);
            drop(own);
            // Nothing swapped: the bundle's resources are its context's.
            if bundle.target.image().desc().extent.width != 4 {
                return Err(Error::InvalidDescription { name: "target".into(), reason: "swapped".into() });
            }
            refused
        } => Error::WrongDevice { ref name } if name.starts_with("Resized.")),
        case!("device extension VK_KHR_swapchain without VK_KHR_surface on the instance", |_gpu| {
            context(vkres::ContextOptions::new().device_extensions([c"VK_KHR_swapchain"]))
        } => Error::MissingFeature { feature: "VK_KHR_surface", operation: "enable device extension VK_KHR_swapchain" }),
        case!("device extension VK_KHR_swapchain with VK_KHR_surface (accepted), then without", |_gpu| {
            context(
                vkres::ContextOptions::new()
                    .instance_extensions([c"VK_KHR_surface"])
                    .device_extensions([c"VK_KHR_swapchain"]),
            )?;
            context(vkres::ContextOptions::new().device_extensions([c"VK_KHR_swapchain"]))
        } => Error::MissingFeature { feature: "VK_KHR_surface", .. }),
        case!("device extension VK_KHR_ray_tracing_pipeline with ray tracing off", |_gpu| {
            context(vkres::ContextOptions::new().ray_tracing(false).device_extensions([c"VK_KHR_ray_tracing_pipeline"]))
        } => Error::MissingFeature { feature: "VK_KHR_acceleration_structure", .. } | Error::NoSuitableDevice(_)),
        case!("a zero wait timeout (every wait would time out at once)", |_gpu| {
            context(vkres::ContextOptions::new().wait_timeout(std::time::Duration::ZERO))
        } => Error::InvalidDescription { ref name, .. } if name == "ContextOptions::wait_timeout"),
        case!("instance extension VK_KHR_xcb_surface without VK_KHR_surface", |_gpu| {
            context(vkres::ContextOptions::new().instance_extensions([c"VK_KHR_xcb_surface"]))
            // (the extension itself where the loader does not offer it)
        } => Error::MissingFeature { feature: "VK_KHR_surface" | "VK_KHR_xcb_surface", .. }),
        case!("host write past a per-frame copy's end at offset u64::MAX", |gpu| {
            let bundle =
                Resized::create(gpu.alloc(), ResizedInputs { target_extent: [4, 4], rows_len: 4, frames_in_flight: 2 })?;
            bundle.camera.write(1, u64::MAX, &[1u32])
        } => Error::DataTooLarge { .. }),
        case!("host write into a frame's old copy after resize (held by the resizing recorder; the new copy accepted)", |gpu| {
            let mut bundle =
                Resized::create(gpu.alloc(), ResizedInputs { target_extent: [4, 4], rows_len: 4, frames_in_flight: 2 })?;
            let own = OwnCommands::begin(gpu);
            // SAFETY: `own.cmd` is recording, of the context's queue family; the recorder is
            // dropped unfinished and the command buffer never submitted.
            let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
            let old = bundle.rows.get(0)?.clone();
            bundle.resize(&mut recorder, ResizedSizes { target_extent: [8, 8], rows_len: 8 })?;
            // The camera is not resized: its copies stay writable; so is a new copy, which no
            // recorded command uses (the resizing recorder only keeps it alive).
            bundle.write_camera(0, &[1, 2, 3, 4])?;
            bundle.rows.write(0, 0, &[1u32]).map_err(|e| Error::InvalidDescription {
                name: "Resized.rows".into(),
                reason: format!("a host write into a new copy right after resize was refused: {e}"),
            })?;
            old.write(0, &[1u32])
        } => Error::InUseByRecordedWork { ref name, .. } if name == "Resized.rows"),
    ]
}

#[test]
fn audit8_cases() {
    super::run("audit8", cases);
}
