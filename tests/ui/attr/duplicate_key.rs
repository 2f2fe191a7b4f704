use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, len = 4, usage = VERTEX))]
    data: Buffer<u32>,
}

fn main() {}
