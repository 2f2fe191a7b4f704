use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, len = 4))]
    data: Buffer<u32>,
    counter: Buffer<u32>,
}

fn main() {}
