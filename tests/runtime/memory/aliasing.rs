//! Transient memory: a buffer and an image in one allocation, used one after the other in a
//! single batch with the alias barrier between (synchronization validation silent), the typed
//! error for a member used without it (and the hazard the layer reports for a raw command the
//! recorder does not see), resources that do not fit, and injected failures.

use std::sync::Arc;

use vkres::memory::FailingAllocator;
use vkres::{
    BufferDesc, Error, ImageDesc, MemoryAllocator, ResourceAllocator, StagingConfig, TransientMemory, VmaAllocator, vk,
};

use crate::support::{Gpu, noise};

const SIDE: u32 = 64;
const BYTES: u64 = (SIDE * SIDE * 4) as u64;

fn buffer_desc() -> BufferDesc {
    let usage =
        vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC;
    BufferDesc::new(BYTES, usage).name("transient buffer")
}

fn image_desc() -> ImageDesc {
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC;
    ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, SIDE, SIDE, usage).name("transient image")
}

fn transient(alloc: &ResourceAllocator) -> TransientMemory {
    alloc.create_transient_memory(&[&buffer_desc()], &[&image_desc()], "transient").expect("transient memory")
}

/// Records, in one batch: an upload into the image and its download, the alias barrier (where
/// `barrier`), an upload into the buffer and a copy of it into a read-back buffer. Returns what
/// the read-back buffer and the download hold, with what was written. (In the other order the
/// batch's own discard barrier of an image upload, from all earlier commands, already orders
/// the image after the buffer.)
fn use_both(gpu: &Gpu, memory: &TransientMemory, barrier: bool) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let alloc = gpu.alloc();
    let buffer = alloc.create_aliased_buffer(memory, &buffer_desc()).expect("buffer");
    let image = alloc.create_aliased_image(memory, &image_desc()).expect("image");
    let (a, b) = (buffer.memory().info(), image.memory().info());
    assert_eq!((a.memory, a.offset), (b.memory, b.offset), "one memory, one offset");
    let readback = alloc
        .create_buffer(
            &BufferDesc::new(BYTES, vk::BufferUsageFlags::TRANSFER_DST)
                .mapping(vkres::MappingType::HostAccessRandom)
                .name("readback"),
        )
        .expect("readback");
    let (buffer_data, image_data) = (noise(BYTES as usize, 1), noise(BYTES as usize, 2));
    let mut batch = alloc.batch().expect("batch");
    batch.upload_image(&image, &image_data, &vkres::ImageUpload::default()).expect("upload image");
    let download = batch.download_image(&image).expect("download");
    if barrier {
        batch.alias_barrier(&[&image]).expect("alias barrier");
    }
    batch.upload(&buffer, 0, &buffer_data).expect("upload buffer");
    batch.copy_buffer(&buffer, 0, &readback, 0, BYTES).expect("copy");
    batch.submit_and_wait().expect("submit");
    (readback.read_vec().expect("read"), buffer_data, download.bytes().expect("bytes"), image_data)
}

#[test]
fn a_buffer_and_an_image_share_memory_one_after_the_other() {
    let gpu = Gpu::new();
    let memory = transient(gpu.alloc());
    assert!(memory.size() >= BYTES);
    let (read, written, downloaded, uploaded) = use_both(&gpu, &memory, true);
    assert!(downloaded == uploaded, "the image's data, read before the buffer took the memory");
    assert!(read == written, "the buffer's data");
    assert_eq!(memory.resources_bound(), 2);
    assert_eq!(gpu.alloc().leak_report(), ["transient"], "only the shared allocation is left");
    drop(memory);
    assert!(gpu.alloc().leak_report().is_empty());
}

