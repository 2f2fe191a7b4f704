//! A BLAS reads its vertices from a buffer field; a texture is not one.
use vkres::{Blas, GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4]))]
    albedo: ImageView,
    #[gpu(blas(vertices = albedo))]
    mesh: Blas,
}

fn main() {}
