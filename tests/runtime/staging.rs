//! The staging memory manager: byte-exact buffer round trips, uploads larger than the budget
//! split across submissions with the peak bounded, resource sets, and the frame loop of
//! Merian's staging example through `RingFences<3, _>`.

use vkres::{
    Buffer, BufferDesc, Error, ImageDesc, ImageUpload, InFlight, MappingType, RingFences, StagingConfig, format, vk,
};

use crate::support::{Gpu, noise};

const MIB: u64 = 1 << 20;

#[test]
fn buffer_round_trips_of_awkward_sizes() {
    let gpu = Gpu::new();
    for (i, size) in [1u64, 3, 4, 65_535, 65_536, MIB + 1].into_iter().enumerate() {
        let buffer = gpu.device_buffer(size, "round trip");
        let data = noise(size as usize, i as u64);
        let mut batch = gpu.alloc().batch().expect("batch");
        batch.upload_bytes(&buffer, 0, &data).expect("upload");
        let download = batch.download_buffer(&buffer).expect("download");
        batch.submit_and_wait().expect("submit");
        assert_eq!(download.bytes().expect("bytes"), data, "{size} bytes");
    }
    let staging = gpu.alloc().staging();
    assert!(staging.peak_bytes() <= staging.config().budget);
}

#[test]
fn uploads_sharing_chunks_do_not_overlap() {
    // Chunks of 1 KiB. A batch carves the rest of the chunk the manager gave it last by itself,
    // and tells the manager what it carved when it asks again: 600 bytes take a chunk and 300
    // follow them there without the manager; 600 take a second chunk, 200 follow them; 400 fit
    // in neither chunk (900 and 800 bytes used), so they take a third, and do not land over the
    // 300. The last 24 are recorded on another thread and fit behind the 300.
    let gpu = Gpu::new();
    let alloc = gpu.alloc().with_staging(StagingConfig { budget: 64 << 10, chunk_size: 1024 }).expect("staging");
    let sizes = [600u64, 300, 600, 200, 400, 24];
    let buffers: Vec<Buffer> = sizes.iter().map(|&size| gpu.device_buffer(size, "shared chunk")).collect();
    let data: Vec<Vec<u8>> = sizes.iter().enumerate().map(|(i, &size)| noise(size as usize, 100 + i as u64)).collect();
    let mut batch = alloc.batch().expect("batch");
    for (i, (buffer, bytes)) in buffers.iter().zip(&data).enumerate() {
        if i == sizes.len() - 1 {
            std::thread::scope(|s| {
                s.spawn(|| batch.upload_bytes(buffer, 0, bytes).expect("upload on another thread"));
            });
        } else {
            batch.upload_bytes(buffer, 0, bytes).expect("upload");
        }
    }
    let downloads: Vec<_> = buffers.iter().map(|b| batch.download_buffer(b).expect("download")).collect();
    batch.submit_and_wait().expect("submit");
    assert_eq!(alloc.staging().allocated_bytes(), 3 * 1024, "three chunks serve the six uploads");
    for ((download, bytes), size) in downloads.iter().zip(&data).zip(sizes) {
        assert!(download.bytes().expect("bytes") == *bytes, "the {size}-byte upload differs");
    }
}

#[test]
fn upload_larger_than_the_budget_is_split_and_bounded() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc().with_staging(StagingConfig { budget: 64 * MIB, chunk_size: 16 * MIB }).expect("staging");
    let size = 300 * MIB;
    let buffer = gpu.device_buffer(size, "300 MiB");
    let data = noise(size as usize, 42);
    let before = gpu.ctx().submission_count();
    let mut batch = alloc.batch().expect("batch");
    batch.upload_bytes(&buffer, 0, &data).expect("upload");
    batch.submit_and_wait().expect("submit");
    let submissions = gpu.ctx().submission_count() - before;
    assert!(submissions >= 5, "300 MiB through 64 MiB of staging takes several submissions, got {submissions}");
    let peak = alloc.staging().peak_bytes();
    println!("300 MiB upload: {submissions} submissions, peak staging {} MiB of a 64 MiB budget", peak / MIB);
    assert!(peak <= 64 * MIB, "peak staging {peak} exceeds the budget");
    assert!(peak > 0);
    assert!(gpu.read_back(&buffer) == data, "300 MiB differ after the round trip");
}

