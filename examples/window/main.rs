//! The main example's scene in a real window: ray traced every frame with a moving camera and
//! animated instances (the TLAS refitted each frame), three frames in flight, resizable.
//!
//! The scene is the main example's `#[derive(GpuResources)]` struct (`../raytrace/scene.rs`),
//! created by one call. Each frame, a vkres `Recorder` records the view's upload and the TLAS
//! refit into the frame's own command buffer, which the example then fills with the trace and a
//! blit into the swapchain image and submits itself, with its own semaphores and vkres
//! `Fence` (`frames.rs`). The window is winit's; the surface comes from `ash-window` and the
//! context enables the surface and swapchain extensions through `ContextOptions`.
//!
//! The picture is traced into a storage image the size of the window (`target.rs`), made
//! again on a resize while the frames in flight still trace into the old one: its handle is
//! dropped at once, and the retire queue releases it when those frames' fences have signalled.
//!
//! Run: `cargo run --release --example window` (close the window to stop), or, as CI does under
//! Xvfb, `cargo run --example window -- --frames 40 --resize-at 10 --check`: 40 frames, a
//! resize to 400x300 at frame 10 and back at frame 20, and the last frame read back from the
//! swapchain image and compared, pixel by pixel, with a CPU trace of the same pose
//! (`tests/runtime/raytrace_picture/reference.rs`). `--out DIR` writes that frame as PNG.
//! Validation on with `VKRES_VALIDATION=1`; exits 1 on a failed check or any validation message.

#[path = "../common/mod.rs"]
mod common;
mod extent;
mod frames;
mod pose;
#[allow(dead_code)]
#[path = "../../tests/runtime/raytrace_picture/reference.rs"]
mod reference;
#[allow(dead_code)]
#[path = "../raytrace/render.rs"]
mod render;
#[allow(dead_code)]
#[path = "../raytrace/scene.rs"]
mod scene;
mod swapchain;
mod target;

use std::ffi::CStr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use raw_window_handle::{HasDisplayHandle, HasWindowHandle};
use vkres::{Context, ContextOptions, ResourceAllocator, vk};
use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, EventLoop};
use winit::window::{Window, WindowId};

use frames::{Drawn, Frames};
use render::{Renderer, Tracer};
use scene::{HEIGHT, RaytraceScene, WIDTH};
use swapchain::Swapchain;
use target::Target;

/// Command-line options.
#[derive(Default)]
struct Options {
    /// Stop after this many frames (else when the window closes).
    frames: Option<u64>,
    /// Resize the window at this frame, and back at twice it.
    resize_at: Option<u64>,
    /// Read the last frame back and compare it with the CPU trace.
    check: bool,
    out: Option<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    let number = |v: Option<String>, what: &str| -> Result<u64, String> {
        v.and_then(|v| v.parse().ok()).ok_or(format!("{what} needs a number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--frames" => options.frames = Some(number(args.next(), "--frames")?),
            "--resize-at" => options.resize_at = Some(number(args.next(), "--resize-at")?),
            "--check" => options.check = true,
            "--out" => options.out = Some(args.next().ok_or("--out needs a directory")?.into()),
            other => {
                return Err(format!("unknown argument {other:?}; use --frames N, --resize-at N, --check, --out DIR"));
            }
        }
    }
    if options.check && options.frames.is_none() {
        return Err("--check needs --frames N (the frame it checks is the last)".into());
    }
    Ok(options)
}

/// What exists once the window does.
struct Running {
    // Field order is drop order: frames (waits for the GPU), renderer and swapchain before the
    // window the surface was made for.
    frames: Frames,
    /// The window-sized picture the frames trace into.
    target: Target,
    renderer: Renderer,
    chain: Swapchain,
    window: Arc<Window>,
    /// The swapchain does not fit the window any more.
    stale: bool,
}

struct App {
    options: Options,
    ctx: Arc<Context>,
    alloc: ResourceAllocator,
    scene: RaytraceScene,
    tracer: Tracer,
    running: Option<Running>,
    frame: u64,
    resizes: u32,
    started: Option<Instant>,
    /// The first error, which ends the loop.
    error: Option<String>,
    /// The checked frame's result.
    checked: Option<Result<String, String>>,
}

impl App {
    fn start(&mut self, event_loop: &ActiveEventLoop) -> Result<(), String> {
        let attributes = Window::default_attributes()
            .with_title("vkres: ray-traced scene")
            .with_inner_size(PhysicalSize::new(WIDTH, HEIGHT))
            .with_resizable(true);
        let window = Arc::new(event_loop.create_window(attributes).map_err(|e| format!("window: {e}"))?);
        let display = window.display_handle().map_err(|e| e.to_string())?.as_raw();
        let handle = window.window_handle().map_err(|e| e.to_string())?.as_raw();
        // SAFETY: the instance has the extensions `enumerate_required_extensions` named for
        // this display; the window outlives the surface (`Running`'s field order).
        let surface =
            unsafe { ash_window::create_surface(self.ctx.entry(), self.ctx.instance(), display, handle, None) }
                .map_err(|e| format!("vkCreate*SurfaceKHR: {e}"))?;
        let size = window.inner_size();
        let chain = Swapchain::new(&self.ctx, surface, vk::Extent2D { width: size.width, height: size.height })
            .map_err(|e| e.to_string())?;
        let renderer = Renderer::new(&self.alloc, &self.scene, self.tracer).map_err(|e| e.to_string())?;
        let frames = Frames::new(&self.alloc, &renderer, &self.scene).map_err(|e| e.to_string())?;
        let target = Target::new(&self.alloc, chain.extent, 1).map_err(|e| e.to_string())?;
        println!(
            "window: {}x{}, swapchain {:?} of {} images",
            size.width,
            size.height,
            chain.format,
            chain.images.len()
        );
        self.running = Some(Running { frames, target, renderer, chain, window, stale: false });
        self.started = Some(Instant::now());
        Ok(())
    }

