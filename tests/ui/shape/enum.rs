use vkres::GpuResources;

#[derive(GpuResources)]
enum Scene {
    A,
}

fn main() {}
