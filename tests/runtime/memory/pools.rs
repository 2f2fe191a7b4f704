//! Custom pools: resources placed in them, their statistics, exhaustion as a typed error with
//! nothing leaked, hostile pool descriptions, and fault injection over the pool path.

use std::sync::Arc;

use vkres::memory::FailingAllocator;
use vkres::{
    BufferDesc, Error, ImageDesc, MappingType, MemoryAllocator, MemoryLocation, MemoryPool, PoolDesc, PoolMemory,
    ResourceAllocator, StagingConfig, VmaAllocator, vk,
};

use crate::support::{Gpu, noise};

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::STORAGE_BUFFER.as_raw() | vk::BufferUsageFlags::TRANSFER_SRC.as_raw(),
);

/// A VMA allocator on `gpu`'s context with `ResourceAllocator`s around it.
fn vma(gpu: &Gpu) -> Arc<VmaAllocator> {
    Arc::new(VmaAllocator::new(gpu.ctx()).expect("vma"))
}

fn buffer_pool(vma: &VmaAllocator, block: u64, max: usize) -> MemoryPool {
    let memory =
        PoolMemory::Buffers { usage: USAGE, mapping: MappingType::HostAccessRandom, location: MemoryLocation::Auto };
    vma.create_pool(&PoolDesc::new("test pool", memory).block_size(block).blocks(0, max)).expect("pool")
}

#[test]
fn buffers_come_from_their_pool_until_it_is_exhausted() {
    let gpu = Gpu::new();
    let vma = vma(&gpu);
    let alloc = ResourceAllocator::with_memory_allocator(vma.clone(), StagingConfig::default()).expect("allocator");
    let pool = buffer_pool(&vma, 64 << 10, 1);
    let desc = |i: usize| {
        BufferDesc::new(16 << 10, USAGE).mapping(MappingType::HostAccessRandom).pool(&pool).name(format!("pooled {i}"))
    };
    let data = noise(16 << 10, 7);
    let buffers: Vec<_> = (0..4).map(|i| alloc.create_buffer_with_data(&desc(i), &data).expect("fits")).collect();
    let block = buffers[0].memory().info().memory;
    for b in &buffers {
        let info = b.memory().info();
        assert_eq!((info.memory, info.memory_type), (block, pool.memory_type()), "one block of the pool's type");
        assert_eq!(b.read_vec().expect("read"), data);
    }
    let stats = pool.stats();
    assert_eq!((stats.blocks, stats.allocations, stats.block_bytes), (1, 4, 64 << 10));
    assert_eq!(gpu_stats_pool(&alloc, "test pool").totals, stats);

    let live = vma.live_allocations();
    match alloc.create_buffer(&desc(4)) {
        Err(Error::PoolExhausted { pool: p, name }) => {
            assert_eq!((p.as_str(), name.as_str()), ("test pool", "pooled 4"))
        }
        other => panic!("expected PoolExhausted, got {other:?}"),
    }
    assert_eq!(vma.live_allocations(), live, "nothing leaked");
    let larger = BufferDesc::new(128 << 10, USAGE).pool(&pool).name("larger than a block");
    assert!(matches!(alloc.create_buffer(&larger), Err(Error::PoolExhausted { .. })));
    drop(buffers.into_iter().next());
    alloc.create_buffer(&desc(5)).expect("room again after a free");
}

fn gpu_stats_pool(alloc: &ResourceAllocator, name: &str) -> vkres::memory::DetailedStats {
    let stats = alloc.memory_statistics().expect("statistics");
    stats.pools.iter().find(|p| p.name == name).expect("the pool is listed").stats
}

#[test]
fn images_come_from_an_image_pool_and_a_pool_outlives_its_handle() {
    let gpu = Gpu::new();
    let vma = vma(&gpu);
    let alloc = ResourceAllocator::with_memory_allocator(vma.clone(), StagingConfig::default()).expect("allocator");
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC;
    let format = vk::Format::R8G8B8A8_UNORM;
    let pool = vma.create_pool(&PoolDesc::new("images", PoolMemory::Images { format, usage })).expect("pool");
    let image =
        alloc.create_image(&ImageDesc::new_2d(format, 32, 32, usage).pool(&pool).name("pooled image")).expect("image");
    assert_eq!(image.memory().info().memory_type, pool.memory_type());
    assert_eq!(pool.stats().allocations, 1);
    drop(pool); // the image keeps it
    let mut batch = alloc.batch().expect("batch");
    batch.upload_image(&image, &noise(32 * 32 * 4, 2), &vkres::ImageUpload::default()).expect("upload");
    batch.submit_and_wait().expect("submit");
    assert_eq!(gpu.download(&image).len(), 32 * 32 * 4);
    drop(image);
    assert!(alloc.memory_statistics().expect("statistics").pools.is_empty(), "destroyed with its last allocation");
}

