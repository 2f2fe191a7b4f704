//! The handle-based resource manager: buffers, a texture, a shader and a material behind
//! `ResourceHandle`s, looked up by kind, updated, and destroyed; stale handles rejected.
//!
//! Run: `cargo run --example resource_manager` (validation on with `VKRES_VALIDATION=1`).

#[path = "common/mod.rs"]
mod common;

use vkres::manager::{
    MaterialDescriptor, MaterialParam, ResourceManager, ShaderDescriptor, ShaderStage, TextureDescriptor, TextureFormat,
};
use vkres::{BufferType, ResourceAllocator, ResourceType, vk};

/// A compute shader of this repository (`shaders/bindless_sum.wgsl`, compiled with naga).
const SPIRV: &[u8] = include_bytes!("../shaders/bindless_sum.spv");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = common::context("resource_manager", false)?;
    let alloc = ResourceAllocator::new(&ctx)?;
    let caps = ctx.capabilities();
    println!("device: {} (descriptor indexing: {})", caps.device_name, caps.enabled.descriptor_indexing);
    let resource_manager = ResourceManager::new(&alloc)?;

    // Create buffer resources.
    let size = 3 * 6 * 4;
    let vertex_buffer =
        resource_manager.create_buffer(size, vk::BufferUsageFlags::VERTEX_BUFFER, BufferType::Vertex)?;
    let indices = resource_manager.create_buffer_with_data(
        &[0u32, 1, 2],
        vk::BufferUsageFlags::INDEX_BUFFER,
        BufferType::Index,
    )?;

    // Create a texture resource: 1024 x 1024 RGBA, uploaded, mips generated.
    let pixels: Vec<u8> = (0..1024 * 1024).flat_map(|i: u32| [(i % 1024) as u8, (i / 1024) as u8, 128, 255]).collect();
    let texture = resource_manager.create_texture(&TextureDescriptor {
        width: 1024,
        height: 1024,
        format: TextureFormat::R8G8B8A8_UNORM,
        usage: vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST,
        data: Some(&pixels),
        mips: vkres::manager::TextureMips::Generate,
        name: "checker".into(),
        ..Default::default()
    })?;

    // Create a shader resource: validated and reflected.
    let shader = resource_manager.create_shader(&ShaderDescriptor {
        code: SPIRV,
        stage: ShaderStage::Compute,
        entry_point: "main".into(),
    })?;

    // A material: the shader plus named parameters in a std140 uniform buffer.
    let material = resource_manager.create_material(&MaterialDescriptor {
        name: "Metal".into(),
        shader_handle: shader,
        parameters: vec![
            ("albedo".into(), MaterialParam::Vec3([0.5, 0.5, 0.5])),
            ("roughness".into(), MaterialParam::Float(0.2)),
            ("metallic".into(), MaterialParam::Float(1.0)),
        ],
    })?;
    let written = resource_manager.update_material(
        material,
        &[("albedo", MaterialParam::Vec3([1.0, 0.0, 0.0])), ("roughness", MaterialParam::Float(0.5))],
    )?;
    println!("material update: {written} bytes uploaded");

    // Safe access through handles, by kind.
    if let Some(buffer) = resource_manager.get_buffer(vertex_buffer) {
        println!("vertex buffer {vertex_buffer}: {:?}, {} bytes", buffer.handle(), buffer.size());
    }
    if let Some(texture) = resource_manager.get_texture(texture) {
        println!("texture: view {:?}, sampler {:?}", texture.view().handle(), texture.sampler().handle());
    }
    if let Some(stage) = resource_manager.get_shader_stage_info(shader) {
        let reflection = stage.reflection();
        println!(
            "shader: {:?} `{}`, {} bindings, {:?} push-constant bytes",
            stage.stage_create_info().stage,
            stage.entry_point().to_string_lossy(),
            reflection.bindings.len(),
            reflection.push_constant_size
        );
    }
    for handle in [vertex_buffer, indices, texture, shader, material] {
        match resource_manager.get_resource_type(handle) {
            Some(ResourceType::Buffer(ty)) => println!("{handle}: buffer ({ty:?})"),
            Some(other) => println!("{handle}: {other:?}"),
            None => println!("{handle}: gone"),
        }
    }
    if let Ok(bindless) = resource_manager.bindless() {
        println!(
            "bindless set {:?}: texture {texture} is entry {} of its image array",
            bindless.set(),
            texture.index()
        );
    }

    // Batch updates: one submission.
    let before = ctx.submission_count();
    resource_manager.update_buffers(&[(vertex_buffer, 0, &[0u8; 24][..]), (indices, 4, &2u32.to_le_bytes()[..])])?;
    println!("update_buffers: {} submission(s)", ctx.submission_count() - before);

    // Destroyed: its handle is stale, also once the slot is reused.
    resource_manager.destroy_resource(vertex_buffer)?;
    let reused = resource_manager.create_buffer(16, vk::BufferUsageFlags::VERTEX_BUFFER, BufferType::Vertex)?;
    assert_eq!(reused.index(), vertex_buffer.index());
    assert!(resource_manager.get_buffer(vertex_buffer).is_none());
    println!("stale {vertex_buffer} rejected; slot reused by {reused}");

    drop(resource_manager); // releases everything it holds
    println!("live allocations after drop: {}", alloc.memory_allocator().live_allocations());
    common::exit_on_failure(&ctx, alloc.memory_allocator().live_allocations() > 0);
    Ok(())
}
