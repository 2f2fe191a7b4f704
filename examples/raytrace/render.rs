//! Draws a [`RaytraceScene`](super::scene::RaytraceScene) into its `picture` and reads it back.
//!
//! Two tracers draw the same picture: a compute shader with ray queries
//! (`shaders/raytrace_query.wgsl`), and, for drivers without `VK_KHR_ray_query` (NVIDIA's), a
//! ray-tracing pipeline (`shaders/raytrace_pipeline.wgsl`: raygen, miss, closest hit) with a
//! shader binding table laid out by the device's handle size and alignments. Both use one
//! descriptor set whose layout is `RaytraceScene::descriptor_bindings()` and whose contents are
//! written by `write_descriptors()`: no descriptor of the scene is written by hand here. The
//! pipeline objects, the set and the command buffer are plain ash; what they draw with is the
//! bundle's.

use vkres::{DescriptorKind, DeviceCapabilities, ResourceAllocator, vk};

use super::scene::{HEIGHT, RaytraceScene, WIDTH};

/// The tracers, their pipeline objects and the picture's download, shared with `examples/gltf/`.
#[path = "../common/trace.rs"]
#[allow(clippy::duplicate_mod, reason = "the test binary holds both examples, each with its own copy")]
mod trace;

pub use trace::Tracer;
use trace::{Shaders, Tracing};

/// The committed SPIR-V of the two tracers (compiled from WGSL by naga; see `tests/runtime/shaders.rs`).
const SHADERS: Shaders = Shaders {
    query: include_bytes!("../../shaders/raytrace_query.spv"),
    pipeline: include_bytes!("../../shaders/raytrace_pipeline.spv"),
    name: "raytrace",
};

impl Tracer {
    /// `wanted` if the device has it, else ray queries where present, else the pipeline; `Err`
    /// says why nothing can trace.
    pub fn choose(caps: &DeviceCapabilities, wanted: Option<Tracer>) -> Result<Tracer, String> {
        Tracer::pick(caps, wanted)
    }
}

/// A pipeline that draws the scene's picture, with its descriptor set and command buffer.
/// Holds only handles of the scene: keep the scene alive while it exists.
pub struct Renderer {
    tracing: Tracing,
}

impl Renderer {
    /// The pipeline of `tracer` with a descriptor set pointing at `scene`'s resources.
    pub fn new(alloc: &ResourceAllocator, scene: &RaytraceScene, tracer: Tracer) -> vkres::Result<Self> {
        let mut tracing = Tracing::new(alloc, tracer, &RaytraceScene::descriptor_bindings(), &SHADERS)?;
        // The scene's descriptors, written by the derive's `write_descriptors`.
        let writes = scene.write_descriptors(tracing.set());
        debug_assert!(writes.bindings().iter().any(|&(_, kind)| kind == DescriptorKind::StorageImage));
        let device = alloc.context().device();
        // SAFETY: the writes name live resources of the scene, of the layout's types; the set is
        // not in use.
        writes.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) })?;
        tracing.record(vk::Extent2D { width: WIDTH, height: HEIGHT })?;
        Ok(Self { tracing })
    }

    /// How it traces.
    pub fn tracer(&self) -> Tracer {
        self.tracing.tracer()
    }

    /// The layout of the scene's descriptor set (for sets of the caller's, as the window
    /// example's, one per frame in flight, bound to a picture of another size).
    #[allow(dead_code, reason = "the window example's; this file is a module of several examples")]
    pub fn set_layout(&self) -> vk::DescriptorSetLayout {
        self.tracing.set_layout()
    }

    /// Records the trace of every pixel of a picture of `extent` (the view's `params` must say
    /// the same size) into `cmd` with `set` (of [`set_layout`](Self::set_layout)) bound,
    /// followed by a barrier that makes the picture's writes visible to every later command.
    /// It waits for nothing before it: a caller whose earlier commands read the picture (a
    /// blit of the last frame) orders them with a barrier first.
    ///
    /// # Safety
    /// `cmd` must be in the recording state, of this renderer's device and queue family, and
    /// be submitted only while the scene and this renderer live; `set` must be a live set of
    /// this layout that stays alive and unchanged until the work has finished.
    #[allow(dead_code, reason = "the window example's; this file is a module of several examples")]
    pub unsafe fn record_trace_with(&self, cmd: vk::CommandBuffer, set: vk::DescriptorSet, extent: vk::Extent2D) {
        // SAFETY: the caller's contract.
        unsafe { self.tracing.record_trace_with(cmd, set, extent) }
    }

    /// The stage the tracer writes the picture in.
    #[allow(dead_code, reason = "the window example's; this file is a module of several examples")]
    pub fn stage(&self) -> vk::PipelineStageFlags2 {
        self.tracing.tracer().stage()
    }

    /// Traces the picture: one submission, waited for.
    pub fn render(&self) -> vkres::Result<()> {
        self.tracing.render()
    }
}

/// Copies the picture back to the host: one batch, one submission. Linear RGBA, row by row.
pub fn download(alloc: &ResourceAllocator, scene: &RaytraceScene) -> vkres::Result<Vec<[f32; 4]>> {
    trace::download(alloc, scene.picture.image())
}
