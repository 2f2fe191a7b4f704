//! Drop while in flight: resources, bundles and batches dropped before the device finished
//! with them are kept until it has (validation reports a resource destroyed while a command
//! buffer that uses it is pending, and synchronization validation any hazard).

use vkres::{Buffer, BufferDesc, Fence, GpuResources, StagingConfig, Texture, vk};

use crate::support::{Gpu, noise};

#[derive(GpuResources)]
struct Payload {
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = input))]
    data: Buffer<u8>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [64, 64], mips = generate, data = input, sampler))]
    tex: Texture,
    #[gpu(buffer(usage = STORAGE, copy = data))]
    copy: Buffer<u8>,
}

#[test]
fn bundle_and_in_flight_dropped_before_the_work_finished() {
    let gpu = Gpu::new();
    let memory = gpu.alloc().memory_allocator().clone();
    let bytes = noise(4 << 20, 1);
    let texels = noise(64 * 64 * 4, 2);
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    let mut batch = gpu.alloc().batch().expect("batch");
    let payload = Payload::record(&mut batch, PayloadInputs { data: &bytes, tex: &texels }).expect("record");
    let in_flight = batch.submit_with_fence(&fence).expect("submit");
    // The bundle is gone at once; its buffers and image are not: the work still reads them.
    drop(payload);
    assert!(memory.live_allocations() >= 4, "{:?}", memory.live_allocation_names());
    // Dropping the in-flight work waits for it, then releases everything.
    drop(in_flight);
    assert!(fence.is_signalled());
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new());
}

#[test]
fn resources_outlive_their_handles_until_the_in_flight_work_is_waited_for() {
    let gpu = Gpu::new();
    let memory = gpu.alloc().memory_allocator().clone();
    let desc = BufferDesc::new(1 << 20, vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC);
    let src = gpu.alloc().create_buffer(&desc.clone().name("src")).expect("buffer");
    let dst = gpu.alloc().create_buffer(&desc.name("dst")).expect("buffer");
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&src, 0, &noise(1 << 20, 3)).expect("upload");
    batch.copy_buffer(&src, 0, &dst, 0, 1 << 20).expect("copy");
    let in_flight = batch.submit_with_fence(&fence).expect("submit");
    drop((src, dst));
    assert_eq!(memory.live_allocations(), 3, "src, dst and the staging chunk live on");
    in_flight.wait().expect("wait");
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new());
}

/// An upload eight times the staging budget is pipelined: parts are in flight while the rest
/// is recorded. Dropped half way, unsubmitted, the batch waits for the parts in flight before
/// it frees their staging and the destination.
#[test]
fn large_upload_dropped_mid_pipeline() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc().with_staging(StagingConfig { budget: 1 << 20, chunk_size: 256 << 10 }).expect("alloc");
    let size = 8u64 << 20;
    let desc = BufferDesc::new(size, vk::BufferUsageFlags::TRANSFER_DST).name("large");
    let first = alloc.create_buffer(&desc).expect("buffer");
    let second = alloc.create_buffer(&desc.clone().name("large 2")).expect("buffer");
    let data = noise(size as usize, 4);
    let mut batch = alloc.batch().expect("batch");
    batch.upload_bytes(&first, 0, &data).expect("upload");
    batch.upload_bytes(&second, 0, &data[..size as usize / 2]).expect("upload");
    assert!(batch.submissions() >= 8, "pipelined: {} submissions so far", batch.submissions());
    drop((first, second));
    drop(batch); // never submitted in full: waits for the parts in flight, frees the rest
    assert!(alloc.staging().peak_bytes() <= 1 << 20);
    assert_eq!(alloc.leak_report(), Vec::<String>::new());
}
