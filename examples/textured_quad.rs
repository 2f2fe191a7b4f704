//! A texture sampled in a compute pass: one derived struct holds a 16x16 texture (uploaded, its
//! mips generated), a nearest sampler, the 32x32 storage image the pass writes and the compute
//! shader itself (a `shader` field: SPIR-V included at compile time). The pass samples the
//! texture across the quad, level 0 on the left half and the generated level 1 on the right;
//! the quad is downloaded and every pixel is checked against the texels.
//!
//! Run: `cargo run --example textured_quad` (validation on with `VKRES_VALIDATION=1`).

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use vkres::{Context, Error, GpuResources, ImageView, ResourceAllocator, Sampler, ShaderModule, vk};

/// The texture's size, and the quad's.
const TEXTURE: u32 = 16;
const QUAD: u32 = 32;

/// Level 0 of the texture: red grows to the right, green downwards, blue is a checker.
fn texels() -> Vec<u8> {
    (0..TEXTURE * TEXTURE)
        .flat_map(|i| {
            let (x, y) = (i % TEXTURE, i / TEXTURE);
            [(x * 16) as u8, (y * 16) as u8, if (x ^ y) & 1 == 0 { 255 } else { 0 }, 255]
        })
        .collect()
}

#[derive(GpuResources)]
struct TexturedQuad {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [TEXTURE, TEXTURE], mips = generate, data = texels()), binding = 0, stages = COMPUTE)]
    texture: ImageView,
    #[gpu(sampler(filter = nearest, mipmap = nearest, address = clamp_to_edge), binding = 1, stages = COMPUTE)]
    nearest: Sampler,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [QUAD, QUAD], usage = STORAGE | TRANSFER_SRC), binding = 2, stages = COMPUTE)]
    quad: ImageView,
    #[gpu(shader(path = "shaders/textured_quad.spv"))]
    shader: ShaderModule,
}

fn failed(operation: &'static str) -> impl FnOnce(vk::Result) -> Error {
    move |result| Error::Vulkan { operation, result }
}

/// The objects of one compute pass, made by hand (ash); destroyed when dropped, whichever
/// were made (null handles are ignored by the destroy functions).
struct Pass<'a> {
    device: &'a ash::Device,
    set_layout: vk::DescriptorSetLayout,
    layout: vk::PipelineLayout,
    pool: vk::DescriptorPool,
    pipeline: vk::Pipeline,
    command_pool: vk::CommandPool,
    fence: vk::Fence,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        // SAFETY: every submission that used these objects was waited for (or never made).
        unsafe {
            self.device.destroy_fence(self.fence, None);
            self.device.destroy_command_pool(self.command_pool, None);
            self.device.destroy_pipeline(self.pipeline, None);
            self.device.destroy_descriptor_pool(self.pool, None);
            self.device.destroy_pipeline_layout(self.layout, None);
            self.device.destroy_descriptor_set_layout(self.set_layout, None);
        }
    }
}

