//! Acceleration structures built by batches, proven by tracing: a ray-query compute shader
//! traces a 64x64 grid against the TLAS and every answer (hit or miss, instance custom index,
//! instance, geometry and primitive index, distance) is compared with a CPU reference, after
//! the first build, after a refit, and after compaction. Plus the typed errors of the builders.

mod collections;
mod derived;
mod names;
pub mod reference;
mod refit_blocks;
pub mod scene;

use vkres::{
    AabbGeometry, BlasDesc, BufferDesc, ContextOptions, Error, TlasDesc, TlasInstance, Transform3x4, TriangleGeometry,
    vk,
};

use crate::support::Gpu;
use scene::{BlasData, GpuScene, INPUT, SceneData, transform};

/// Traces the scene's rays against `tlas` and compares with the reference of `data`.
pub(crate) fn trace_and_compare(gpu: &Gpu, scene: &GpuScene, tlas: &vkres::Tlas, data: &SceneData) {
    let rays = SceneData::rays();
    let hits = scene.trace(gpu, tlas, &rays);
    let (compared, hit, ambiguous) = reference::compare(data, &rays, &hits);
    println!("{compared} rays compared ({hit} hits), {ambiguous} too close to call");
    assert!(ambiguous * 50 < rays.len(), "{ambiguous} ambiguous rays: the scene is badly posed");
    // The scene is seen: misses, triangle hits and box hits, every instance.
    assert!(hits.iter().any(|h| h.kind == 0) && hits.iter().any(|h| h.kind == 1) && hits.iter().any(|h| h.kind == 2));
    for instance in &data.instances {
        assert!(hits.iter().any(|h| h.custom_index == instance.custom_index && h.kind != 0), "{instance:?} never hit");
    }
}

#[test]
fn traced_rays_match_cpu_reference() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let data = SceneData::new();
    let mut scene = GpuScene::build(&gpu, &data);
    assert_eq!(scene.tlas.blases().len(), 3, "the TLAS holds each BLAS once");
    // The TLAS keeps its BLASes alive: the handles of the build can go.
    scene.blases.clear();
    if gpu.has_ray_query() {
        trace_and_compare(&gpu, &scene, &scene.tlas, &data);
    }
}

#[test]
fn refit_then_trace_matches_cpu_reference() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let mut data = SceneData::new();
    let scene = GpuScene::build(&gpu, &data);
    // New fan vertices (same count) and a moved, renumbered box instance.
    let BlasData::Triangles(meshes) = &mut data.blases[0] else { unreachable!() };
    for p in &mut meshes[0].positions {
        *p = [p[0] * 1.23, p[1] * 1.07, p[2] + 0.2];
    }
    data.instances[4].transform = transform(-15.0, 10.0, [1.1, 1.1, 1.1], [0.4, -0.3, 1.5]);
    data.instances[4].custom_index = 31;
    scene.refit(&gpu, &data);
    if gpu.has_ray_query() {
        trace_and_compare(&gpu, &scene, &scene.tlas, &data);
    }
}

#[test]
fn compacted_blases_trace_the_same() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let data = SceneData::new();
    let scene = GpuScene::build(&gpu, &data);
    let compacted = gpu.alloc().compact(&scene.blases).expect("compact");
    let saved: u64 = compacted.iter().map(|c| c.saved()).sum();
    let original: u64 = compacted.iter().map(|c| c.original_size).sum();
    println!("compaction: {original} bytes -> {} bytes ({saved} saved)", original - saved);
    for c in &compacted {
        assert!(c.compacted_size > 0 && c.compacted_size <= c.original_size, "{c:?}");
        assert!(c.blas.is_built());
    }
    let blases: Vec<_> = compacted.into_iter().map(|c| c.blas).collect();
    let mut batch = gpu.alloc().batch().expect("batch");
    let tlas = batch.build_tlas(&scene::tlas_desc(&blases, &data)).expect("TLAS of compacted BLASes");
    batch.submit_and_wait().expect("submit");
    drop(blases);
    if gpu.has_ray_query() {
        trace_and_compare(&gpu, &scene, &tlas, &data);
    }
}

