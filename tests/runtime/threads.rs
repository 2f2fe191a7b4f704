//! Concurrency: 8 threads creating and dropping derived bundles on one allocator whose staging
//! budget is smaller than their uploads together, so batches wait for each other's staging;
//! and the rules of that wait (a batch waits for another thread's staging, but not for its own
//! thread's, which would never be released).

use std::sync::mpsc;
use std::time::Duration;

use vkres::{Buffer, BufferDesc, Error, GpuResources, ResourceAllocator, Sampler, StagingConfig, Texture, vk};

use crate::support::{Gpu, noise};

const THREADS: usize = 8;
const BUNDLES_PER_THREAD: usize = 50;
/// Elements of the buffer each bundle uploads: 256 KiB, so at most two fit the budget below.
const ELEMENTS: usize = 64 * 1024;

#[derive(GpuResources)]
struct Upload {
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = input))]
    data: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [32, 32], mips = generate, data = input, sampler = smp))]
    tex: Texture,
    #[gpu(sampler(filter = nearest))]
    smp: Sampler,
    #[gpu(buffer(usage = UNIFORM, data = [[0.25f32; 4]]))]
    params: Buffer<[f32; 4]>,
}

/// A budget that holds two bundles' uploads at once (each gets a chunk of its own).
fn small_staging(gpu: &Gpu) -> ResourceAllocator {
    gpu.alloc().with_staging(StagingConfig { budget: 640 << 10, chunk_size: 64 << 10 }).expect("allocator")
}

#[test]
fn eight_threads_create_and_drop_bundles_on_one_allocator() {
    let gpu = Gpu::new();
    let alloc = small_staging(&gpu);
    let texels = noise(32 * 32 * 4, 5);
    let checked = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (alloc, gpu, texels) = (&alloc, &gpu, &texels);
                scope.spawn(move || {
                    let mut checked = 0;
                    for i in 0..BUNDLES_PER_THREAD {
                        let seed = (t * BUNDLES_PER_THREAD + i) as u32;
                        let data: Vec<u32> = (0..ELEMENTS as u32).map(|e| e ^ seed.rotate_left(16)).collect();
                        let bundle = Upload::create(alloc, UploadInputs { data: &data, tex: texels })
                            .unwrap_or_else(|e| panic!("thread {t}, bundle {i}: {e}"));
                        if i % 10 == 0 {
                            assert_eq!(gpu.read_back(&bundle.data), bytemuck::cast_slice::<u32, u8>(&data));
                            checked += 1;
                        }
                        drop(bundle);
                    }
                    checked
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum::<usize>()
    });
    assert_eq!(checked, THREADS * BUNDLES_PER_THREAD / 10);
    assert!(alloc.staging().peak_bytes() <= 640 << 10, "staging stayed in its budget");
    let samplers = alloc.sampler_pool().created();
    assert!(samplers < (THREADS * BUNDLES_PER_THREAD) as u64 / 4, "bundles alive together share a sampler: {samplers}");
    assert_eq!(alloc.sampler_pool().live(), 0);
    println!("FIGURE threads: {THREADS} threads x {BUNDLES_PER_THREAD} bundles created and dropped");
}

/// The known bug of issue 9: a batch with nothing submitted got `StagingExhausted` while
/// another thread's batch held the budget. It now waits for that staging.
#[test]
fn a_batch_waits_for_staging_held_by_another_thread() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc().with_staging(StagingConfig { budget: 1 << 20, chunk_size: 1 << 20 }).expect("alloc");
    let usage = vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST;
    let desc = BufferDesc::new(1 << 20, usage | vk::BufferUsageFlags::TRANSFER_SRC);
    let first = alloc.create_buffer(&desc.clone().name("first")).expect("buffer");
    let second = alloc.create_buffer(&desc.name("second")).expect("buffer");
    let held = mpsc::channel();
    std::thread::scope(|scope| {
        let holder = scope.spawn(|| {
            let mut batch = alloc.batch().expect("batch");
            batch.upload_bytes(&first, 0, &noise(1 << 20, 1)).expect("upload");
            held.0.send(()).expect("send");
            // Keep the whole budget while the other thread asks for staging.
            std::thread::sleep(Duration::from_millis(200));
            batch.submit_and_wait().expect("submit");
        });
        held.1.recv().expect("held");
        let mut batch = alloc.batch().expect("batch");
        batch.upload_bytes(&second, 0, &noise(1 << 20, 2)).expect("waits for the other thread's staging");
        batch.submit_and_wait().expect("submit");
        holder.join().expect("holder");
    });
    assert_eq!(gpu.read_back(&second), noise(1 << 20, 2));
    drop((first, second));
}

