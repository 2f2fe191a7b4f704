//! Which invalid Vulkan calls a validation layer reports: the bad inputs of issue 16 that
//! reached the driver before vkres checked them, made here with raw `ash` (no vkres check in
//! the way), each printed with the VUIDs the layer reported for it.
//!
//! Run it under two layers and compare (tools/ensure-validation-layer.sh makes the newer one):
//!
//! ```sh
//! cargo build -p vkres-bench --example layer_probe
//! target/debug/examples/layer_probe                                  # the system's layer
//! VKRES_LAYER_PREFIX=$PWD/target/vk-validation/1.4.309.0-1 tools/vk-runner.sh target/debug/examples/layer_probe
//! ```
//!
//! Every object a case makes is destroyed by the case; the device is idle between cases.

use std::collections::BTreeSet;

use ash::vk;
use vkres::{Context, ContextOptions};

type Case = (&'static str, fn(&Context) -> Result<(), vk::Result>);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = Context::new(ContextOptions::new().validation(true).synchronization_validation(true))?;
    println!("device: {}", ctx.capabilities().device_name);
    let log = ctx.message_log().clone();
    log.take();
    let cases: &[Case] = &[
        ("cube image that is not square", cube_not_square),
        ("multisampled image with mips", multisampled_mips),
        ("cube view of a one-layer image", cube_view_one_layer),
        ("view format of another size class", view_format_incompatible),
        ("depth aspect on a colour format", view_depth_aspect_on_colour),
        ("sampler: unnormalized coordinates with a linear mipmap mode", sampler_unnormalized_mipmap),
        ("sampler: anisotropy without the feature", sampler_anisotropy_without_feature),
        ("sampler: NaN LOD bias", sampler_nan_lod_bias),
        ("sampler: min LOD above max LOD", sampler_min_above_max),
        ("descriptor: uniform range over maxUniformBufferRange", descriptor_uniform_too_large),
        ("copy: overlapping regions of one buffer", overlapping_copy),
        ("barrier: colour image to a depth layout", colour_to_depth_layout),
        ("barrier: shader-read layout without SAMPLED usage", read_layout_without_sampled),
        ("submit: a fence that is already signalled", submit_signalled_fence),
        ("reset: a fence a pending submission uses", reset_pending_fence),
        // Last: lavapipe crashes in vkUpdateDescriptorSets after the layer reported it.
        ("descriptor: image without SAMPLED as a sampled image", descriptor_not_sampled),
    ];
    let mut all = BTreeSet::new();
    for (name, case) in cases {
        let result = case(&ctx);
        // SAFETY: the device is live; every case waits for what it submitted before returning.
        unsafe { ctx.device().device_wait_idle() }?;
        let ids: BTreeSet<String> = log.take().into_iter().map(|m| m.id_name).collect();
        let ids_text =
            if ids.is_empty() { "(none)".to_string() } else { ids.iter().cloned().collect::<Vec<_>>().join(" ") };
        let call = match result {
            Ok(()) => String::new(),
            Err(e) => format!(" [the call returned {e:?}]"),
        };
        println!("{name}: {ids_text}{call}");
        std::io::Write::flush(&mut std::io::stdout())?;
        all.extend(ids);
    }
    println!("{} distinct message ids", all.len());
    Ok(())
}

fn image_info(format: vk::Format, extent: [u32; 2], usage: vk::ImageUsageFlags) -> vk::ImageCreateInfo<'static> {
    vk::ImageCreateInfo::default()
        .image_type(vk::ImageType::TYPE_2D)
        .format(format)
        .extent(vk::Extent3D { width: extent[0], height: extent[1], depth: 1 })
        .mip_levels(1)
        .array_layers(1)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(vk::ImageTiling::OPTIMAL)
        .usage(usage)
        .initial_layout(vk::ImageLayout::UNDEFINED)
}

/// An image with memory bound, destroyed (with its memory) by [`Bound::destroy`].
struct Bound {
    image: vk::Image,
    memory: vk::DeviceMemory,
}

