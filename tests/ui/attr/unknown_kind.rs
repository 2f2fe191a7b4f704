use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(bufer(usage = STORAGE, len = 4))]
    data: Buffer<u32>,
}

fn main() {}
