//! A bundle with `per_frame` fields takes `frames_in_flight` as an input and has a
//! `write_frame_descriptors` method: fields of those names would clash.
use vkres::{Buffer, GpuResources, PerFrame};

#[derive(GpuResources)]
struct Clash {
    #[gpu(buffer(usage = UNIFORM, len = 1, mapping = sequential_write, per_frame))]
    frame_descriptors: PerFrame<Buffer<u32>>,
    #[gpu(bundle(inputs))]
    frames_in_flight: Inner,
}

#[derive(GpuResources)]
struct Inner {
    #[gpu(buffer(usage = STORAGE, data = input))]
    data: Buffer<u32>,
}

fn main() {}
