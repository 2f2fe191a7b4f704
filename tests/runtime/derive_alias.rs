//! Aliasing declared in the schema (issue 19 item 3): fields with `alias = field` share one
//! allocation (`TransientMemory`, sized for the group when its first field is created); the
//! generated `begin_<field>(recorder)` records the barrier aliasing requires when the caller
//! switches from one field of the group to another. Synchronization validation is silent with
//! it; without it the recorder refuses the use (`Error::AliasNotActive`, issue 16).

use vkres::{Buffer, GpuResources, ImageView, MemoryAllocation, Texture, vk};

use crate::recorder::OwnCommands;
use crate::support::Gpu;

#[derive(GpuResources)]
struct Passes {
    /// The group's root: the memory is made when it is created.
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC | TRANSFER_DST, len = 256))]
    scratch: Buffer<u32>,
    /// Smaller, in the same memory.
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC | TRANSFER_DST, len = input, alias = scratch))]
    partial: Buffer<u32>,
    /// An image in the same memory (through `partial`: a chain of aliases is one group).
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], usage = STORAGE | TRANSFER_SRC | TRANSFER_DST, alias = partial), binding = 0)]
    target: ImageView,
    /// A sampled image in the same memory, with its sampler.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [8, 8], alias = scratch, sampler(filter = nearest)), binding = 1)]
    history: Texture,
    /// Not aliased.
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = [1u32, 2, 3]))]
    constants: Buffer<u32>,
}

fn memory_of(allocation: &dyn MemoryAllocation) -> (vk::DeviceMemory, u64) {
    let info = allocation.info();
    (info.memory, info.offset)
}

/// Records one frame that uses `scratch`, then `partial`, then `target`, switching with
/// `begin_<field>`; submits and waits.
fn frame(gpu: &Gpu, passes: &Passes) -> (Vec<u8>, Vec<u8>) {
    let alloc = gpu.alloc();
    let own = OwnCommands::begin(gpu);
    let fence = vkres::Fence::new(gpu.ctx(), false).expect("fence");
    // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once with
    // `fence` after `finish`.
    let mut recorder = unsafe { alloc.recorder(own.cmd) };
    passes.begin_scratch(&mut recorder).expect("begin scratch");
    recorder.upload(&passes.scratch, 0, &[0xAAAA_AAAA; 256]).expect("scratch");
    let scratch = recorder.download_buffer(&passes.scratch).expect("download scratch");
    passes.begin_partial(&mut recorder).expect("begin partial");
    recorder.upload(&passes.partial, 0, &[0x5555_5555; 16]).expect("partial");
    let partial = recorder.download_buffer(&passes.partial).expect("download partial");
    passes.begin_target(&mut recorder).expect("begin target");
    recorder
        .upload_image(
            passes.target.image(),
            &[7; 16 * 16 * 4],
            &vkres::ImageUpload { final_layout: vk::ImageLayout::GENERAL, ..Default::default() },
        )
        .expect("target");
    let in_flight = recorder.finish(&fence).expect("finish");
    own.submit(&fence);
    in_flight.wait().expect("wait");
    (scratch.bytes().expect("scratch"), partial.bytes().expect("partial"))
}

