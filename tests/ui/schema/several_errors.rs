//! Every error of a struct is reported at once, and the stub impl keeps uses of the type
//! (`Scene::create`) free of follow-up errors.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, lenght = 4))]
    a: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE))]
    b: Buffer<u32>,
    #[gpu(textur(format = R8G8B8A8_UNORM))]
    c: Buffer<u32>,
    d: Buffer<u32>,
}

fn main() {
    let _ = Scene::create;
}
