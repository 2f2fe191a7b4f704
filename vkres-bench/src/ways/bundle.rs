//! A 64-resource bundle (32 buffers and 24 textures with data, 8 samplers) created, uploaded
//! and ready: one `#[derive(GpuResources)]` struct for vkres, the same written by hand in
//! ash + vk-mem (one staging buffer, one command buffer, one submission, one wait).

use std::time::{Duration, Instant};

use vk_mem::Alloc;
use vkres::ash::vk;
use vkres::{Buffer, GpuResources, ResourceAllocator, Sampler, Texture};

use crate::BenchResult;
use crate::raw::{Raw, RawBuffer};

/// Elements of each buffer (u32).
pub const BUFFER_LEN: usize = 4096;
/// Width and height of each RGBA8 texture.
pub const TEXTURE_SIDE: u32 = 64;
const TEXTURE_BYTES: usize = (TEXTURE_SIDE * TEXTURE_SIDE * 4) as usize;

/// The bundle's data: one slice per buffer and per texture.
pub struct Input {
    pub buffers: Vec<Vec<u32>>,
    pub textures: Vec<Vec<u8>>,
}

/// Writes the derived struct, its inputs and the accessors the check reads. The samplers'
/// filters and address modes are listed again, in the same order, in [`SAMPLER_MODES`].
macro_rules! bundle {
    (buffers: [$($b:ident)*], textures: [$($t:ident: $s:ident)*], samplers: [$($sn:ident: $f:ident $a:ident)*]) => {
        /// The vkres way: 64 resources from one derived struct.
        #[derive(GpuResources)]
        pub struct Bundle {
            $(#[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = input))] $b: Buffer<u32>,)*
            $(#[gpu(texture(format = R8G8B8A8_UNORM, extent = [TEXTURE_SIDE, TEXTURE_SIDE],
                usage = SAMPLED | TRANSFER_SRC, data = input, sampler = $s))] $t: Texture,)*
            $(#[gpu(sampler(filter = $f, address = $a))] $sn: Sampler,)*
        }

        impl Bundle {
            /// The derive's inputs struct over `input` (an empty slice where one is missing:
            /// `create` then reports the size mismatch).
            pub fn inputs(input: &Input) -> BundleInputs<'_> {
                let mut buffers = input.buffers.iter().map(Vec::as_slice);
                let mut textures = input.textures.iter().map(Vec::as_slice);
                BundleInputs {
                    $($b: buffers.next().unwrap_or_default(),)*
                    $($t: textures.next().unwrap_or_default(),)*
                }
            }

            pub fn buffers(&self) -> Vec<&Buffer<u32>> {
                vec![$(&self.$b),*]
            }

            pub fn textures(&self) -> Vec<&Texture> {
                vec![$(&self.$t),*]
            }
        }
    };
}

bundle! {
    buffers: [b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 b10 b11 b12 b13 b14 b15
              b16 b17 b18 b19 b20 b21 b22 b23 b24 b25 b26 b27 b28 b29 b30 b31],
    textures: [t0: s0 t1: s1 t2: s2 t3: s3 t4: s4 t5: s5 t6: s6 t7: s7 t8: s0 t9: s1 t10: s2 t11: s3
               t12: s4 t13: s5 t14: s6 t15: s7 t16: s0 t17: s1 t18: s2 t19: s3 t20: s4 t21: s5 t22: s6 t23: s7],
    samplers: [s0: linear repeat s1: linear mirrored_repeat s2: linear clamp_to_edge s3: linear clamp_to_border
               s4: nearest repeat s5: nearest mirrored_repeat s6: nearest clamp_to_edge s7: nearest clamp_to_border]
}