impl Bound {
    fn new(ctx: &Context, info: &vk::ImageCreateInfo) -> Result<Self, vk::Result> {
        let device = ctx.device();
        // SAFETY: a valid create info (the cases that break image creation do not use Bound).
        let image = unsafe { device.create_image(info, None) }?;
        // SAFETY: `image` was just created on this device.
        let req = unsafe { device.get_image_memory_requirements(image) };
        let alloc = vk::MemoryAllocateInfo::default()
            .allocation_size(req.size)
            .memory_type_index(req.memory_type_bits.trailing_zeros());
        // SAFETY: a memory type the image accepts, of its size.
        let memory = unsafe { device.allocate_memory(&alloc, None) }?;
        // SAFETY: fresh image and memory of its requirements, offset 0.
        unsafe { device.bind_image_memory(image, memory, 0) }?;
        Ok(Self { image, memory })
    }

    fn destroy(self, ctx: &Context) {
        // SAFETY: no pending work uses the image (the cases wait before destroying).
        unsafe {
            ctx.device().destroy_image(self.image, None);
            ctx.device().free_memory(self.memory, None);
        }
    }
}

fn create_and_destroy_image(ctx: &Context, info: &vk::ImageCreateInfo) -> Result<(), vk::Result> {
    // SAFETY: deliberately invalid create info: the layer reports it; the image is destroyed at once.
    let image = unsafe { ctx.device().create_image(info, None) }?;
    // SAFETY: the image was created above and is used by nothing.
    unsafe { ctx.device().destroy_image(image, None) };
    Ok(())
}

fn cube_not_square(ctx: &Context) -> Result<(), vk::Result> {
    let info = image_info(vk::Format::R8G8B8A8_UNORM, [64, 32], vk::ImageUsageFlags::SAMPLED)
        .array_layers(6)
        .flags(vk::ImageCreateFlags::CUBE_COMPATIBLE);
    create_and_destroy_image(ctx, &info)
}

fn multisampled_mips(ctx: &Context) -> Result<(), vk::Result> {
    let info = image_info(vk::Format::R8G8B8A8_UNORM, [64, 64], vk::ImageUsageFlags::COLOR_ATTACHMENT)
        .samples(vk::SampleCountFlags::TYPE_4)
        .mip_levels(3);
    create_and_destroy_image(ctx, &info)
}

fn view(
    ctx: &Context,
    image: &Bound,
    format: vk::Format,
    ty: vk::ImageViewType,
    aspect: vk::ImageAspectFlags,
) -> Result<(), vk::Result> {
    let info = vk::ImageViewCreateInfo::default().image(image.image).view_type(ty).format(format).subresource_range(
        vk::ImageSubresourceRange {
            aspect_mask: aspect,
            base_mip_level: 0,
            level_count: 1,
            base_array_layer: 0,
            layer_count: 1,
        },
    );
    // SAFETY: deliberately invalid view; destroyed at once.
    let view = unsafe { ctx.device().create_image_view(&info, None) }?;
    // SAFETY: created above, used by nothing.
    unsafe { ctx.device().destroy_image_view(view, None) };
    Ok(())
}

fn with_image(
    ctx: &Context,
    format: vk::Format,
    usage: vk::ImageUsageFlags,
    f: impl FnOnce(&Bound) -> Result<(), vk::Result>,
) -> Result<(), vk::Result> {
    let image = Bound::new(ctx, &image_info(format, [16, 16], usage))?;
    let result = f(&image);
    // SAFETY: the device is idle after the case's own waits.
    unsafe { ctx.device().device_wait_idle() }?;
    image.destroy(ctx);
    result
}

fn cube_view_one_layer(ctx: &Context) -> Result<(), vk::Result> {
    with_image(ctx, vk::Format::R8G8B8A8_UNORM, vk::ImageUsageFlags::SAMPLED, |image| {
        view(ctx, image, vk::Format::R8G8B8A8_UNORM, vk::ImageViewType::CUBE, vk::ImageAspectFlags::COLOR)
    })
}

fn view_format_incompatible(ctx: &Context) -> Result<(), vk::Result> {
    with_image(ctx, vk::Format::R8G8B8A8_UNORM, vk::ImageUsageFlags::SAMPLED, |image| {
        view(ctx, image, vk::Format::R16G16B16A16_SFLOAT, vk::ImageViewType::TYPE_2D, vk::ImageAspectFlags::COLOR)
    })
}