#[test]
fn image_larger_than_the_budget_streams_by_layer() {
    let gpu = Gpu::new();
    let alloc = gpu.alloc().with_staging(StagingConfig { budget: 2 * MIB, chunk_size: 512 << 10 }).expect("staging");
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC;
    let desc =
        ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 512, 512, usage).full_mip_chain().array_layers(3).name("big");
    let image = alloc.create_image(&desc).expect("image");
    let size =
        format::image_data_size(format::texel_block(desc.format).expect("rgba8"), desc.extent, desc.mip_levels, 3);
    let data = noise(size as usize, 9);
    let mut batch = alloc.batch().expect("batch");
    batch.upload_image(&image, &data, &ImageUpload::default()).expect("upload");
    batch.submit_and_wait().expect("submit");
    assert!(alloc.staging().peak_bytes() <= 2 * MIB);
    assert!(gpu.download(&image) == data, "image differs after the round trip");

    // One layer of one level (1 MiB here) larger than the whole budget cannot be staged.
    let tiny = gpu.alloc().with_staging(StagingConfig { budget: 256 << 10, chunk_size: 64 << 10 }).expect("staging");
    let mut batch = tiny.batch().expect("batch");
    let err = batch.upload_image(&image, &data, &ImageUpload::default()).expect_err("over budget");
    assert!(matches!(err, Error::StagingBudgetExceeded { budget: 262_144, .. }), "{err}");
    drop(batch);
    assert_eq!(image.layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL, "the failed batch changed nothing");
}

#[test]
fn resource_sets_release_and_reuse_staging() {
    let gpu = Gpu::new();
    let staging = gpu.alloc().staging();
    let a = staging.stage(staging.current_set(), 1000, 4).expect("stage").expect("space");
    a.write(&[1; 1000]).expect("write");
    let first = staging.finalize_resource_set();
    let allocated = staging.allocated_bytes();
    assert_eq!(allocated, staging.config().chunk_size, "one chunk");
    // The next set gets a chunk of its own while the first is not released.
    let b = staging.stage(staging.current_set(), 1000, 4).expect("stage").expect("space");
    assert_ne!(a.buffer.handle(), b.buffer.handle());
    let second = staging.finalize_resource_set();
    assert_ne!(first, second);
    staging.release_resource_set(first).expect("release");
    staging.release_resource_set(second).expect("release");
    // Released chunks are reused: no new allocation.
    let c = staging.stage(staging.current_set(), 4000, 4).expect("stage").expect("space");
    assert!(c.buffer.handle() == a.buffer.handle() || c.buffer.handle() == b.buffer.handle());
    assert_eq!(staging.allocated_bytes(), 2 * staging.config().chunk_size);
    let err = c.write(&[0; 4001]).expect_err("past the space");
    assert!(matches!(err, Error::DataTooLarge { .. }));
    let third = staging.finalize_resource_set();
    staging.release_resource_set(third).expect("release");
    drop((a, b, c));
    staging.trim();
    assert_eq!(staging.allocated_bytes(), 0);
    let err = staging.stage(staging.current_set(), staging.config().budget + 1, 4).expect_err("above the budget");
    assert!(matches!(err, Error::StagingBudgetExceeded { .. }));
}