/// Two buffers in one transient memory: the first written and copied out, then the second
/// written, in one batch, with the alias barrier between; returns both copies and what was written.
fn two_buffers(gpu: &Gpu) -> [(Vec<u8>, Vec<u8>); 2] {
    let alloc = gpu.alloc();
    let desc = |name: &str| buffer_desc().name(name);
    let memory = alloc.create_transient_memory(&[&desc("first"), &desc("second")], &[], "two buffers").expect("memory");
    let buffers = [desc("first"), desc("second")].map(|d| alloc.create_aliased_buffer(&memory, &d).expect("buffer"));
    let readback = |i: usize| {
        let desc = BufferDesc::new(BYTES, vk::BufferUsageFlags::TRANSFER_DST)
            .mapping(vkres::MappingType::HostAccessRandom)
            .name(format!("readback {i}"));
        alloc.create_buffer(&desc).expect("readback")
    };
    let readbacks = [readback(0), readback(1)];
    let data = [noise(BYTES as usize, 3), noise(BYTES as usize, 4)];
    let mut batch = alloc.batch().expect("batch");
    for i in 0..2 {
        if i == 1 {
            batch.alias_barrier(&[]).expect("alias barrier");
        }
        batch.upload(&buffers[i], 0, &data[i]).expect("upload");
        batch.copy_buffer(&buffers[i], 0, &readbacks[i], 0, BYTES).expect("copy");
    }
    batch.submit_and_wait().expect("submit");
    [0, 1].map(|i| (readbacks[i].read_vec().expect("read"), data[i].clone()))
}

/// A transient memory "two buffers" with two buffer members, "first" and "second".
fn two_members(alloc: &ResourceAllocator) -> (TransientMemory, [vkres::Buffer; 2]) {
    let desc = |name: &str| buffer_desc().name(name);
    let memory = alloc.create_transient_memory(&[&desc("first"), &desc("second")], &[], "two buffers").expect("memory");
    let members = [desc("first"), desc("second")].map(|d| alloc.create_aliased_buffer(&memory, &d).expect("buffer"));
    (memory, members)
}

#[test]
fn two_aliased_buffers_in_one_batch_need_the_alias_barrier() {
    let gpu = Gpu::new();
    for (i, (read, written)) in two_buffers(&gpu).into_iter().enumerate() {
        assert!(read == written, "buffer {i} read back what was written to it");
    }
    assert!(gpu.log().is_empty(), "{}", crate::support::list(&gpu.log().take()));

    // Without it, the second buffer's upload would write memory the first one's copy reads,
    // with no dependency between: the recorder refuses it (issue 16), recording nothing.
    let alloc = gpu.alloc();
    let (memory, [first, second]) = two_members(alloc);
    let mut batch = alloc.batch().expect("batch");
    batch.upload(&first, 0, &noise(BYTES as usize, 5)).expect("first");
    let download = batch.download_buffer(&first).expect("download first");
    let err = batch.upload(&second, 0, &noise(BYTES as usize, 6)).expect_err("second without the barrier");
    assert!(
        matches!(&err, Error::AliasNotActive { name, memory, active }
            if name == "second" && memory == "two buffers" && active == "first"),
        "{err:?}"
    );
    assert_eq!(memory.active_member().as_deref(), Some("first"));
    batch.submit_and_wait().expect("submit");
    assert!(download.bytes().expect("bytes") == noise(BYTES as usize, 5), "nothing of the refused upload landed");
    assert!(gpu.log().is_empty(), "{}", crate::support::list(&gpu.log().take()));
}

