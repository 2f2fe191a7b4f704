//! Per-frame bundles (issue 18 item 4): fields marked `per_frame` exist once per frame in
//! flight (`PerFrame<Buffer<T>>`, `frames_in_flight` from the inputs), the others once; the
//! generated `write_<field>` writes frame i's copy straight into mapped memory (no staging, no
//! submission) and `write_frame_descriptors(i, set)` points a set at frame i's copies; a
//! `per_frame` TLAS is refitted by `refit_<field>` into the caller's command buffer.

use vkres::{
    Aabb, Blas, Buffer, BufferDesc, DescriptorKind, Error, Fence, GpuResources, InFlight, PerFrame, Tlas, Transform3x4,
    vk,
};

use crate::accel::scene::{Ray, trace};
use crate::derive_counting::allocations_of;
use crate::kernel::DescriptorSet;
use crate::recorder::OwnCommands;
use crate::support::Gpu;

/// Frames the test records, with `FRAMES` in flight.
const LOOPS: usize = 9;
const FRAMES: usize = 3;

#[derive(GpuResources)]
struct FrameData {
    /// Written by the host every frame.
    #[gpu(buffer(usage = UNIFORM | TRANSFER_SRC, len = 4, mapping = sequential_write, per_frame), binding = 0, stages = COMPUTE)]
    camera: PerFrame<Buffer<u32>>,
    /// Shared by every frame: each frame copies its camera into its own range.
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC | TRANSFER_DST, len = 4 * LOOPS as u64), binding = 1, stages = COMPUTE)]
    history: Buffer<u32>,
    /// Device-local, per frame, each copy given the same data.
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = [7u32, 8, 9]), binding = 2, stages = COMPUTE)]
    seeds_shared: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = input, per_frame), binding = 3, stages = COMPUTE)]
    seeds: PerFrame<Buffer<u32>>,
}

fn camera_of(frame: usize) -> [u32; 4] {
    let k = frame as u32;
    [k * 10, k * 10 + 1, k * 10 + 2, k * 10 + 3]
}

/// A frame loop with three frames in flight: frame k waits for the fence of frame k - 3,
/// writes its camera into copy k % 3 through the mapping, and records a copy of that camera
/// into the shared history into the caller's command buffer; every frame's values arrive.
#[test]
fn each_frame_writes_and_reads_its_own_copy() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let seeds = [1u32, 2, 3, 4];
    let data = FrameData::create(alloc, FrameDataInputs { seeds: &seeds, frames_in_flight: FRAMES }).expect("bundle");
    assert_eq!(data.frames_in_flight(), FRAMES);
    assert_eq!(data.camera.len(), FRAMES);
    let handles: Vec<vk::Buffer> = data.camera.iter().map(Buffer::handle).collect();
    assert!(handles.windows(2).all(|w| w[0] != w[1]), "one buffer per frame: {handles:?}");

    let fences: Vec<Fence> = (0..FRAMES).map(|_| Fence::new(gpu.ctx(), false).expect("fence")).collect();
    let mut pending: Vec<Option<(OwnCommands<'_>, InFlight)>> = (0..FRAMES).map(|_| None).collect();
    let submissions = gpu.ctx().submission_count();
    for k in 0..LOOPS {
        let slot = k % FRAMES;
        if let Some((own, in_flight)) = pending[slot].take() {
            in_flight.wait().expect("frame fence");
            drop(own);
        }
        data.write_camera(slot, &camera_of(k)).expect("write camera");
        let own = OwnCommands::begin(&gpu);
        // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once with
        // the slot's fence after `finish`.
        let mut recorder = unsafe { alloc.recorder(own.cmd) };
        let camera = data.camera.get(slot).expect("camera");
        recorder.copy_buffer(camera, 0, &data.history, (k * 16) as u64, 16).expect("copy");
        let in_flight = recorder.finish(&fences[slot]).expect("finish");
        own.submit(&fences[slot]);
        pending[slot] = Some((own, in_flight));
    }
    assert_eq!(
        gpu.ctx().submission_count(),
        submissions + LOOPS as u64,
        "the writes submitted nothing: one submission per frame, the caller's"
    );
    for (own, in_flight) in pending.into_iter().flatten() {
        in_flight.wait().expect("frame fence");
        drop(own);
    }
    let history: Vec<u32> = bytemuck::cast_slice(&gpu.read_back(&data.history)).to_vec();
    let expected: Vec<u32> = (0..LOOPS).flat_map(camera_of).collect();
    assert_eq!(history, expected, "each frame's camera, read by the GPU from that frame's copy");
    for copy in &data.seeds {
        assert_eq!(gpu.read_back(copy), bytemuck::cast_slice::<u32, u8>(&seeds), "every copy has the data");
    }
}