/// The frame loop of `shared/seeds/000_*.txt`: wait for the slot, release its staging set,
/// upload, finalize, submit with the slot's fence. Many frames through `RingFences<3, _>`.
#[test]
fn frame_loop_through_ring_fences() {
    let gpu = Gpu::new();
    let budget = 4 * MIB;
    let alloc = gpu.alloc().with_staging(StagingConfig { budget, chunk_size: MIB }).expect("staging");
    let frames = 120u32;
    let per_frame = 256 * 1024; // u32s: 1 MiB a frame, so three frames in flight fill 3 of 4 MiB
    let targets: Vec<Buffer<u32>> = (0..3)
        .map(|i| {
            let desc = BufferDesc::elements::<u32>(
                per_frame as u64,
                vk::BufferUsageFlags::STORAGE_BUFFER
                    | vk::BufferUsageFlags::TRANSFER_DST
                    | vk::BufferUsageFlags::TRANSFER_SRC,
            )
            .mapping(MappingType::None)
            .name(format!("frame target {i}"));
            alloc.create_typed_buffer(&desc).expect("target")
        })
        .collect();
    let mut ring = RingFences::<3, Option<InFlight>>::new(gpu.ctx()).expect("ring");
    let before = gpu.ctx().submission_count();
    for frame in 0..frames {
        let slot = ring.wait_and_get().expect("slot");
        // This slot's previous frame has finished: dropping its InFlight releases its staging set.
        if let Some(previous) = slot.user_data.take() {
            assert!(previous.is_done(), "the ring waited for it");
        }
        let data: Vec<u32> = (0..per_frame).map(|i| frame * 1_000_003 + i).collect();
        let mut batch = alloc.batch().expect("batch");
        batch.upload(&targets[slot.index], 0, &data).expect("upload");
        *slot.user_data = Some(batch.submit_with_fence(slot.fence).expect("submit"));
        assert!(alloc.staging().allocated_bytes() <= budget);
    }
    assert_eq!(gpu.ctx().submission_count() - before, frames as u64, "one submission a frame, no waits between");
    // Finish the last frames, then check each slot's buffer holds its last frame's data.
    let mut ring = ring;
    for _ in 0..3 {
        let slot = ring.wait_and_get().expect("slot");
        slot.user_data.take().expect("in flight").wait().expect("wait");
    }
    for (index, target) in targets.iter().enumerate() {
        let last = (0..frames).rev().find(|f| *f as usize % 3 == index).expect("a frame");
        let expected: Vec<u32> = (0..per_frame).map(|i| last * 1_000_003 + i).collect();
        let back: Vec<u32> = bytemuck::pod_collect_to_vec(&gpu.read_back(target));
        assert!(back == expected, "slot {index} holds frame {last}");
    }
    println!(
        "frame loop: {frames} frames, peak staging {} KiB of {} KiB",
        alloc.staging().peak_bytes() >> 10,
        budget >> 10
    );
    assert!(alloc.staging().peak_bytes() <= budget);
}

/// The direct path: a `PreferDirectWrite` buffer that landed in host-visible memory is written
/// by the host, with no staging and no submission; elsewhere it is staged. Either way the device
/// reads the data.
#[test]
fn direct_path_writes_host_visible_device_memory() {
    let gpu = Gpu::new();
    let data = noise(3 * MIB as usize + 5, 77);
    let desc =
        BufferDesc::new(data.len() as u64, vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_SRC)
            .mapping(MappingType::PreferDirectWrite)
            .name("direct");
    let before = gpu.ctx().submission_count();
    let peak = gpu.alloc().staging().peak_bytes();
    let buffer = gpu.alloc().create_buffer_with_data(&desc, &data).expect("buffer");
    let info = buffer.memory().info();
    let host_visible = info.properties.contains(vk::MemoryPropertyFlags::HOST_VISIBLE);
    println!("direct buffer memory: {:?} (host-visible: {host_visible})", info.properties);
    if host_visible {
        assert_eq!(gpu.ctx().submission_count(), before, "written directly");
        assert_eq!(gpu.alloc().staging().peak_bytes(), peak, "no staging used");
        assert!(buffer.map().is_ok());
    } else {
        assert_eq!(gpu.ctx().submission_count(), before + 1, "staged");
        assert!(matches!(buffer.map(), Err(Error::NotHostVisible { .. })));
    }
    assert!(gpu.read_back(&buffer) == data, "the device reads what was written");

    // In a batch that already copies into the buffer, a later upload must be ordered after
    // that copy: it is staged, not written ahead of it.
    let src = gpu.device_buffer(16, "src");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&src, 0, &[1; 16]).expect("upload");
    batch.copy_buffer(&src, 0, &buffer, 0, 16).expect("copy");
    batch.upload_bytes(&buffer, 0, &[2; 8]).expect("upload after the copy");
    batch.submit_and_wait().expect("submit");
    let back = gpu.read_back(&buffer);
    assert_eq!(&back[..16], &[2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1]);
}

