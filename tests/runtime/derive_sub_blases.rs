//! BLAS fields of nested bundles as TLAS instance targets (issue 17 leftover):
//! `tlas(instances = input, blases = meshes.blas)` places, by index, the `blas` field of each
//! element of the `bundles` collection `meshes`, built in the same submission; the same for a
//! per-frame TLAS refitted in the caller's command buffer.

use vkres::{
    Aabb, Blas, BlasInstance, Buffer, BufferDesc, Error, Fence, GpuResources, PerFrame, Tlas, Transform3x4, vk,
};

use crate::accel::scene::{Ray, trace};
use crate::derive_counting::allocations_of;
use crate::recorder::OwnCommands;
use crate::support::Gpu;

#[derive(GpuResources)]
struct Mesh {
    #[gpu(buffer(data = input))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(blas(vertices = vertices, allow_update))]
    blas: Blas,
}

#[derive(GpuResources)]
struct World {
    #[gpu(bundles)]
    meshes: Vec<Mesh>,
    #[gpu(tlas(instances = input, blases = meshes.blas))]
    tlas: Tlas,
    #[gpu(tlas(instances = input, blases = meshes.blas, allow_update, per_frame))]
    animated: PerFrame<Tlas>,
}

/// A unit right triangle at the origin; a larger one.
const SMALL: [[f32; 3]; 3] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
const LARGE: [[f32; 3]; 3] = [[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 2.0, 0.0]];

fn at(x: f32) -> Transform3x4 {
    Transform3x4::translation([x, 0.0, 0.0])
}

fn ray_at(x: f32, y: f32) -> Ray {
    Ray { origin: [x, y, 10.0], t_min: 0.01, direction: [0.0, 0.0, -1.0], t_max: 100.0 }
}

fn world<'a>(instances: &'a [BlasInstance]) -> WorldInputs<'a> {
    WorldInputs {
        meshes: vec![MeshInputs { vertices: &SMALL }, MeshInputs { vertices: &LARGE }],
        tlas: instances,
        animated: instances,
        frames_in_flight: 2,
    }
}

#[test]
fn instances_place_the_blas_fields_of_nested_bundles() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let instances = [
        BlasInstance::new(1).transform(at(0.0)).custom_index(5),
        BlasInstance::new(0).transform(at(10.0)).custom_index(6),
    ];
    let submissions = gpu.ctx().submission_count();
    let w = World::create(gpu.alloc(), world(&instances)).expect("world");
    assert_eq!(gpu.ctx().submission_count() - submissions, 1, "meshes, BLASes and TLASes in one submission");
    let held = w.tlas.blases();
    assert_eq!(held.len(), 2);
    assert!(held[0].same(&w.meshes[1].blas) && held[1].same(&w.meshes[0].blas), "in instance order");
    assert_eq!(w.animated.len(), 2);

    // Frame 0's animated TLAS is refitted twice: the large triangle moves to x = 30, then
    // x = 20. The second refit reuses the first one's instance buffer and scratch (finished by
    // then): it makes no heap allocation.
    for (round, x) in [30.0, 20.0].into_iter().enumerate() {
        let moved = [instances[0].transform(at(x)), instances[1]];
        let own = OwnCommands::begin(&gpu);
        let fence = Fence::new(gpu.ctx(), false).expect("fence");
        // SAFETY: `own.cmd` is recording, of the context's queue family; submitted once with
        // `fence` after `finish`.
        let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
        let (allocations, refit) = allocations_of(|| w.refit_animated(&mut recorder, 0, &moved));
        refit.expect("refit");
        if round > 0 {
            assert_eq!(allocations, 0, "a warm refit allocated");
        }
        let in_flight = recorder.finish(&fence).expect("finish");
        own.submit(&fence);
        in_flight.wait().expect("wait");
    }

    if gpu.has_ray_query() {
        let boxes = gpu
            .alloc()
            .create_buffer_with_data(
                &BufferDesc::elements::<Aabb>(1, vk::BufferUsageFlags::STORAGE_BUFFER).name("no boxes"),
                &[Aabb::default()],
            )
            .expect("boxes");
        // (1.5, 0.2) is inside the large triangle only; (10.2, 0.2) inside the small one at 10.
        let rays = [ray_at(1.5, 0.2), ray_at(10.2, 0.2), ray_at(21.5, 0.2)];
        let hits = trace(&gpu, &w.tlas, &boxes, &rays);
        assert_eq!((hits[0].kind, hits[0].custom_index), (1, 5), "the large mesh (element 1) at 0");
        assert_eq!((hits[1].kind, hits[1].custom_index), (1, 6), "the small mesh (element 0) at 10");
        assert_eq!(hits[2].kind, 0);
        let frame0 = trace(&gpu, w.animated.get(0).expect("frame 0"), &boxes, &rays);
        assert_eq!((frame0[0].kind, frame0[2].kind, frame0[2].custom_index), (0, 1, 5), "frame 0 refitted");
        let frame1 = trace(&gpu, w.animated.get(1).expect("frame 1"), &boxes, &rays);
        assert_eq!((frame1[0].kind, frame1[2].kind), (1, 0), "frame 1 as created");
    }
}

