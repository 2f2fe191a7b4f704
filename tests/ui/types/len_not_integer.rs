use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, len = "four"))]
    data: Buffer<u32>,
}

fn main() {}