fn view_depth_aspect_on_colour(ctx: &Context) -> Result<(), vk::Result> {
    with_image(ctx, vk::Format::R8G8B8A8_UNORM, vk::ImageUsageFlags::SAMPLED, |image| {
        view(ctx, image, vk::Format::R8G8B8A8_UNORM, vk::ImageViewType::TYPE_2D, vk::ImageAspectFlags::DEPTH)
    })
}

fn sampler(ctx: &Context, info: &vk::SamplerCreateInfo) -> Result<(), vk::Result> {
    // SAFETY: deliberately invalid sampler; destroyed at once.
    let sampler = unsafe { ctx.device().create_sampler(info, None) }?;
    // SAFETY: created above, used by nothing.
    unsafe { ctx.device().destroy_sampler(sampler, None) };
    Ok(())
}

fn sampler_unnormalized_mipmap(ctx: &Context) -> Result<(), vk::Result> {
    sampler(
        ctx,
        &vk::SamplerCreateInfo::default()
            .unnormalized_coordinates(true)
            .mipmap_mode(vk::SamplerMipmapMode::LINEAR)
            .max_lod(0.0),
    )
}

fn sampler_anisotropy_without_feature(ctx: &Context) -> Result<(), vk::Result> {
    sampler(ctx, &vk::SamplerCreateInfo::default().anisotropy_enable(true).max_anisotropy(8.0))
}

fn sampler_nan_lod_bias(ctx: &Context) -> Result<(), vk::Result> {
    sampler(ctx, &vk::SamplerCreateInfo::default().mip_lod_bias(f32::NAN))
}

fn sampler_min_above_max(ctx: &Context) -> Result<(), vk::Result> {
    sampler(ctx, &vk::SamplerCreateInfo::default().min_lod(4.0).max_lod(1.0))
}

/// A buffer with memory bound; destroyed with its memory by the caller through `free_buffer`.
fn buffer(ctx: &Context, size: u64, usage: vk::BufferUsageFlags) -> Result<(vk::Buffer, vk::DeviceMemory), vk::Result> {
    let device = ctx.device();
    let info = vk::BufferCreateInfo::default().size(size).usage(usage);
    // SAFETY: a valid create info.
    let buffer = unsafe { device.create_buffer(&info, None) }?;
    // SAFETY: `buffer` was just created.
    let req = unsafe { device.get_buffer_memory_requirements(buffer) };
    let alloc = vk::MemoryAllocateInfo::default()
        .allocation_size(req.size)
        .memory_type_index(req.memory_type_bits.trailing_zeros());
    // SAFETY: a memory type the buffer accepts, of its size.
    let memory = unsafe { device.allocate_memory(&alloc, None) }?;
    // SAFETY: fresh buffer and memory of its requirements.
    unsafe { device.bind_buffer_memory(buffer, memory, 0) }?;
    Ok((buffer, memory))
}

fn free_buffer(ctx: &Context, (buffer, memory): (vk::Buffer, vk::DeviceMemory)) {
    // SAFETY: the device is idle (the cases wait); nothing uses the buffer.
    unsafe {
        ctx.device().destroy_buffer(buffer, None);
        ctx.device().free_memory(memory, None);
    }
}

/// One descriptor set of one binding of `ty`, written by `write`, then freed.
fn with_set(ctx: &Context, ty: vk::DescriptorType, write: impl FnOnce(vk::DescriptorSet)) -> Result<(), vk::Result> {
    let device = ctx.device();
    let binding = [vk::DescriptorSetLayoutBinding::default()
        .binding(0)
        .descriptor_type(ty)
        .descriptor_count(1)
        .stage_flags(vk::ShaderStageFlags::COMPUTE)];
    // SAFETY: a valid layout of one binding.
    let layout = unsafe {
        device.create_descriptor_set_layout(&vk::DescriptorSetLayoutCreateInfo::default().bindings(&binding), None)
    }?;
    let sizes = [vk::DescriptorPoolSize { ty, descriptor_count: 1 }];
    // SAFETY: a valid pool for one set.
    let pool = unsafe {
        device.create_descriptor_pool(&vk::DescriptorPoolCreateInfo::default().max_sets(1).pool_sizes(&sizes), None)
    }?;
    let layouts = [layout];
    // SAFETY: the pool has room for the one set of this layout.
    let set = unsafe {
        device.allocate_descriptor_sets(
            &vk::DescriptorSetAllocateInfo::default().descriptor_pool(pool).set_layouts(&layouts),
        )
    }?[0];
    write(set);
    // SAFETY: the set is used by no command; destroying the pool frees it.
    unsafe {
        device.destroy_descriptor_pool(pool, None);
        device.destroy_descriptor_set_layout(layout, None);
    }
    Ok(())
}

