//! The expansion is safe code: it compiles in a crate that forbids `unsafe`.
#![forbid(unsafe_code)]

use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Safe {
    #[gpu(buffer(usage = STORAGE, data = [1u32, 2, 3]))]
    data: Buffer<u32>,
}

fn main() {
    let _ = Safe::create;
}
