//! Image uploads and downloads: byte-exact round trips of every mip and layer for several
//! formats and kinds, generated mips against a CPU box filter, layouts, and the typed errors.

use vkres::format::{image_data_size, level_layer_size, mip_extent, texel_block};
use vkres::{Error, Image, ImageDesc, ImageUpload, vk};

use crate::support::{Gpu, noise};

const USAGE: vk::ImageUsageFlags = vk::ImageUsageFlags::from_raw(
    vk::ImageUsageFlags::SAMPLED.as_raw()
        | vk::ImageUsageFlags::TRANSFER_DST.as_raw()
        | vk::ImageUsageFlags::TRANSFER_SRC.as_raw(),
);

/// Creates `desc`, or `None` with a printed reason where the device lacks the format.
fn create(gpu: &Gpu, desc: &ImageDesc) -> Option<Image> {
    match gpu.alloc().create_image(desc) {
        Ok(image) => Some(image),
        Err(Error::UnsupportedFormat { format, .. }) => {
            println!("skipped {}: {format:?} is not supported by {}", desc.name, gpu.ctx().capabilities().device_name);
            None
        }
        Err(e) => panic!("{}: {e}", desc.name),
    }
}

/// Uploads `data`, downloads it in the same batch, and returns the bytes.
fn round_trip(gpu: &Gpu, image: &Image, data: &[u8]) -> Vec<u8> {
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_image(image, data, &ImageUpload::default()).expect("upload");
    let download = batch.download_image(image).expect("download");
    assert!(matches!(download.bytes(), Err(Error::NotReady { .. })), "readable only after the batch");
    batch.submit_and_wait().expect("submit");
    assert_eq!(image.layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
    download.bytes().expect("bytes")
}

#[test]
fn formats_round_trip_every_mip_and_layer() {
    let gpu = Gpu::new();
    let formats = [
        vk::Format::R8_UNORM,
        vk::Format::R8G8B8A8_UNORM,
        vk::Format::R8G8B8A8_SRGB,
        vk::Format::R16G16B16A16_SFLOAT,
        vk::Format::R32G32B32A32_SFLOAT,
        vk::Format::BC1_RGBA_UNORM_BLOCK,
        vk::Format::BC7_UNORM_BLOCK,
    ];
    for (i, format) in formats.into_iter().enumerate() {
        // A 2D array of 3 layers with every mip, odd sizes included (37x20 has 6 levels).
        let desc =
            ImageDesc::new_2d(format, 37, 20, USAGE).full_mip_chain().array_layers(3).name(format!("{format:?}"));
        let Some(image) = create(&gpu, &desc) else { continue };
        let block = texel_block(format).expect("known format");
        let size = image_data_size(block, desc.extent, desc.mip_levels, 3);
        let data = noise(size as usize, i as u64);
        assert_eq!(round_trip(&gpu, &image, &data), data, "{format:?}");
    }
}

#[test]
fn cube_3d_and_depth_round_trip() {
    let gpu = Gpu::new();
    let cases = [
        ImageDesc::new_cube(vk::Format::R8G8B8A8_UNORM, 16, USAGE).full_mip_chain().name("cube"),
        ImageDesc::new_3d(vk::Format::R16G16B16A16_SFLOAT, vk::Extent3D { width: 16, height: 8, depth: 6 }, USAGE)
            .full_mip_chain()
            .name("volume"),
        ImageDesc::new_2d(vk::Format::D32_SFLOAT, 24, 24, USAGE | vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT)
            .name("depth"),
    ];
    for (i, desc) in cases.into_iter().enumerate() {
        let Some(image) = create(&gpu, &desc) else { continue };
        let block = texel_block(desc.format).expect("known format");
        let mut data =
            noise(image_data_size(block, desc.extent, desc.mip_levels, desc.array_layers) as usize, 100 + i as u64);
        if desc.format == vk::Format::D32_SFLOAT {
            // Depth copies must hold values in [0, 1].
            for (j, texel) in data.chunks_exact_mut(4).enumerate() {
                texel.copy_from_slice(&(j as f32 / 576.0).to_le_bytes());
            }
        }
        assert_eq!(round_trip(&gpu, &image, &data), data, "{}", desc.name);
    }
}

#[test]
fn depth_image_is_created_and_transitioned() {
    let gpu = Gpu::new();
    let desc =
        ImageDesc::new_2d(vk::Format::D32_SFLOAT, 64, 64, vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT).name("depth");
    let depth = gpu.alloc().create_image(&desc).expect("depth image");
    assert_eq!(depth.layout(), vk::ImageLayout::UNDEFINED);
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.transition_image(&depth, vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL).expect("transition");
    assert_eq!(depth.layout(), vk::ImageLayout::UNDEFINED, "applied when the batch has run");
    batch.submit_and_wait().expect("submit");
    assert_eq!(depth.layout(), vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL);
    // A discarded batch changes no layout.
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.transition_image(&depth, vk::ImageLayout::GENERAL).expect("transition");
    drop(batch);
    assert_eq!(depth.layout(), vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL);
}

/// The 2x2 box filter of an RGBA8 level (sizes halve exactly here).
fn box_filter(src: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = ((width / 2).max(1), (height / 2).max(1));
    let at = |x: u32, y: u32, c: u32| src[((y.min(height - 1) * width + x.min(width - 1)) * 4 + c) as usize] as u32;
    let mut out = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            for c in 0..4 {
                let sum = at(2 * x, 2 * y, c)
                    + at(2 * x + 1, 2 * y, c)
                    + at(2 * x, 2 * y + 1, c)
                    + at(2 * x + 1, 2 * y + 1, c);
                out.push(((sum + 2) / 4) as u8);
            }
        }
    }
    out
}

