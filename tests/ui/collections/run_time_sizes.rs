//! `extent` comes from run time as a whole or not at all (the second field, all from run time, is valid).
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, 16]))]
    half: ImageView,
    #[gpu(texture(format = input, extent = [input, input], layers = input, mips = input))]
    whole: ImageView,
}

fn main() {}
