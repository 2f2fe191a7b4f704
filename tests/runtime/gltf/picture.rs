//! The glTF example's picture of real assets, drawn by the example's own load, scene and render
//! code and checked pixel by pixel against the CPU reference: the textured box (a PNG texture
//! in a binding array with generated mips) and the 2CylinderEngine (29 meshes of 34
//! primitives, 67 nodes, 35 materials, ~76 000 triangles). Small pictures keep CI fast.

use super::load::{Image, Instance, Material, Mesh, Primitive, SceneData, Vertex, cross, load, normalize};
use super::model;
use super::reference::{Expected, Reference, Tally, check, without_shadows};
use super::render::{Renderer, Tracer, download};
use super::scene::{GltfScene, SceneInputs};
use crate::support::Gpu;

/// Largest allowed difference per channel (linear colour) on a surface.
const TOLERANCE: f32 = 0.02;

/// Draws `data` at `width` x `height` with every tracer the device has and compares each
/// picture; returns the last tally, the reference and the last picture for the caller's own
/// checks (`None`: nothing can trace).
fn draw_and_compare(name: &str, data: &SceneData, width: u32, height: u32) -> Option<Drawn> {
    // Each step's time, on stdout (seen with --nocapture): where a slow layer or driver
    // spends it, or where the test stops when it hangs.
    let start = std::time::Instant::now();
    let step = |what: &str| println!("{name}: {what} after {:.1?}", start.elapsed());
    let gpu = Gpu::new();
    step("context made");
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
    step("scene created");
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
    // Rows split over the host's cores (the reference is unoptimized in the test build).
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(height as usize).max(1);
    let rows_each = (height as usize).div_ceil(threads) as u32;
    let expected: Vec<Expected> = std::thread::scope(|s| {
        let reference = &reference;
        let parts: Vec<_> = (0..height)
            .step_by(rows_each as usize)
            .map(|first| {
                let rows = first..(first + rows_each).min(height);
                s.spawn(move || {
                    rows.flat_map(|y| (0..width).map(move |x| (x, y)))
                        .map(|(x, y)| reference.pixel(x, y))
                        .collect::<Vec<Expected>>()
                })
            })
            .collect();
        parts.into_iter().flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    step("CPU reference traced");
    let sky = inputs.view().sky;
    let sky = [sky[0], sky[1], sky[2]];
    let mut drawn = None;
    for tracer in tracers {
        let renderer = Renderer::new(gpu.alloc(), &scene, tracer, width, height).expect("pipeline");
        step(&format!("{tracer:?} pipeline made"));
        renderer.render().expect("render");
        step(&format!("{tracer:?} traced"));
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
        // And the shadows are in it: without them, the picture would not match.
        if t.shadowed > 0 {
            assert!(
                check(&without_shadows(&expected), &pixels, sky, width, TOLERANCE).is_err(),
                "{name}, {tracer:?}: the picture matches one without shadows"
            );
        }
        drop(renderer);
        drawn = Some(Drawn { tally: t, expected: expected.clone(), pixels });
    }
    drop(scene);
    drop(gpu);
    step("context destroyed");
    drawn
}

/// What [`draw_and_compare`] drew.
struct Drawn {
    tally: Tally,
    /// The reference, pixel by pixel.
    expected: Vec<Expected>,
    /// The device's picture.
    pixels: Vec<[f32; 4]>,
}

impl Drawn {
    /// The red channel of every pixel the reference sees a surface in.
    fn surface_reds(&self) -> Vec<f32> {
        self.expected
            .iter()
            .zip(&self.pixels)
            .filter(|(e, _)| matches!(e, Expected::Hit(_) | Expected::Shadowed { .. }))
            .map(|(_, p)| p[0])
            .collect()
    }
}

#[test]
fn the_textured_box_draws_like_the_cpu_trace() {
    let data = load(&model("BoxTextured-glTF/BoxTextured.gltf")).expect("load");
    let Some(Drawn { tally, .. }) = draw_and_compare("BoxTextured", &data, 64, 48) else { return };
    assert!(tally.sky > 500 && tally.surface > 1000 && tally.ambiguous * 20 < 64 * 48, "{tally:?}");
}

#[test]
fn the_engine_draws_like_the_cpu_trace() {
    let data = load(&model("2CylinderEngine-glTF-Binary/2CylinderEngine.glb")).expect("load");
    let Some(Drawn { tally, .. }) = draw_and_compare("2CylinderEngine", &data, 96, 72) else { return };
    assert!(tally.sky > 1000 && tally.surface > 1000 && tally.ambiguous * 10 < 96 * 72, "{tally:?}");
    // The engine shadows itself: some pixels are in shadow (and matched as such).
    assert!(tally.shadowed > 100, "{tally:?}");
}

/// A square facing the camera, textured with a checkerboard of 64 x 64 black and white texels
/// repeated `repeats` times across it (texture coordinates 0..repeats).
fn checkerboard_square(repeats: f32) -> SceneData {
    let back = normalize([0.6, 0.45, 0.75]);
    let right = normalize(cross([-back[0], -back[1], -back[2]], [0.0, 1.0, 0.0]));
    let up = cross(right, [-back[0], -back[1], -back[2]]);
    let corner = |x: f32, y: f32| Vertex {
        position: [0, 1, 2].map(|k| x * right[k] + y * up[k]),
        normal: back,
        uv: [(x + 1.0) * 0.5 * repeats, (1.0 - y) * 0.5 * repeats],
    };
    let vertices = vec![corner(-1.0, -1.0), corner(1.0, -1.0), corner(1.0, 1.0), corner(-1.0, 1.0)];
    let side = 64;
    let rgba = (0..side * side)
        .flat_map(|i| {
            let c = if (i % side + i / side) % 2 == 0 { 0 } else { 255 };
            [c, c, c, 255]
        })
        .collect();
    SceneData {
        meshes: vec![Mesh {
            name: "square".into(),
            primitives: vec![Primitive { vertices, indices: Some(vec![0, 1, 2, 0, 2, 3]), material: 0 }],
        }],
        instances: vec![Instance { mesh: 0, transform: vkres::Transform3x4::IDENTITY }],
        materials: vec![Material { base_color: [1.0; 4], texture: 0, pad: [0; 3] }],
        images: vec![Image { width: side as u32, height: side as u32, rgba }],
        skipped_primitives: 0,
    }
}

#[test]
fn a_far_checkerboard_is_the_grey_of_its_mips() {
    // 32 x 24 pixels of which the square fills about 14 rows: with 8 repeats, some 35 texels
    // a pixel, mip level 5 or so, where every texel is the mean of black and white. Sampled at
    // level 0 (no mips), pixels would fall on black, white and in between.
    let Some(far) = draw_and_compare("far checkerboard", &checkerboard_square(8.0), 32, 24) else { return };
    let reds = far.surface_reds();
    let (lo, hi) = reds.iter().fold((f32::MAX, f32::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    assert!(reds.len() > 100 && hi - lo < 0.01 && lo > 0.1, "{} pixels, red {lo}..{hi}", reds.len());
    // Near (an eighth of one repeat, 8 texels across the square: 2 pixels a texel): level 0, black and white apart.
    let Some(near) = draw_and_compare("near checkerboard", &checkerboard_square(0.125), 32, 24) else { return };
    let reds = near.surface_reds();
    let (lo, hi) = reds.iter().fold((f32::MAX, f32::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    assert!(reds.len() > 100 && lo < 0.15 && hi > 0.6, "{} pixels, red {lo}..{hi}", reds.len());
}
