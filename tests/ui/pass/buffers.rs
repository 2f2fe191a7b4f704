use vkres::{Buffer, GpuResources};

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Vertex {
    position: [f32; 3],
}

const VERTICES: [Vertex; 1] = [Vertex { position: [0.0; 3] }];
static WORDS: &[u32] = &[1, 2, 3];
const N: u64 = 8;

#[derive(GpuResources)]
struct Everything {
    #[gpu(buffer(usage = VERTEX, data = VERTICES))]
    vertices: Buffer<Vertex>,
    #[gpu(buffer(usage = STORAGE_BUFFER | TRANSFER_SRC, data = WORDS, len = N * 2))]
    words: Buffer<u32>,
    #[gpu(buffer(usage = UNIFORM, data = vec![0.5f32; 4], mapping = sequential_write))]
    params: Buffer<f32>,
    #[gpu(buffer(usage = STORAGE, size = 1024, location = device, mapping = none))]
    raw: Buffer,
    #[gpu(buffer(usage = INDIRECT | SHADER_DEVICE_ADDRESS, len = 4, location = host, mapping = random))]
    args: Buffer<[u32; 4]>,
    // An empty `data` with `len` or `size`: sized by them, nothing uploaded.
    #[gpu(buffer(usage = STORAGE, data = [], len = 4))]
    empty_len: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, data = &[], size = 64))]
    empty_size: Buffer<u32>,
}

fn main() {
    // The derive provides both the trait impl and an inherent `create`.
    let _: fn(&vkres::ResourceAllocator) -> vkres::Result<Everything> = Everything::create;
    let _: fn(&vkres::ResourceAllocator, ()) -> vkres::Result<Everything> = <Everything as GpuResources>::create;
    let _: fn(&mut vkres::Batch<'_>) -> vkres::Result<Everything> = Everything::record;
}
