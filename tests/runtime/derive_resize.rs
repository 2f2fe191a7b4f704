//! Resize (issue 18 item 5): fields marked `resize` are re-created from new sizes by the
//! generated `resize(recorder, sizes)` while earlier frames still use the old ones; the old
//! resources are held by the resizing frame's work, handed to the allocator's retire queue, and
//! released when that frame's fence has signalled. The frames are held pending by a timeline
//! semaphore the test signals from the host, so the validation layer reports any old object
//! destroyed under them, and the harness any leak.

use vkres::{Buffer, Error, Fence, GpuResources, ImageView, PerFrame, Texture, vk};

use crate::kernel::DescriptorSet;
use crate::recorder::OwnCommands;
use crate::support::{Gpu, HostGate};

const FRAMES: usize = 3;

#[derive(GpuResources)]
struct Targets {
    /// A storage image the size of the window.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, input], usage = STORAGE | TRANSFER_SRC, resize), binding = 0, stages = COMPUTE)]
    color: ImageView,
    /// A sampled G-buffer target, with its sampler kept across resizes.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, input], resize, sampler(filter = nearest)), binding = 1, stages = COMPUTE)]
    normals: Texture,
    /// One row per pixel row.
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC | TRANSFER_DST, len = input, resize), binding = 2, stages = COMPUTE)]
    rows: Buffer<u32>,
    /// Per frame and resized.
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC | TRANSFER_DST, len = input, per_frame, resize), binding = 3, stages = COMPUTE)]
    scratch: PerFrame<Buffer<u32>>,
    /// Per frame, not resized.
    #[gpu(buffer(usage = UNIFORM, len = 4, mapping = sequential_write, per_frame), binding = 4, stages = COMPUTE)]
    camera: PerFrame<Buffer<u32>>,
    /// Neither.
    #[gpu(buffer(usage = STORAGE, data = [1u32, 2, 3]), binding = 5, stages = COMPUTE)]
    constants: Buffer<u32>,
}

fn inputs(side: u32) -> TargetsInputs {
    TargetsInputs {
        color_extent: [side, side],
        normals_extent: [side, side],
        rows_len: u64::from(side),
        scratch_len: u64::from(side),
        frames_in_flight: FRAMES,
    }
}

fn sizes(side: u32) -> TargetsSizes {
    TargetsSizes {
        color_extent: [side, side],
        normals_extent: [side, side],
        rows_len: u64::from(side),
        scratch_len: u64::from(side),
    }
}

/// Two frames use the old targets and stay pending; the third resizes into its own command
/// buffer and uses the new ones. Every frame's work goes to the retire queue: the old targets
/// outlive their handles until the gate opens and the fences signal, then everything is
/// released (0 validation messages, 0 leaks).
#[test]
fn resize_keeps_old_targets_for_the_frames_in_flight() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let mut targets = Targets::create(alloc, inputs(8)).expect("bundle");
    let gate = HostGate::new(&gpu);
    let fences: Vec<Fence> = (0..FRAMES).map(|_| Fence::new(gpu.ctx(), false).expect("fence")).collect();
    let mut commands = Vec::new();

    let old = (targets.color.image().handle(), targets.rows.handle(), targets.scratch.get(0).expect("0").handle());
    let kept = (targets.camera.get(0).expect("0").handle(), targets.constants.handle());
    let sampler = targets.normals.sampler().handle();
    for (slot, fence) in fences.iter().enumerate().take(2) {
        let own = OwnCommands::begin(&gpu);
        // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once with
        // the slot's fence after `finish`.
        let mut recorder = unsafe { alloc.recorder(own.cmd) };
        recorder.upload(targets.scratch.get(slot).expect("scratch"), 0, &[7; 8]).expect("scratch");
        if slot == 0 {
            // (The tracked layout changes when this frame has finished: one transition per
            // image among the pending frames.)
            recorder.transition_image(targets.color.image(), vk::ImageLayout::TRANSFER_SRC_OPTIMAL).expect("color");
        }
        recorder.keep_alive(&targets.normals);
        alloc.retire(recorder.finish(fence).expect("finish"));
        if slot == 1 {
            // The caller's own command on `rows`, which nothing but the bundle holds: only
            // `resize` keeps the old buffer alive for this pending frame.
            // SAFETY: recording; `rows` is live, has TRANSFER_DST, and no other pending work
            // of this test touches the old buffer.
            unsafe { gpu.ctx().device().cmd_fill_buffer(own.cmd, targets.rows.handle(), 0, vk::WHOLE_SIZE, 0xAB) };
        }
        own.submit_waiting(fence, &[gate.wait_info()]);
        commands.push(own);
    }

    // Frame 2 resizes, into its own command buffer, while frames 0 and 1 are pending.
    let own = OwnCommands::begin(&gpu);
    // SAFETY: as above.
    let mut recorder = unsafe { alloc.recorder(own.cmd) };
    targets.resize(&mut recorder, sizes(16)).expect("resize");
    recorder.upload(&targets.rows, 0, &[2; 16]).expect("new rows");
    alloc.retire(recorder.finish(&fences[2]).expect("finish"));
    own.submit_waiting(&fences[2], &[gate.wait_info()]);
    commands.push(own);

    let new = (targets.color.image().handle(), targets.rows.handle(), targets.scratch.get(0).expect("0").handle());
    assert!(new.0 != old.0 && new.1 != old.1 && new.2 != old.2, "the resize fields are new objects");
    assert_eq!(
        (targets.camera.get(0).expect("0").handle(), targets.constants.handle()),
        kept,
        "the other fields are untouched"
    );
    assert_eq!(targets.normals.sampler().handle(), sampler, "the texture keeps its sampler");
    assert_eq!(targets.color.image().desc().extent, vk::Extent3D { width: 16, height: 16, depth: 1 });
    assert_eq!(targets.normals.view().image().desc().extent.width, 16);
    assert_eq!((targets.rows.len(), targets.scratch.len()), (16, FRAMES));
    assert!(targets.scratch.iter().all(|s| s.len() == 16));

    assert_eq!(alloc.collect_retired(), 3, "every frame is still pending behind the gate");
    gate.open();
    for fence in &fences {
        fence.wait().expect("frame fence");
    }
    assert_eq!(alloc.collect_retired(), 0, "the frames finished: what they held is released");
    drop(commands);
    assert_eq!(targets.color.image().layout(), vk::ImageLayout::GENERAL, "a storage image is left in GENERAL");
    assert_eq!(targets.normals.view().image().layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
    let rows: Vec<u32> = bytemuck::cast_slice(&gpu.read_back(&targets.rows)).to_vec();
    assert_eq!(rows, vec![2; 16], "frame 2 wrote the new rows");

    // The frames' descriptor sets are rewritten with the new resources.
    let device = gpu.ctx().device();
    let layout: Vec<_> = Targets::descriptor_bindings().iter().map(|b| b.layout_binding()).collect();
    for frame in 0..FRAMES {
        let set = DescriptorSet::new(device, &layout);
        let w = targets.write_frame_descriptors(frame, set.set()).expect("writes");
        // SAFETY: the writes name the bundle's live resources, of the layout's types; the set
        // is not in use.
        w.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) }).expect("update");
    }
}

