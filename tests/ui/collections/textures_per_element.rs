//! The format, size, levels, layers and texels of each texture of a `textures` collection are
//! per element (`vkres::TextureInput`): those keys are errors in the schema. The view is the
//! schema's (a 3D collection is fine).
use vkres::{GpuResources, ImageView, Texture};

#[derive(GpuResources)]
struct Scene {
    #[gpu(textures(format = R8G8B8A8_UNORM, extent = [4, 4], mips = 2, layers = 2, data = input, sampler))]
    keyed: Vec<Texture>,
    #[gpu(textures(view = TYPE_3D))]
    volumes: Vec<ImageView>,
    #[gpu(textures(mips = generate, sampler))]
    fine: Vec<Texture>,
}

fn main() {}
