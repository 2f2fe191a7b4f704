//! A real scene from a file: a glTF 2.0 asset (`.gltf` or `.glb`) loaded with the `gltf` crate
//! (`load.rs`) into the inputs of one `#[derive(GpuResources)]` struct (`scene.rs`): a BLAS per
//! mesh with a geometry per primitive, a TLAS instance per node, the materials, the images as a
//! texture binding array with generated mips, and the derive's geometry table, all created,
//! uploaded and built in one submission; then traced with ray queries from a compute shader or
//! with a ray-tracing pipeline (`render.rs`) and written as `out.png`.
//!
//! Run: `cargo run --release --example gltf [-- FILE] [--out DIR] [--size WxH] [--tracer
//! query|pipeline]` (validation on with `VKRES_VALIDATION=1`); the tracer defaults to ray
//! queries where the device has them, else the ray-tracing pipeline (NVIDIA's driver). The
//! default file is Khronos's 2CylinderEngine sample from Debian's `assimp-testmodels`
//! (installed by `tools/ensure-deps.sh`; `VKRES_GLTF_MODELS=DIR` names a copy of its glTF2
//! folder instead); the picture goes to `target/gltf/` unless `--out` says otherwise.

#[path = "../common/mod.rs"]
mod common;

mod load;
mod render;
mod scene;

use std::path::{Path, PathBuf};
use std::time::Instant;

use vkres::ResourceAllocator;

/// Where Debian's `assimp-testmodels` puts the Khronos glTF samples.
const MODELS: &str = "/usr/share/assimp/models/glTF2";

struct Options {
    file: PathBuf,
    out: PathBuf,
    width: u32,
    height: u32,
    tracer: Option<render::Tracer>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        file: std::env::var_os("VKRES_GLTF_MODELS")
            .map_or_else(|| PathBuf::from(MODELS), PathBuf::from)
            .join("2CylinderEngine-glTF-Binary/2CylinderEngine.glb"),
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("gltf"),
        width: 512,
        height: 384,
        tracer: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => o.out = args.next().ok_or("--out needs a directory")?.into(),
            "--size" => {
                let size = args.next().ok_or("--size needs WxH")?;
                let (w, h) = size.split_once('x').ok_or("--size WxH")?;
                o.width = w.parse().map_err(|e| format!("--size {size}: {e}"))?;
                o.height = h.parse().map_err(|e| format!("--size {size}: {e}"))?;
                if o.width == 0 || o.height == 0 {
                    return Err(format!("--size {size}: zero"));
                }
            }
            "--tracer" => {
                o.tracer = Some(match args.next().as_deref() {
                    Some("query") => render::Tracer::RayQuery,
                    Some("pipeline") => render::Tracer::Pipeline,
                    other => return Err(format!("--tracer query|pipeline, not {other:?}")),
                })
            }
            other if !other.starts_with("--") => o.file = other.into(),
            other => {
                return Err(format!(
                    "unknown argument {other:?}; use FILE, --out DIR, --size WxH, --tracer query|pipeline"
                ));
            }
        }
    }
    Ok(o)
}

/// Linear to sRGB-encoded 8 bits.
fn srgb8(linear: f32) -> u8 {
    let c = linear.clamp(0.0, 1.0);
    let s = if c <= 0.003_130_8 { c * 12.92 } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 };
    (s * 255.0 + 0.5) as u8
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let o = options()?;
    let t = Instant::now();
    let data = load::load(&o.file)?;
    let t_load = t.elapsed();
    println!(
        "{}: {} meshes ({} primitives, {} triangles), {} instances, {} materials, {} images{}; loaded in {:.1} ms",
        o.file.display(),
        data.meshes.len(),
        data.primitives(),
        data.triangles(),
        data.instances.len(),
        data.materials.len(),
        data.images.len(),
        if data.skipped_primitives > 0 {
            format!(", {} point/line primitives left out", data.skipped_primitives)
        } else {
            String::new()
        },
        t_load.as_secs_f64() * 1e3
    );
    if let Some(largest) =
        data.meshes.iter().max_by_key(|m| m.primitives.iter().map(load::Primitive::triangles).sum::<usize>())
    {
        println!("largest mesh: {:?}", largest.name);
    }
    let inputs = scene::SceneInputs::new(&data, o.width, o.height)?;
    let eye = inputs.view().origin;
    println!(
        "camera at ({:.2}, {:.2}, {:.2}); instance custom indices start at records {:?}",
        eye[0],
        eye[1],
        eye[2],
        inputs.first_records()
    );

    let ctx = common::context("gltf", true)?;
    let alloc = ResourceAllocator::new(&ctx)?;
    let caps = ctx.capabilities();
    println!("device: {} (Vulkan {}, {})", caps.device_name, caps.api_version_string(), caps.driver);
    let tracer = match render::Tracer::choose(caps, o.tracer) {
        Ok(tracer) => tracer,
        Err(why) => {
            println!("cannot trace: {why}; nothing drawn");
            return Ok(());
        }
    };
    let submissions = ctx.submission_count();
    let t = Instant::now();
    let gpu_scene = scene::GltfScene::create(&alloc, inputs.inputs())?;
    let t_create = t.elapsed();
    println!(
        "created GltfScene: {} BLASes, {} geometries, {} TLAS instances, {} textures; {} queue submission(s) in {:.2} ms",
        gpu_scene.meshes.len(),
        data.primitives(),
        data.instances.len(),
        gpu_scene.textures.len(),
        ctx.submission_count() - submissions,
        t_create.as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let renderer = render::Renderer::new(&alloc, &gpu_scene, tracer, o.width, o.height)?;
    let t_pipeline = t.elapsed();
    let t = Instant::now();
    renderer.render()?;
    let t_render = t.elapsed();
    let pixels = render::download(&alloc, &gpu_scene)?;
    std::fs::create_dir_all(&o.out).map_err(|e| format!("{}: {e}", o.out.display()))?;
    let png_path = o.out.join("out.png");
    let png: Vec<u8> = pixels.iter().flat_map(|p| [srgb8(p[0]), srgb8(p[1]), srgb8(p[2]), 255]).collect();
    image::RgbaImage::from_raw(o.width, o.height, png)
        .ok_or("picture size")?
        .save(&png_path)
        .map_err(|e| format!("{}: {e}", png_path.display()))?;
    let how = match renderer.tracer() {
        render::Tracer::RayQuery => "ray queries in a compute shader",
        render::Tracer::Pipeline => "a ray-tracing pipeline (raygen, miss, closest hit)",
    };
    println!(
        "traced {}x{} pixels with {how} in {:.1} ms (pipeline made in {:.1} ms): {}",
        o.width,
        o.height,
        t_render.as_secs_f64() * 1e3,
        t_pipeline.as_secs_f64() * 1e3,
        png_path.display()
    );

    drop(renderer);
    drop(gpu_scene);
    alloc.staging().trim();
    println!("live allocations after drop: {}", alloc.memory_allocator().live_allocations());
    common::exit_on_failure(&ctx, false);
    Ok(())
}
