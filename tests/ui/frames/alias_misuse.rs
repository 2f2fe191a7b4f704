//! `alias = field`: not the field itself, not in a cycle, only buffers and textures, no initial
//! contents or pool, one resource each, and memory needs the schema already says agree.
use vkres::{Buffer, GpuResources, ImageView, PerFrame, Sampler};

#[derive(GpuResources)]
struct Selfish {
    #[gpu(buffer(usage = STORAGE, len = 4, alias = me))]
    me: Buffer<u32>,
}

#[derive(GpuResources)]
struct Cycle {
    #[gpu(buffer(usage = STORAGE, len = 4, alias = b))]
    a: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = 4, alias = a))]
    b: Buffer<u32>,
}

#[derive(GpuResources)]
struct WrongKind {
    #[gpu(sampler(filter = linear))]
    smp: Sampler,
    #[gpu(buffer(usage = STORAGE, len = 4, alias = smp))]
    a: Buffer<u32>,
}

#[derive(GpuResources)]
struct Contents {
    #[gpu(buffer(usage = STORAGE, data = [1u32, 2]))]
    filled: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = 4, alias = filled))]
    a: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = 4, per_frame, alias = filled))]
    b: PerFrame<Buffer<u32>>,
}

#[derive(GpuResources)]
struct Needs {
    #[gpu(buffer(usage = STORAGE, len = 4, mapping = sequential_write))]
    written: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = 4, mapping = read, alias = written))]
    read: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], usage = STORAGE, alias = written))]
    image: ImageView,
    #[gpu(buffer(usage = STORAGE, len = 4, location = device))]
    device: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = 4, location = host, alias = device))]
    host: Buffer<u32>,
}

fn main() {}
