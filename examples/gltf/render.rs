//! Draws a [`GltfScene`](super::scene::GltfScene) into its `picture` with the ray-query compute
//! shader `shaders/gltf_query.wgsl`, or, where the driver has no ray queries (NVIDIA's), with
//! the ray-tracing pipeline of `shaders/gltf_pipeline.wgsl` (raygen, miss, closest hit; a shader
//! binding table laid out by the device's handle size and alignments), and reads the picture
//! back. The descriptor set's layout is
//! the bundle's `descriptor_bindings()` (its texture binding array widened to the shader's
//! fixed size, partially bound) and its contents are written by `write_descriptors()`; the
//! pipeline, set and command buffer are plain ash.

use vkres::{DescriptorBinding, DescriptorKind, DeviceCapabilities, ResourceAllocator, vk};

use super::scene::{GltfScene, MAX_TEXTURES};

/// The tracers, their pipeline objects and the picture's download, shared with
/// `examples/raytrace/`.
#[path = "../common/trace.rs"]
#[allow(clippy::duplicate_mod, reason = "the test binary holds both examples, each with its own copy")]
mod trace;

pub use trace::Tracer;
use trace::{Shaders, Tracing};

/// The committed SPIR-V of the tracer (compiled from WGSL by naga; see `tests/runtime/shaders.rs`).
const SHADERS: Shaders = Shaders {
    query: include_bytes!("../../shaders/gltf_query.spv"),
    pipeline: include_bytes!("../../shaders/gltf_pipeline.spv"),
    name: "gltf",
};

impl Tracer {
    /// `wanted` if the device has it, else ray queries where present, else the pipeline; `Err`
    /// says why nothing can trace. Both need descriptor indexing (the texture binding array).
    pub fn choose(caps: &DeviceCapabilities, wanted: Option<Tracer>) -> Result<Tracer, String> {
        let e = &caps.enabled;
        if !(e.acceleration_structure && e.descriptor_indexing) {
            return Err(format!("{} lacks acceleration structures or descriptor indexing", caps.device_name));
        }
        Tracer::pick(caps, wanted)
    }
}

/// The tracer's pipeline with a descriptor set pointing at one scene's resources, and the
/// command buffer that traces it. Holds only handles of the scene: keep the scene alive while
/// it exists.
pub struct Renderer {
    tracing: Tracing,
}

/// The scene's bindings as the shader declares them: the texture array at its fixed size.
pub fn shader_bindings(scene: &GltfScene) -> Vec<DescriptorBinding> {
    let mut bindings = scene.descriptor_bindings();
    for b in &mut bindings {
        if b.field == "textures" {
            b.count = MAX_TEXTURES;
            b.flags |= vk::DescriptorBindingFlags::PARTIALLY_BOUND;
        }
    }
    bindings
}

impl Renderer {
    /// The pipeline, its set written with `scene`'s resources, and the recorded trace of a
    /// `width` x `height` picture with `tracer`, which the device must have ([`Tracer::choose`]).
    pub fn new(
        alloc: &ResourceAllocator,
        scene: &GltfScene,
        tracer: Tracer,
        width: u32,
        height: u32,
    ) -> vkres::Result<Self> {
        let mut tracing = Tracing::new(alloc, tracer, &shader_bindings(scene), &SHADERS)?;
        let writes = scene.write_descriptors(tracing.set());
        debug_assert!(writes.bindings().iter().any(|&(_, kind)| kind == DescriptorKind::AccelerationStructure));
        let device = alloc.context().device();
        // SAFETY: the writes name live resources of the scene, of the layout's types and within
        // its counts; the set is not in use.
        writes.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) })?;
        tracing.record(vk::Extent2D { width, height })?;
        Ok(Self { tracing })
    }

    /// How it traces.
    pub fn tracer(&self) -> Tracer {
        self.tracing.tracer()
    }

    /// Traces the picture: one submission, waited for.
    pub fn render(&self) -> vkres::Result<()> {
        self.tracing.render()
    }
}

/// Copies the picture back to the host: one batch, one submission. Linear RGBA, row by row.
pub fn download(alloc: &ResourceAllocator, scene: &GltfScene) -> vkres::Result<Vec<[f32; 4]>> {
    trace::download(alloc, scene.picture.image())
}
