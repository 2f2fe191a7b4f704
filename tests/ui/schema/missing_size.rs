use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE))]
    data: Buffer<u32>,
}

fn main() {}
