//! A cube view needs 6 layers, a cube array a multiple of 6, a 1D/2D/3D view exactly one
//! (vkres's views cover every layer).
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], view = CUBE))]
    sky: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], layers = 8, view = CUBE_ARRAY))]
    probes: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], layers = 4, view = TYPE_2D))]
    atlas: ImageView,
    // Fine.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], layers = 6, view = CUBE))]
    cube: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], layers = 12, view = CUBE_ARRAY))]
    cubes: ImageView,
}

fn main() {}