/// Many small staged uploads in one batch (issue 20, item 1: gathered into one
/// `vkCmdCopyBuffer` per destination at the batch's end): into hundreds of device-local
/// buffers, and many into one buffer in every order (disjoint runs ascending and descending,
/// overlapping writes, which must land in the order made, and a copy and a download in
/// between, which must see the uploads taken before them). Every byte is read back against a
/// model of the uploads applied one after another; validation checks the regions of each
/// command and the barriers between them.
#[test]
fn small_staged_uploads_are_gathered_and_land_in_order() {
    let gpu = Gpu::new();
    let mut seed = 7u64;
    let mut next = || crate::support::xorshift(&mut seed);
    let buffers: Vec<Buffer> = (0..300).map(|i| gpu.device_buffer(256 + i % 16 * 256, "small")).collect();
    let many = gpu.device_buffer(64 * 1024, "many");
    let copied = gpu.device_buffer(64 * 1024, "copied");
    let mut model: Vec<Vec<u8>> = buffers.iter().map(|b| vec![0; b.size() as usize]).collect();
    let mut many_model = vec![0u8; 64 * 1024];
    let mut batch = gpu.alloc().batch().expect("batch");
    // Zeroed first, so that the model holds every byte.
    for buffer in buffers.iter().chain([&many, &copied]) {
        batch.upload_bytes(buffer, 0, &vec![0; buffer.size() as usize]).expect("zero");
    }
    for (i, buffer) in buffers.iter().enumerate() {
        let data = noise(buffer.size() as usize, i as u64);
        batch.upload_bytes(buffer, 0, &data).expect("upload");
        model[i] = data;
    }
    let write = |batch: &mut vkres::Batch<'_>, model: &mut [u8], at: usize, len: usize, seed: u64| {
        let data = noise(len, seed);
        batch.upload_bytes(&many, at as u64, &data).expect("upload into many");
        model[at..at + len].copy_from_slice(&data);
    };
    for k in 0..32 {
        write(&mut batch, &mut many_model, k * 512, 512, 1000 + k as u64); // ascending, disjoint
    }
    for k in (32..64).rev() {
        write(&mut batch, &mut many_model, k * 512, 500, 2000 + k as u64); // descending, disjoint
    }
    for k in 0..200 {
        // Anywhere, overlapping what came before: the later bytes win.
        let len = 1 + (next() % 3000) as usize;
        let at = (next() % (64 * 1024 - len as u64)) as usize;
        write(&mut batch, &mut many_model, at, len, 3000 + k);
    }
    // A copy in between reads what the uploads before it wrote.
    batch.copy_buffer(&many, 0, &copied, 0, 64 * 1024).expect("copy");
    let copied_model = many_model.clone();
    let middle = batch.download_buffer(&many).expect("download");
    let middle_model = many_model.clone();
    for k in 0..50 {
        write(&mut batch, &mut many_model, k * 1000, 700, 4000 + k as u64);
    }
    batch.submit_and_wait().expect("submit");
    assert_eq!(middle.bytes().expect("bytes"), middle_model, "the download saw the uploads before it");
    assert_eq!(gpu.read_back(&copied), copied_model, "the copy saw the uploads before it");
    assert_eq!(gpu.read_back(&many), many_model, "many");
    for (i, buffer) in buffers.iter().enumerate() {
        assert_eq!(gpu.read_back(buffer), model[i], "buffer {i}");
    }
}