/// Frame i's descriptor set points at frame i's copy of each per-frame field and at the one
/// copy of the others; the writes are applied to real sets under validation.
#[test]
fn frame_descriptors_point_at_the_frames_copies() {
    let gpu = Gpu::new();
    let device = gpu.ctx().device();
    let data = FrameData::create(gpu.alloc(), FrameDataInputs { seeds: &[5], frames_in_flight: 2 }).expect("bundle");
    let bindings = FrameData::descriptor_bindings();
    assert_eq!(bindings[0].kind, DescriptorKind::UniformBuffer);
    let layout: Vec<_> = bindings.iter().map(|b| b.layout_binding()).collect();
    for frame in 0..2 {
        let set = DescriptorSet::new(device, &layout);
        let w = data.write_frame_descriptors(frame, set.set()).expect("writes");
        let written: Vec<(u32, vk::Buffer)> = w
            .with_writes(|writes| {
                writes
                    .iter()
                    // SAFETY: each write of a buffer binding points at one live `DescriptorBufferInfo`
                    // that `with_writes` keeps alive for the closure.
                    .map(|w| (w.dst_binding, unsafe { (*w.p_buffer_info).buffer }))
                    .collect()
            })
            .expect("writes");
        let camera = data.camera.get(frame).expect("camera").handle();
        let seeds = data.seeds.get(frame).expect("seeds").handle();
        assert_eq!(
            written,
            [(0, camera), (1, data.history.handle()), (2, data.seeds_shared.handle()), (3, seeds)],
            "frame {frame}"
        );
        // SAFETY: the writes name the bundle's live buffers, of the layout's types; the set is
        // not in use.
        w.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) }).expect("update");
    }
}

/// Run-time mistakes are typed errors: a frame past the copies (descriptors, writes, `get`),
/// data past a copy's end, no frame at all, and a write to a frame whose GPU work is done
/// leaves the other frames' copies untouched.
#[test]
fn frame_mistakes_are_typed_errors() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let data = FrameData::create(alloc, FrameDataInputs { seeds: &[5], frames_in_flight: 2 }).expect("bundle");
    let out_of_range =
        |e: Error| matches!(e, Error::IndexOutOfRange { ref name, index: 2, len: 2, .. } if name == "FrameData.camera");
    assert!(out_of_range(data.write_camera(2, &[1]).expect_err("frame 2 of 2")));
    assert!(out_of_range(data.camera.get(2).expect_err("frame 2 of 2")));
    assert!(out_of_range(data.write_frame_descriptors(2, vk::DescriptorSet::null()).expect_err("frame 2 of 2")));
    let too_long = data.write_camera(1, &[0; 5]).expect_err("5 elements into 4");
    assert!(matches!(too_long, Error::DataTooLarge { .. }), "{too_long:?}");
    data.write_camera(0, &[1, 2, 3, 4]).expect("frame 0");
    data.write_camera(1, &[5, 6, 7, 8]).expect("frame 1");
    let read = |frame: usize| data.camera.get(frame).expect("copy").read_vec().expect("read");
    assert_eq!((read(0), read(1)), (vec![1, 2, 3, 4], vec![5, 6, 7, 8]), "each frame its own memory");
    // A device-local per-frame buffer has no mapping: writing it is refused, typed.
    let not_mapped = data.seeds.write(0, 0, &[1]).expect_err("device-local");
    assert!(matches!(not_mapped, Error::NotHostVisible { .. }), "{not_mapped:?}");

    let Err(none) = FrameData::create(alloc, FrameDataInputs { seeds: &[5], frames_in_flight: 0 }) else {
        panic!("a bundle of 0 frames was created");
    };
    assert!(matches!(none, Error::InvalidDescription { ref name, .. } if name == "FrameData.camera"), "{none:?}");
}

const TRIANGLE: [[f32; 3]; 3] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];

