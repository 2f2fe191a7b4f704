//! A `per_frame` buffer's type is `PerFrame<Buffer<T>>`; a plain `Buffer<T>` field is not
//! per frame and is not written per frame.
use vkres::{Buffer, GpuResources, PerFrame};

#[derive(GpuResources)]
struct NotWrapped {
    #[gpu(buffer(usage = UNIFORM, len = 1, mapping = sequential_write, per_frame))]
    camera: Buffer<u32>,
}

#[derive(GpuResources)]
struct Wrapped {
    #[gpu(buffer(usage = UNIFORM, len = 1, mapping = sequential_write))]
    camera: PerFrame<Buffer<u32>>,
}

#[derive(GpuResources)]
struct DeviceLocal {
    #[gpu(buffer(usage = STORAGE, len = 1, per_frame))]
    state: PerFrame<Buffer<u32>>,
}

fn main() {
    let _ = DeviceLocal::write_state; // device-local: no `write_state`
}
