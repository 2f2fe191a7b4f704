//! Images and views of several formats, kinds and layer counts; textures.

use vkres::{Error, ImageDesc, ImageViewDesc, SamplerDesc, full_mip_count, vk};

use crate::support::Gpu;

#[test]
fn images_and_views_of_several_formats() {
    let gpu = Gpu::new();
    let sampled = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST;
    let cases = [
        (ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 256, 128, sampled).full_mip_chain(), vk::ImageViewType::TYPE_2D),
        (
            ImageDesc::new_2d(vk::Format::R8G8B8A8_SRGB, 64, 64, sampled).array_layers(4),
            vk::ImageViewType::TYPE_2D_ARRAY,
        ),
        (ImageDesc::new_2d(vk::Format::R32_SFLOAT, 33, 17, vk::ImageUsageFlags::STORAGE), vk::ImageViewType::TYPE_2D),
        (
            ImageDesc::new_2d(vk::Format::R16G16B16A16_SFLOAT, 16, 16, vk::ImageUsageFlags::COLOR_ATTACHMENT),
            vk::ImageViewType::TYPE_2D,
        ),
        (
            ImageDesc::new_2d(
                vk::Format::D32_SFLOAT,
                64,
                64,
                vk::ImageUsageFlags::DEPTH_STENCIL_ATTACHMENT | vk::ImageUsageFlags::SAMPLED,
            ),
            vk::ImageViewType::TYPE_2D,
        ),
        (ImageDesc::new_cube(vk::Format::R8G8B8A8_UNORM, 32, sampled).mip_levels(3), vk::ImageViewType::CUBE),
        (
            ImageDesc::new_3d(vk::Format::R8_UNORM, vk::Extent3D { width: 16, height: 8, depth: 4 }, sampled),
            vk::ImageViewType::TYPE_3D,
        ),
    ];
    for (i, (desc, view_type)) in cases.into_iter().enumerate() {
        let desc = desc.name(format!("image{i}"));
        let image = gpu.alloc().create_image(&desc).unwrap_or_else(|e| panic!("{desc:?}: {e}"));
        assert_ne!(image.handle(), vk::Image::null());
        assert_eq!(image.desc(), &desc);
        assert!(image.memory().info().size > 0);
        let view = gpu.alloc().create_image_view(&image, &ImageViewDesc::default()).expect("view");
        assert_eq!(view.view_type(), view_type, "{desc:?}");
        let range = view.subresource_range();
        assert_eq!((range.level_count, range.layer_count), (desc.mip_levels, desc.array_layers));
        if desc.format == vk::Format::D32_SFLOAT {
            assert_eq!(range.aspect_mask, vk::ImageAspectFlags::DEPTH);
        }
        // One mip of one layer, as a 2D view.
        let one = ImageViewDesc {
            view_type: Some(if desc.ty == vk::ImageType::TYPE_3D {
                vk::ImageViewType::TYPE_3D
            } else {
                vk::ImageViewType::TYPE_2D
            }),
            base_mip_level: desc.mip_levels - 1,
            base_array_layer: desc.array_layers - 1,
            array_layers: Some(1),
            ..Default::default()
        };
        let single = gpu.alloc().create_image_view(&image, &one).expect("single view");
        assert_eq!(single.subresource_range().level_count, 1);
        drop(image); // the views keep it alive
        assert_eq!(view.image().desc().name, format!("image{i}"));
    }
    assert_eq!(full_mip_count(vk::Extent3D { width: 256, height: 128, depth: 1 }), 9);
}

#[test]
fn view_outside_the_image_is_an_error() {
    let gpu = Gpu::new();
    let image = gpu
        .alloc()
        .create_image(
            &ImageDesc::new_2d(vk::Format::R8_UNORM, 8, 8, vk::ImageUsageFlags::SAMPLED).mip_levels(2).name("small"),
        )
        .expect("image");
    for desc in [
        ImageViewDesc { base_mip_level: 2, ..Default::default() },
        ImageViewDesc { mip_levels: Some(3), ..Default::default() },
        ImageViewDesc { base_array_layer: 1, ..Default::default() },
    ] {
        let err = gpu.alloc().create_image_view(&image, &desc).expect_err("out of range");
        assert!(matches!(err, Error::ValidUsage { .. }), "{err}");
    }
}

#[test]
fn texture_is_image_view_and_pooled_sampler() {
    let gpu = Gpu::new();
    let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_SRGB, 64, 64, vk::ImageUsageFlags::TRANSFER_DST)
        .full_mip_chain()
        .name("albedo");
    let a = gpu.alloc().create_texture(&desc, &SamplerDesc::linear()).expect("texture");
    let b = gpu.alloc().create_texture(&desc.clone().name("normal"), &SamplerDesc::linear()).expect("texture");
    assert!(a.image().desc().usage.contains(vk::ImageUsageFlags::SAMPLED), "SAMPLED added");
    assert_eq!(a.view().subresource_range().level_count, 7);
    assert_eq!(a.sampler().handle(), b.sampler().handle(), "one VkSampler for one description");
    assert_eq!(gpu.alloc().sampler_pool().created(), 1);
    let info = a.descriptor_info(vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
    assert_eq!(info.image_view, a.view().handle());
    drop((a, b));
    assert_eq!(gpu.alloc().sampler_pool().live(), 0);
}

/// A whole-image upload discards the contents (old layout UNDEFINED): another recording handed
/// off first may change the image's layout meanwhile, and the upload still goes out, leaving
/// the image in its final layout with its bytes (session 8, "mend9").
#[test]
fn whole_upload_after_another_recording_changed_the_layout() {
    let gpu = Gpu::new();
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST;
    let image = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, usage)).expect("image");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_image(&image, &[7; 64], &vkres::ImageUpload::default()).expect("upload");
    batch.submit_and_wait().expect("first upload");
    // Found in SHADER_READ_ONLY and left there: not counted as a change, so the second batch
    // may transition the image and hand off first.
    let mut first = gpu.alloc().batch().expect("batch");
    first.upload_image(&image, &[9; 64], &vkres::ImageUpload::default()).expect("upload");
    let mut second = gpu.alloc().batch().expect("batch");
    second.transition_image(&image, vk::ImageLayout::GENERAL).expect("transition");
    second.submit_and_wait().expect("transition submitted");
    assert_eq!(image.layout(), vk::ImageLayout::GENERAL);
    first.submit_and_wait().expect("an upload discarding the contents starts from any layout");
    assert_eq!(image.layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
    let mut batch = gpu.alloc().batch().expect("batch");
    let download = batch.download_image(&image).expect("download");
    batch.submit_and_wait().expect("download");
    assert_eq!(download.bytes().expect("bytes"), vec![9; 64]);
}
