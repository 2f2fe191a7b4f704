//! The main example: a ray-traced picture of a scene declared as one `#[derive(GpuResources)]`
//! struct (`scene.rs`): four meshes generated in code (ground plane, cube, icosphere,
//! tetrahedron) with vertex and index buffers, a checker texture loaded from a PNG with
//! generated mips, a sampler, a BLAS per mesh, a TLAS of five instances, the view's uniform
//! buffer and the storage image drawn into, all created, uploaded and built in one submission.
//! Rendered headless by ray queries from a compute shader, or by a ray-tracing pipeline where
//! the driver has no ray queries (NVIDIA's), downloaded, and written as `out.png` and as
//! Radiance HDR `out.hdr`.
//!
//! Run: `cargo run --release --example raytrace [-- --out DIR] [--tracer query|pipeline]`
//! (validation on with `VKRES_VALIDATION=1`). The picture goes to `target/raytrace/` unless
//! `--out` says otherwise.

#[path = "../common/mod.rs"]
mod common;

mod render;
mod scene;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vkres::ResourceAllocator;

use render::{Renderer, Tracer};
use scene::{HEIGHT, RaytraceScene, WIDTH};

/// Command-line options.
struct Options {
    out: PathBuf,
    tracer: Option<Tracer>,
}

fn options() -> Result<Options, String> {
    let mut options =
        Options { out: Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("raytrace"), tracer: None };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => options.out = args.next().ok_or("--out needs a directory")?.into(),
            "--tracer" => {
                options.tracer = Some(match args.next().as_deref() {
                    Some("query") => Tracer::RayQuery,
                    Some("pipeline") => Tracer::Pipeline,
                    other => return Err(format!("--tracer query|pipeline, not {other:?}")),
                })
            }
            other => return Err(format!("unknown argument {other:?}; use --out DIR, --tracer query|pipeline")),
        }
    }
    Ok(options)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Bytes of memory the scene's resources occupy, and how many there are of each kind.
fn census(scene: &RaytraceScene) -> (u64, String) {
    let buffers = [
        scene.view.as_bytes(),
        scene.plane_vertices.as_bytes(),
        scene.plane_indices.as_bytes(),
        scene.cube_vertices.as_bytes(),
        scene.cube_indices.as_bytes(),
        scene.icosphere_vertices.as_bytes(),
        scene.icosphere_indices.as_bytes(),
        scene.tetrahedron_vertices.as_bytes(),
        scene.tetrahedron_indices.as_bytes(),
    ];
    let images = [scene.picture.image(), scene.checker.image()];
    let structures = [&*scene.plane, &*scene.cube, &*scene.icosphere, &*scene.tetrahedron, &*scene.world];
    let bytes = buffers.iter().map(|b| b.memory().info().size).sum::<u64>()
        + images.iter().map(|i| i.memory().info().size).sum::<u64>()
        + structures.iter().map(|s| s.buffer().memory().info().size).sum::<u64>();
    let triangles: usize = scene::meshes().iter().map(scene::Mesh::triangles).sum();
    let summary = format!(
        "{} buffers, {} images ({} mip levels of checker), 1 sampler, {} BLASes ({triangles} triangles), \
         1 TLAS ({} instances: {})",
        buffers.len(),
        images.len(),
        scene.checker.image().desc().mip_levels,
        structures.len() - 1,
        scene::instances().len(),
        scene::instances().map(|i| ["plane", "cube", "icosphere", "tetrahedron"][i.mesh as usize]).join(", ")
    );
    (bytes, summary)
}

/// Linear to sRGB-encoded 8 bits.
fn srgb8(linear: f32) -> u8 {
    let c = linear.clamp(0.0, 1.0);
    let s = if c <= 0.003_130_8 { c * 12.92 } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 };
    (s * 255.0 + 0.5) as u8
}

