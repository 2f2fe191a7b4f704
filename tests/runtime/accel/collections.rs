//! A derived scene whose BLASes and TLAS instances come from run time (issue 17 items 1 and
//! 3): a `buffers` collection of vertices and one of indices, a `blases` collection over them
//! (one BLAS per element), and a TLAS with `instances = input` naming those BLASes by index.
//! Created in one submission, traced by the ray-query shader, compared with the CPU reference;
//! every run-time mismatch a typed error that leaks nothing.

use vkres::{Aabb, Blas, BlasInstance, Buffer, GpuResources, Tlas, vk};

use super::reference;
use super::scene::{self, BlasData, SceneData};
use crate::support::Gpu;

#[derive(GpuResources)]
struct LoadedScene {
    #[gpu(tlas(instances = input, blases = meshes))]
    tlas: Tlas,
    #[gpu(blases(vertices = positions, indices = indices, prefer = fast_trace))]
    meshes: Vec<Blas>,
    #[gpu(buffers(data = input))]
    positions: Vec<Buffer<[f32; 3]>>,
    #[gpu(buffers(data = input))]
    indices: Vec<Buffer<u32>>,
    /// The procedural geometry the ray-query shader reads (no instance uses it here).
    #[gpu(buffer(usage = STORAGE_BUFFER, data = [Aabb { min: [0.0; 3], max: [1.0; 3] }]))]
    boxes: Buffer<Aabb>,
}

/// The reference scene's triangle BLASes (one geometry each, every mesh indexed) and the
/// instances that place them.
struct Loaded {
    data: SceneData,
    positions: Vec<Vec<[f32; 3]>>,
    indices: Vec<Vec<u32>>,
    instances: Vec<BlasInstance>,
}

impl Loaded {
    fn new() -> Self {
        let mut data = SceneData::new();
        data.blases.truncate(2);
        let BlasData::Triangles(pyramid) = &mut data.blases[1] else { unreachable!() };
        pyramid.truncate(1);
        data.instances.retain(|i| i.blas < 2);
        let meshes: Vec<_> = data
            .blases
            .iter()
            .map(|b| match b {
                BlasData::Triangles(m) => m[0].clone(),
                BlasData::Boxes(_) => unreachable!(),
            })
            .collect();
        let positions = meshes.iter().map(|m| m.positions.clone()).collect();
        let indices = meshes
            .iter()
            .map(|m| m.indices.clone().unwrap_or_else(|| (0..m.positions.len() as u32).collect()))
            .collect();
        let instances = data
            .instances
            .iter()
            .map(|i| BlasInstance::new(i.blas as u32).transform(i.transform).custom_index(i.custom_index))
            .collect();
        Self { data, positions, indices, instances }
    }

    fn inputs(&self) -> LoadedSceneInputs<'_> {
        LoadedSceneInputs {
            tlas: &self.instances,
            positions: self.positions.iter().map(Vec::as_slice).collect(),
            indices: self.indices.iter().map(Vec::as_slice).collect(),
        }
    }
}

#[test]
fn run_time_blases_and_instances_trace_like_the_reference() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let loaded = Loaded::new();
    let submissions = gpu.ctx().submission_count();
    let bundle = LoadedScene::create(gpu.alloc(), loaded.inputs()).expect("create");
    assert_eq!(gpu.ctx().submission_count() - submissions, 1, "uploads, BLAS and TLAS builds in one submission");
    assert_eq!(bundle.meshes.len(), 2);
    assert!(bundle.tlas.is_built());
    assert_eq!(bundle.tlas.blases().len(), 2, "the TLAS keeps each BLAS it places alive");
    if !gpu.has_ray_query() {
        return;
    }
    let rays = SceneData::rays();
    let hits = scene::trace(&gpu, &bundle.tlas, &bundle.boxes, &rays);
    let (compared, hit, ambiguous) = reference::compare(&loaded.data, &rays, &hits);
    println!("run-time scene: {compared} rays compared ({hit} hits), {ambiguous} too close to call");
    assert!(ambiguous * 50 < rays.len() && hit > rays.len() / 4);
}