fn descriptor_not_sampled(ctx: &Context) -> Result<(), vk::Result> {
    with_image(ctx, vk::Format::R8G8B8A8_UNORM, vk::ImageUsageFlags::STORAGE, |image| {
        let info = vk::ImageViewCreateInfo::default()
            .image(image.image)
            .view_type(vk::ImageViewType::TYPE_2D)
            .format(vk::Format::R8G8B8A8_UNORM)
            .subresource_range(vk::ImageSubresourceRange {
                aspect_mask: vk::ImageAspectFlags::COLOR,
                base_mip_level: 0,
                level_count: 1,
                base_array_layer: 0,
                layer_count: 1,
            });
        // SAFETY: a valid view of a live image.
        let view = unsafe { ctx.device().create_image_view(&info, None) }?;
        let result = with_set(ctx, vk::DescriptorType::SAMPLED_IMAGE, |set| {
            let images = [vk::DescriptorImageInfo {
                sampler: vk::Sampler::null(),
                image_view: view,
                image_layout: vk::ImageLayout::GENERAL,
            }];
            let write = vk::WriteDescriptorSet::default()
                .dst_set(set)
                .descriptor_type(vk::DescriptorType::SAMPLED_IMAGE)
                .image_info(&images);
            // SAFETY: deliberately invalid: the view's image has no SAMPLED usage.
            unsafe { ctx.device().update_descriptor_sets(&[write], &[]) };
        });
        // SAFETY: the view is used by nothing any more.
        unsafe { ctx.device().destroy_image_view(view, None) };
        result
    })
}

fn descriptor_uniform_too_large(ctx: &Context) -> Result<(), vk::Result> {
    let max = ctx.capabilities().limits.max_uniform_buffer_range as u64;
    let size = max + 256;
    let b = buffer(ctx, size, vk::BufferUsageFlags::UNIFORM_BUFFER)?;
    let result = with_set(ctx, vk::DescriptorType::UNIFORM_BUFFER, |set| {
        let buffers = [vk::DescriptorBufferInfo { buffer: b.0, offset: 0, range: size }];
        let write = vk::WriteDescriptorSet::default()
            .dst_set(set)
            .descriptor_type(vk::DescriptorType::UNIFORM_BUFFER)
            .buffer_info(&buffers);
        // SAFETY: deliberately invalid: the range is over the device's uniform range limit.
        unsafe { ctx.device().update_descriptor_sets(&[write], &[]) };
    });
    free_buffer(ctx, b);
    result
}

/// Records `record` into a fresh command buffer, submits it with a fence, waits, frees it.
fn submit(ctx: &Context, record: impl FnOnce(vk::CommandBuffer)) -> Result<(), vk::Result> {
    let device = ctx.device();
    // SAFETY: a valid pool on the context's queue family.
    let pool = unsafe {
        device.create_command_pool(
            &vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index()),
            None,
        )
    }?;
    let info = vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1);
    // SAFETY: one primary command buffer from the pool above.
    let cmd = unsafe { device.allocate_command_buffers(&info) }?[0];
    // SAFETY: a fresh command buffer; the fence is new and unsignalled.
    let fence = unsafe {
        device.begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default())?;
        record(cmd);
        device.end_command_buffer(cmd)?;
        device.create_fence(&vk::FenceCreateInfo::default(), None)?
    };
    let cmds = [cmd];
    let submits = [vk::SubmitInfo::default().command_buffers(&cmds)];
    let result = {
        let _queue = ctx.lock_queue();
        // SAFETY: the command buffer is recorded; the queue is held by the lock.
        unsafe { device.queue_submit(ctx.queue(), &submits, fence) }
    };
    // SAFETY: waits for the submission above, then frees what it used.
    unsafe {
        if result.is_ok() {
            device.wait_for_fences(&[fence], true, u64::MAX)?;
        }
        device.destroy_fence(fence, None);
        device.destroy_command_pool(pool, None);
    }
    result
}