#[test]
fn generated_mips_match_a_box_filter() {
    let gpu = Gpu::new();
    let format = vk::Format::R8G8B8A8_UNORM;
    let desc = ImageDesc::new_2d(format, 64, 32, USAGE).full_mip_chain().array_layers(2).name("mipmapped");
    let image = gpu.alloc().create_image(&desc).expect("image");
    let block = texel_block(format).expect("rgba8");
    let level0 = noise(level_layer_size(block, desc.extent, 0) as usize * 2, 7);
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_image(&image, &level0, &ImageUpload::generate_mips()).expect("upload");
    let download = batch.download_image(&image).expect("download");
    batch.submit_and_wait().expect("submit");
    let all = download.bytes().expect("bytes");
    assert_eq!(all.len() as u64, image_data_size(block, desc.extent, 7, 2));

    // Split the download into levels and layers, and check each level against the box filter
    // of the level above it (as the device computed it), within one step of rounding.
    let mut levels = Vec::new();
    let mut offset = 0usize;
    for level in 0..desc.mip_levels {
        let layer = level_layer_size(block, desc.extent, level) as usize;
        levels.push((0..2).map(|l| all[offset + l * layer..offset + (l + 1) * layer].to_vec()).collect::<Vec<_>>());
        offset += 2 * layer;
    }
    assert_eq!(&levels[0].concat(), &level0, "level 0 is the data");
    let mut worst = 0;
    for level in 1..desc.mip_levels as usize {
        let above = mip_extent(desc.extent, level as u32 - 1);
        for (upper, lower) in levels[level - 1].iter().zip(&levels[level]) {
            let expected = box_filter(upper, above.width, above.height);
            assert_eq!(expected.len(), lower.len());
            for (a, b) in expected.iter().zip(lower) {
                worst = worst.max(a.abs_diff(*b));
            }
        }
    }
    assert!(worst <= 1, "generated mips differ from the box filter by up to {worst}/255");
    assert_eq!(image.layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
}

#[test]
fn image_data_errors() {
    let gpu = Gpu::new();
    let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 16, 16, USAGE).mip_levels(2).name("checked");
    let image = gpu.alloc().create_image(&desc).expect("image");
    let mut batch = gpu.alloc().batch().expect("batch");
    // 16x16 + 8x8 texels of 4 bytes = 1280 bytes; level 0 alone is 1024.
    let err = batch.upload_image(&image, &[0; 1024], &ImageUpload::default()).expect_err("one level short");
    assert!(matches!(&err, Error::ImageDataSize { expected: 1280, given: 1024, name } if name == "checked"), "{err}");
    let err =
        batch.upload_image(&image, &[0; 1280], &ImageUpload::generate_mips()).expect_err("generate takes level 0");
    assert!(matches!(err, Error::ImageDataSize { expected: 1024, given: 1280, .. }), "{err}");
    let err = batch.download_image(&image).expect_err("nothing to download yet");
    assert!(matches!(&err, Error::Uninitialized { name } if name == "checked"), "{err}");

    // Integer formats have no linear filtering, so no generated mips, on any device.
    let desc = ImageDesc::new_2d(vk::Format::R32G32B32A32_UINT, 8, 8, USAGE).full_mip_chain().name("integer");
    let integer = gpu.alloc().create_image(&desc).expect("image");
    let err = batch.upload_image(&integer, &[0; 1024], &ImageUpload::generate_mips()).expect_err("no linear blit");
    assert!(matches!(err, Error::MipGenerationUnsupported { format: vk::Format::R32G32B32A32_UINT, .. }), "{err}");

    // Two aspects cannot be copied as one block of data.
    let desc = ImageDesc::new_2d(vk::Format::D24_UNORM_S8_UINT, 8, 8, vk::ImageUsageFlags::TRANSFER_DST).name("ds");
    if let Ok(ds) = gpu.alloc().create_image(&desc) {
        let err = batch.upload_image(&ds, &[0; 256], &ImageUpload::default()).expect_err("two aspects");
        assert!(matches!(err, Error::FormatNotTransferable { .. }), "{err}");
    }
    assert_eq!(batch.commands(), 0);
}

