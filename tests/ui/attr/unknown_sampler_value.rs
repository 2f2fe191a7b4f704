//! Unknown sampler values and keys, each with a suggestion.
use vkres::{GpuResources, Sampler};

#[derive(GpuResources)]
struct Scene {
    #[gpu(sampler(filter = linaer, address = clamp_to_egde, anisotropi = 4.0))]
    linear: Sampler,
}

fn main() {}
