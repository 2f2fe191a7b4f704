//! Which public types are `Send` and `Sync`, as their docs say: checked at compile time (a
//! type that stops being `Send` or `Sync` breaks the build of this suite).

#![allow(dead_code)]

use vkres::manager::{BindlessSet, ManagerConfig, Material, MaterialManager, Shader, ShaderManager, TextureManager};
use vkres::memory::FailingAllocator;
use vkres::*;

fn send_sync<T: Send + Sync + ?Sized>() {}

/// Shared by threads: handles, allocators, managers, batches, the context and plain data.
/// (`MappedMemory` is neither: it holds a mapping's raw pointer.)
#[test]
fn shared_types_are_send_and_sync() {
    send_sync::<Context>();
    send_sync::<MessageLog>();
    send_sync::<DeviceCapabilities>();
    send_sync::<ContextOptions>();
    send_sync::<RawDevice>();
    send_sync::<VmaAllocator>();
    send_sync::<FailingAllocator>();
    send_sync::<dyn MemoryAllocator>();
    send_sync::<dyn MemoryAllocation>();
    send_sync::<ResourceAllocator>();
    send_sync::<StagingMemoryManager>();
    send_sync::<SamplerPool>();
    send_sync::<Buffer<u32>>();
    send_sync::<BufferArena>();
    send_sync::<SubBuffer<u32>>();
    send_sync::<Image>();
    send_sync::<ImageView>();
    send_sync::<Texture>();
    send_sync::<Sampler>();
    send_sync::<ShaderModule>();
    send_sync::<AccelerationStructure>();
    send_sync::<Blas>();
    send_sync::<Tlas>();
    send_sync::<Compacted>();
    send_sync::<Fence>();
    send_sync::<RingFences<2, u32>>();
    send_sync::<Download>();
    send_sync::<InFlight>();
    send_sync::<Recorder<'static>>();
    send_sync::<ImageRegion>();
    send_sync::<StagingSpace>();
    send_sync::<ResourceManager>();
    send_sync::<TextureManager>();
    send_sync::<ShaderManager>();
    send_sync::<MaterialManager>();
    send_sync::<Material>();
    send_sync::<Shader>();
    send_sync::<BindlessSet>();
    send_sync::<ManagerConfig>();
    send_sync::<ResourceHandle>();
    send_sync::<Error>();
    send_sync::<BufferDesc>();
    send_sync::<ImageDesc>();
    send_sync::<SamplerDesc>();
    send_sync::<BlasDesc>();
    send_sync::<TlasDesc>();
    send_sync::<DescriptorBinding>();
    send_sync::<DescriptorWrites>();
    send_sync::<Batch<'static>>();
}
