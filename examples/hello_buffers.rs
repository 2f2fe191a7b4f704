//! The shortest useful bundle: a mesh's vertex and index buffers and a read-back buffer,
//! declared as a struct, created and uploaded in one submission, copied back through the
//! device and checked.
//!
//! Run: `cargo run --example hello_buffers` (validation on with `VKRES_VALIDATION=1`).

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use bytemuck::{Pod, Zeroable};
use vkres::{Buffer, BufferDesc, GpuResources, MappingType, ResourceAllocator, vk};

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
struct Vertex {
    position: [f32; 3],
    color: [f32; 3],
}

const TRIANGLE: [Vertex; 3] = [
    Vertex { position: [-0.5, -0.5, 0.0], color: [1.0, 0.0, 0.0] },
    Vertex { position: [0.5, -0.5, 0.0], color: [0.0, 1.0, 0.0] },
    Vertex { position: [0.0, 0.5, 0.0], color: [0.0, 0.0, 1.0] },
];

#[derive(GpuResources)]
struct Mesh {
    #[gpu(buffer(usage = VERTEX | STORAGE | TRANSFER_SRC, data = TRIANGLE))]
    vertices: Buffer<Vertex>,
    #[gpu(buffer(usage = INDEX | TRANSFER_SRC, data = [0u32, 1, 2]))]
    indices: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = 1024, mapping = random))]
    results: Buffer<u32>,
}

fn main() -> vkres::Result<()> {
    let t = Instant::now();
    let ctx = common::context("hello_buffers", false)?;
    let alloc = ResourceAllocator::new(&ctx)?;
    let t_context = t.elapsed();
    let caps = ctx.capabilities();
    println!("device: {} (Vulkan {}, {})", caps.device_name, caps.api_version_string(), caps.driver);

    let t = Instant::now();
    let mesh = Mesh::create(&alloc)?;
    let t_create = t.elapsed();
    let buffers = [mesh.vertices.size(), mesh.indices.size(), mesh.results.size()];
    println!(
        "created Mesh: 3 buffers, {} bytes, {} queue submission(s), in {:.2} ms",
        buffers.iter().sum::<u64>(),
        ctx.submission_count(),
        t_create.as_secs_f64() * 1e3
    );

    // Read the vertices back through the device and compare byte for byte.
    let t = Instant::now();
    let readback = alloc.create_typed_buffer::<Vertex>(
        &BufferDesc::new(mesh.vertices.size(), vk::BufferUsageFlags::TRANSFER_DST)
            .mapping(MappingType::HostAccessRandom)
            .name("readback"),
    )?;
    let mut batch = alloc.batch()?;
    batch.copy_buffer(&mesh.vertices, 0, &readback, 0, mesh.vertices.size())?;
    batch.submit_and_wait()?;
    let back = readback.read_vec()?;
    let t_readback = t.elapsed();
    assert_eq!(back, TRIANGLE, "the device holds what was uploaded");
    println!(
        "read back {} vertices through the device: identical ({:.2} ms)",
        back.len(),
        t_readback.as_secs_f64() * 1e3
    );
    println!(
        "phases: context {:.1} ms, create {:.2} ms, read-back {:.2} ms",
        t_context.as_secs_f64() * 1e3,
        t_create.as_secs_f64() * 1e3,
        t_readback.as_secs_f64() * 1e3
    );

    drop((mesh, readback));
    alloc.staging().trim(); // free staging chunks are a cache, not a leak
    println!("live allocations after drop: {}", alloc.memory_allocator().live_allocations());
    common::exit_on_failure(&ctx, false);
    Ok(())
}
