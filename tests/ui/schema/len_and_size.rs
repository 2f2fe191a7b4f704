use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, len = 4, size = 16))]
    data: Buffer<u32>,
}

fn main() {}
