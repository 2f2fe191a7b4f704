//! A bundle whose declaration order already releases in reverse dependency order gets no
//! generated `Drop` (issue 20 item 5); its fields that only hold resources must still not be
//! reported as never read, bound or not, in a crate that denies dead code.
#![deny(dead_code)]

use vkres::{Blas, Buffer, GpuResources, Sampler, Texture, Tlas};

#[derive(GpuResources)]
struct Scene {
    #[gpu(tlas(instance(blas = mesh)), binding = 0)]
    scene: Tlas,
    #[gpu(blas(vertices = vertices))]
    mesh: Blas,
    #[gpu(buffer(data = [[0.0f32; 3]; 3]))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(texture(format = R8_UNORM, extent = [1, 1], sampler = smp))]
    tex: Texture,
    #[gpu(sampler)]
    smp: Sampler,
}

fn main() {
    // Nothing reads a field here (a pattern would count as a read).
    let _ = Scene::create;
}
