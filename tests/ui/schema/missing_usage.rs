use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(len = 4))]
    data: Buffer<u32>,
}

fn main() {}
