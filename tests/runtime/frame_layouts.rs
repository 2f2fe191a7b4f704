//! Image layouts across frames in flight (issue 16; session 8, helper "mend8"): work handed
//! off (a submitted batch, a finished recorder) sets the layout later recordings start from,
//! so a frame may transition, region-upload or download an image that the previous frame, still
//! in flight, created, re-uploaded or transitioned. The layer (validation + synchronization
//! validation) checks every barrier's old layout at submission; the harness fails on a message.

use vkres::{Download, ImageDesc, ImageRegion, ImageUpload, InFlight, RingFences, vk};

use crate::support::Gpu;

const SRO: vk::ImageLayout = vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL;

fn texture(gpu: &Gpu, name: &str) -> vkres::Image {
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST;
    let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, usage).name(name);
    gpu.alloc().create_image(&desc).expect("texture")
}

#[test]
fn a_frame_uses_images_the_previous_frame_in_flight_created_reuploaded_or_transitioned() {
    let gpu = Gpu::new();
    let mut ring = RingFences::<2, Option<InFlight>>::new(gpu.ctx()).expect("ring");
    let mut texture_of_resize = None;
    let mut screenshots: Vec<(u8, Download)> = Vec::new();
    for frame in 0u8..8 {
        let slot = ring.wait_and_get().expect("slot");
        // The frame two back has finished; the previous one is still held (in flight).
        drop(slot.user_data.take());
        let mut batch = gpu.alloc().batch().expect("batch");
        match frame % 4 {
            // A `resize`: a new texture, UNDEFINED -> SHADER_READ_ONLY.
            0 => {
                let image = texture(&gpu, "resized");
                batch.transition_image(&image, SRO).expect("transition of the new texture");
                texture_of_resize = Some(image);
            }
            // A region upload and a transition of the texture the previous frame created.
            1 => {
                let image = texture_of_resize.as_ref().expect("created");
                let region = ImageRegion::level(0).texels([0; 3], [4, 4, 1]);
                batch.upload_image_region(image, &region, &[frame; 64], SRO).expect("region upload");
                batch.transition_image(image, vk::ImageLayout::GENERAL).expect("transition");
                batch.transition_image(image, SRO).expect("transition back");
            }
            // A screenshot of what the previous frame wrote, then a re-upload.
            2 => {
                let image = texture_of_resize.as_ref().expect("created");
                screenshots.push((frame - 1, batch.download_image(image).expect("download")));
                batch.upload_image(image, &[frame; 64], &ImageUpload::default()).expect("re-upload");
            }
            // A screenshot of the previous frame's re-upload (same layout before and after).
            _ => {
                let image = texture_of_resize.as_ref().expect("created");
                screenshots.push((frame - 1, batch.download_image(image).expect("download")));
            }
        }
        *slot.user_data = Some(batch.submit_with_fence(slot.fence).expect("submit"));
    }
    for _ in 0..2 {
        let slot = ring.wait_and_get().expect("slot");
        if let Some(in_flight) = slot.user_data.take() {
            in_flight.wait().expect("wait");
        }
    }
    assert_eq!(screenshots.len(), 4);
    for (written, download) in &screenshots {
        assert_eq!(download.bytes().expect("finished"), [*written; 64], "the screenshot of frame {written}");
    }
    assert_eq!(texture_of_resize.expect("created").layout(), SRO);
}

#[test]
fn a_transition_after_another_batchs_submitted_transition_starts_from_its_layout() {
    let gpu = Gpu::new();
    let image = texture(&gpu, "transitioned twice");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_image(&image, &[3; 64], &ImageUpload::default()).expect("upload");
    batch.submit_and_wait().expect("submit");
    let mut first = gpu.alloc().batch().expect("batch");
    first.transition_image(&image, vk::ImageLayout::GENERAL).expect("transition");
    let fence = vkres::Fence::new(gpu.ctx(), false).expect("fence");
    let in_flight = first.submit_with_fence(&fence).expect("submit");
    // Handed off: the tracked layout is GENERAL at once, and the second batch starts from it.
    assert_eq!(image.layout(), vk::ImageLayout::GENERAL);
    let mut second = gpu.alloc().batch().expect("batch");
    second.transition_image(&image, vk::ImageLayout::TRANSFER_SRC_OPTIMAL).expect("after a handed-off transition");
    let download = second.download_image(&image).expect("download");
    second.submit_and_wait().expect("submit");
    in_flight.wait().expect("wait");
    assert_eq!(image.layout(), vk::ImageLayout::TRANSFER_SRC_OPTIMAL);
    assert_eq!(download.bytes().expect("finished"), [3; 64]);
}

#[test]
fn a_recorder_frame_uses_an_image_the_previous_recorder_frame_in_flight_uploaded() {
    let gpu = Gpu::new();
    let image = texture(&gpu, "recorded frames");
    let (own0, own1) = (crate::recorder::OwnCommands::begin(&gpu), crate::recorder::OwnCommands::begin(&gpu));
    let (fence0, fence1) =
        (vkres::Fence::new(gpu.ctx(), false).expect("fence"), vkres::Fence::new(gpu.ctx(), false).expect("fence"));
    // SAFETY: `own0.cmd` is recording, of the context's family; submitted once with `fence0`.
    let mut first = unsafe { gpu.alloc().recorder(own0.cmd) };
    first.upload_image(&image, &[5; 64], &ImageUpload::default()).expect("upload");
    let in_flight0 = first.finish(&fence0).expect("finish");
    own0.submit(&fence0);
    // Frame 0 is in flight (its InFlight held): frame 1 transitions and downloads the image.
    // SAFETY: as above, with `fence1`.
    let mut second = unsafe { gpu.alloc().recorder(own1.cmd) };
    second.transition_image(&image, vk::ImageLayout::GENERAL).expect("transition");
    let download = second.download_image(&image).expect("download");
    second.transition_image(&image, SRO).expect("transition back");
    let in_flight1 = second.finish(&fence1).expect("finish");
    own1.submit(&fence1);
    in_flight1.wait().expect("wait");
    in_flight0.wait().expect("wait");
    assert_eq!(download.bytes().expect("finished"), [5; 64]);
    assert_eq!(image.layout(), SRO);
}
