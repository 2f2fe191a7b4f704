//! Large uploads on the transfer queue: with `ContextOptions::transfer_queue(true)`,
//! whole-buffer uploads of at least `LANE_THRESHOLD` bytes are copied on a transfer-only queue
//! family where the device has one (the H100) and
//! handed to the main queue's family with ownership transfers; lavapipe has one family, so
//! there the same uploads run on the main queue, and the tests check that too. Either way the
//! data must read back byte for byte, with validation and synchronization validation clean.
//! Image uploads likewise (released by the transfer family in their final layout, acquired by
//! the main one).

use vkres::{ContextOptions, Fence, ImageUpload, LANE_THRESHOLD, StagingConfig, vk};

use crate::support::{Gpu, noise, with_command_buffer};

const MIB: u64 = 1 << 20;

/// Transfer-queue submissions `work` makes, and whether the device has a transfer queue.
fn transfer_submissions(gpu: &Gpu, work: impl FnOnce()) -> (u64, bool) {
    let before = gpu.ctx().transfer_submission_count();
    work();
    let lane = gpu.ctx().transfer_queue_family_index().is_some();
    let made = gpu.ctx().transfer_submission_count() - before;
    if !lane {
        println!(
            "{} has no transfer-only queue family: uploads ran on the main queue",
            gpu.ctx().capabilities().device_name
        );
    }
    (made, lane)
}

/// One batch: a whole-buffer upload copied on to another buffer and downloaded in the same
/// round (the main queue acquires it within the round), a second one downloaded, and a
/// partial upload into a buffer the lane already owns (it stays on the lane, ordered after
/// the whole one).
#[test]
fn one_batch_uploads_on_the_transfer_queue_and_uses_the_data() {
    let gpu = Gpu::with(ContextOptions::new().transfer_queue(true));
    let size = LANE_THRESHOLD + 3 * MIB;
    let (a, b, copy) =
        (gpu.device_buffer(size, "a"), gpu.device_buffer(size, "b"), gpu.device_buffer(size, "copy of a"));
    let (data_a, mut data_b) = (noise(size as usize, 1), noise(size as usize, 2));
    let patch = noise(4096, 3);
    let (submissions, lane) = transfer_submissions(&gpu, || {
        let mut batch = gpu.alloc().batch().expect("batch");
        batch.upload_bytes(&a, 0, &data_a).expect("upload a");
        batch.copy_buffer(&a, 0, &copy, 0, size).expect("copy a");
        batch.upload_bytes(&b, 0, &data_b).expect("upload b");
        batch.upload_bytes(&b, MIB, &patch).expect("patch b");
        let downloads = [&a, &copy, &b].map(|buf| batch.download_buffer(buf).expect("download"));
        batch.submit_and_wait().expect("submit");
        data_b[MIB as usize..MIB as usize + patch.len()].copy_from_slice(&patch);
        let [got_a, got_copy, got_b] = downloads.map(|d| d.bytes().expect("bytes"));
        assert!(got_a == data_a, "a differs");
        assert!(got_copy == data_a, "the copy of a differs");
        assert!(got_b == data_b, "b (uploaded, then patched) differs");
    });
    // One round: the lane's submission, then the main one.
    assert_eq!(submissions, u64::from(lane), "transfer-queue submissions");
}

/// An upload several times the staging budget: the rounds before the last go to the transfer
/// queue alone, the last hands the buffer over. Through `submit_with_fence` too.
#[test]
fn uploads_larger_than_the_budget_stream_on_the_transfer_queue() {
    let gpu = Gpu::with(ContextOptions::new().transfer_queue(true));
    let alloc = gpu.alloc().with_staging(StagingConfig { budget: 4 * MIB, chunk_size: MIB }).expect("staging");
    let size = 3 * LANE_THRESHOLD;
    let data = noise(size as usize, 4);
    let target = gpu.device_buffer(size, "streamed");
    let (submissions, lane) = transfer_submissions(&gpu, || {
        let mut batch = alloc.batch().expect("batch");
        batch.upload_bytes(&target, 0, &data).expect("upload");
        batch.submit_and_wait().expect("submit");
    });
    assert!(gpu.read_back(&target) == data, "the streamed upload differs");
    let rounds = size / (2 * MIB);
    println!("{} MiB through 4 MiB of staging: {submissions} transfer-queue submissions", size / MIB);
    assert!(!lane || submissions >= rounds, "{submissions} transfer submissions for {rounds} rounds");
    assert!(lane || submissions == 0);

    let again = noise(size as usize, 5);
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    let mut batch = alloc.batch().expect("batch");
    batch.upload_bytes(&target, 0, &again).expect("upload");
    batch.submit_with_fence(&fence).expect("submit").wait().expect("wait");
    assert!(gpu.read_back(&target) == again, "the second upload differs");
}

