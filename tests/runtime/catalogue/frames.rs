//! Per-frame and resizable derived bundles (issue 18 items 4 and 5): frames past the copies,
//! data past a copy's end, host writes to device-local copies, zero frames, resizes to sizes
//! no resource can have, and alias groups no memory can hold, each a typed error.

use vkres::{Buffer, Error, GpuResources, ImageView, PerFrame};

use super::{Case, case};
use crate::recorder::OwnCommands;
use crate::support::Gpu;

#[derive(GpuResources)]
struct Frames {
    #[gpu(buffer(usage = UNIFORM, len = 4, mapping = sequential_write, per_frame), binding = 0)]
    camera: PerFrame<Buffer<u32>>,
    #[gpu(buffer(usage = STORAGE, len = 4, per_frame), binding = 1)]
    state: PerFrame<Buffer<u32>>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, input], usage = STORAGE, resize))]
    target: ImageView,
    #[gpu(buffer(usage = STORAGE, len = input, resize))]
    rows: Buffer<u32>,
}

#[derive(GpuResources)]
struct Aliased {
    #[gpu(buffer(usage = STORAGE, len = input))]
    a: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, input], usage = STORAGE, alias = a))]
    b: ImageView,
}

/// An alias group used in recorded work: `b` is active after `create` (its transition).
#[derive(GpuResources)]
struct Switched {
    #[gpu(buffer(usage = STORAGE | TRANSFER_DST, len = 16))]
    a: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = STORAGE | TRANSFER_DST, alias = a))]
    b: ImageView,
}

/// A per-frame camera given initial data (a staged upload recorded into the creating batch).
#[derive(GpuResources)]
struct Seeded {
    #[gpu(buffer(usage = UNIFORM | TRANSFER_SRC, data = [1u32, 2, 3, 4], mapping = sequential_write, per_frame), binding = 0)]
    camera: PerFrame<Buffer<u32>>,
    #[gpu(buffer(usage = STORAGE | TRANSFER_DST, len = 4))]
    history: Buffer<u32>,
}

/// A host write into frame 0's camera while recorded work on that copy is not finished
/// (issue 16, item 9): `pending` records it, then the write is tried with the recording alive.
fn write_while_recorded(gpu: &Gpu, pending: fn(&Gpu, &Seeded) -> vkres::Result<()>) -> vkres::Result<()> {
    let bundle = Seeded::create(gpu.alloc(), SeededInputs { frames_in_flight: 2 })?;
    pending(gpu, &bundle)
}

/// A direct-write buffer (host-visible on lavapipe and most desktop GPUs) that a copy recorded
/// in a batch still writes, written by the host before the batch is submitted (where the
/// device put it in device-only memory, the write is [`Error::NotHostVisible`] instead).
fn direct_write_after_copy(gpu: &Gpu) -> vkres::Result<()> {
    let alloc = gpu.alloc();
    let usage = vkres::vk::BufferUsageFlags::TRANSFER_DST | vkres::vk::BufferUsageFlags::TRANSFER_SRC;
    let src: Buffer<u32> = alloc.create_buffer_with_data(&vkres::BufferDesc::new(16, usage), &[1u32, 2, 3, 4])?;
    let desc = vkres::BufferDesc::new(16, usage).mapping(vkres::MappingType::PreferDirectWrite);
    let dst: Buffer<u32> = alloc.create_typed_buffer(&desc)?;
    let mut batch = alloc.batch()?;
    batch.copy_buffer(&src, 0, &dst, 0, 16)?;
    dst.write(0, &[9u32])
}

fn aliased(gpu: &Gpu, a_len: u64, b_extent: [u32; 2]) -> vkres::Result<Aliased> {
    Aliased::create(gpu.alloc(), AliasedInputs { a_len, b_extent })
}

fn frames(gpu: &Gpu, frames_in_flight: usize) -> vkres::Result<Frames> {
    Frames::create(gpu.alloc(), FramesInputs { target_extent: [4, 4], rows_len: 4, frames_in_flight })
}

/// Resizes a two-frame bundle to `sizes` in a recorder that is dropped unsubmitted.
fn resize(gpu: &Gpu, sizes: FramesSizes) -> vkres::Result<()> {
    let mut bundle = frames(gpu, 2)?;
    let own = OwnCommands::begin(gpu);
    // SAFETY: `own.cmd` is recording, of the context's queue family; the recorder is dropped
    // unfinished and the command buffer never submitted.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    bundle.resize(&mut recorder, sizes)
}