#[test]
fn aliased_fields_share_memory_and_switch_with_the_alias_barrier() {
    let gpu = Gpu::new();
    let passes = Passes::create(gpu.alloc(), PassesInputs { partial_len: 16 }).expect("bundle");
    let scratch = memory_of(passes.scratch.memory());
    assert_eq!(memory_of(passes.partial.memory()), scratch, "partial is bound where scratch is");
    assert_eq!(memory_of(passes.target.image().memory()), scratch, "so is target");
    assert_eq!(memory_of(passes.history.view().image().memory()), scratch, "and history");
    assert_ne!(memory_of(passes.constants.memory()), scratch, "the other fields have their own");
    assert_eq!(passes.target.image().layout(), vk::ImageLayout::GENERAL);
    assert_eq!(passes.history.view().image().layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
    assert!(gpu.log().is_empty(), "creation is silent: {}", crate::support::list(&gpu.log().take()));

    let (scratch_bytes, partial_bytes) = frame(&gpu, &passes);
    assert_eq!(scratch_bytes, [0xAA; 1024]);
    assert_eq!(partial_bytes, [0x55; 64]);
    assert!(gpu.log().is_empty(), "{}", crate::support::list(&gpu.log().take()));
    assert_eq!(passes.target.image().layout(), vk::ImageLayout::GENERAL);

    // `begin_history` puts the sampled image back in its layout after another field was used.
    let own = OwnCommands::begin(&gpu);
    let fence = vkres::Fence::new(gpu.ctx(), false).expect("fence");
    // SAFETY: as in `frame`.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    passes.begin_history(&mut recorder).expect("begin history");
    let in_flight = recorder.finish(&fence).expect("finish");
    own.submit(&fence);
    in_flight.wait().expect("wait");
    assert_eq!(passes.history.view().image().layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);

    // Without the barriers, the uploads through one field would race the reads through
    // another: the recorder refuses the first use of a field that is not the active one.
    let own = OwnCommands::begin(&gpu);
    let fence = vkres::Fence::new(gpu.ctx(), false).expect("fence");
    // SAFETY: as in `frame`.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    let err = recorder.upload(&passes.scratch, 0, &[1; 256]).expect_err("scratch without begin_scratch");
    assert!(
        matches!(&err, vkres::Error::AliasNotActive { name, active, .. }
            if name == "Passes.scratch" && active == "Passes.history"),
        "{err:?}"
    );
    assert_eq!(recorder.commands(), 0, "nothing recorded");
    passes.begin_scratch(&mut recorder).expect("begin scratch");
    recorder.upload(&passes.scratch, 0, &[1; 256]).expect("scratch");
    let err = recorder.upload(&passes.partial, 0, &[2; 16]).expect_err("partial without begin_partial");
    assert!(matches!(&err, vkres::Error::AliasNotActive { name, .. } if name == "Passes.partial"), "{err:?}");
    let in_flight = recorder.finish(&fence).expect("finish");
    own.submit(&fence);
    in_flight.wait().expect("wait");
    assert!(gpu.log().is_empty(), "{}", crate::support::list(&gpu.log().take()));
}

/// A group whose fields need sizes no resource can have fails `create` with a typed error and
/// leaves nothing behind.
#[test]
fn an_alias_group_that_cannot_be_made_is_a_typed_error() {
    let gpu = Gpu::new();
    let live = gpu.alloc().memory_allocator().live_allocations();
    let Err(err) = Passes::create(gpu.alloc(), PassesInputs { partial_len: 0 }) else {
        panic!("a zero-sized alias was created");
    };
    assert!(matches!(err, vkres::Error::ZeroSize { .. }), "{err:?}");
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), live, "nothing leaked");
}

/// Every allocation and Vulkan object creation of a bundle with an alias group failed in
/// turn: a typed error each time, nothing leaked.
#[test]
fn every_failed_allocation_or_creation_of_an_alias_group_leaks_nothing() {
    let gpu = Gpu::new();
    let points =
        crate::faults::sweep_allocations(&gpu, |alloc| Passes::create(alloc, PassesInputs { partial_len: 16 }));
    // The group's one allocation, the constants, staging.
    assert!(points >= 2, "{points} allocation fault points");
    println!("FIGURE alias bundle allocation faults: {points} injected, {points} survived");

    let alloc = gpu.alloc().clone();
    let points =
        crate::faults::sweep_object_creation(&gpu, &alloc, || Passes::create(&alloc, PassesInputs { partial_len: 16 }));
    // The aliased buffers and images (bound to the group's memory by vkres), their views, the submission.
    assert!(points >= 6, "{points} object-creation fault points");
    println!("FIGURE alias bundle object-creation faults: {points} injected, {points} survived");
}