/// Many single-copy uploads in one batch (recorded together: one barrier command before their
/// copies, one after), mixed with what must see them: a second upload of the same image (the
/// last one wins), a download of an image uploaded earlier in the batch, a buffer upload, a
/// transition; and a staging budget small enough that the batch submits part of them on the way.
#[test]
fn batched_texture_uploads_mixed_with_other_work() {
    let gpu = Gpu::new();
    // Chunks of 64 KiB, budget 256 KiB: the batch submits every 128 KiB staged.
    let staging = vkres::StagingConfig { budget: 256 << 10, chunk_size: 64 << 10 };
    let alloc = gpu.alloc().with_staging(staging).expect("staging");
    let side = 64;
    let bytes = (side * side * 4) as usize;
    let images: Vec<Image> = (0..24)
        .map(|i| {
            let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, side, side, USAGE).name(format!("batched {i}"));
            alloc.create_image(&desc).expect("image")
        })
        .collect();
    let data: Vec<Vec<u8>> = (0..24).map(|i| noise(bytes, 40 + i)).collect();
    let buffer = alloc
        .create_buffer(&vkres::BufferDesc::new(4096, vk::BufferUsageFlags::TRANSFER_DST).name("between"))
        .expect("buffer");
    let mut batch = alloc.batch().expect("batch");
    for (i, (image, data)) in images.iter().zip(&data).enumerate() {
        batch.upload_image(image, data, &ImageUpload::default()).expect("upload");
        if i == 5 {
            batch.upload(&buffer, 0, &[9u8; 4096]).expect("buffer upload");
        }
    }
    // Image 3 again, with other bytes: after its first upload.
    let again = noise(bytes, 99);
    batch.upload_image(&images[3], &again, &ImageUpload::default()).expect("second upload");
    let early = batch.download_image(&images[1]).expect("download");
    batch.transition_image(&images[2], vk::ImageLayout::GENERAL).expect("transition");
    assert!(batch.submissions() >= 2, "{} partial submissions", batch.submissions());
    batch.submit_and_wait().expect("submit");
    assert_eq!(early.bytes().expect("bytes"), data[1]);
    for (i, image) in images.iter().enumerate() {
        let expected = if i == 3 { &again } else { &data[i] };
        assert_eq!(&gpu.download(image), expected, "image {i}");
        let layout = if i == 2 { vk::ImageLayout::GENERAL } else { vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL };
        assert_eq!(image.layout(), layout, "image {i}");
    }
    drop((images, buffer, alloc));
}

