//! The main example's picture (`examples/raytrace/`), drawn by the example's own scene and
//! render code (included with `#[path]`) and checked pixel by pixel against a CPU trace of the
//! same data: sky where rays miss, each object's shaded color where they hit it, the ground's
//! texture, lit and in shadow. Pixels whose answer a sub-pixel shift would change (silhouettes,
//! shadow edges, texels near a checker cell's edge or at coarse mip levels) are left out; every
//! other sampled pixel must match. Run with every tracer the device has (on lavapipe: ray
//! queries and the ray-tracing pipeline); skipped where it has neither.

// The example's modules, as they are; the test uses most but not all of what they offer.
mod reference;
#[allow(dead_code)]
#[path = "../../../examples/raytrace/render.rs"]
mod render;
#[allow(dead_code)]
#[path = "../../../examples/raytrace/scene.rs"]
mod scene;

use reference::{Reference, check, expectations};
use render::{Renderer, Tracer};
use scene::{HEIGHT, WIDTH};

use crate::support::Gpu;

/// Largest allowed difference per channel (linear color).
const TOLERANCE: f32 = 0.01;

#[test]
fn raytrace_example_draws_the_expected_picture() {
    let gpu = Gpu::new();
    let caps = gpu.ctx().capabilities().clone();
    let tracers: Vec<Tracer> =
        [Tracer::RayQuery, Tracer::Pipeline].into_iter().filter(|&t| Tracer::choose(&caps, Some(t)).is_ok()).collect();
    if !caps.enabled.acceleration_structure || tracers.is_empty() {
        println!("SKIPPED: {} can trace neither with ray queries nor with a ray-tracing pipeline", caps.device_name);
        return;
    }
    let texels = scene::checker_texels().expect("checker.png");
    let expected = expectations(&Reference::new(texels.clone()));

    let submissions = gpu.ctx().submission_count();
    let scene = scene::create(gpu.alloc(), &texels).expect("create the scene");
    assert_eq!(gpu.ctx().submission_count() - submissions, 1, "the whole scene in one submission");
    assert_eq!(scene.checker.image().desc().mip_levels, 7, "a full mip chain for 64x64");

    for tracer in tracers {
        let renderer = Renderer::new(gpu.alloc(), &scene, tracer).expect("pipeline");
        renderer.render().expect("render");
        let pixels = render::download(gpu.alloc(), &scene).expect("download");
        assert_eq!(pixels.len(), (WIDTH * HEIGHT) as usize);
        let tally = check(&expected, &pixels, TOLERANCE, f32::INFINITY).unwrap_or_else(|e| panic!("{tracer:?}: {e}"));
        println!("{tracer:?}: {tally:?}");
        // The picture shows what the scene holds: enough of each thing was compared.
        assert!(tally.sky > 500, "{tally:?}");
        assert!(tally.ground_lit > 300 && tally.ground_shadowed > 20, "{tally:?}");
        assert!(tally.instances[1..].iter().all(|&n| n >= 15), "every object seen: {tally:?}");
        // The check tells pictures apart: with red and blue swapped, it fails.
        let swapped: Vec<[f32; 4]> = pixels.iter().map(|p| [p[2], p[1], p[0], p[3]]).collect();
        assert!(check(&expected, &swapped, TOLERANCE, f32::INFINITY).is_err(), "{tracer:?}: a wrong picture passed");
        drop(renderer);
    }
    drop(scene);
}