/// A resize that fails (a zero extent, a length that overflows) is a typed error and swaps
/// nothing: the bundle keeps every old resource.
#[test]
fn a_failed_resize_keeps_the_old_targets() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let mut targets = Targets::create(alloc, inputs(8)).expect("bundle");
    let before = (targets.color.image().handle(), targets.normals.view().image().handle(), targets.rows.handle());
    let own = OwnCommands::begin(&gpu);
    // SAFETY: as above; the recorder is dropped unfinished and the command buffer never
    // submitted.
    let mut recorder = unsafe { alloc.recorder(own.cmd) };
    let zero = TargetsSizes { normals_extent: [0, 16], ..sizes(16) };
    let err = targets.resize(&mut recorder, zero).expect_err("zero extent");
    assert!(matches!(&err, Error::ZeroSize { name, .. } if name == "Targets.normals"), "{err:?}");
    let overflow = TargetsSizes { scratch_len: u64::MAX, ..sizes(16) };
    let err = targets.resize(&mut recorder, overflow).expect_err("overflow");
    assert!(matches!(&err, Error::Overflow { name, .. } if name == "Targets.scratch"), "{err:?}");
    let zero_len = TargetsSizes { rows_len: 0, ..sizes(16) };
    let err = targets.resize(&mut recorder, zero_len).expect_err("zero length");
    assert!(matches!(&err, Error::ZeroSize { name, .. } if name == "Targets.rows"), "{err:?}");
    drop(recorder);
    drop(own);
    let after = (targets.color.image().handle(), targets.normals.view().image().handle(), targets.rows.handle());
    assert_eq!(before, after, "nothing swapped");
    assert_eq!(targets.rows.len(), 8);
}

/// Every allocation and every Vulkan object creation of `create` and of a `resize` (into a
/// recorder then dropped unsubmitted) failed in turn: each is a typed error, nothing leaked.
#[test]
fn every_failed_allocation_or_creation_of_create_and_resize_leaks_nothing() {
    use vkres::ResourceAllocator;

    let gpu = Gpu::new();
    let make = |alloc: &ResourceAllocator| -> vkres::Result<Targets> {
        let mut targets = Targets::create(alloc, inputs(8))?;
        let own = OwnCommands::begin(&gpu);
        // SAFETY: `own.cmd` is recording, of the context's queue family; the recorder is
        // dropped unfinished and the command buffer never submitted.
        let mut recorder = unsafe { alloc.recorder(own.cmd) };
        targets.resize(&mut recorder, sizes(16))?;
        Ok(targets)
    };
    let points = crate::faults::sweep_allocations(&gpu, make);
    // 2 images + 1 buffer + 3 scratch + 3 cameras + constants (+ staging) at create; 2 + 1 + 3 at resize.
    assert!(points >= 16, "{points} allocation fault points");
    println!("FIGURE per-frame/resize bundle allocation faults: {points} injected, {points} survived");

    let alloc = gpu.alloc().clone();
    let points = crate::faults::sweep_object_creation(&gpu, &alloc, || make(&alloc));
    // The four views (two at create, two at resize) and the create's submission at least; the
    // images come with their memory from VMA, and the sampler pool's sampler is warm.
    assert!(points >= 5, "{points} object-creation fault points");
    println!("FIGURE per-frame/resize bundle object-creation faults: {points} injected, {points} survived");
}