/// review15 (session 11 review of xfer11's gathering): random uploads (first ones into fresh
/// buffers, which now record no overlap span; pieces larger than a chunk; overlapping
/// re-uploads), copies (the fresh-pending buffers as source and destination) and downloads in
/// one batch whose small staging budget makes it submit rounds in between, into buffers half
/// of which take direct host writes. Every download and every buffer at the end is checked
/// against a model of the commands applied in program order (bytes never written are not
/// compared); validation, synchronization validation included, checks the barriers.
#[test]
fn random_uploads_copies_and_downloads_in_small_rounds_match_a_model() {
    let gpu = Gpu::new();
    let staging = StagingConfig { budget: 64 << 10, chunk_size: 16 << 10 };
    let alloc = gpu.alloc().with_staging(staging).expect("staging");
    let usage =
        vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC;
    for seed in 1..=12u64 {
        let mut state = seed * 0x1234_5678 + 1;
        let mut next = move || crate::support::xorshift(&mut state);
        let buffers: Vec<Buffer> = (0..8u64)
            .map(|i| {
                let size = 4096 + (next() % 9) * 4096 + (next() % 7);
                let desc = BufferDesc::new(size, usage).name(format!("model {seed}/{i}"));
                let desc = if i % 2 == 0 { desc.mapping(MappingType::PreferDirectWrite) } else { desc };
                alloc.create_buffer(&desc).expect("buffer")
            })
            .collect();
        let mut model: Vec<Vec<Option<u8>>> = buffers.iter().map(|b| vec![None; b.size() as usize]).collect();
        let mut downloads = Vec::new();
        let mut batch = alloc.batch().expect("batch");
        for op in 0..160u64 {
            let b = (next() % buffers.len() as u64) as usize;
            let size = buffers[b].size();
            match next() % 10 {
                0..=5 => {
                    let len = 1 + next() % (if next() % 4 == 0 { size } else { 2048.min(size) });
                    let at = next() % (size - len + 1);
                    let data = noise(len as usize, seed * 1000 + op);
                    batch.upload_bytes(&buffers[b], at, &data).expect("upload");
                    for (k, &byte) in data.iter().enumerate() {
                        model[b][at as usize + k] = Some(byte);
                    }
                }
                6..=8 => {
                    let d = (next() % buffers.len() as u64) as usize;
                    let len = 1 + next() % size.min(buffers[d].size()).min(8192);
                    let src_at = next() % (size - len + 1);
                    let dst_at = next() % (buffers[d].size() - len + 1);
                    if b == d && src_at < dst_at + len && dst_at < src_at + len {
                        continue;
                    }
                    batch.copy_buffer(&buffers[b], src_at, &buffers[d], dst_at, len).expect("copy");
                    let moved: Vec<Option<u8>> = model[b][src_at as usize..(src_at + len) as usize].to_vec();
                    model[d][dst_at as usize..(dst_at + len) as usize].copy_from_slice(&moved);
                }
                _ => downloads.push((b, batch.download_buffer(&buffers[b]).expect("download"), model[b].clone())),
            }
        }
        batch.submit_and_wait().expect("submit");
        let same = |got: &[u8], want: &[Option<u8>]| {
            got.len() == want.len() && got.iter().zip(want).all(|(g, w)| w.is_none_or(|w| w == *g))
        };
        for (i, (b, download, want)) in downloads.iter().enumerate() {
            assert!(same(&download.bytes().expect("bytes"), want), "seed {seed}: download {i} of buffer {b}");
        }
        for (b, buffer) in buffers.iter().enumerate() {
            assert!(same(&gpu.read_back(buffer), &model[b]), "seed {seed}: buffer {b} at the end");
        }
    }
}
