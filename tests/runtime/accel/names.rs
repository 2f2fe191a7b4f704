//! Names and the built flag of acceleration structures and named buffers, now that a structure
//! keeps no copy of its name (it reads it from its storage buffer, `{name}/storage`) and a
//! named buffer shares one string with the leak table (session 7, issue 20 item 3).

use vkres::ash::vk;
use vkres::{BlasDesc, Buffer, BufferDesc, MemoryLocation, TriangleGeometry};

use super::scene::INPUT;
use crate::support::Gpu;

#[test]
fn a_structure_reads_its_name_from_its_storage() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let memory = alloc.memory_allocator().clone();
    // Longer than the 128 bytes joined on the stack (the other path), and not ASCII; a name that
    // ends as the suffix does; no name.
    let long = format!("{}é", "L".repeat(200));
    for name in ["tri", long.as_str(), "x/storage", ""] {
        let vertices: Buffer<[f32; 3]> = alloc
            .create_typed_buffer(&BufferDesc::elements::<[f32; 3]>(3, INPUT).location(MemoryLocation::PreferDevice))
            .expect("vertices");
        let mut batch = alloc.batch().expect("batch");
        batch.upload(&vertices, 0, &[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).expect("upload");
        let desc = BlasDesc::new(name).triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT));
        let blas = batch.build_blas(&desc).expect("build");
        assert!(!blas.is_built(), "`{name}`: built before its batch ran");
        batch.submit_and_wait().expect("submit");
        assert!(blas.is_built(), "`{name}`: not built after its batch finished");
        let storage = format!("{name}/storage");
        assert_eq!(blas.name(), name);
        assert_eq!(blas.buffer().name(), storage);
        assert_eq!(blas.buffer().memory().info().name, storage);
        assert!(memory.live_allocation_names().contains(&storage), "`{storage}` not in the leak table");
        drop(blas);
        assert!(!memory.live_allocation_names().contains(&storage), "`{storage}` left in the leak table");
    }
}

#[test]
fn a_named_buffer_and_its_leak_entry_share_one_name() {
    let gpu = Gpu::new();
    let memory = gpu.alloc().memory_allocator().clone();
    let desc = BufferDesc::new(64, vk::BufferUsageFlags::STORAGE_BUFFER).name("shared name");
    let buffer = gpu.alloc().create_buffer(&desc).expect("buffer");
    drop(desc);
    let clone = buffer.clone();
    drop(buffer);
    assert_eq!(clone.name(), "shared name");
    assert_eq!(clone.memory().info().name, "shared name");
    assert_eq!(memory.live_allocation_names(), ["shared name"]);
    drop(clone);
    assert_eq!(memory.live_allocation_names(), Vec::<String>::new());
}

/// BLASes of one batch named alike share their storage name (one string, not one each): each
/// still reads its own name, and the leak table lists one entry per structure, gone with it.
#[test]
fn blases_named_alike_share_a_storage_name() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let memory = alloc.memory_allocator().clone();
    let vertices: Buffer<[f32; 3]> = alloc
        .create_typed_buffer(&BufferDesc::elements::<[f32; 3]>(3, INPUT).location(MemoryLocation::PreferDevice))
        .expect("vertices");
    let mut batch = alloc.batch().expect("batch");
    batch.upload(&vertices, 0, &[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).expect("upload");
    // Runs of one name, a name that is a prefix of the previous one and the reverse, no name.
    let names = ["mesh", "mesh", "mesh", "mes", "mesh", "meshes", "", "", "mesh"];
    let blases: Vec<_> = names
        .iter()
        .map(|name| {
            let desc = BlasDesc::new(*name).triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT));
            batch.build_blas(&desc).expect("build")
        })
        .collect();
    batch.submit_and_wait().expect("submit");
    for (blas, name) in blases.iter().zip(names) {
        assert_eq!(blas.name(), name);
        assert_eq!(blas.buffer().name(), format!("{name}/storage"));
        assert_eq!(blas.buffer().memory().info().name, format!("{name}/storage"));
    }
    // One string for a run of one name (the same bytes in memory), another after a change.
    let at = |i: usize| blases[i].buffer().name().as_ptr();
    assert!(at(0) == at(1) && at(1) == at(2), "a run of one name shares one string");
    assert!(at(2) != at(4) && at(6) == at(7), "a new run, a new string");
    let live = memory.live_allocation_names();
    for name in ["mesh", "mes", "meshes", ""] {
        let storage = format!("{name}/storage");
        let expected = names.iter().filter(|n| **n == name).count();
        assert_eq!(live.iter().filter(|n| **n == storage).count(), expected, "`{storage}` in the leak table");
    }
    drop(blases);
    assert!(!memory.live_allocation_names().iter().any(|n| n.ends_with("/storage")), "a storage name left");
}