/// Where the moving instance is in frame `k`.
fn moved(k: usize) -> Transform3x4 {
    Transform3x4::translation([k as f32 * 2.0, 0.0, 0.0])
}

#[derive(GpuResources)]
struct Animated {
    #[gpu(buffer(data = TRIANGLE))]
    triangle: Buffer<[f32; 3]>,
    #[gpu(blas(vertices = triangle))]
    blas: Blas,
    /// One TLAS per frame: instance 0 moves, instance 1 stays (custom index 7).
    #[gpu(tlas(
        instance(blas = blas),
        instance(blas = blas, transform = Transform3x4::translation([-3.0, 0.0, 0.0]), custom_index = 7),
        allow_update, per_frame,
    ), binding = 0, stages = COMPUTE)]
    tlas: PerFrame<Tlas>,
}

/// A ray straight down onto the triangle placed at `x`.
fn ray_at(x: f32) -> Ray {
    Ray { origin: [x + 0.25, 0.25, 10.0], t_min: 0.01, direction: [0.0, 0.0, -1.0], t_max: 100.0 }
}

/// Three frames in flight, each refitting its own TLAS in the caller's command buffer (the
/// recorder's `refit_tlas` into the TLAS's persistent instance buffer): once each frame has
/// refitted once, a refit makes no heap allocation and no new refit set; afterwards each
/// frame's TLAS holds the transforms of the last frame that used it, traced by the ray-query
/// shader.
#[test]
fn each_frame_refits_its_own_tlas() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let scene = Animated::create(alloc, AnimatedInputs { frames_in_flight: FRAMES }).expect("bundle");
    let handles: Vec<_> = scene.tlas.iter().map(|t| t.handle()).collect();
    assert!(handles.windows(2).all(|w| w[0] != w[1]) && handles.len() == FRAMES, "{handles:?}");

    let fences: Vec<Fence> = (0..FRAMES).map(|_| Fence::new(gpu.ctx(), false).expect("fence")).collect();
    let mut pending: Vec<Option<(OwnCommands<'_>, InFlight)>> = (0..FRAMES).map(|_| None).collect();
    let still = Transform3x4::translation([-3.0, 0.0, 0.0]);
    for k in 0..LOOPS {
        let slot = k % FRAMES;
        if let Some((own, in_flight)) = pending[slot].take() {
            in_flight.wait().expect("frame fence");
            drop(own);
        }
        let own = OwnCommands::begin(&gpu);
        // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once with
        // the slot's fence after `finish`.
        let mut recorder = unsafe { alloc.recorder(own.cmd) };
        let (allocations, refit) = allocations_of(|| scene.refit_tlas(&mut recorder, slot, &[moved(k), still]));
        refit.expect("refit");
        if k >= FRAMES {
            // Warmed up: each frame's TLAS has its persistent instance buffer and scratch.
            assert_eq!(allocations, 0, "frame {k}: the refit allocated");
        }
        let in_flight = recorder.finish(&fences[slot]).expect("finish");
        own.submit(&fences[slot]);
        pending[slot] = Some((own, in_flight));
    }
    let sets = alloc.leak_report().iter().filter(|n| n.as_str() == "Animated.tlas/refit instances").count();
    assert_eq!(sets, FRAMES, "one persistent instance buffer per frame's TLAS, made once");
    for (own, in_flight) in pending.into_iter().flatten() {
        in_flight.wait().expect("frame fence");
        drop(own);
    }

    // Typed errors: a frame past the copies, another number of transforms.
    let own = OwnCommands::begin(&gpu);
    // SAFETY: as above; the recorder records nothing and is dropped unfinished, and the
    // command buffer never submitted.
    let mut recorder = unsafe { alloc.recorder(own.cmd) };
    let err = scene.refit_tlas(&mut recorder, FRAMES, &[moved(0), still]).expect_err("frame out of range");
    assert!(matches!(err, Error::IndexOutOfRange { index, len, .. } if index == FRAMES as u64 && len == FRAMES as u64));
    let err = scene.refit_tlas(&mut recorder, 0, &[moved(0)]).expect_err("one transform of two");
    assert!(matches!(err, Error::LengthMismatch { expected: 2, given: 1, .. }), "{err:?}");
    drop(recorder);
    drop(own);

    if !gpu.has_ray_query() {
        return;
    }
    let boxes = alloc
        .create_buffer_with_data(
            &BufferDesc::elements::<Aabb>(1, vk::BufferUsageFlags::STORAGE_BUFFER).name("no boxes"),
            &[Aabb::default()],
        )
        .expect("boxes");
    for slot in 0..FRAMES {
        let last = LOOPS - FRAMES + slot; // the last frame that refitted this TLAS
        let x = |k: usize| moved(k).0[0][3];
        let rays = [ray_at(x(last)), ray_at(x(last - FRAMES)), ray_at(-3.0)];
        let tlas = scene.tlas.get(slot).expect("tlas");
        let hits = trace(&gpu, tlas, &boxes, &rays);
        assert_eq!(
            (hits[0].kind, hits[0].instance_index),
            (1, 0),
            "frame {slot}: the moved instance is where frame {last} put it"
        );
        assert_eq!(hits[1].kind, 0, "frame {slot}: nothing where frame {} had put it", last - FRAMES);
        assert_eq!((hits[2].kind, hits[2].custom_index), (1, 7), "frame {slot}: the still instance");
    }
}