pub fn cases() -> Vec<Case> {
    let ok = FramesSizes { target_extent: [8, 8], rows_len: 8 };
    vec![
        case!("zero frames in flight", |gpu| frames(gpu, 0) => Error::InvalidDescription { .. }),
        case!("frames in flight past the limit", |gpu| frames(gpu, vkres::MAX_FRAMES_IN_FLIGHT + 1)
            => Error::ValueOutOfRange { .. }),
        case!("usize::MAX frames in flight", |gpu| frames(gpu, usize::MAX) => Error::ValueOutOfRange { .. }),
        case!("host write to a frame past the copies", |gpu| frames(gpu, 2)?.write_camera(2, &[1])
            => Error::IndexOutOfRange { index: 2, len: 2, .. }),
        case!("host write past the copy's end", |gpu| frames(gpu, 2)?.write_camera(0, &[1; 5])
            => Error::DataTooLarge { .. }),
        case!("host write to a device-local copy", |gpu| frames(gpu, 2)?.state.write(0, 0, &[1])
            => Error::NotHostVisible { .. }),
        case!("PerFrame::get past the copies", |gpu| frames(gpu, 2)?.state.get(usize::MAX).map(drop)
            => Error::IndexOutOfRange { .. }),
        case!("descriptors of a frame past the copies", |gpu| {
            frames(gpu, 3)?.write_frame_descriptors(3, vkres::vk::DescriptorSet::null()).map(drop)
        } => Error::IndexOutOfRange { index: 3, len: 3, .. }),
        case!("resize to a zero extent", |gpu| resize(gpu, FramesSizes { target_extent: [0, 8], ..ok })
            => Error::ZeroSize { .. }),
        case!("resize to a zero length", |gpu| resize(gpu, FramesSizes { rows_len: 0, ..ok })
            => Error::ZeroSize { .. }),
        case!("alias group with a zero-sized buffer", |gpu| aliased(gpu, 0, [4, 4]) => Error::ZeroSize { .. }),
        case!("alias group with a zero-sized image", |gpu| aliased(gpu, 4, [4, 0]) => Error::ZeroSize { .. }),
        case!("alias group with a length that overflows", |gpu| aliased(gpu, u64::MAX, [4, 4])
            => Error::Overflow { .. }),
        case!("aliased field used without begin_<field> after create", |gpu| {
            let bundle = Switched::create(gpu.alloc())?;
            gpu.alloc().batch()?.upload(&bundle.a, 0, &[1, 2, 3, 4])
        } => Error::AliasNotActive { ref name, ref active, .. } if name == "Switched.a" && active == "Switched.b"),
        case!("aliased texture used without begin_<field> after its sibling", |gpu| {
            let bundle = Switched::create(gpu.alloc())?;
            let own = OwnCommands::begin(gpu);
            // SAFETY: `own.cmd` is recording, of the context's queue family; the recorder is
            // dropped unfinished and the command buffer never submitted.
            let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
            bundle.begin_a(&mut recorder)?;
            recorder.upload(&bundle.a, 0, &[1, 2, 3, 4])?;
            recorder.transition_image(bundle.b.image(), vkres::vk::ImageLayout::GENERAL)
        } => Error::AliasNotActive { ref name, ref active, .. } if name == "Switched.b" && active == "Switched.a"),
        case!("host write to a frame before the bundle's upload is submitted", |gpu| {
            let mut batch = gpu.alloc().batch()?;
            let bundle = Seeded::record(&mut batch, SeededInputs { frames_in_flight: 2 })?;
            bundle.write_camera(0, &[9])
        } => Error::InUseByRecordedWork { ref name, .. } if name == "Seeded.camera"),
        case!("host write to a frame a recorder still reads", |gpu| write_while_recorded(gpu, |gpu, bundle| {
            let own = OwnCommands::begin(gpu);
            // SAFETY: `own.cmd` is recording, of the context's queue family; the recorder is
            // dropped unfinished and the command buffer never submitted.
            let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
            recorder.copy_buffer(bundle.camera.get(0)?, 0, &bundle.history, 0, 16)?;
            bundle.write_camera(0, &[9])
        }) => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("host write to a frame whose in-flight work was not waited for", |gpu| {
            write_while_recorded(gpu, |gpu, bundle| {
                let mut batch = gpu.alloc().batch()?;
                batch.copy_buffer(bundle.camera.get(1)?, 0, &bundle.history, 0, 16)?;
                let fence = vkres::Fence::new(gpu.ctx(), false)?;
                let in_flight = batch.submit_with_fence(&fence)?;
                let refused = bundle.write_camera(1, &[9]);
                in_flight.wait()?;
                // Waited for and dropped: the same write is accepted now.
                bundle.write_camera(1, &[9])?;
                refused
            })
        } => Error::InUseByRecordedWork { .. }),
        case!("host write to a direct-write buffer a recorded copy still writes", |gpu| direct_write_after_copy(gpu)
            => Error::InUseByRecordedWork { .. } | Error::NotHostVisible { .. }),
        case!("resize to a length that overflows", |gpu| resize(gpu, FramesSizes { rows_len: u64::MAX, ..ok })
            => Error::Overflow { .. }),
    ]
}

#[test]
fn frame_cases() {
    super::run("frames", cases);
}
