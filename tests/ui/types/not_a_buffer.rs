use vkres::GpuResources;

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, len = 4))]
    data: Vec<u32>,
}

fn main() {}