/// A build and a refit of the same structures in one batch go into separate build commands (one
/// command may not write a structure twice: the validation layer reports it), all in one
/// submission; a TLAS whose instances alternate between two BLASes holds each once.
#[test]
fn build_and_refit_in_one_batch() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let tri = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let vertices =
        alloc.create_buffer_with_data(&BufferDesc::elements::<[f32; 3]>(3, INPUT).name("tri"), &tri).unwrap();
    let desc = |name: &str| {
        BlasDesc::new(name).triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT)).allow_update()
    };
    let mut batch = alloc.batch().unwrap();
    let a = batch.build_blas(&desc("a")).unwrap();
    let b = batch.build_blas(&desc("b")).unwrap();
    batch.update_blas(&a, &desc("a")).unwrap();
    let tlas_desc = TlasDesc::new("t").instances([&a, &b, &a, &a, &b].map(TlasInstance::new)).allow_update();
    let tlas = batch.build_tlas(&tlas_desc).unwrap();
    batch.update_tlas(&tlas, &tlas_desc).unwrap();
    let submissions = gpu.ctx().submission_count();
    batch.submit_and_wait().unwrap();
    assert_eq!(gpu.ctx().submission_count() - submissions, 1);
    assert!(a.is_built() && b.is_built() && tlas.is_built());
    let held = tlas.blases();
    assert_eq!(held.len(), 2, "each BLAS once");
    assert!(held[0].same(&a) && held[1].same(&b), "in instance order");
}

#[test]
fn acceleration_structures_without_the_feature_are_a_typed_error() {
    let gpu = Gpu::with(ContextOptions::new().ray_tracing(false));
    assert!(!gpu.ctx().capabilities().enabled.acceleration_structure);
    let vertices = gpu
        .alloc()
        .create_buffer_with_data(
            &BufferDesc::elements::<[f32; 3]>(3, vk::BufferUsageFlags::TRANSFER_DST),
            &[[0.0f32; 3]; 3],
        )
        .expect("buffer");
    let mut batch = gpu.alloc().batch().expect("batch");
    let err = batch
        .build_blas(&BlasDesc::new("blas").triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT)))
        .expect_err("no acceleration structures");
    assert!(
        matches!(err, Error::MissingFeature { feature, .. } if feature.contains("acceleration_structure")),
        "{err}"
    );
}

#[test]
fn builders_reject_bad_geometry_and_references() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let tri = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let good = alloc.create_buffer_with_data(&BufferDesc::elements::<[f32; 3]>(3, INPUT).name("good"), &tri).unwrap();
    let no_usage = alloc
        .create_buffer_with_data(
            &BufferDesc::elements::<[f32; 3]>(3, vk::BufferUsageFlags::TRANSFER_DST).name("no_usage"),
            &tri,
        )
        .unwrap();
    let mut batch = alloc.batch().unwrap();
    let format = vk::Format::R32G32B32_SFLOAT;

    let err = batch.build_blas(&BlasDesc::new("a").triangles(TriangleGeometry::new(&no_usage, format))).unwrap_err();
    assert!(matches!(&err, Error::MissingUsage { name, .. } if name.contains("no_usage")), "{err}");
    let err = batch
        .build_blas(&BlasDesc::new("b").triangles(TriangleGeometry::new(&good, format).vertex_range(0, 6)))
        .unwrap_err();
    assert!(matches!(err, Error::DataTooLarge { .. }), "{err}");
    let err = batch.build_blas(&BlasDesc::new("c")).unwrap_err();
    assert!(matches!(err, Error::InvalidDescription { .. }), "{err}");
    let err = batch
        .build_blas(&BlasDesc::new("d").triangles(TriangleGeometry::new(&good, vk::Format::R8_UNORM)))
        .unwrap_err();
    assert!(matches!(&err, Error::ValidUsage { detail, .. } if detail.contains("R8_UNORM")), "{err}");
    let boxes = alloc
        .create_buffer_with_data(&BufferDesc::elements::<vkres::Aabb>(1, INPUT), &[vkres::Aabb::default()])
        .unwrap();
    let err = batch
        .build_blas(
            &BlasDesc::new("e").triangles(TriangleGeometry::new(&good, format)).aabbs(AabbGeometry::new(&boxes)),
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidDescription { .. }), "{err}");

    // A BLAS of a batch that was dropped unsubmitted was never built: no TLAS may refer to it.
    let unbuilt = batch.build_blas(&BlasDesc::new("unbuilt").triangles(TriangleGeometry::new(&good, format))).unwrap();
    drop(batch);
    let mut batch = alloc.batch().unwrap();
    let err = batch.build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&unbuilt))).unwrap_err();
    assert!(matches!(err, Error::NotReady { .. }), "{err}");
    let err =
        batch.update_blas(&unbuilt, &BlasDesc::new("u").triangles(TriangleGeometry::new(&good, format))).unwrap_err();
    assert!(matches!(err, Error::InvalidDescription { .. }), "not built with allow_update: {err}");
    let blas = batch.build_blas(&BlasDesc::new("built").triangles(TriangleGeometry::new(&good, format))).unwrap();
    let err =
        batch.build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&blas).custom_index(1 << 24))).unwrap_err();
    assert!(matches!(err, Error::InvalidDescription { .. }), "{err}");
    let tlas = batch
        .build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&blas).transform(Transform3x4::IDENTITY)))
        .unwrap();
    batch.submit_and_wait().unwrap();
    assert!(tlas.is_built());

    // A BLAS of another device.
    let other = Gpu::new();
    let mut batch = other.alloc().batch().unwrap();
    let err = batch.build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&blas))).unwrap_err();
    assert!(matches!(err, Error::WrongDevice { .. }), "{err}");
}