#[test]
fn hostile_pool_descriptions_are_typed_errors() {
    let gpu = Gpu::new();
    let vma = vma(&gpu);
    let caps = gpu.ctx().capabilities();
    let any = PoolMemory::Index(0);
    let invalid = |desc: PoolDesc| match vma.create_pool(&desc) {
        Err(Error::InvalidDescription { name, reason }) => {
            assert_eq!(name, desc.name);
            reason
        }
        other => panic!("{desc:?}: expected InvalidDescription, got {other:?}"),
    };
    assert!(matches!(
        vma.create_pool(&PoolDesc::new("no such type", PoolMemory::Index(caps.memory_properties.memory_type_count))),
        Err(Error::ValidUsage { vuid: "VUID-vkAllocateMemory-pAllocateInfo-01714", .. })
    ));
    invalid(PoolDesc::new("min above max", any).blocks(3, 2));
    invalid(PoolDesc::new("linear of two", any).linear(true).blocks(0, 2));
    let none = vk::BufferUsageFlags::empty();
    invalid(PoolDesc::new(
        "no usage",
        PoolMemory::Buffers { usage: none, mapping: MappingType::None, location: MemoryLocation::Auto },
    ));
    invalid(PoolDesc::new(
        "no image usage",
        PoolMemory::Images { format: vk::Format::R8G8B8A8_UNORM, usage: vk::ImageUsageFlags::empty() },
    ));
    let heap = caps.memory_properties.memory_heaps[caps.memory_properties.memory_types[0].heap_index as usize].size;
    assert!(matches!(
        vma.create_pool(&PoolDesc::new("huge blocks", any).block_size(heap + 1)),
        Err(Error::LimitExceeded { requested, limit, .. }) if requested == heap + 1 && limit == heap
    ));
    assert!(matches!(
        vma.create_pool(&PoolDesc::new("huge minimum", any).block_size(heap / 2 + 1).blocks(2, 0)),
        Err(Error::LimitExceeded { .. })
    ));
    // No device renders into block-compressed images.
    let compressed_target =
        PoolMemory::Images { format: vk::Format::BC1_RGBA_UNORM_BLOCK, usage: vk::ImageUsageFlags::COLOR_ATTACHMENT };
    assert!(matches!(
        vma.create_pool(&PoolDesc::new("unsupported", compressed_target)),
        Err(Error::UnsupportedFormat { format: vk::Format::BC1_RGBA_UNORM_BLOCK, .. })
    ));
}

#[test]
fn requests_that_do_not_suit_a_pool_are_typed_errors_before_any_allocation() {
    let gpu = Gpu::new();
    let vma = vma(&gpu);
    let alloc = ResourceAllocator::with_memory_allocator(vma.clone(), StagingConfig::default()).expect("allocator");
    let pool = buffer_pool(&vma, 64 << 10, 0);
    let other = VmaAllocator::new(gpu.ctx()).expect("another allocator");
    let foreign = buffer_pool(&other, 64 << 10, 0);
    let live = vma.live_allocations();
    let reason = |desc: &BufferDesc| match alloc.create_buffer(desc) {
        Err(Error::InvalidDescription { reason, .. }) => reason,
        other => panic!("expected InvalidDescription, got {other:?}"),
    };
    assert!(reason(&BufferDesc::new(64, USAGE).pool(&foreign)).contains("another allocator"));
    assert!(reason(&BufferDesc::new(64, USAGE).pool(&pool).dedicated(true)).contains("fixed size"));
    assert!(
        reason(&BufferDesc::new(64, USAGE).pool(&pool).export(vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD))
            .contains("does not export")
            || !gpu.ctx().capabilities().enabled.external_memory_fd
    );
    assert_eq!(vma.live_allocations(), live);
    assert_eq!(other.live_allocations(), 0);
}

