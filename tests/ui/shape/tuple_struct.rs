use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene(Buffer<u32>);

fn main() {}
