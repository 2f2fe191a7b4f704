//! The glTF example's picture of real assets, drawn by the example's own load, scene and render
//! code and checked pixel by pixel against the CPU reference: the textured box (a PNG texture
//! in a binding array with generated mips) and the 2CylinderEngine (29 meshes of 34
//! primitives, 67 nodes, 35 materials, ~76 000 triangles). Small pictures keep CI fast.

use super::load::{SceneData, load};
use super::model;
use super::reference::{Expected, Reference, check};
use super::render::{Renderer, Tracer, download};
use super::scene::{GltfScene, SceneInputs};
use crate::support::Gpu;

/// Largest allowed difference per channel (linear colour) on a surface.
const TOLERANCE: f32 = 0.02;

/// Draws `data` at `width` x `height` with every tracer the device has and compares each
/// picture; returns the last tally for the caller's own checks (`None`: nothing can trace).
fn draw_and_compare(name: &str, data: &SceneData, width: u32, height: u32) -> Option<super::reference::Tally> {
    let gpu = Gpu::new();
    let caps = gpu.ctx().capabilities().clone();
    let tracers: Vec<Tracer> =
        [Tracer::RayQuery, Tracer::Pipeline].into_iter().filter(|&t| Tracer::choose(&caps, Some(t)).is_ok()).collect();
    if tracers.is_empty() {
        println!("SKIPPED: {}", Tracer::choose(&caps, None).err().unwrap_or_default());
        return None;
    }
    let inputs = SceneInputs::new(data, width, height).expect("fits the shader");
    let submissions = gpu.ctx().submission_count();
    let scene = GltfScene::create(gpu.alloc(), inputs.inputs()).expect("create the scene");
    assert_eq!(gpu.ctx().submission_count() - submissions, 1, "the whole scene in one submission");
    assert_eq!(scene.meshes.len(), data.meshes.len());
    let placed: std::collections::BTreeSet<u32> = data.instances.iter().map(|i| i.mesh).collect();
    assert_eq!(scene.world.blases().len(), placed.len(), "the TLAS holds each placed mesh once");
    // The derive's geometry table: one record per primitive, mesh by mesh, with its material
    // and the addresses of its position and index buffers.
    let records: Vec<vkres::GeometryRecord> = bytemuck::pod_collect_to_vec(&gpu.read_back(&scene.table));
    let primitives: Vec<_> = data.meshes.iter().flat_map(|m| &m.primitives).collect();
    assert_eq!(records.len(), primitives.len());
    let mut indexed = 0;
    for (i, (record, primitive)) in records.iter().zip(&primitives).enumerate() {
        assert_eq!(record.material, primitive.material, "record {i}");
        assert_eq!(Some(record.vertices), scene.positions[i].device_address(), "record {i}");
        if primitive.indices.is_some() {
            assert_eq!(Some(record.indices), scene.triangle_indices[indexed].device_address(), "record {i}");
            indexed += 1;
        } else {
            assert_eq!(record.indices, 0, "record {i}: not indexed");
        }
    }
    for (texture, image) in scene.textures.iter().zip(&data.images) {
        let levels = 32 - image.width.max(image.height).leading_zeros();
        assert_eq!(texture.image().desc().mip_levels, levels, "a full mip chain");
    }
    let reference = Reference::new(data, *inputs.view());
    let expected: Vec<Expected> =
        (0..height).flat_map(|y| (0..width).map(move |x| (x, y))).map(|(x, y)| reference.pixel(x, y)).collect();
    let sky = inputs.view().sky;
    let sky = [sky[0], sky[1], sky[2]];
    let mut tally = None;
    for tracer in tracers {
        let renderer = Renderer::new(gpu.alloc(), &scene, tracer, width, height).expect("pipeline");
        renderer.render().expect("render");
        let pixels = download(gpu.alloc(), &scene).expect("download");
        assert_eq!(pixels.len(), (width * height) as usize);
        let t = check(&expected, &pixels, sky, width, TOLERANCE).unwrap_or_else(|e| panic!("{name}, {tracer:?}: {e}"));
        println!("{name}, {tracer:?}: {t:?}");
        // The check tells pictures apart: with red and blue swapped, it fails.
        let swapped: Vec<[f32; 4]> = pixels.iter().map(|p| [p[2], p[1], p[0], p[3]]).collect();
        assert!(
            check(&expected, &swapped, sky, width, TOLERANCE).is_err(),
            "{name}, {tracer:?}: a wrong picture passed"
        );
        drop(renderer);
        tally = Some(t);
    }
    drop(scene);
    tally
}

#[test]
fn the_textured_box_draws_like_the_cpu_trace() {
    let data = load(&model("BoxTextured-glTF/BoxTextured.gltf")).expect("load");
    let Some(tally) = draw_and_compare("BoxTextured", &data, 64, 48) else { return };
    assert!(tally.sky > 500 && tally.surface > 1000 && tally.ambiguous * 20 < 64 * 48, "{tally:?}");
}

#[test]
fn the_engine_draws_like_the_cpu_trace() {
    let data = load(&model("2CylinderEngine-glTF-Binary/2CylinderEngine.glb")).expect("load");
    let Some(tally) = draw_and_compare("2CylinderEngine", &data, 96, 72) else { return };
    assert!(tally.sky > 1000 && tally.surface > 1000 && tally.ambiguous * 10 < 96 * 72, "{tally:?}");
}
