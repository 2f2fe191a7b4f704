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

use reference::{Reference, Seen};
use render::{Renderer, Tracer};
use scene::{HEIGHT, WIDTH};

use crate::support::Gpu;

/// Every `STEP`-th pixel in each direction is checked.
const STEP: u32 = 2;
/// Largest allowed difference per channel (linear color).
const TOLERANCE: f32 = 0.01;

/// What the checked pixels showed, by kind.
#[derive(Debug, Default)]
struct Tally {
    sky: usize,
    ground_lit: usize,
    ground_shadowed: usize,
    /// Per instance (the ground's too).
    instances: [usize; 5],
    skipped: usize,
}

/// What one checked pixel must show.
struct Expected {
    x: u32,
    y: u32,
    seen: Seen,
    color: [f32; 3],
    /// Whether the answer stays the same a third of a pixel away in each direction, and the
    /// color is exact (no texel blend): only such pixels are compared.
    robust: bool,
}

/// The reference's answer for every `STEP`-th pixel.
fn expectations(reference: &Reference) -> Vec<Expected> {
    let mut all = Vec::new();
    for y in (0..HEIGHT).step_by(STEP as usize) {
        for x in (0..WIDTH).step_by(STEP as usize) {
            let (seen, color) = reference.trace(x as f32, y as f32);
            let same_nearby = [(-0.33, 0.0), (0.33, 0.0), (0.0, -0.33), (0.0, 0.33)]
                .iter()
                .all(|&(dx, dy)| reference.trace(x as f32 + dx, y as f32 + dy).0 == seen);
            all.push(Expected { x, y, seen, color: color.unwrap_or_default(), robust: same_nearby && color.is_some() });
        }
    }
    all
}

/// Checks `pixels` against the robust expectations; the error names the first pixel that
/// differs.
fn check(expectations: &[Expected], pixels: &[[f32; 4]]) -> Result<Tally, String> {
    let mut tally = Tally::default();
    for &Expected { x, y, seen, color: expected, robust } in expectations {
        if !robust {
            tally.skipped += 1;
            continue;
        }
        let got = pixels[(y * WIDTH + x) as usize];
        if (0..3).any(|i| (got[i] - expected[i]).abs() > TOLERANCE) {
            return Err(format!("pixel ({x}, {y}) shows {seen:?}: expected {expected:?}, the GPU drew {got:?}"));
        }
        match seen {
            Seen::Sky => tally.sky += 1,
            Seen::Surface { instance, shadowed } => {
                tally.instances[instance] += 1;
                if instance == 0 && shadowed {
                    tally.ground_shadowed += 1;
                } else if instance == 0 {
                    tally.ground_lit += 1;
                }
            }
        }
    }
    Ok(tally)
}

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
        let tally = check(&expected, &pixels).unwrap_or_else(|e| panic!("{tracer:?}: {e}"));
        println!("{tracer:?}: {tally:?}");
        // The picture shows what the scene holds: enough of each thing was compared.
        assert!(tally.sky > 500, "{tally:?}");
        assert!(tally.ground_lit > 300 && tally.ground_shadowed > 20, "{tally:?}");
        assert!(tally.instances[1..].iter().all(|&n| n >= 15), "every object seen: {tally:?}");
        // The check tells pictures apart: with red and blue swapped, it fails.
        let swapped: Vec<[f32; 4]> = pixels.iter().map(|p| [p[2], p[1], p[0], p[3]]).collect();
        assert!(check(&expected, &swapped).is_err(), "{tracer:?}: a wrong picture passed");
        drop(renderer);
    }
    drop(scene);
}
