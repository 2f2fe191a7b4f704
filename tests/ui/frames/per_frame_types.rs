//! A `per_frame` buffer's type is `PerFrame<Buffer<T>>` (a texture's `PerFrame<ImageView>`); a
//! plain `Buffer<T>` field is not per frame and is not written per frame.
use vkres::{Buffer, GpuResources, ImageView, PerFrame};

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

#[derive(GpuResources)]
struct TextureNotWrapped {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [2, 2], usage = STORAGE, per_frame))]
    target: ImageView,
}

fn main() {
    let _ = DeviceLocal::write_state; // device-local: no `write_state`
}
