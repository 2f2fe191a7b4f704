use vkres::GpuResources;

#[derive(GpuResources)]
union Scene {
    a: u32,
}

fn main() {}
