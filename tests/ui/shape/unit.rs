use vkres::GpuResources;

#[derive(GpuResources)]
struct Scene;

fn main() {}
