use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene<T: bytemuck::Pod> {
    #[gpu(buffer(usage = STORAGE, len = 4))]
    data: Buffer<T>,
}

fn main() {}