#[derive(GpuResources)]
struct FrameImages {
    /// A storage target per frame, the size of the window.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, input], usage = STORAGE, per_frame, resize), binding = 0, stages = COMPUTE)]
    color: PerFrame<vkres::ImageView>,
    /// A sampled texture per frame, each given the same texels, one sampler for all.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [2, 2], data = [9u8; 16], usage = SAMPLED | TRANSFER_SRC, per_frame, sampler(filter = nearest)), binding = 1, stages = COMPUTE)]
    lut: PerFrame<vkres::Texture>,
}

/// Per-frame textures: one image per frame (the data uploaded to each), frame i's descriptors
/// name frame i's views, and `resize` re-creates every copy of a per-frame target.
#[test]
fn per_frame_textures_have_a_copy_per_frame_and_resize_together() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let mut images = FrameImages::create(alloc, FrameImagesInputs { color_extent: [8, 8], frames_in_flight: FRAMES })
        .expect("bundle");
    assert_eq!((images.frames_in_flight(), images.color.len(), images.lut.len()), (FRAMES, FRAMES, FRAMES));
    let colors: Vec<vk::Image> = images.color.iter().map(|v| v.image().handle()).collect();
    assert!(colors.windows(2).all(|w| w[0] != w[1]), "{colors:?}");
    for lut in &images.lut {
        assert_eq!(gpu.download(lut.view().image()), [9u8; 16], "every copy has the texels");
        assert_eq!(lut.sampler().handle(), images.lut.get(0).expect("0").sampler().handle(), "one sampler");
    }
    let device = gpu.ctx().device();
    let layout: Vec<_> = FrameImages::descriptor_bindings().iter().map(|b| b.layout_binding()).collect();
    for frame in 0..FRAMES {
        let set = DescriptorSet::new(device, &layout);
        let w = images.write_frame_descriptors(frame, set.set()).expect("writes");
        let views: Vec<vk::ImageView> = w
            .with_writes(|writes| {
                // SAFETY: each image write points at one live `DescriptorImageInfo` that
                // `with_writes` keeps alive for the closure.
                writes.iter().map(|w| unsafe { (*w.p_image_info).image_view }).collect()
            })
            .expect("writes");
        let color = images.color.get(frame).expect("color").handle();
        let lut = images.lut.get(frame).expect("lut").view().handle();
        assert_eq!(views, [color, lut], "frame {frame}");
        // SAFETY: the writes name the bundle's live views, of the layout's types; the set is not in use.
        w.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) }).expect("update");
    }

    let own = OwnCommands::begin(&gpu);
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once with
    // `fence` after `finish`.
    let mut recorder = unsafe { alloc.recorder(own.cmd) };
    images.resize(&mut recorder, FrameImagesSizes { color_extent: [32, 16] }).expect("resize");
    let in_flight = recorder.finish(&fence).expect("finish");
    own.submit(&fence);
    in_flight.wait().expect("wait");
    assert_eq!(images.color.len(), FRAMES);
    for (old, new) in colors.iter().zip(&images.color) {
        assert_ne!(*old, new.image().handle());
        assert_eq!((new.image().desc().extent.width, new.image().desc().extent.height), (32, 16));
        assert_eq!(new.image().layout(), vk::ImageLayout::GENERAL);
    }
}