/// The samplers of the derived struct, for the hand-written way.
const SAMPLER_MODES: [(vk::Filter, vk::SamplerAddressMode); 8] = [
    (vk::Filter::LINEAR, vk::SamplerAddressMode::REPEAT),
    (vk::Filter::LINEAR, vk::SamplerAddressMode::MIRRORED_REPEAT),
    (vk::Filter::LINEAR, vk::SamplerAddressMode::CLAMP_TO_EDGE),
    (vk::Filter::LINEAR, vk::SamplerAddressMode::CLAMP_TO_BORDER),
    (vk::Filter::NEAREST, vk::SamplerAddressMode::REPEAT),
    (vk::Filter::NEAREST, vk::SamplerAddressMode::MIRRORED_REPEAT),
    (vk::Filter::NEAREST, vk::SamplerAddressMode::CLAMP_TO_EDGE),
    (vk::Filter::NEAREST, vk::SamplerAddressMode::CLAMP_TO_BORDER),
];
const BUFFERS: usize = 32;
const TEXTURES: usize = 24;

/// The bundle's data, a different pattern per resource.
pub fn input() -> Input {
    Input {
        buffers: (0..BUFFERS as u32)
            .map(|b| (0..BUFFER_LEN as u32).map(|i| i.wrapping_mul(31) ^ (b << 20)).collect())
            .collect(),
        textures: (0..TEXTURES).map(|t| (0..TEXTURE_BYTES).map(|i| (i * 7 + t * 13) as u8).collect()).collect(),
    }
}

/// The hand-written bundle: the same resources, destroyed by [`HandBundle::destroy`].
pub struct HandBundle {
    buffers: Vec<RawBuffer>,
    images: Vec<(vk::Image, vk_mem::Allocation)>,
    views: Vec<vk::ImageView>,
    samplers: Vec<vk::Sampler>,
}

const COLOR: vk::ImageSubresourceRange = vk::ImageSubresourceRange {
    aspect_mask: vk::ImageAspectFlags::COLOR,
    base_mip_level: 0,
    level_count: 1,
    base_array_layer: 0,
    layer_count: 1,
};

/// A `side` x `side` image of `format` with `levels` mip levels (sampled, copied to and from)
/// in device-local memory, pushed on `images`, and its view of every level, pushed on `views`:
/// each kept by its owner's `destroy` as soon as it exists, also when the next step fails.
pub(super) fn sampled_texture(
    raw: &Raw,
    format: vk::Format,
    side: u32,
    levels: u32,
    images: &mut Vec<(vk::Image, vk_mem::Allocation)>,
    views: &mut Vec<vk::ImageView>,
) -> BenchResult<()> {
    let image_info = vk::ImageCreateInfo::default()
        .image_type(vk::ImageType::TYPE_2D)
        .format(format)
        .extent(vk::Extent3D { width: side, height: side, depth: 1 })
        .mip_levels(levels)
        .array_layers(1)
        .samples(vk::SampleCountFlags::TYPE_1)
        .tiling(vk::ImageTiling::OPTIMAL)
        .usage(vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC);
    let device_local =
        vk_mem::AllocationCreateInfo { usage: vk_mem::MemoryUsage::AutoPreferDevice, ..Default::default() };
    // SAFETY: a valid create info; destroyed by the owner of `images`.
    let image = unsafe { raw.vma.create_image(&image_info, &device_local) }?;
    images.push(image);
    let view_info = vk::ImageViewCreateInfo::default()
        .image(image.0)
        .view_type(vk::ImageViewType::TYPE_2D)
        .format(format)
        .subresource_range(vk::ImageSubresourceRange { level_count: levels, ..COLOR });
    // SAFETY: a view of the live image just made; destroyed before it by the owner of `views`.
    views.push(unsafe { raw.ctx.device().create_image_view(&view_info, None) }?);
    Ok(())
}

/// A whole-image colour layout transition after and before all commands (the hand-written
/// ways' barrier; the frame loop's too).
pub(crate) fn transition(
    image: vk::Image,
    from: vk::ImageLayout,
    to: vk::ImageLayout,
) -> vk::ImageMemoryBarrier2<'static> {
    vk::ImageMemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .src_access_mask(vk::AccessFlags2::MEMORY_WRITE)
        .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)
        .old_layout(from)
        .new_layout(to)
        .image(image)
        .subresource_range(COLOR)
}

fn copy_to_image(offset: u64) -> vk::BufferImageCopy {
    vk::BufferImageCopy::default()
        .buffer_offset(offset)
        .image_subresource(
            vk::ImageSubresourceLayers::default().aspect_mask(vk::ImageAspectFlags::COLOR).layer_count(1),
        )
        .image_extent(vk::Extent3D { width: TEXTURE_SIDE, height: TEXTURE_SIDE, depth: 1 })
}

