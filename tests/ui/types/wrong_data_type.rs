use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, data = [1.0f32, 2.0]))]
    data: Buffer<u32>,
}

fn main() {}