/// `create` with `change` applied to the data must fail with an error `check` accepts and leave
/// nothing behind.
fn fails(change: impl FnOnce(&mut Loaded), check: impl FnOnce(&vkres::Error) -> bool) {
    let Some(gpu) = Gpu::with_accel() else { return };
    let mut loaded = Loaded::new();
    change(&mut loaded);
    let err = LoadedScene::create(gpu.alloc(), loaded.inputs()).map(|_| ()).expect_err("bad run-time scene");
    assert!(check(&err), "unexpected error: {err}");
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new(), "rolled back");
}

#[test]
fn an_instance_of_a_missing_blas_is_a_typed_error() {
    fails(
        |l| l.instances[3].blas = 2,
        |e| matches!(e, vkres::Error::IndexOutOfRange { name, index: 2, len: 2, .. } if name == "LoadedScene.tlas"),
    );
}

#[test]
fn a_custom_index_over_24_bits_is_a_typed_error() {
    fails(
        |l| l.instances[0].custom_index = 1 << 24,
        |e| matches!(e, vkres::Error::ValueOutOfRange { max: 0xFF_FFFF, .. }),
    );
}

#[test]
fn an_sbt_offset_over_24_bits_is_a_typed_error() {
    fails(|l| l.instances[1].sbt_offset = u32::MAX, |e| matches!(e, vkres::Error::ValueOutOfRange { .. }));
}

#[test]
fn collections_of_different_lengths_are_a_typed_error() {
    fails(
        |l| {
            l.indices.pop();
        },
        |e| {
            matches!(e, vkres::Error::LengthMismatch { name, what, expected: 2, given: 1 }
                if name == "LoadedScene.meshes" && what == "indices")
        },
    );
}

#[test]
fn instance_flags_and_masks_pass_through() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let mut loaded = Loaded::new();
    for i in &mut loaded.instances {
        *i = i.mask(0x0F).sbt_offset(3).flags(vk::GeometryInstanceFlagsKHR::TRIANGLE_FACING_CULL_DISABLE);
    }
    let bundle = LoadedScene::create(gpu.alloc(), loaded.inputs()).expect("create");
    assert!(bundle.tlas.is_built());
}

/// BLASes of several geometries from run time (issue 17 item 2): the reference scene's fan and
/// its two-geometry BLAS (a pyramid and a transformed tile), each geometry naming its buffers by
/// index.
#[derive(GpuResources)]
struct MultiGeometry {
    #[gpu(tlas(instances = input, blases = meshes))]
    tlas: Tlas,
    #[gpu(blases(geometries = input, vertices = positions, indices = indices, transform = transforms))]
    meshes: Vec<Blas>,
    #[gpu(buffers(data = input))]
    positions: Vec<Buffer<[f32; 3]>>,
    #[gpu(buffers(data = input))]
    indices: Vec<Buffer<u32>>,
    #[gpu(buffers(data = input))]
    transforms: Vec<Buffer<vkres::Transform3x4>>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = [Aabb { min: [0.0; 3], max: [1.0; 3] }]))]
    boxes: Buffer<Aabb>,
    /// Issue 17 item 6: what a hit shader reads to fetch a hit's attributes and material.
    #[gpu(buffer(usage = STORAGE_BUFFER | TRANSFER_SRC, geometry_table = meshes))]
    table: Buffer<vkres::GeometryRecord>,
}

struct MultiData {
    data: SceneData,
    positions: Vec<Vec<[f32; 3]>>,
    indices: Vec<Vec<u32>>,
    transforms: Vec<Vec<vkres::Transform3x4>>,
    geometries: Vec<Vec<vkres::GeometryInput>>,
    instances: Vec<BlasInstance>,
}

