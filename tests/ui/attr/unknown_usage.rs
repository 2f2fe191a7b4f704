use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAG | VERTEX | SAMPLED, len = 4))]
    data: Buffer<u32>,
}

fn main() {}