/// review15 (session 11 review of accel11: `built_here` filled lazily from the completions):
/// a TLAS and refits in one batch find the BLASes it built, across downloads (completions of
/// another kind) and partial rounds (a small staging budget: the BLAS builds go out in an
/// earlier submission than the TLAS); a BLAS that another batch still records is not built.
#[test]
fn structures_built_here_are_found_across_rounds_and_other_completions() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc().with_staging(vkres::StagingConfig { budget: 64 << 10, chunk_size: 16 << 10 }).unwrap();
    let tri = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let vertices =
        alloc.create_buffer_with_data(&BufferDesc::elements::<[f32; 3]>(3, INPUT).name("tri"), &tri).unwrap();
    let desc = |name: &str| {
        BlasDesc::new(name).triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT)).allow_update()
    };
    let big = gpu.device_buffer(48 << 10, "big");
    let mut elsewhere = alloc.batch().unwrap();
    let other = elsewhere.build_blas(&desc("other")).unwrap();
    let mut batch = alloc.batch().unwrap();
    let err = batch.build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&other))).unwrap_err();
    assert!(matches!(err, Error::NotReady { .. }), "{err}");
    let a = batch.build_blas(&desc("a")).unwrap();
    batch.upload_bytes(&big, 0, &[7u8; 16]).unwrap();
    let early = batch.download_buffer(&big).unwrap();
    let submissions = gpu.ctx().submission_count();
    batch.upload_bytes(&big, 0, &crate::support::noise(40 << 10, 1)).unwrap();
    batch.upload_bytes(&big, 0, &crate::support::noise(40 << 10, 2)).unwrap();
    let b = batch.build_blas(&desc("b")).unwrap();
    batch.upload_bytes(&big, 0, &crate::support::noise(40 << 10, 3)).unwrap();
    assert!(gpu.ctx().submission_count() > submissions, "the small budget made the batch submit a round");
    let tlas_desc = TlasDesc::new("t").instances([&a, &b, &a].map(TlasInstance::new)).allow_update();
    let tlas = batch.build_tlas(&tlas_desc).unwrap();
    batch.update_blas(&a, &desc("a")).unwrap();
    batch.update_blas(&b, &desc("b")).unwrap();
    batch.update_tlas(&tlas, &tlas_desc).unwrap();
    let err = batch.build_tlas(&TlasDesc::new("t2").instances([&a, &other].map(TlasInstance::new))).unwrap_err();
    assert!(matches!(err, Error::NotReady { .. }), "{err}");
    drop((a, b));
    batch.submit_and_wait().unwrap();
    assert!(tlas.is_built() && !other.is_built());
    assert_eq!(&early.bytes().unwrap()[..16], &[7u8; 16]);
    drop(elsewhere);
}

/// review15 (pre-existing, not session 11's): a BLAS build is queued until the end of its
/// round, after every transfer of the round, so an upload into its vertex buffer recorded
/// *after* `build_blas` landed before the build read it: the BLAS was built from the later
/// vertices, against program order (issue 16: a silently wrong result). Here the triangle
/// uploaded before the build covers every ray; the one written after it is behind the camera.
/// Failed before the fix (every ray missed).
#[test]
fn an_upload_after_a_blas_build_does_not_change_what_the_build_reads() {
    built_before_a_later_write(|batch, vertices, behind| batch.upload(vertices, 0, behind).unwrap());
}

/// The same through `copy_buffer` (a buffer-to-buffer copy into the vertex buffer).
#[test]
fn a_copy_after_a_blas_build_does_not_change_what_the_build_reads() {
    built_before_a_later_write(|batch, vertices, behind| {
        let src = batch
            .allocator()
            .create_buffer_with_data(
                &BufferDesc::elements::<[f32; 3]>(3, vk::BufferUsageFlags::TRANSFER_SRC).name("behind"),
                behind,
            )
            .unwrap();
        batch.copy_buffer(&src, 0, vertices, 0, vertices.size()).unwrap();
    });
}

