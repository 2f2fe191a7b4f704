//! `mapping = direct` asks for device memory; `location = host` contradicts it.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Scene {
    #[gpu(buffer(usage = STORAGE, len = 4, mapping = direct, location = host))]
    data: Buffer<u32>,
}

fn main() {}
