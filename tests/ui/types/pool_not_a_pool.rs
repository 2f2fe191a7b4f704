use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Pooled {
    #[gpu(buffer(usage = STORAGE, len = 4, pool = 5u32))]
    values: Buffer<u32>,
}

fn main() {}