#[test]
fn instances_of_nested_bundles_are_checked() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let past = [BlasInstance::new(2)];
    let Err(err) = World::create(gpu.alloc(), world(&past)) else { panic!("index 2 of 2 accepted") };
    assert!(matches!(&err, Error::IndexOutOfRange { name, index: 2, len: 2, .. } if name == "World.tlas"), "{err:?}");
    let wide = [BlasInstance::new(0).custom_index(1 << 24)];
    let Err(err) = World::create(gpu.alloc(), world(&wide)) else { panic!("a 25-bit custom index accepted") };
    assert!(matches!(err, Error::ValueOutOfRange { .. }), "{err:?}");
    let leaked = gpu.alloc().leak_report();
    assert!(leaked.is_empty(), "nothing leaked (staging kept for reuse aside): {leaked:?}");

    let ok = [BlasInstance::new(0)];
    let w = World::create(gpu.alloc(), world(&ok)).expect("world");
    let own = OwnCommands::begin(&gpu);
    // SAFETY: as above; the recorder is dropped unfinished and the command buffer never
    // submitted.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    let err = w.refit_animated(&mut recorder, 0, &past).expect_err("index 2 of 2");
    assert!(matches!(err, Error::IndexOutOfRange { index: 2, .. }), "{err:?}");
    let err = w.refit_animated(&mut recorder, 2, &ok).expect_err("frame 2 of 2");
    assert!(matches!(err, Error::IndexOutOfRange { index: 2, len: 2, .. }), "{err:?}");
}

#[derive(GpuResources)]
struct Levels {
    #[gpu(bundles)]
    meshes: Vec<Mesh>,
    /// One TLAS per list of instances, over the nested bundles' BLASes.
    #[gpu(tlases(instances = input, blases = meshes.blas))]
    levels: Vec<Tlas>,
    #[gpu(buffers(data = input))]
    shapes: Vec<Buffer<[f32; 3]>>,
    #[gpu(blases(vertices = shapes))]
    shape_blases: Vec<Blas>,
    /// One TLAS per list of instances, over a `blases` collection.
    #[gpu(tlases(instances = input, blases = shape_blases))]
    layers: Vec<Tlas>,
}

/// `Vec<Tlas>` (issue 17 leftover): a `tlases` collection, one TLAS per run-time instance list,
/// each checked; all built in the bundle's one submission.
#[test]
fn a_tlases_collection_builds_one_tlas_per_instance_list() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let first = &[BlasInstance::new(0), BlasInstance::new(1).transform(at(5.0))][..];
    let second = &[BlasInstance::new(1)][..];
    let layer = [BlasInstance::new(2)];
    let inputs = |levels| LevelsInputs {
        meshes: vec![MeshInputs { vertices: &SMALL }, MeshInputs { vertices: &LARGE }],
        levels,
        shapes: vec![&SMALL, &LARGE, &SMALL],
        layers: vec![&layer],
    };
    let submissions = gpu.ctx().submission_count();
    let l = Levels::create(gpu.alloc(), inputs(vec![first, second])).expect("levels");
    assert_eq!(gpu.ctx().submission_count() - submissions, 1);
    assert_eq!((l.levels.len(), l.layers.len()), (2, 1));
    assert!(l.levels.iter().chain(&l.layers).all(|t| t.is_built()));
    let held = l.levels[0].blases();
    assert!(held.len() == 2 && held[0].same(&l.meshes[0].blas) && held[1].same(&l.meshes[1].blas));
    assert!(l.levels[1].blases()[0].same(&l.meshes[1].blas));
    assert!(l.layers[0].blases()[0].same(&l.shape_blases[2]));
    assert_eq!(l.levels[0].name(), "Levels.levels");

    let past = &[BlasInstance::new(7)][..];
    let Err(err) = Levels::create(gpu.alloc(), inputs(vec![first, past])) else { panic!("index 7 of 2 accepted") };
    assert!(
        matches!(&err, Error::IndexOutOfRange { name, index: 7, len: 2, .. } if name == "Levels.levels"),
        "{err:?}"
    );
    let none = Levels::create(gpu.alloc(), inputs(Vec::new())).expect("no levels");
    assert!(none.levels.is_empty());
}
