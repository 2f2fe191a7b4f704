//! `per_frame` is for one `buffer`: not a collection, not a copy of another field, and no
//! field that needs one buffer (a copy source, a BLAS's vertices) may name a per-frame one.
use vkres::{Buffer, GpuResources, PerFrame};

#[derive(GpuResources)]
struct Frames {
    #[gpu(buffer(usage = STORAGE, len = 4, per_frame))]
    state: PerFrame<Buffer<u32>>,
    #[gpu(buffers(usage = STORAGE, data = input, per_frame))]
    many: Vec<Buffer<u32>>,
    #[gpu(buffer(usage = STORAGE, copy = state))]
    snapshot: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, data = [1u32], per_frame, per_frame))]
    twice: PerFrame<Buffer<u32>>,
}

#[derive(GpuResources)]
struct CopiedPerFrame {
    #[gpu(buffer(usage = STORAGE, data = [1u32]))]
    source: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, copy = source, per_frame))]
    copies: PerFrame<Buffer<u32>>,
}

fn main() {}