/// What the check does not see: a command the caller records on a member's raw handle. The
/// hazard the alias barrier prevents is then reported by synchronization validation.
#[test]
fn a_raw_command_on_another_member_still_races() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let desc = |name: &str| buffer_desc().name(name);
    let memory = alloc.create_transient_memory(&[&desc("first"), &desc("second")], &[], "raw").expect("memory");
    let [first, second] =
        [desc("first"), desc("second")].map(|d| alloc.create_aliased_buffer(&memory, &d).expect("buffer"));
    let own = crate::recorder::OwnCommands::begin(&gpu);
    let fence = vkres::Fence::new(gpu.ctx(), false).expect("fence");
    // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once with
    // `fence` after `finish`.
    let mut recorder = unsafe { alloc.recorder(own.cmd) };
    let download = recorder.download_buffer(&first).expect("download first");
    // SAFETY: `own.cmd` is recording; `second` is live until the work has finished (waited below).
    unsafe { gpu.ctx().device().cmd_fill_buffer(own.cmd, second.handle(), 0, vk::WHOLE_SIZE, 0) };
    let in_flight = recorder.finish(&fence).expect("finish");
    own.submit(&fence);
    in_flight.wait().expect("wait");
    drop(download);
    gpu.take_sync_hazard();
}

#[test]
fn resources_that_do_not_fit_are_typed_errors_and_leave_nothing() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let small = alloc
        .create_transient_memory(&[&BufferDesc::new(256, vk::BufferUsageFlags::STORAGE_BUFFER)], &[], "small")
        .expect("memory");
    let live = alloc.memory_allocator().live_allocations();
    let err = alloc.create_aliased_buffer(&small, &buffer_desc()).expect_err("too large");
    assert!(
        matches!(&err, Error::ValidUsage { name, vuid: "VUID-vkBindBufferMemory-size-01037", detail }
            if name == "transient buffer" && detail.contains("`small`")),
        "{err:?}"
    );
    let pooled = buffer_desc().dedicated(true);
    assert!(matches!(alloc.create_aliased_buffer(&small, &pooled), Err(Error::InvalidDescription { .. })));
    assert!(matches!(alloc.create_transient_memory(&[], &[], "empty"), Err(Error::InvalidDescription { .. })));
    assert!(matches!(
        alloc.create_transient_memory(&[&BufferDesc::new(0, vk::BufferUsageFlags::STORAGE_BUFFER)], &[], "zero"),
        Err(Error::ZeroSize { .. })
    ));
    assert_eq!(alloc.memory_allocator().live_allocations(), live, "nothing leaked");
    assert_eq!(small.live_allocations(), 0);
    let other = Gpu::new();
    let foreign = transient(other.alloc());
    assert!(matches!(alloc.create_aliased_buffer(&foreign, &buffer_desc()), Err(Error::WrongDevice { .. })));
}

#[test]
fn a_failed_transient_allocation_leaves_nothing_behind() {
    let gpu = Gpu::new();
    let failing = Arc::new(FailingAllocator::new(Arc::new(VmaAllocator::new(gpu.ctx()).expect("vma"))));
    let alloc = ResourceAllocator::with_memory_allocator(failing.clone(), StagingConfig::default()).expect("allocator");
    failing.fail_nth(1);
    let err = alloc.create_transient_memory(&[&buffer_desc()], &[&image_desc()], "fails").expect_err("armed");
    assert_eq!(err.vk_result(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY));
    assert_eq!(failing.live_allocations(), 0);
    failing.disarm();
    let memory = transient(&alloc);
    let image = alloc.create_aliased_image(&memory, &image_desc()).expect("image");
    drop(memory); // the image holds the memory
    assert_eq!(failing.live_allocations(), 1);
    drop(image);
    assert_eq!(failing.live_allocations(), 0);
}

