//! A misspelled texture key, with "did you mean".
use vkres::{GpuResources, ImageView};

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(fromat = R8G8B8A8_UNORM, extent = [4, 4], layres = 2))]
    albedo: ImageView,
}

fn main() {}