impl HandBundle {
    /// Creates every resource, stages every byte in one buffer, records the copies and layout
    /// transitions in one command buffer, submits once, waits once.
    pub fn create(raw: &Raw<'_>, input: &Input) -> BenchResult<Self> {
        let device = raw.ctx.device();
        let mut out = HandBundle { buffers: Vec::new(), images: Vec::new(), views: Vec::new(), samplers: Vec::new() };
        let result = out.fill(raw, device, input);
        match result {
            Ok(()) => Ok(out),
            Err(e) => {
                out.destroy(raw);
                Err(e)
            }
        }
    }

    fn fill(&mut self, raw: &Raw<'_>, device: &ash::Device, input: &Input) -> BenchResult<()> {
        for (filter, address) in SAMPLER_MODES {
            let info = vk::SamplerCreateInfo::default()
                .mag_filter(filter)
                .min_filter(filter)
                .mipmap_mode(vk::SamplerMipmapMode::LINEAR)
                .address_mode_u(address)
                .address_mode_v(address)
                .address_mode_w(address)
                .max_lod(vk::LOD_CLAMP_NONE);
            // SAFETY: a valid create info; destroyed by `destroy`.
            self.samplers.push(unsafe { device.create_sampler(&info, None) }?);
        }
        let usage = vk::BufferUsageFlags::STORAGE_BUFFER
            | vk::BufferUsageFlags::TRANSFER_DST
            | vk::BufferUsageFlags::TRANSFER_SRC;
        for data in &input.buffers {
            self.buffers.push(raw.device_buffer(size_of_val(data.as_slice()) as u64, usage)?);
        }
        for _ in &input.textures {
            sampled_texture(raw, vk::Format::R8G8B8A8_UNORM, TEXTURE_SIDE, 1, &mut self.images, &mut self.views)?;
        }
        // All the data in one staging buffer.
        let total: usize = input.buffers.iter().map(|b| size_of_val(b.as_slice())).sum::<usize>()
            + input.textures.iter().map(Vec::len).sum::<usize>();
        let staging = raw.staging_buffer(total as u64)?;
        let mut offsets = Vec::new();
        let mut at = 0u64;
        for bytes in input
            .buffers
            .iter()
            .map(|b| bytemuck::cast_slice::<u32, u8>(b))
            .chain(input.textures.iter().map(Vec::as_slice))
        {
            raw.write(&staging, at, bytes)?;
            offsets.push(at);
            at += bytes.len() as u64;
        }
        let to_dst: Vec<_> = self
            .images
            .iter()
            .map(|(image, _)| transition(*image, vk::ImageLayout::UNDEFINED, vk::ImageLayout::TRANSFER_DST_OPTIMAL))
            .collect();
        let to_read: Vec<_> = self
            .images
            .iter()
            .map(|(image, _)| {
                transition(*image, vk::ImageLayout::TRANSFER_DST_OPTIMAL, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
            })
            .collect();
        let submitted = raw.submit(|cmd| {
            // SAFETY: every buffer and image is live and large enough for its region; `cmd` is recording.
            unsafe {
                device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&to_dst));
                for (buffer, &offset) in self.buffers.iter().zip(&offsets) {
                    let region = vk::BufferCopy { src_offset: offset, dst_offset: 0, size: buffer.size };
                    device.cmd_copy_buffer(cmd, staging.buffer, buffer.buffer, &[region]);
                }
                for ((image, _), &offset) in self.images.iter().zip(&offsets[self.buffers.len()..]) {
                    let region = copy_to_image(offset);
                    device.cmd_copy_buffer_to_image(
                        cmd,
                        staging.buffer,
                        *image,
                        vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                        &[region],
                    );
                }
                device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&to_read));
            }
        });
        raw.destroy_buffer(staging);
        submitted
    }

    /// Copies of buffer `b` and of texture `t`, read back through the device.
    pub fn read(&self, raw: &Raw<'_>, b: usize, t: usize) -> BenchResult<(Vec<u8>, Vec<u8>)> {
        let buffer = raw.read_buffer(self.buffers[b].buffer, self.buffers[b].size)?;
        let back = raw.readback(TEXTURE_BYTES as u64)?;
        let image = self.images[t].0;
        let device = raw.ctx.device();
        raw.submit(|cmd| {
            let read =
                [transition(image, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL, vk::ImageLayout::TRANSFER_SRC_OPTIMAL)];
            let restore =
                [transition(image, vk::ImageLayout::TRANSFER_SRC_OPTIMAL, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)];
            // SAFETY: the image and the read-back buffer are live; `cmd` is recording.
            unsafe {
                device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&read));
                let region = copy_to_image(0);
                device.cmd_copy_image_to_buffer(
                    cmd,
                    image,
                    vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                    back.buffer,
                    &[region],
                );
                device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&restore));
            }
        })?;
        Ok((buffer, raw.take(back)?))
    }

    /// Destroys everything (the device is done with it: creation waited).
    pub fn destroy(self, raw: &Raw<'_>) {
        let device = raw.ctx.device();
        // SAFETY: no submission uses these objects any more; each is destroyed once, views
        // before their images.
        unsafe {
            self.views.iter().for_each(|&v| device.destroy_image_view(v, None));
            for (image, mut allocation) in self.images {
                raw.vma.destroy_image(image, &mut allocation);
            }
            self.samplers.iter().for_each(|&s| device.destroy_sampler(s, None));
        }
        self.buffers.into_iter().for_each(|b| raw.destroy_buffer(b));
    }
}