#[test]
fn hostile_memory_requirements_are_typed_errors() {
    use vkres::memory::MemoryRequest;
    let gpu = Gpu::new();
    let vma = VmaAllocator::new(gpu.ctx()).expect("vma");
    let reqs = |size, alignment, memory_type_bits| vk::MemoryRequirements { size, alignment, memory_type_bits };
    let request = MemoryRequest::new("bare");
    assert!(matches!(vma.allocate_memory(&reqs(0, 256, !0), &request), Err(Error::ZeroSize { .. })));
    assert!(matches!(vma.allocate_memory(&reqs(4096, 3, !0), &request), Err(Error::InvalidDescription { .. })));
    assert!(matches!(vma.allocate_memory(&reqs(4096, 256, 0), &request), Err(Error::InvalidDescription { .. })));
    let export = MemoryRequest { export: vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD, ..request };
    assert!(matches!(vma.allocate_memory(&reqs(4096, 256, !0), &export), Err(Error::InvalidDescription { .. })));
    let memory = vma.allocate_memory(&reqs(4096, 256, !0), &request).expect("bare memory");
    assert_eq!(memory.info().name, "bare");
    assert_eq!(vma.live_allocations(), 1);
    drop(memory);
    assert_eq!(vma.live_allocations(), 0);
}

/// After a refused copy in `batch`: nothing is claimed, and `other` (another member) is
/// uploaded, read back and checked in the same batch with no alias barrier and no message.
fn uses_another_member_after_a_refused_copy(
    gpu: &Gpu,
    memory: &TransientMemory,
    mut batch: vkres::Batch<'_>,
    other: &vkres::Buffer,
) {
    assert_eq!(memory.active_member(), None, "the refused copy claimed nothing");
    batch.upload(other, 0, &noise(BYTES as usize, 7)).expect("a valid use of another member");
    let download = batch.download_buffer(other).expect("download");
    batch.submit_and_wait().expect("submit");
    assert!(download.bytes().expect("bytes") == noise(BYTES as usize, 7));
    assert!(gpu.log().is_empty(), "{}", crate::support::list(&gpu.log().take()));
}

/// A copy refused for its destination claims nothing: the source does not become its transient
/// memory's active member, so another member's use right after needs no alias barrier
/// (issue 16, session 10 audit10 O1: the source used to be claimed before the destination was
/// checked, and the valid upload below was `AliasNotActive`).
#[test]
fn a_refused_copy_leaves_the_active_member_as_it_was() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let (memory, [first, second]) = two_members(alloc);
    let no_dst = alloc.create_buffer(&BufferDesc::new(BYTES, vk::BufferUsageFlags::STORAGE_BUFFER)).expect("buffer");
    let mut batch = alloc.batch().expect("batch");
    let err = batch.copy_buffer(&first, 0, &no_dst, 0, BYTES).expect_err("no TRANSFER_DST");
    assert!(matches!(err, Error::MissingUsage { .. }), "{err:?}");
    uses_another_member_after_a_refused_copy(&gpu, &memory, batch, &second);
}

/// review14: a copy refused for its *destination's claim* claims nothing either. Both sides are
/// now checked before either is claimed (f3a8a9d), but the claims themselves run one after the
/// other: `own_buffer(src)` makes `first` its memory's active member, then `own_buffer(dst)`
/// refuses `second` (another member of the same memory, no alias barrier between) with
/// `AliasNotActive`; the copy records nothing, yet `first` stays active and the valid use of
/// `second` right after is refused. Fails today (the upload is `AliasNotActive`).
#[test]
fn a_copy_refused_by_its_destinations_claim_leaves_the_active_member_as_it_was() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let (memory, [first, second]) = two_members(alloc);
    let mut batch = alloc.batch().expect("batch");
    let err = batch.copy_buffer(&first, 0, &second, 0, BYTES).expect_err("two members without a barrier");
    assert!(matches!(err, Error::AliasNotActive { .. }), "{err:?}");
    uses_another_member_after_a_refused_copy(&gpu, &memory, batch, &second);
}

/// Two members of one transient memory that builds read (and uploads write, downloads read).
fn two_build_inputs(alloc: &ResourceAllocator) -> (TransientMemory, [vkres::Buffer; 2]) {
    let usage = vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS
        | vk::BufferUsageFlags::TRANSFER_DST
        | vk::BufferUsageFlags::TRANSFER_SRC;
    let desc = |name: &str| BufferDesc::new(BYTES, usage).name(name);
    let memory = alloc.create_transient_memory(&[&desc("first"), &desc("second")], &[], "two inputs").expect("memory");
    let members = [desc("first"), desc("second")].map(|d| alloc.create_aliased_buffer(&memory, &d).expect("buffer"));
    (memory, members)
}