/// A buffer an earlier batch used (here still in flight) is not taken by the transfer queue,
/// which would not wait for that batch: its whole upload stays on the main queue, ordered after
/// the earlier work, and the later data wins.
#[test]
fn a_buffer_used_before_stays_on_the_main_queue() {
    let gpu = Gpu::with(ContextOptions::new().transfer_queue(true));
    let size = LANE_THRESHOLD;
    let target = gpu.device_buffer(size, "used before");
    let (early, late) = (noise(64 << 10, 7), noise(size as usize, 8));
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    let (submissions, _) = transfer_submissions(&gpu, || {
        let mut first = gpu.alloc().batch().expect("batch");
        first.upload_bytes(&target, 0, &early).expect("upload");
        let in_flight = first.submit_with_fence(&fence).expect("submit");
        let mut second = gpu.alloc().batch().expect("batch");
        second.upload_bytes(&target, 0, &late).expect("upload");
        second.submit_and_wait().expect("submit");
        in_flight.wait().expect("wait");
    });
    assert_eq!(submissions, 0, "the used buffer went to the transfer queue");
    assert!(gpu.read_back(&target) == late, "the later upload must win");
}

/// Without the option (the default), nothing goes to a transfer queue and the data still arrives.
#[test]
fn transfer_queue_off_uses_the_main_queue() {
    let gpu = Gpu::new();
    assert_eq!(gpu.ctx().transfer_queue_family_index(), None);
    let size = LANE_THRESHOLD;
    let data = noise(size as usize, 6);
    let target = gpu.device_buffer(size, "main queue");
    let (submissions, _) = transfer_submissions(&gpu, || {
        gpu.alloc().upload_now(&target, 0, &data).expect("upload");
    });
    assert_eq!(submissions, 0);
    assert!(gpu.read_back(&target) == data);
}

/// Bytes of every level of an RGBA8 image of `width` x `height` with `levels` mips and `layers`.
fn rgba8_size(width: u32, height: u32, levels: u32, layers: u32) -> usize {
    (0..levels).map(|l| (width >> l).max(1) as usize * (height >> l).max(1) as usize * 4 * layers as usize).sum()
}

fn transfer_image(width: u32, height: u32, name: &str) -> vkres::ImageDesc {
    let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::SAMPLED;
    vkres::ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, width, height, usage).name(name)
}

