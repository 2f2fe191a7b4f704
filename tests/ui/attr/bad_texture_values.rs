//! An extent of four numbers; an unknown view type, usage flag and layout.
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8_UNORM, extent = [4, 4, 4, 4]))]
    a: ImageView,
    #[gpu(texture(format = R8_UNORM, extent = [4, 4], view = TYPE_2D_ARAY, usage = SAMPLD, layout = GENERALL))]
    b: ImageView,
}

fn main() {}