    /// Draws the next frame; whether the loop goes on.
    fn draw(&mut self) -> Result<bool, String> {
        let Some(running) = self.running.as_mut() else { return Ok(true) };
        let last = self.options.frames.is_some_and(|n| self.frame + 1 >= n);
        if let Some(at) = self.options.resize_at {
            if self.frame == at || self.frame == 2 * at {
                let size =
                    if self.frame == at { PhysicalSize::new(400, 300) } else { PhysicalSize::new(WIDTH, HEIGHT) };
                let _ = running.window.request_inner_size(size);
            }
        }
        let size = running.window.inner_size();
        if running.stale || size.width != running.chain.extent.width || size.height != running.chain.extent.height {
            if size.width == 0 || size.height == 0 {
                return Ok(true); // minimized: nothing to draw into
            }
            let extent = vk::Extent2D { width: size.width, height: size.height };
            if extent != running.target.extent {
                // Made while the frames in flight still trace into the old target, whose handle
                // goes now: their work (in the retire queue) holds it until their fences signal.
                let serial = running.target.serial + 1;
                running.target = Target::new(&self.alloc, extent, serial).map_err(|e| e.to_string())?;
                println!(
                    "frame {}: target made again at {}x{} ({} frames still in the retire queue)",
                    self.frame,
                    extent.width,
                    extent.height,
                    self.alloc.collect_retired()
                );
            }
            // The swapchain's images are presented by frames in flight: made again once they are done.
            running.frames.wait_all().map_err(|e| e.to_string())?;
            let made = running
                .chain
                .recreate(vk::Extent2D { width: size.width, height: size.height })
                .map_err(|e| e.to_string())?;
            if !made {
                running.stale = true;
                return Ok(true); // the surface has no drawable extent now: try the next frame
            }
            running.stale = false;
            self.resizes += 1;
            println!(
                "frame {}: swapchain made again at {}x{}",
                self.frame, running.chain.extent.width, running.chain.extent.height
            );
        }
        let check = last && self.options.check;
        let target = (running.target.extent.width, running.target.extent.height);
        if check
            && ((running.chain.extent.width, running.chain.extent.height) != (WIDTH, HEIGHT)
                || target != (WIDTH, HEIGHT))
        {
            return Err(format!(
                "the checked frame needs a {WIDTH}x{HEIGHT} swapchain, the window is {}x{}",
                running.chain.extent.width, running.chain.extent.height
            ));
        }
        let pose = pose::at(self.frame);
        let drawn = running
            .frames
            .draw(&self.alloc, &self.scene, &running.renderer, &running.chain, &mut running.target, &pose, check)
            .map_err(|e| e.to_string())?;
        match drawn {
            Drawn::OutOfDate => {
                running.stale = true;
                return Ok(true);
            }
            Drawn::Presented => self.frame += 1,
        }
        if check {
            running.frames.wait_all().map_err(|e| e.to_string())?;
            let pixels = running.frames.read_back(running.chain.format).map_err(|e| e.to_string())?;
            self.checked = Some(check_frame(&pose, &pixels, self.options.out.as_deref()));
        }
        Ok(!last)
    }
}

/// Compares the frame read back from the swapchain with the CPU trace of its pose.
fn check_frame(pose: &pose::Pose, pixels: &[[f32; 4]], out: Option<&std::path::Path>) -> Result<String, String> {
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let bytes: Vec<u8> = pixels.iter().flat_map(|p| p.map(|c| (c * 255.0).round() as u8)).collect();
        let path = dir.join("window-frame.png");
        image::save_buffer(&path, &bytes, WIDTH, HEIGHT, image::ExtendedColorType::Rgba8)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        println!("checked frame: {}", path.display());
    }
    let texels = scene::checker_texels()?;
    let expected = reference::expectations(&reference::Reference::posed(texels, pose.view, &pose.transforms));
    // 8-bit UNORM: within 1/255 of the clamped value, and a blit's rounding.
    let tally = reference::check(&expected, pixels, 0.01, 1.0)?;
    // The check tells frames apart: the same pixels fail against frame 0's pose.
    let other = reference::expectations(&reference::Reference::new(scene::checker_texels()?));
    if reference::check(&other, pixels, 0.01, 1.0).is_ok() {
        return Err("the frame also matches the first frame's pose: the animation did not reach the GPU".into());
    }
    Ok(format!("{tally:?}"))
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.running.is_none() {
            if let Err(e) = self.start(event_loop) {
                self.error = Some(e);
                event_loop.exit();
            }
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => event_loop.exit(),
            WindowEvent::Resized(size) => {
                if let Some(running) = self.running.as_mut() {
                    let extent = running.chain.extent;
                    running.stale |= (size.width, size.height) != (extent.width, extent.height);
                }
            }
            WindowEvent::RedrawRequested => match self.draw() {
                Ok(true) => {}
                Ok(false) => event_loop.exit(),
                Err(e) => {
                    self.error = Some(e);
                    event_loop.exit();
                }
            },
            _ => {}
        }
    }

    fn about_to_wait(&mut self, _: &ActiveEventLoop) {
        if let Some(running) = &self.running {
            running.window.request_redraw();
        }
    }
}