#[test]
fn every_failed_allocation_in_a_pool_leaves_nothing_behind() {
    let gpu = Gpu::new();
    let vma = vma(&gpu);
    let failing = Arc::new(FailingAllocator::new(vma.clone()));
    let alloc = ResourceAllocator::with_memory_allocator(failing.clone(), StagingConfig::default()).expect("allocator");
    let pool = buffer_pool(&vma, 1 << 20, 2);
    let data = noise(4096, 5);
    let make = |alloc: &ResourceAllocator| -> vkres::Result<Vec<vkres::Buffer<u8>>> {
        (0..3)
            .map(|i| {
                // Written through its mapping: no staging chunk, only the three allocations.
                let desc = BufferDesc::new(4096, USAGE)
                    .mapping(MappingType::HostAccessRandom)
                    .pool(&pool)
                    .name(format!("f{i}"));
                alloc.create_buffer_with_data(&desc, &data)
            })
            .collect()
    };
    drop(make(&alloc).expect("unarmed"));
    let count = failing.allocations();
    assert!(count >= 3);
    for k in 1..=count {
        failing.fail_nth(k);
        let err = make(&alloc).expect_err("armed");
        assert_eq!(err.vk_result(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY), "fault {k}");
        assert_eq!(failing.live_allocations(), 0, "fault {k} left allocations");
        assert_eq!(pool.stats().allocations, 0);
    }
    failing.disarm();
}

/// Two derived buffers in a pool given at `create`, one with constant data.
#[derive(vkres::GpuResources)]
struct Pooled {
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = [1u32, 2, 3, 4], mapping = random, pool = input))]
    constants: vkres::Buffer<u32>,
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, len = 16, mapping = random, pool = input))]
    results: vkres::Buffer<u32>,
}

#[test]
fn derived_fields_take_their_pool_from_the_inputs() {
    let gpu = Gpu::new();
    let vma = vma(&gpu);
    let alloc = ResourceAllocator::with_memory_allocator(vma.clone(), StagingConfig::default()).expect("allocator");
    let pool = buffer_pool(&vma, 64 << 10, 1);
    let bundle = Pooled::create(&alloc, PooledInputs { constants_pool: &pool, results_pool: &pool }).expect("bundle");
    assert_eq!(pool.stats().allocations, 2);
    for memory in [bundle.constants.memory(), bundle.results.memory()] {
        assert_eq!(memory.info().memory_type, pool.memory_type());
    }
    assert_eq!(bundle.constants.read_vec().expect("read"), [1, 2, 3, 4]);
    drop(bundle);
    assert_eq!(pool.stats().allocations, 0);

    // A full pool fails the bundle, which leaves nothing behind.
    let full = buffer_pool(&vma, 4096, 1);
    let _filler = alloc
        .create_buffer(&BufferDesc::new(4096, USAGE).mapping(MappingType::HostAccessRandom).pool(&full).name("filler"))
        .expect("filler");
    let err = Pooled::create(&alloc, PooledInputs { constants_pool: &full, results_pool: &pool }).err();
    assert!(matches!(err, Some(Error::PoolExhausted { ref name, .. }) if name == "Pooled.constants"), "{err:?}");
    assert_eq!((full.stats().allocations, pool.stats().allocations), (1, 0));
}

/// A derived texture (with a sampler) whose image comes from an image pool given at `create`.
#[derive(vkres::GpuResources)]
struct PooledTexture {
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], data = input, sampler(filter = nearest), pool = input))]
    albedo: vkres::Texture,
}

#[test]
fn derived_textures_take_their_pool_from_the_inputs() {
    let gpu = Gpu::new();
    let vma = vma(&gpu);
    let alloc = ResourceAllocator::with_memory_allocator(vma.clone(), StagingConfig::default()).expect("allocator");
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST;
    let images = PoolMemory::Images { format: vk::Format::R8G8B8A8_UNORM, usage };
    let pool = vma.create_pool(&PoolDesc::new("textures", images)).expect("pool");
    let texels = noise(16 * 16 * 4, 9);
    let bundle =
        PooledTexture::create(&alloc, PooledTextureInputs { albedo: &texels, albedo_pool: &pool }).expect("bundle");
    assert_eq!(bundle.albedo.image().memory().info().memory_type, pool.memory_type());
    assert_eq!(pool.stats().allocations, 1);
    drop(bundle);
    assert_eq!(pool.stats().allocations, 0);
}