impl MultiData {
    fn new() -> Self {
        use vkres::GeometryInput;
        let mut data = SceneData::new();
        data.blases.truncate(2);
        data.instances.retain(|i| i.blas < 2);
        let (mut positions, mut indices, mut transforms, mut geometries) = (vec![], vec![], vec![], vec![]);
        for blas in &data.blases {
            let BlasData::Triangles(meshes) = blas else { unreachable!() };
            let mut list = Vec::new();
            for mesh in meshes {
                let mut g = GeometryInput::new(positions.len() as u32);
                positions.push(mesh.positions.clone());
                if let Some(i) = &mesh.indices {
                    g = g.indexed(indices.len() as u32);
                    indices.push(i.clone());
                }
                if let Some(t) = mesh.transform {
                    g = g.transformed(transforms.len() as u32, 0);
                    transforms.push(vec![t]);
                }
                list.push(g.material(positions.len() as u32 * 7));
            }
            geometries.push(list);
        }
        let instances = data
            .instances
            .iter()
            .map(|i| BlasInstance::new(i.blas as u32).transform(i.transform).custom_index(i.custom_index))
            .collect();
        Self { data, positions, indices, transforms, geometries, instances }
    }

    fn inputs(&self) -> MultiGeometryInputs<'_> {
        MultiGeometryInputs {
            tlas: &self.instances,
            meshes: self.geometries.clone(),
            positions: self.positions.iter().map(Vec::as_slice).collect(),
            indices: self.indices.iter().map(Vec::as_slice).collect(),
            transforms: self.transforms.iter().map(Vec::as_slice).collect(),
        }
    }
}

#[test]
fn run_time_multi_geometry_blases_trace_like_the_reference() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let multi = MultiData::new();
    assert_eq!(multi.geometries[1].len(), 2, "the second BLAS has two geometries");
    let submissions = gpu.ctx().submission_count();
    let bundle = MultiGeometry::create(gpu.alloc(), multi.inputs()).expect("create");
    assert_eq!(gpu.ctx().submission_count() - submissions, 1);
    assert_eq!(bundle.meshes.len(), 2);
    if !gpu.has_ray_query() {
        return;
    }
    let rays = SceneData::rays();
    let hits = scene::trace(&gpu, &bundle.tlas, &bundle.boxes, &rays);
    let (compared, hit, ambiguous) = reference::compare(&multi.data, &rays, &hits);
    println!("multi-geometry scene: {compared} rays compared ({hit} hits), {ambiguous} too close to call");
    assert!(ambiguous * 50 < rays.len() && hit > rays.len() / 4);
}

#[test]
fn a_geometry_naming_a_missing_buffer_is_a_typed_error() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let mut multi = MultiData::new();
    multi.geometries[1][1] = multi.geometries[1][1].indexed(9);
    let err = MultiGeometry::create(gpu.alloc(), multi.inputs()).map(|_| ()).expect_err("index 9");
    assert!(
        matches!(&err, vkres::Error::IndexOutOfRange { name, what, index: 9, .. }
            if name == "MultiGeometry.meshes" && what.contains("indices")),
        "{err}"
    );
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new(), "rolled back");
}

#[test]
fn every_failed_allocation_of_a_run_time_scene_leaks_nothing() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let multi = MultiData::new();
    let points = crate::faults::sweep_allocations(&gpu, |alloc| MultiGeometry::create(alloc, multi.inputs()));
    // 3 vertex, 2 index and 1 transform buffers, the boxes, and the structures' own buffers.
    assert!(points >= 12, "{points} allocation fault points");
    println!("FIGURE run-time scene allocation faults: {points} injected, {points} survived");
}

#[test]
fn every_failed_object_creation_of_a_run_time_scene_leaks_nothing() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let multi = MultiData::new();
    let make = || MultiGeometry::create(gpu.alloc(), multi.inputs());
    let points = crate::faults::sweep_object_creation(&gpu, gpu.alloc(), make);
    // 2 BLASes and the TLAS are Vulkan objects, and the submission.
    assert!(points >= 4, "{points} object-creation fault points");
    println!("FIGURE run-time scene object-creation faults: {points} injected, {points} survived");
}

/// Where instance `i` of the reference scene without its boxes is placed.
fn placed(i: usize) -> vkres::Transform3x4 {
    MultiData::new().data.instances[i].transform
}

