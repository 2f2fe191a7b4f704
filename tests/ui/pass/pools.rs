use std::sync::OnceLock;

use vkres::{Buffer, GpuResources, MemoryPool};

static SCRATCH: OnceLock<MemoryPool> = OnceLock::new();

fn scratch() -> &'static MemoryPool {
    SCRATCH.get().expect("made at start-up")
}

#[derive(GpuResources)]
struct Pooled {
    // A pool given at `create`: the inputs struct gets `uniforms_pool: &MemoryPool`.
    #[gpu(buffer(usage = UNIFORM, len = 4, mapping = sequential_write, pool = input))]
    uniforms: Buffer<[f32; 4]>,
    // A pool from an expression evaluated at `create`, beside data from the inputs.
    #[gpu(buffer(usage = STORAGE, data = input, pool = scratch()))]
    scratch: Buffer<u32>,
    // A texture's image from a pool given at `create`.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], data = input, pool = input))]
    view: vkres::ImageView,
    // `mapping = read`: read back directly where the memory is host-visible.
    #[gpu(buffer(usage = STORAGE, len = 16, mapping = read))]
    results: Buffer<u32>,
}

fn inputs(pool: &MemoryPool) -> PooledInputs<'_> {
    PooledInputs { uniforms_pool: pool, scratch: &[1u32, 2], view: &[0u8; 64], view_pool: pool }
}

fn main() {
    let _: fn(&vkres::ResourceAllocator, PooledInputs<'_>) -> vkres::Result<Pooled> = Pooled::create;
    let _ = inputs;
}