/// Waiting for staging held by a batch of the same thread would never end: that is an error.
#[test]
fn a_batch_does_not_wait_for_staging_held_by_its_own_thread() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc().with_staging(StagingConfig { budget: 1 << 20, chunk_size: 1 << 20 }).expect("alloc");
    let desc = BufferDesc::new(1 << 20, vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST);
    let buffer = alloc.create_buffer(&desc).expect("buffer");
    let mut first = alloc.batch().expect("batch");
    first.upload_bytes(&buffer, 0, &noise(1 << 20, 1)).expect("upload");
    let mut second = alloc.batch().expect("batch");
    let err = second.upload_bytes(&buffer, 0, &[0u8; 16]).expect_err("the budget is held by this thread");
    assert!(matches!(err, Error::StagingExhausted { budget: 1048576 }), "{err}");
    drop(second);
    first.submit_and_wait().expect("submit");
    drop(buffer);
}

/// Two threads hand off work on one image at once: one re-uploads a region keeping the layout
/// it found, the other flips the layout between GENERAL and SHADER_READ_ONLY. Each batch is
/// either submitted or refused with [`Error::InUseByRecordedWork`]; the layout check, the
/// submission and the layouts handed off are one step under the queue's lock (session 8,
/// "mend9"), so no barrier names a layout the image is not in (validation on: any
/// VUID-VkImageMemoryBarrier2-oldLayout-01197 fails the test).
#[test]
fn two_threads_hand_off_layouts_of_one_image() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc();
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::STORAGE | vk::ImageUsageFlags::TRANSFER_DST;
    let image = alloc
        .create_image(&vkres::ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, usage).name("shared"))
        .expect("image");
    let mut batch = alloc.batch().expect("batch");
    batch.upload_image(&image, &[1; 64], &vkres::ImageUpload::default()).expect("upload");
    batch.submit_and_wait().expect("first upload");
    const ROUNDS: usize = 60;
    let outcome = |r: vkres::Result<()>| match r {
        Ok(()) => 1,
        Err(Error::InUseByRecordedWork { .. }) => 0,
        Err(e) => panic!("neither submitted nor refused as in use: {e}"),
    };
    let (uploads, flips) = std::thread::scope(|scope| {
        let uploader = scope.spawn(|| {
            (0..ROUNDS)
                .map(|_| {
                    outcome((|| {
                        let mut batch = alloc.batch()?;
                        let region = vkres::ImageRegion::level(0).texels([0; 3], [2, 2, 1]);
                        let layout = batch_layout(&image);
                        batch.upload_image_region(&image, &region, &[2; 16], layout)?;
                        batch.submit_and_wait()
                    })())
                })
                .sum::<usize>()
        });
        let flipper = scope.spawn(|| {
            (0..ROUNDS)
                .map(|i| {
                    outcome((|| {
                        let mut batch = alloc.batch()?;
                        let to = if i % 2 == 0 {
                            vk::ImageLayout::GENERAL
                        } else {
                            vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL
                        };
                        batch.transition_image(&image, to)?;
                        batch.submit_and_wait()
                    })())
                })
                .sum::<usize>()
        });
        (uploader.join().expect("uploader"), flipper.join().expect("flipper"))
    });
    assert!(uploads + flips > 0, "some batch went through");
}

/// The layout the image is tracked in now (a region upload that keeps it).
fn batch_layout(image: &vkres::Image) -> vk::ImageLayout {
    match image.layout() {
        vk::ImageLayout::GENERAL => vk::ImageLayout::GENERAL,
        _ => vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL,
    }
}