/// Checks every generated level of `image` (downloaded as `all`, RGBA8, `layers` layers)
/// against the box filter of the level above it, within one step of rounding, and level 0
/// against `level0`.
fn check_generated_levels(image: &Image, all: &[u8], level0: &[u8]) {
    let d = image.desc();
    let block = texel_block(d.format).expect("rgba8");
    let layers = d.array_layers as usize;
    assert_eq!(all.len() as u64, image_data_size(block, d.extent, d.mip_levels, d.array_layers), "{}", d.name);
    let mut levels = Vec::new();
    let mut offset = 0usize;
    for level in 0..d.mip_levels {
        let layer = level_layer_size(block, d.extent, level) as usize;
        levels.push((0..layers).map(|l| &all[offset + l * layer..offset + (l + 1) * layer]).collect::<Vec<_>>());
        offset += layers * layer;
    }
    assert_eq!(levels[0].concat(), level0, "{}: level 0 is the data", d.name);
    for level in 1..d.mip_levels as usize {
        let above = mip_extent(d.extent, level as u32 - 1);
        for (upper, lower) in levels[level - 1].iter().zip(&levels[level]) {
            let expected = box_filter(upper, above.width, above.height);
            let worst = expected.iter().zip(lower.iter()).map(|(a, b)| a.abs_diff(*b)).max().unwrap_or(0);
            assert!(worst <= 1, "{} level {level}: differs from the box filter by up to {worst}/255", d.name);
        }
    }
}

/// Textures of several shapes whose mips are generated in one batch (recorded level by level
/// across all of them: one barrier command per level), mixed with what must see them: a
/// second upload of one (the last wins), a download of one mid-batch, a texture with one level;
/// and a staging budget small enough that the batch submits part of them on the way.
#[test]
fn generated_mips_of_many_textures_in_one_batch() {
    let gpu = Gpu::new();
    // Chunks of 64 KiB, budget 256 KiB: the batch submits every 128 KiB staged.
    let staging = vkres::StagingConfig { budget: 256 << 10, chunk_size: 64 << 10 };
    let alloc = gpu.alloc().with_staging(staging).expect("staging");
    let format = vk::Format::R8G8B8A8_UNORM;
    let shapes = [(64, 32, 2), (16, 16, 1), (8, 2, 1), (1, 1, 1), (128, 64, 1), (4, 4, 3), (32, 32, 1)];
    let images: Vec<Image> = (0..21)
        .map(|i| {
            let (w, h, layers) = shapes[i % shapes.len()];
            let desc =
                ImageDesc::new_2d(format, w, h, USAGE).full_mip_chain().array_layers(layers).name(format!("mips {i}"));
            alloc.create_image(&desc).expect("image")
        })
        .collect();
    let level0_of = |image: &Image, seed: u64| {
        let d = image.desc();
        noise(
            level_layer_size(texel_block(format).expect("rgba8"), d.extent, 0) as usize * d.array_layers as usize,
            seed,
        )
    };
    let data: Vec<Vec<u8>> = images.iter().enumerate().map(|(i, image)| level0_of(image, 200 + i as u64)).collect();
    let mut batch = alloc.batch().expect("batch");
    let mut early = None;
    for (i, (image, data)) in images.iter().zip(&data).enumerate() {
        batch.upload_image(image, data, &ImageUpload::generate_mips()).expect("upload");
        if i == 8 {
            early = Some(batch.download_image(&images[4]).expect("download"));
        }
    }
    let again = level0_of(&images[2], 999);
    batch.upload_image(&images[2], &again, &ImageUpload::generate_mips()).expect("second upload");
    let downloads: Vec<_> = images.iter().map(|image| batch.download_image(image).expect("download")).collect();
    assert!(batch.submissions() >= 1, "{} partial submissions", batch.submissions());
    batch.submit_and_wait().expect("submit");
    check_generated_levels(&images[4], &early.expect("early").bytes().expect("bytes"), &data[4]);
    for (i, (image, download)) in images.iter().zip(&downloads).enumerate() {
        let level0 = if i == 2 { &again } else { &data[i] };
        check_generated_levels(image, &download.bytes().expect("bytes"), level0);
        assert_eq!(image.layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL, "image {i}");
    }
    drop((downloads, images, alloc));
}