fn run() -> Result<(), String> {
    let options = options()?;
    let event_loop = EventLoop::new().map_err(|e| format!("no display ({e}); run under a desktop or xvfb-run"))?;
    let display = event_loop.display_handle().map_err(|e| e.to_string())?.as_raw();
    let surface_extensions = ash_window::enumerate_required_extensions(display).map_err(|e| e.to_string())?;
    // SAFETY: ash-window's names are NUL-terminated static strings.
    let surface_extensions = surface_extensions.iter().map(|&p| unsafe { CStr::from_ptr(p) });
    let ctx = common::context_with("vkres window", true, |o: ContextOptions| {
        o.instance_extensions(surface_extensions).device_extensions([ash::khr::swapchain::NAME])
    })
    .map_err(|e| e.to_string())?;
    let caps = ctx.capabilities().clone();
    println!("device: {} ({})", caps.device_name, caps.driver);
    let tracer = Tracer::choose(&caps, None)?;
    let alloc = ResourceAllocator::new(&ctx).map_err(|e| e.to_string())?;
    let texels = scene::checker_texels()?;
    let scene = scene::create(&alloc, &texels).map_err(|e| e.to_string())?;
    let mut app = App {
        options,
        ctx: ctx.clone(),
        alloc,
        scene,
        tracer,
        running: None,
        frame: 0,
        resizes: 0,
        started: None,
        error: None,
        checked: None,
    };
    event_loop.run_app(&mut app).map_err(|e| format!("event loop: {e}"))?;
    let elapsed = app.started.map(|s| s.elapsed().as_secs_f64()).unwrap_or_default();
    println!(
        "drew {} frames in {elapsed:.2} s ({:.1} per second) with {} in flight, {tracer:?}; swapchain made again {} times",
        app.frame,
        app.frame as f64 / elapsed.max(1e-9),
        frames::FRAMES_IN_FLIGHT,
        app.resizes
    );
    let mut failed = false;
    if let Some(e) = app.error.take() {
        eprintln!("error: {e}");
        failed = true;
    }
    match app.checked.take() {
        Some(Ok(tally)) => println!("checked the last frame read back from the swapchain: {tally}"),
        Some(Err(e)) => {
            eprintln!("check failed: {e}");
            failed = true;
        }
        None if app.options.check => {
            eprintln!("check failed: the last frame was never drawn");
            failed = true;
        }
        None => {}
    }
    let App { running, scene, alloc, .. } = app;
    drop(running);
    drop(scene);
    let leaks = alloc.leak_report();
    println!("live allocations after drop: {}", leaks.len());
    drop(alloc);
    common::exit_on_failure(&ctx, failed || !leaks.is_empty());
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
