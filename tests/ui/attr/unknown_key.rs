use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, lenght = 4))]
    data: Buffer<u32>,
}

fn main() {}
