use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, len = 4), buffer(usage = VERTEX, len = 4))]
    data: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = 4))]
    #[gpu(buffer(usage = STORAGE, len = 4))]
    twice: Buffer<u32>,
}

fn main() {}