/// Times both ways (interleaved), counts the submissions of one `create`, and checks a sample
/// of each way's resources. Returns (vkres times, ash times, submissions per `create`).
pub fn measure(
    alloc: &ResourceAllocator,
    raw: &Raw<'_>,
    warmups: usize,
    runs: usize,
) -> BenchResult<(Vec<Duration>, Vec<Duration>, u64)> {
    let input = input();
    let times = crate::stats::interleaved(warmups, runs, 2, |way| -> BenchResult<Option<Duration>> {
        let t = Instant::now();
        if way == 0 {
            let bundle = Bundle::create(alloc, Bundle::inputs(&input))?;
            let elapsed = t.elapsed();
            drop(bundle);
            Ok(Some(elapsed))
        } else {
            let bundle = HandBundle::create(raw, &input)?;
            let elapsed = t.elapsed();
            bundle.destroy(raw);
            Ok(Some(elapsed))
        }
    })?;
    let before = alloc.context().submission_count();
    let bundle = Bundle::create(alloc, Bundle::inputs(&input))?;
    let submits = alloc.context().submission_count() - before;
    let hand = HandBundle::create(raw, &input)?;
    let checked = check(alloc, raw, &bundle, &hand, &input);
    hand.destroy(raw);
    checked?;
    let mut times = times.into_iter();
    Ok((times.next().unwrap_or_default(), times.next().unwrap_or_default(), submits))
}

/// Reads back the first, a middle and the last buffer and texture of both bundles.
fn check(
    alloc: &ResourceAllocator,
    raw: &Raw<'_>,
    bundle: &Bundle,
    hand: &HandBundle,
    input: &Input,
) -> BenchResult<()> {
    let (buffers, textures) = (bundle.buffers(), bundle.textures());
    for (b, t) in [(0, 0), (BUFFERS / 2, TEXTURES / 2), (BUFFERS - 1, TEXTURES - 1)] {
        let mut batch = alloc.batch()?;
        let buffer = batch.download_buffer(buffers[b])?;
        let texture = batch.download_image(textures[t].image())?;
        batch.submit_and_wait()?;
        let (hand_buffer, hand_texture) = hand.read(raw, b, t)?;
        let expected: &[u8] = bytemuck::cast_slice(&input.buffers[b]);
        if buffer.bytes()? != expected || texture.bytes()? != input.textures[t] {
            return Err(format!("vkres bundle: buffer {b} or texture {t} does not hold its data").into());
        }
        if hand_buffer != expected || hand_texture != input.textures[t] {
            return Err(format!("hand-written bundle: buffer {b} or texture {t} does not hold its data").into());
        }
    }
    Ok(())
}