/// Uploads a triangle that covers every ray, queues a BLAS build of it, then `write`s one
/// behind the camera into the same buffer and builds a TLAS (recorded after the early build:
/// its barrier is checked by synchronization validation): every ray must hit, and the buffer
/// must hold the later triangle afterwards.
fn built_before_a_later_write(write: impl Fn(&mut vkres::Batch<'_>, &vkres::Buffer<[f32; 3]>, &[[f32; 3]])) {
    let Some(gpu) = Gpu::with_accel() else { return };
    if !gpu.has_ray_query() {
        return;
    }
    let alloc = gpu.alloc();
    let (seen, behind) = (SEEN, BEHIND);
    let usage = INPUT | vk::BufferUsageFlags::TRANSFER_SRC;
    let vertices: vkres::Buffer<[f32; 3]> =
        alloc.create_typed_buffer(&BufferDesc::elements::<[f32; 3]>(3, usage).name("moved triangle")).unwrap();
    let mut batch = alloc.batch().unwrap();
    batch.upload(&vertices, 0, &seen).unwrap();
    let blas = batch
        .build_blas(&BlasDesc::new("b").triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT)))
        .unwrap();
    // In program order, after the build: the build must not see it.
    write(&mut batch, &vertices, &behind);
    let tlas = batch.build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&blas))).unwrap();
    let after = batch.download_buffer(&vertices).unwrap();
    batch.submit_and_wait().unwrap();
    every_ray_hits(&gpu, &tlas, "the BLAS was built from the vertices written after build_blas");
    assert_eq!(after.bytes().unwrap(), bytemuck::cast_slice::<[f32; 3], u8>(&behind), "the later write was lost");
}

/// The same for a refit (`update_blas`, queued as a build is): a BLAS built from the triangle
/// behind the camera is refitted to the one that covers every ray, then the one behind is
/// uploaded again after the refit; every ray must hit.
#[test]
fn an_upload_after_a_blas_update_does_not_change_what_the_update_reads() {
    let Some(gpu) = Gpu::with_accel() else { return };
    if !gpu.has_ray_query() {
        return;
    }
    let alloc = gpu.alloc();
    let (seen, behind) = (SEEN, BEHIND);
    let vertices =
        alloc.create_buffer_with_data(&BufferDesc::elements::<[f32; 3]>(3, INPUT).name("refitted"), &behind).unwrap();
    let desc =
        BlasDesc::new("r").triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT)).allow_update();
    let mut batch = alloc.batch().unwrap();
    let blas = batch.build_blas(&desc).unwrap();
    batch.submit_and_wait().unwrap();
    let mut batch = alloc.batch().unwrap();
    batch.upload(&vertices, 0, &seen).unwrap();
    batch.update_blas(&blas, &desc).unwrap();
    // In program order, after the refit: the refit must not see it.
    batch.upload(&vertices, 0, &behind).unwrap();
    let tlas = batch.build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&blas))).unwrap();
    batch.submit_and_wait().unwrap();
    every_ray_hits(&gpu, &tlas, "the BLAS was refitted to the vertices written after update_blas");
}

/// A triangle that covers every ray of `scene::SceneData::rays`, and the same behind the camera.
const SEEN: [[f32; 3]; 3] = [[-100.0, -100.0, 0.0], [100.0, -100.0, 0.0], [0.0, 100.0, 0.0]];
const BEHIND: [[f32; 3]; 3] = [[-100.0, -100.0, 50.0], [100.0, -100.0, 50.0], [0.0, 100.0, 50.0]];

/// Traces the ray grid against `tlas` (its boxes unused) and asserts that every ray hit its
/// triangle (`why` otherwise).
fn every_ray_hits(gpu: &Gpu, tlas: &vkres::Tlas, why: &str) {
    let boxes = gpu
        .alloc()
        .create_buffer_with_data(
            &BufferDesc::elements::<vkres::Aabb>(1, INPUT).name("unused boxes"),
            &[vkres::Aabb { min: [0.0; 3], max: [1.0; 3] }],
        )
        .unwrap();
    let hits = scene::trace(gpu, tlas, &boxes, &scene::SceneData::rays());
    let hit = hits.iter().filter(|h| h.kind == 1).count();
    assert_eq!(hit, hits.len(), "{why}");
}
