//! Bindless: a compute shader reads buffers and textures from the manager's descriptor arrays
//! by handle index, and its sums match the CPU's.

use vkres::manager::{ResourceManager, TextureDescriptor};
use vkres::{BufferType, ResourceHandle, SamplerDesc, vk};

use super::shaders::bindless_sum;
use crate::kernel::{ComputePipeline, run_once};
use crate::support::{Gpu, noise};

const QUERIES: usize = 100;
const TEXTURE_SIZE: u32 = 8;

/// Runs `shader` once over `QUERIES` invocations with the manager's bindless set and
/// `params` as push constants, and waits.
pub(super) fn dispatch(gpu: &Gpu, manager: &ResourceManager, shader: ResourceHandle, params: [u32; 3]) {
    let ctx = gpu.ctx();
    let device = ctx.device();
    let shader = manager.get_shader_stage_info(shader).expect("shader");
    let bindless = manager.bindless().expect("bindless arrays on this device");
    let ranges = [shader.push_constant_range().expect("the shader has push constants")];
    // The pipeline layout names the manager's set layout and the shader's reflected
    // push-constant range.
    let pipeline = ComputePipeline::new(device, shader.stage_create_info(), &[bindless.layout()], &ranges);
    let layout = pipeline.layout();
    // SAFETY: commands recorded into `run_once`'s fresh command buffer with live objects (the
    // manager's set, the pipeline), and `run_once` waits for the submission before the
    // pipeline is dropped.
    unsafe {
        run_once(ctx, |cmd| {
            device.cmd_bind_pipeline(cmd, vk::PipelineBindPoint::COMPUTE, pipeline.pipeline());
            device.cmd_bind_descriptor_sets(cmd, vk::PipelineBindPoint::COMPUTE, layout, 0, &[bindless.set()], &[]);
            device.cmd_push_constants(cmd, layout, vk::ShaderStageFlags::COMPUTE, 0, bytemuck::cast_slice(&params));
            device.cmd_dispatch(cmd, (QUERIES as u32).div_ceil(64), 1, 1);
        });
    }
}

#[test]
fn compute_shader_reads_buffers_and_textures_by_handle_index() {
    let gpu = Gpu::new();
    assert!(gpu.ctx().capabilities().enabled.descriptor_indexing, "lavapipe and current GPUs have descriptor indexing");
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let shader = manager.create_shader(&bindless_sum()).expect("shader");

    // Resources interleaved with others that are destroyed, so that handle indices are
    // scattered and some slots are reused.
    let mut buffers: Vec<(ResourceHandle, Vec<u32>)> = Vec::new();
    let mut textures: Vec<(ResourceHandle, Vec<u32>)> = Vec::new();
    for i in 0..6u64 {
        let filler = manager.create_buffer(16, vk::BufferUsageFlags::empty(), BufferType::Uniform).expect("filler");
        let values: Vec<u32> = bytemuck::pod_collect_to_vec(&noise(4 * (8 + 4 * i as usize), i + 1));
        let handle = manager
            .create_buffer_with_data(&values, vk::BufferUsageFlags::empty(), BufferType::Storage)
            .expect("buffer");
        buffers.push((handle, values));
        let texels: Vec<u32> =
            bytemuck::pod_collect_to_vec(&noise((4 * TEXTURE_SIZE * TEXTURE_SIZE) as usize, 100 + i));
        let texture = manager
            .create_texture(&TextureDescriptor {
                width: TEXTURE_SIZE,
                height: TEXTURE_SIZE,
                format: vk::Format::R32_UINT,
                usage: vk::ImageUsageFlags::SAMPLED,
                data: Some(bytemuck::cast_slice(&texels)),
                sampler: SamplerDesc::nearest(),
                name: format!("texture {i}"),
                ..TextureDescriptor::default()
            })
            .expect("texture");
        textures.push((texture, texels));
        if i % 2 == 0 {
            manager.destroy_resource(filler).expect("destroy filler");
        }
    }
    let indices: Vec<u32> = buffers.iter().chain(&textures).map(|(h, _)| h.index()).collect();
    assert!(indices.iter().any(|&i| i as usize >= indices.len()), "indices are not simply 0..n: {indices:?}");

    // Each query: buffer index, value count, texture index, texel x, y.
    let choice = noise(QUERIES * 5, 42);
    let mut queries = Vec::with_capacity(QUERIES * 5);
    let mut expected = Vec::with_capacity(QUERIES);
    for q in choice.chunks(5) {
        let (buffer, values) = &buffers[q[0] as usize % buffers.len()];
        let count = 1 + q[1] as usize % values.len();
        let (texture, texels) = &textures[q[2] as usize % textures.len()];
        let (x, y) = (u32::from(q[3]) % TEXTURE_SIZE, u32::from(q[4]) % TEXTURE_SIZE);
        queries.extend([buffer.index(), count as u32, texture.index(), x, y]);
        let sum = values[..count].iter().fold(0u32, |a, v| a.wrapping_add(*v));
        expected.push(sum.wrapping_add(texels[(y * TEXTURE_SIZE + x) as usize]));
    }
    let queries =
        manager.create_buffer_with_data(&queries, vk::BufferUsageFlags::empty(), BufferType::Storage).expect("queries");
    let sums = manager
        .create_buffer((QUERIES * 4) as u64, vk::BufferUsageFlags::TRANSFER_SRC, BufferType::Storage)
        .expect("sums");

    dispatch(&gpu, &manager, shader, [queries.index(), sums.index(), QUERIES as u32]);
    let got: Vec<u32> = bytemuck::pod_collect_to_vec(&gpu.read_back(&manager.get_buffer(sums).expect("sums")));
    assert_eq!(got, expected, "sums computed through handle indices match the CPU");
}