/// One triangle of `R32G32B32_SFLOAT` vertices at the start of `vertices`.
fn one_triangle(vertices: &vkres::Buffer) -> vkres::TriangleGeometry {
    vkres::TriangleGeometry::new(vertices, vk::Format::R32G32B32_SFLOAT).stride(12).vertex_range(0, 3)
}

/// Issue 16 (session 11): a BLAS build refused by a check after its first geometry's claims
/// claims nothing. The geometry buffers used to be claimed geometry by geometry as they were
/// checked: `first` (the first geometry's vertices) became its memory's active member, then the
/// second geometry was refused (its vertices lack build-input usage), the build recorded
/// nothing, yet `first` stayed active and the valid use of `second` right after was refused
/// (`AliasNotActive`).
#[test]
fn a_refused_blas_build_leaves_the_active_member_as_it_was() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let (memory, [first, second]) = two_build_inputs(alloc);
    let unusable = alloc
        .create_buffer(&BufferDesc::new(BYTES, vk::BufferUsageFlags::STORAGE_BUFFER).name("no build input"))
        .expect("buffer");
    let desc = vkres::BlasDesc::new("refused").triangles(one_triangle(&first)).triangles(one_triangle(&unusable));
    let mut batch = alloc.batch().expect("batch");
    let err = batch.build_blas(&desc).expect_err("the second geometry cannot be read by a build");
    assert!(matches!(err, Error::MissingUsage { .. }), "{err:?}");
    uses_another_member_after_a_refused_copy(&gpu, &memory, batch, &second);
}

/// The same for a build refused by its own claims: vertices in one member and indices in
/// another of the same memory (no alias barrier can order two reads of one command) is
/// `AliasNotActive`, and neither member is claimed.
#[test]
fn a_blas_build_refused_by_its_claims_leaves_the_active_member_as_it_was() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let (memory, [first, second]) = two_build_inputs(alloc);
    let desc = vkres::BlasDesc::new("two members").triangles(one_triangle(&first).indices(&second.cast::<u32>()));
    let mut batch = alloc.batch().expect("batch");
    let err = batch.build_blas(&desc).expect_err("two members of one memory");
    assert!(
        matches!(&err, Error::AliasNotActive { name, memory, active }
            if name == "second" && memory == "two inputs" && active == "first"),
        "{err:?}"
    );
    uses_another_member_after_a_refused_copy(&gpu, &memory, batch, &second);
}

/// The same for a BLAS update refused after its geometry was checked (here: another primitive
/// count than the build's), in a batch where the built geometry's member was left by an alias
/// barrier: the update claims nothing.
#[test]
fn a_refused_blas_update_leaves_the_active_member_as_it_was() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let (memory, [first, second]) = two_build_inputs(alloc);
    let mut batch = alloc.batch().expect("batch");
    batch.upload(&first, 0, &[0u8; 36]).expect("vertices");
    let blas = batch.build_blas(&vkres::BlasDesc::new("updatable").triangles(one_triangle(&first)).allow_update());
    let blas = blas.expect("build");
    batch.submit_and_wait().expect("submit");
    let mut batch = alloc.batch().expect("batch");
    batch.alias_barrier(&[]).expect("alias barrier");
    let two_triangles = one_triangle(&first).vertex_range(0, 6);
    let err = batch
        .update_blas(&blas, &vkres::BlasDesc::new("updatable").triangles(two_triangles).allow_update())
        .expect_err("another primitive count");
    assert!(matches!(err, Error::InvalidDescription { .. }), "{err:?}");
    uses_another_member_after_a_refused_copy(&gpu, &memory, batch, &second);
}