/// Several fixed geometries on one `blas` field (issue 17 item 2): the reference scene's
/// two-geometry BLAS, a pyramid and a transformed tile, with per-geometry flags.
#[derive(GpuResources)]
struct FixedGeometries {
    #[gpu(tlas(
        instance(blas = fan_blas, transform = placed(0), custom_index = 10),
        instance(blas = fan_blas, transform = placed(1), custom_index = 11),
        instance(blas = two, transform = placed(2), custom_index = 20),
        instance(blas = two, transform = placed(3), custom_index = 21),
        instance(blas = fan_blas, transform = placed(4), custom_index = 40),
    ))]
    tlas: Tlas,
    #[gpu(blas(vertices = fan))]
    fan_blas: Blas,
    #[gpu(blas(
        geometry(vertices = pyramid, indices = pyramid_indices),
        geometry(vertices = tile, indices = tile_indices, transform = tile_transform, no_duplicate_any_hit),
    ))]
    two: Blas,
    #[gpu(buffer(data = input))]
    fan: Buffer<[f32; 3]>,
    #[gpu(buffer(data = input))]
    pyramid: Buffer<[f32; 3]>,
    #[gpu(buffer(data = input))]
    pyramid_indices: Buffer<u32>,
    #[gpu(buffer(data = input))]
    tile: Buffer<[f32; 3]>,
    #[gpu(buffer(data = input))]
    tile_indices: Buffer<u32>,
    #[gpu(buffer(data = input))]
    tile_transform: Buffer<vkres::Transform3x4>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = [Aabb { min: [0.0; 3], max: [1.0; 3] }]))]
    boxes: Buffer<Aabb>,
}

#[test]
fn fixed_multi_geometry_blas_traces_like_the_reference() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let m = MultiData::new();
    // positions: fan, pyramid, tile; indices: pyramid, tile; transforms: tile.
    let inputs = FixedGeometriesInputs {
        fan: &m.positions[0],
        pyramid: &m.positions[1],
        pyramid_indices: &m.indices[0],
        tile: &m.positions[2],
        tile_indices: &m.indices[1],
        tile_transform: &m.transforms[0],
    };
    let bundle = FixedGeometries::create(gpu.alloc(), inputs).expect("create");
    assert!(bundle.tlas.is_built() && bundle.two.is_built());
    if !gpu.has_ray_query() {
        return;
    }
    let rays = SceneData::rays();
    let hits = scene::trace(&gpu, &bundle.tlas, &bundle.boxes, &rays);
    let (compared, hit, ambiguous) = reference::compare(&m.data, &rays, &hits);
    println!("fixed multi-geometry scene: {compared} rays compared ({hit} hits), {ambiguous} too close to call");
    assert!(ambiguous * 50 < rays.len() && hit > rays.len() / 4);
}

#[test]
fn the_geometry_table_holds_each_geometrys_addresses_and_material() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let multi = MultiData::new();
    let bundle = MultiGeometry::create(gpu.alloc(), multi.inputs()).expect("create");
    let records: Vec<vkres::GeometryRecord> = bytemuck::pod_collect_to_vec(&gpu.read_back(&bundle.table));
    let address = |b: &Buffer<_>| b.device_address().expect("address");
    let index_address = |b: &Buffer<u32>| b.device_address().expect("address");
    let expected: Vec<_> = multi
        .geometries
        .iter()
        .flatten()
        .map(|g| vkres::GeometryRecord {
            vertices: address(&bundle.positions[g.buffer as usize]),
            indices: g.indices.map_or(0, |i| index_address(&bundle.indices[i as usize])),
            material: g.material,
            pad: 0,
        })
        .collect();
    assert_eq!(records.len(), 3, "fan; pyramid and tile");
    assert_eq!(records, expected);
    assert_eq!(records[2].material, 21, "the tile, third vertex buffer");
    assert_eq!(vkres::GeometryInput::offsets(&multi.geometries), vec![0, 1], "BLAS 1's records start at 1");
}

#[test]
fn a_geometry_table_entry_naming_a_missing_buffer_is_a_typed_error() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let mut multi = MultiData::new();
    multi.geometries[0][0].buffer = 7;
    let err = MultiGeometry::create(gpu.alloc(), multi.inputs()).map(|_| ()).expect_err("buffer 7");
    assert!(matches!(&err, vkres::Error::IndexOutOfRange { index: 7, len: 3, .. }), "{err}");
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new(), "rolled back");
}
