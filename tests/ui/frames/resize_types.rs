//! The sizes struct of `resize` holds the size inputs of the `resize` fields only; a bundle
//! without `resize` fields has no `resize` method.
use vkres::{Buffer, GpuResources};

#[derive(GpuResources)]
struct Grid {
    #[gpu(buffer(usage = STORAGE, len = input, resize))]
    cells: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = input))]
    fixed: Buffer<u32>,
}

#[derive(GpuResources)]
struct Fixed {
    #[gpu(buffer(usage = STORAGE, len = input))]
    cells: Buffer<u32>,
}

fn main() {
    let _ = GridSizes { cells_len: 4, fixed_len: 4 };
    let _ = Fixed::resize;
}