/// Image uploads on the transfer queue: a large single-level image (downloaded in the same
/// batch, so the main queue acquires it within the round) and a large image with every mip
/// level given (downloaded by a later batch), each released by the transfer family in its
/// final layout and acquired by the main one. Where the device has no transfer-only family
/// (lavapipe) the same uploads run on the main queue (printed) and must still read back.
#[test]
fn image_uploads_on_the_transfer_queue_are_handed_to_the_main_queue() {
    let gpu = Gpu::with(ContextOptions::new().transfer_queue(true));
    let alloc = gpu.alloc();
    let flat = alloc.create_image(&transfer_image(2048, 1024, "flat")).expect("image");
    let mipped = alloc.create_image(&transfer_image(1024, 1024, "mipped").full_mip_chain()).expect("image");
    let flat_data = noise(rgba8_size(2048, 1024, 1, 1), 11);
    let mipped_data = noise(rgba8_size(1024, 1024, 11, 1), 12);
    assert!(flat_data.len() as u64 >= LANE_THRESHOLD && mipped_data.len() as u64 >= LANE_THRESHOLD);
    let upload = ImageUpload { final_layout: vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL, ..ImageUpload::default() };
    let (submissions, lane) = transfer_submissions(&gpu, || {
        let mut batch = alloc.batch().expect("batch");
        batch.upload_image(&flat, &flat_data, &upload).expect("upload flat");
        batch.upload_image(&mipped, &mipped_data, &upload).expect("upload mipped");
        let download = batch.download_image(&flat).expect("download flat");
        batch.submit_and_wait().expect("submit");
        assert!(download.bytes().expect("bytes") == flat_data, "the flat image differs");
    });
    assert_eq!(submissions, u64::from(lane), "one transfer-queue round where there is a transfer queue");
    assert_eq!(flat.layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
    assert_eq!(mipped.layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
    let mut batch = alloc.batch().expect("batch");
    let download = batch.download_image(&mipped).expect("download mipped");
    batch.submit_and_wait().expect("submit");
    assert!(download.bytes().expect("bytes") == mipped_data, "the mipped image differs");
}

/// An image upload larger than the staging budget, one layer per piece: the rounds between
/// its pieces leave the half-uploaded image on the transfer queue (in TRANSFER_DST there), the
/// last round hands it over complete.
#[test]
fn an_image_upload_larger_than_the_budget_stays_on_the_transfer_queue_until_complete() {
    let gpu = Gpu::with(ContextOptions::new().transfer_queue(true));
    let alloc = gpu.alloc().with_staging(StagingConfig { budget: 4 * MIB, chunk_size: MIB }).expect("staging");
    let layers = 8;
    let image = alloc.create_image(&transfer_image(512, 512, "layers").array_layers(layers)).expect("image");
    let data = noise(rgba8_size(512, 512, 1, layers), 13);
    // A small buffer upload on the main queue in the same batch: its rounds have main work.
    let small = gpu.device_buffer(4096, "small");
    let small_data = noise(4096, 14);
    let (submissions, lane) = transfer_submissions(&gpu, || {
        let mut batch = alloc.batch().expect("batch");
        batch.upload_bytes(&small, 0, &small_data).expect("upload small");
        batch.upload_image(&image, &data, &ImageUpload::default()).expect("upload layers");
        batch.submit_and_wait().expect("submit");
    });
    println!("{} MiB of layers through 4 MiB of staging: {submissions} transfer-queue submissions", data.len() >> 20);
    assert!(!lane || submissions >= 2, "{submissions} transfer submissions");
    assert!(lane || submissions == 0);
    let mut batch = alloc.batch().expect("batch");
    let download = batch.download_image(&image).expect("download");
    batch.submit_and_wait().expect("submit");
    assert!(download.bytes().expect("bytes") == data, "the layered image differs");
    assert!(gpu.read_back(&small) == small_data);
}

/// An image a recorder held before (a pending batch uploads it) is not taken by the transfer
/// queue, which would not wait for that work: the later upload runs on the main queue and wins.
#[test]
fn an_image_used_before_stays_on_the_main_queue() {
    let gpu = Gpu::with(ContextOptions::new().transfer_queue(true));
    let alloc = gpu.alloc();
    let image = alloc.create_image(&transfer_image(2048, 1024, "used before")).expect("image");
    let (early, late) = (noise(rgba8_size(2048, 1024, 1, 1), 15), noise(rgba8_size(2048, 1024, 1, 1), 16));
    let fence = Fence::new(gpu.ctx(), false).expect("fence");
    let upload = ImageUpload::default();
    let (submissions, lane) = transfer_submissions(&gpu, || {
        let mut first = alloc.batch().expect("batch");
        first.upload_image(&image, &early, &upload).expect("upload");
        let in_flight = first.submit_with_fence(&fence).expect("submit");
        let mut second = alloc.batch().expect("batch");
        second.upload_image(&image, &late, &upload).expect("upload");
        let download = second.download_image(&image).expect("download");
        second.submit_and_wait().expect("submit");
        in_flight.wait().expect("wait");
        assert!(download.bytes().expect("bytes") == late, "the later upload must win");
    });
    assert_eq!(submissions, u64::from(lane), "only the first upload went to the transfer queue");
}

/// A buffer and an image whose first use is one batch's transfer-queue upload (claimed by its
/// lane) are refused to every other recording, a batch's or a recorder's, until that batch's
/// main submission (which waits for the lane's copy and acquires them) is submitted
/// (`Error::OnTransferQueue`): main-queue work of another batch recorded before could be
/// submitted first, unordered with the copy. Recorded after, it is accepted and sees the data.
/// The claiming batch itself uses them after the copy. Where the device has no transfer-only
/// family (lavapipe) nothing is claimed and every use is accepted; on the H100 the refusals
/// are checked.
#[test]
fn a_resource_on_another_batchs_transfer_queue_is_refused_until_that_batch_is_submitted() {
    let gpu = Gpu::with(ContextOptions::new().transfer_queue(true));
    let alloc = gpu.alloc();
    let lane = gpu.ctx().transfer_queue_family_index().is_some();
    let size = LANE_THRESHOLD;
    let (big, other) = (gpu.device_buffer(size, "claimed"), gpu.device_buffer(size, "other"));
    let image = alloc.create_image(&transfer_image(1024, 1024, "claimed image")).expect("image");
    let (data, texels) = (noise(size as usize, 21), noise(rgba8_size(1024, 1024, 1, 1), 22));
    let upload = ImageUpload { final_layout: vk::ImageLayout::TRANSFER_SRC_OPTIMAL, ..ImageUpload::default() };
    let fence = Fence::new(gpu.ctx(), false).expect("fence");

    let mut first = alloc.batch().expect("batch");
    first.upload_bytes(&big, 0, &data).expect("upload");
    first.upload_image(&image, &texels, &upload).expect("upload image");
    // The claiming batch uses both after the lane's copies.
    let own = first.download_buffer(&big).expect("own download");

    let mut second = alloc.batch().expect("batch");
    let copy = second.copy_buffer(&big, 0, &other, 0, size);
    let transition = second.transition_image(&image, vk::ImageLayout::GENERAL);
    let image_download = second.download_image(&image).map(drop);
    let upload_again = second.upload_bytes(&big, 0, &data[..4096]);
    let recorded = with_command_buffer(&gpu, |cmd| {
        // SAFETY: `cmd` is recording, of the context's family; the recorder is dropped
        // unfinished and the command buffer never submitted.
        let mut recorder = unsafe { alloc.recorder(cmd) };
        recorder.copy_buffer(&big, 0, &other, 0, size)
    });
    let uses = [
        ("batch copy", &copy),
        ("transition", &transition),
        ("image download", &image_download),
        ("upload", &upload_again),
        ("recorder copy", &recorded),
    ];
    for (what, result) in uses {
        match (lane, result) {
            (true, Err(vkres::Error::OnTransferQueue { name })) => {
                assert!(name.starts_with("claimed"), "{what}: {name}")
            }
            (true, other) => panic!("{what} of a resource on another batch's transfer queue: {other:?}"),
            (false, Ok(())) => {}
            // Without a lane the first batch's upload is an ordinary recording that changes the
            // image's layout (from UNDEFINED) and is not finished: the transition and the
            // download would name a stale old layout (issue 16, helper "sound3").
            (false, Err(vkres::Error::InUseByRecordedWork { name, .. }))
                if matches!(what, "transition" | "image download") =>
            {
                assert!(name.starts_with("claimed image"), "{what}: {name}")
            }
            (false, Err(e)) => panic!("{what} without a transfer queue: {e}"),
        }
    }
    // Dropped unsubmitted: on lavapipe its commands are discarded.
    drop(second);

    let in_flight = first.submit_with_fence(&fence).expect("submit");
    // Submitted: later main-queue work is ordered after it, and is accepted.
    let mut third = alloc.batch().expect("batch");
    third.copy_buffer(&big, 0, &other, 0, size).expect("copy after the upload was submitted");
    third.submit_and_wait().expect("submit");
    in_flight.wait().expect("wait");
    assert!(own.bytes().expect("bytes") == data, "the claiming batch's own download differs");
    assert!(gpu.read_back(&other) == data, "the copy differs");
    // The image's layout is known once the upload's work finished (a download before is
    // `Uninitialized`, as without the lane).
    let mut fourth = alloc.batch().expect("batch");
    let texels_back = fourth.download_image(&image).expect("download after the upload finished");
    fourth.submit_and_wait().expect("submit");
    assert!(texels_back.bytes().expect("bytes") == texels, "the image differs");
}

/// Eight threads upload into one unused buffer at once, each in its own batch: at most one
/// takes the transfer queue (the claim is one compare-exchange), the others record on the main
/// queue or, while the claiming batch is not yet submitted, are refused with
/// `Error::OnTransferQueue`; no validation message, and the buffer ends holding one thread's
/// data whole.
#[test]
fn threads_uploading_into_one_unused_buffer_take_the_transfer_queue_once() {
    let gpu = Gpu::with(ContextOptions::new().transfer_queue(true));
    let size = LANE_THRESHOLD;
    let target = gpu.device_buffer(size, "contended");
    let inputs: Vec<Vec<u8>> = (0..8).map(|i| noise(size as usize, 30 + i)).collect();
    let start = std::sync::Barrier::new(inputs.len());
    let (submissions, lane) = transfer_submissions(&gpu, || {
        let results: Vec<vkres::Result<()>> = std::thread::scope(|s| {
            let threads: Vec<_> = inputs
                .iter()
                .map(|data| {
                    let (gpu, target, start) = (&gpu, &target, &start);
                    s.spawn(move || {
                        let mut batch = gpu.alloc().batch()?;
                        start.wait();
                        batch.upload_bytes(target, 0, data)?;
                        batch.submit_and_wait()
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().expect("thread")).collect()
        });
        let accepted = results.iter().filter(|r| r.is_ok()).count();
        for result in &results {
            assert!(matches!(result, Ok(()) | Err(vkres::Error::OnTransferQueue { .. })), "{result:?}");
        }
        assert!(accepted >= 1, "every upload was refused");
    });
    assert!(submissions <= u64::from(lane), "{submissions} transfer-queue submissions: the lane was taken twice");
    let got = gpu.read_back(&target);
    assert!(inputs.contains(&got), "the buffer holds no thread's data whole");
}