fn overlapping_copy(ctx: &Context) -> Result<(), vk::Result> {
    let usage = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
    let b = buffer(ctx, 4096, usage)?;
    let result = submit(ctx, |cmd| {
        let region = [vk::BufferCopy { src_offset: 0, dst_offset: 512, size: 1024 }];
        // SAFETY: deliberately invalid: source and destination ranges of one buffer overlap.
        unsafe { ctx.device().cmd_copy_buffer(cmd, b.0, b.0, &region) };
    });
    free_buffer(ctx, b);
    result
}

fn layout_barrier(
    ctx: &Context,
    image: &Bound,
    aspect: vk::ImageAspectFlags,
    layout: vk::ImageLayout,
) -> Result<(), vk::Result> {
    submit(ctx, |cmd| {
        let barrier = [vk::ImageMemoryBarrier2::default()
            .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .dst_access_mask(vk::AccessFlags2::MEMORY_READ)
            .old_layout(vk::ImageLayout::UNDEFINED)
            .new_layout(layout)
            .image(image.image)
            .subresource_range(vk::ImageSubresourceRange {
                aspect_mask: aspect,
                base_mip_level: 0,
                level_count: 1,
                base_array_layer: 0,
                layer_count: 1,
            })];
        // SAFETY: deliberately invalid layout for this image.
        unsafe {
            ctx.device().cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&barrier))
        };
    })
}

fn colour_to_depth_layout(ctx: &Context) -> Result<(), vk::Result> {
    with_image(
        ctx,
        vk::Format::R8G8B8A8_UNORM,
        vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::COLOR_ATTACHMENT,
        |image| {
            layout_barrier(ctx, image, vk::ImageAspectFlags::COLOR, vk::ImageLayout::DEPTH_STENCIL_ATTACHMENT_OPTIMAL)
        },
    )
}

fn read_layout_without_sampled(ctx: &Context) -> Result<(), vk::Result> {
    with_image(ctx, vk::Format::R8G8B8A8_UNORM, vk::ImageUsageFlags::TRANSFER_DST, |image| {
        layout_barrier(ctx, image, vk::ImageAspectFlags::COLOR, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
    })
}

fn submit_signalled_fence(ctx: &Context) -> Result<(), vk::Result> {
    let device = ctx.device();
    // SAFETY: a fence created signalled.
    let fence =
        unsafe { device.create_fence(&vk::FenceCreateInfo::default().flags(vk::FenceCreateFlags::SIGNALED), None) }?;
    let result = {
        let _queue = ctx.lock_queue();
        // SAFETY: deliberately invalid: the fence is signalled; an empty submission otherwise.
        unsafe { device.queue_submit(ctx.queue(), &[], fence) }
    };
    // SAFETY: idle wait, then the fence is unused.
    unsafe {
        device.device_wait_idle()?;
        device.destroy_fence(fence, None);
    }
    result
}

fn reset_pending_fence(ctx: &Context) -> Result<(), vk::Result> {
    let device = ctx.device();
    // SAFETY: an unsignalled fence.
    let fence = unsafe { device.create_fence(&vk::FenceCreateInfo::default(), None) }?;
    let result = {
        let _queue = ctx.lock_queue();
        // SAFETY: an empty submission that signals the fence.
        unsafe { device.queue_submit(ctx.queue(), &[], fence) }
    };
    // SAFETY: deliberately invalid: the fence's submission has not been waited for.
    let reset = unsafe { device.reset_fences(&[fence]) };
    // SAFETY: idle wait, then the fence is unused.
    unsafe {
        device.device_wait_idle()?;
        device.destroy_fence(fence, None);
    }
    result.and(reset)
}