/// Writes `out.png` (sRGB, 8 bits) and `out.hdr` (linear, Radiance RGBE) into `dir`.
fn write_picture(dir: &Path, pixels: &[[f32; 4]]) -> Result<(PathBuf, PathBuf), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let png_path = dir.join("out.png");
    let hdr_path = dir.join("out.hdr");
    let png: Vec<u8> = pixels.iter().flat_map(|p| [srgb8(p[0]), srgb8(p[1]), srgb8(p[2]), 255]).collect();
    image::RgbaImage::from_raw(WIDTH, HEIGHT, png)
        .ok_or("picture size")?
        .save(&png_path)
        .map_err(|e| format!("{}: {e}", png_path.display()))?;
    let hdr: Vec<f32> = pixels.iter().flat_map(|p| [p[0], p[1], p[2]]).collect();
    image::Rgb32FImage::from_raw(WIDTH, HEIGHT, hdr)
        .ok_or("picture size")?
        .save(&hdr_path)
        .map_err(|e| format!("{}: {e}", hdr_path.display()))?;
    Ok((png_path, hdr_path))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options()?;
    let t = Instant::now();
    let ctx = common::context("raytrace", true)?;
    let alloc = ResourceAllocator::new(&ctx)?;
    let t_context = t.elapsed();
    let caps = ctx.capabilities();
    println!("device: {} (Vulkan {}, {})", caps.device_name, caps.api_version_string(), caps.driver);
    let tracer = match Tracer::choose(caps, options.tracer) {
        Ok(tracer) => tracer,
        Err(why) => {
            println!("cannot trace: {why}; nothing drawn");
            return Ok(());
        }
    };

    let t = Instant::now();
    let texels = scene::checker_texels()?;
    let t_decode = t.elapsed();
    let submissions = ctx.submission_count();
    let t = Instant::now();
    let scene = scene::create(&alloc, &texels)?;
    let t_create = t.elapsed();
    let (bytes, summary) = census(&scene);
    println!(
        "created RaytraceScene: {summary}; {:.1} KiB of device memory, {} queue submission(s), in {:.2} ms",
        bytes as f64 / 1024.0,
        ctx.submission_count() - submissions,
        ms(t_create)
    );

    let t = Instant::now();
    let renderer = Renderer::new(&alloc, &scene, tracer)?;
    let t_pipeline = t.elapsed();
    let t = Instant::now();
    renderer.render()?;
    let t_render = t.elapsed();
    let t = Instant::now();
    renderer.render()?;
    let t_render_again = t.elapsed();
    let t = Instant::now();
    let pixels = render::download(&alloc, &scene)?;
    let t_download = t.elapsed();
    let t = Instant::now();
    let (png, hdr) = write_picture(&options.out, &pixels)?;
    let t_encode = t.elapsed();
    let tracer_name = match renderer.tracer() {
        Tracer::RayQuery => "ray queries in a compute shader",
        Tracer::Pipeline => "a ray-tracing pipeline (raygen, miss, closest hit)",
    };
    println!("traced {WIDTH}x{HEIGHT} pixels with {tracer_name}");
    println!(
        "phases: context {:.1} ms, PNG decode {:.2} ms, create+upload+build {:.2} ms, pipeline {:.1} ms, \
         render {:.2} ms (again: {:.2} ms), download {:.2} ms, encode {:.2} ms",
        ms(t_context),
        ms(t_decode),
        ms(t_create),
        ms(t_pipeline),
        ms(t_render),
        ms(t_render_again),
        ms(t_download),
        ms(t_encode)
    );
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    println!("picture: {}", absolute(&png).display());
    println!("         {} (linear, Radiance HDR)", absolute(&hdr).display());

    drop(renderer);
    drop(scene);
    alloc.staging().trim(); // free staging chunks are a cache, not a leak
    println!("live allocations after drop: {}", alloc.memory_allocator().live_allocations());
    common::exit_on_failure(&ctx, false);
    Ok(())
}
