//! A view's type must fit the image's type, which comes from the extent's dimensions; a cube's
//! faces are square.
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], view = TYPE_3D))]
    flat: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16, 16], view = TYPE_2D))]
    volume: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16], view = TYPE_2D))]
    line: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 8], layers = 6, view = CUBE))]
    stretched: ImageView,
}

fn main() {}