/// Runs the shader of `bundle` over its quad once and waits. The pipeline objects are plain
/// ash; the descriptor set's layout and contents come from the derive.
fn dispatch(ctx: &Context, bundle: &TexturedQuad) -> vkres::Result<()> {
    let device = ctx.device();
    let bindings: Vec<_> = TexturedQuad::descriptor_bindings().iter().map(|b| b.layout_binding()).collect();
    let sizes: Vec<_> =
        bindings.iter().map(|b| vk::DescriptorPoolSize { ty: b.descriptor_type, descriptor_count: 1 }).collect();
    let mut pass = Pass {
        device,
        set_layout: vk::DescriptorSetLayout::null(),
        layout: vk::PipelineLayout::null(),
        pool: vk::DescriptorPool::null(),
        pipeline: vk::Pipeline::null(),
        command_pool: vk::CommandPool::null(),
        fence: vk::Fence::null(),
    };
    // SAFETY (whole block): creation of objects of this device from valid create infos (each
    // stored in `pass` at once), one command buffer recorded with them and the bundle's
    // resources, submitted once and waited for on its own fence.
    unsafe {
        pass.set_layout = device
            .create_descriptor_set_layout(&vk::DescriptorSetLayoutCreateInfo::default().bindings(&bindings), None)
            .map_err(failed("vkCreateDescriptorSetLayout"))?;
        let set_layouts = [pass.set_layout];
        pass.layout = device
            .create_pipeline_layout(&vk::PipelineLayoutCreateInfo::default().set_layouts(&set_layouts), None)
            .map_err(failed("vkCreatePipelineLayout"))?;
        pass.pool = device
            .create_descriptor_pool(&vk::DescriptorPoolCreateInfo::default().max_sets(1).pool_sizes(&sizes), None)
            .map_err(failed("vkCreateDescriptorPool"))?;
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(bundle.shader.handle())
            .name(c"main");
        pass.pipeline = device
            .create_compute_pipelines(
                vk::PipelineCache::null(),
                &[vk::ComputePipelineCreateInfo::default().stage(stage).layout(pass.layout)],
                None,
            )
            .map_err(|(_, e)| failed("vkCreateComputePipelines")(e))?[0];
        let set = device
            .allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default().descriptor_pool(pass.pool).set_layouts(&set_layouts),
            )
            .map_err(failed("vkAllocateDescriptorSets"))?[0];
        bundle.write_descriptors(set).with_writes(|w| device.update_descriptor_sets(w, &[]))?;
        pass.command_pool = device
            .create_command_pool(
                &vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index()),
                None,
            )
            .map_err(failed("vkCreateCommandPool"))?;
        pass.fence = device.create_fence(&vk::FenceCreateInfo::default(), None).map_err(failed("vkCreateFence"))?;
        let cmd = device
            .allocate_command_buffers(
                &vk::CommandBufferAllocateInfo::default().command_pool(pass.command_pool).command_buffer_count(1),
            )
            .map_err(failed("vkAllocateCommandBuffers"))?[0];
        device
            .begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default())
            .map_err(failed("vkBeginCommandBuffer"))?;
        device.cmd_bind_pipeline(cmd, vk::PipelineBindPoint::COMPUTE, pass.pipeline);
        device.cmd_bind_descriptor_sets(cmd, vk::PipelineBindPoint::COMPUTE, pass.layout, 0, &[set], &[]);
        device.cmd_dispatch(cmd, QUAD.div_ceil(8), QUAD.div_ceil(8), 1);
        device.end_command_buffer(cmd).map_err(failed("vkEndCommandBuffer"))?;
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
        ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], pass.fence)?;
        device.wait_for_fences(&[pass.fence], true, u64::MAX).map_err(failed("vkWaitForFences"))
    }
}

/// What pixel (`x`, `y`) of the quad must hold: the texel of level 0 (left half) or of level
/// 1 (right half: the average of 2x2 texels of level 0) that nearest sampling picks.
fn expected(level0: &[u8], x: u32, y: u32) -> [u8; 4] {
    if x < QUAD / 2 {
        let (tx, ty) = (x * TEXTURE / QUAD, y * TEXTURE / QUAD);
        let at = ((ty * TEXTURE + tx) * 4) as usize;
        return [level0[at], level0[at + 1], level0[at + 2], level0[at + 3]];
    }
    let (tx, ty) = (x * TEXTURE / 2 / QUAD * 2, y * TEXTURE / 2 / QUAD * 2);
    std::array::from_fn(|c| {
        let texel = |dx: u32, dy: u32| u32::from(level0[(((ty + dy) * TEXTURE + tx + dx) * 4) as usize + c]);
        ((texel(0, 0) + texel(1, 0) + texel(0, 1) + texel(1, 1)) as f32 / 4.0).round() as u8
    })
}

fn main() -> vkres::Result<()> {
    let ctx = common::context("textured_quad", true)?;
    let alloc = ResourceAllocator::new(&ctx)?;
    println!("device: {}", ctx.capabilities().device_name);

    let t = Instant::now();
    let bundle = TexturedQuad::create(&alloc)?;
    println!(
        "created TexturedQuad: {}x{TEXTURE} texture with {} generated mip levels, sampler, {QUAD}x{QUAD} storage image, shader; {:.2} ms",
        TEXTURE,
        bundle.texture.image().desc().mip_levels,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    dispatch(&ctx, &bundle)?;
    let mut batch = alloc.batch()?;
    let download = batch.download_image(bundle.quad.image())?;
    batch.submit_and_wait()?;
    let quad = download.bytes()?;
    println!("sampled and downloaded the quad in {:.2} ms", t.elapsed().as_secs_f64() * 1e3);

    // Every pixel against the texels; generated mips are blits, so allow one step of rounding.
    let level0 = texels();
    let mut wrong = 0;
    for y in 0..QUAD {
        for x in 0..QUAD {
            let at = ((y * QUAD + x) * 4) as usize;
            let want = expected(&level0, x, y);
            if (0..4).any(|c| quad[at + c].abs_diff(want[c]) > 1) {
                if wrong < 5 {
                    println!("pixel ({x}, {y}): {:?}, expected {want:?}", &quad[at..at + 4]);
                }
                wrong += 1;
            }
        }
    }
    println!("checked {} pixels (level 0 on the left, the generated level 1 on the right): {wrong} wrong", QUAD * QUAD);

    drop(bundle);
    common::exit_on_failure(&ctx, wrong > 0);
    Ok(())
}
