//! Defragmentation of a custom pool (`DefragOptions::pool`): buffers and textures registered
//! with the manager, made in a pool whose blocks are fragmented on purpose, compacted into
//! fewer blocks with every byte read back; the default pools left alone (and a default-pool
//! run leaving the pool alone); pools that cannot be defragmented refused with typed errors.

use std::sync::Arc;

use vkres::manager::ResourceManager;
use vkres::{
    BufferDesc, BufferType, DefragOptions, ImageDesc, ImageUpload, MappingType, MemoryAllocator, MemoryLocation,
    MemoryPool, PoolDesc, PoolMemory, ResourceAllocator, ResourceHandle, SamplerDesc, StagingConfig, VmaAllocator, vk,
};

use crate::support::{Gpu, noise};

/// Usage of the pooled buffers: movable (both copy directions), read by shaders.
const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::STORAGE_BUFFER.as_raw()
        | vk::BufferUsageFlags::TRANSFER_SRC.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

/// Bytes of each pooled buffer: 16 to a block of [`BLOCK`].
const SIZE: u64 = 256 << 10;
const BLOCK: u64 = 4 << 20;

/// A manager on its own VMA allocator (to make pools on), and that allocator.
fn setup(gpu: &Gpu) -> (Arc<VmaAllocator>, ResourceAllocator, ResourceManager) {
    let vma = Arc::new(VmaAllocator::new(gpu.ctx()).expect("vma"));
    let alloc = ResourceAllocator::with_memory_allocator(vma.clone(), StagingConfig::default()).expect("allocator");
    let manager = ResourceManager::new(&alloc).expect("manager");
    (vma, alloc, manager)
}

fn buffer_pool(vma: &VmaAllocator, name: &str) -> MemoryPool {
    let memory = PoolMemory::Buffers { usage: USAGE, mapping: MappingType::None, location: MemoryLocation::Auto };
    vma.create_pool(&PoolDesc::new(name, memory).block_size(BLOCK)).expect("pool")
}

/// 64 buffers in `pool` (four blocks), one in eight kept with distinct contents and
/// registered with the manager (the manager their only holder), the rest dropped.
fn fragment_pool(
    alloc: &ResourceAllocator,
    manager: &ResourceManager,
    pool: &MemoryPool,
    seed: u64,
) -> Vec<(ResourceHandle, Vec<u8>)> {
    let mut live = Vec::new();
    let mut fillers = Vec::new();
    for i in 0..64u64 {
        let desc = BufferDesc::new(SIZE, USAGE).pool(pool).name(format!("pooled {i}"));
        if i % 8 != 5 {
            fillers.push(alloc.create_buffer(&desc).expect("filler"));
            continue;
        }
        let data = noise(SIZE as usize, seed + i);
        let buffer = alloc.create_buffer_with_data(&desc, &data).expect("buffer");
        live.push((manager.register_buffer(&buffer).expect("register"), data));
    }
    drop(fillers);
    live
}

fn assert_intact(gpu: &Gpu, manager: &ResourceManager, expected: &[(ResourceHandle, Vec<u8>)], when: &str) {
    for (i, (h, want)) in expected.iter().enumerate() {
        let got = gpu.read_back(&manager.buffer(*h).expect("buffer"));
        assert!(got == *want, "buffer {i} ({h}) {when}: contents differ");
    }
}

/// Where each buffer's memory is: block and offset.
fn places(manager: &ResourceManager, handles: &[(ResourceHandle, Vec<u8>)]) -> Vec<(vk::DeviceMemory, u64)> {
    handles
        .iter()
        .map(|(h, _)| {
            let info = manager.buffer(*h).expect("buffer").memory().info();
            (info.memory, info.offset)
        })
        .collect()
}

#[test]
fn a_fragmented_pool_is_compacted_and_every_byte_reads_back() {
    let gpu = Gpu::new();
    let (vma, alloc, manager) = setup(&gpu);
    let pool = buffer_pool(&vma, "defrag pool");
    let expected = fragment_pool(&alloc, &manager, &pool, 1);
    // Default-pool resources of the manager, fragmented too: a pool's run leaves them be.
    let mut defaults = Vec::new();
    let mut gone = Vec::new();
    for i in 0..16u64 {
        let data = noise(SIZE as usize, 1000 + i);
        let h = manager.create_buffer_with_data(&data, vk::BufferUsageFlags::empty(), BufferType::Storage);
        let h = h.expect("default-pool buffer");
        if i % 2 == 0 { gone.push(h) } else { defaults.push((h, data)) }
    }
    for h in gone {
        manager.destroy_resource(h).expect("destroy");
    }
    let default_places = places(&manager, &defaults);
    let before = pool.stats();
    assert_eq!((before.blocks, before.allocations), (4, 8), "four blocks, one in eight kept");
    let live = vma.live_allocations();

    let stats = manager.defragment(&DefragOptions::new().pool(&pool)).expect("defragment the pool");

    let after = pool.stats();
    assert!(stats.allocations_moved > 0 && stats.bytes_moved > 0, "{stats:?}");
    assert!(after.blocks < before.blocks, "pool blocks {} -> {} ({stats:?})", before.blocks, after.blocks);
    assert!(after.block_bytes < before.block_bytes, "{} -> {}", before.block_bytes, after.block_bytes);
    assert_eq!(after.allocations, before.allocations, "moved, none lost");
    assert_eq!(vma.live_allocations(), live, "nothing leaked");
    for (h, _) in &expected {
        let info = manager.buffer(*h).expect("buffer").memory().info();
        assert_eq!(info.memory_type, pool.memory_type(), "{h} still in the pool's memory type");
    }
    assert_intact(&gpu, &manager, &expected, "after the pool's defragmentation");
    assert_eq!(places(&manager, &defaults), default_places, "the default pools were not touched");
    assert_intact(&gpu, &manager, &defaults, "default-pool buffers after the pool's run");

    // A run of the default pools leaves the pool's buffers where they are.
    let pooled_places = places(&manager, &expected);
    let default_stats = manager.defragment(&DefragOptions::new()).expect("defragment the default pools");
    assert_eq!(places(&manager, &expected), pooled_places, "the pool was not touched ({default_stats:?})");
    assert_intact(&gpu, &manager, &expected, "after the default pools' run");
    assert_intact(&gpu, &manager, &defaults, "after the default pools' run");
}

#[test]
fn a_pooled_texture_moves_and_keeps_its_texels() {
    let gpu = Gpu::new();
    let (vma, alloc, manager) = setup(&gpu);
    let format = vk::Format::R8G8B8A8_UNORM;
    let usage = vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST;
    let pool = vma
        .create_pool(&PoolDesc::new("image pool", PoolMemory::Images { format, usage }).block_size(1 << 20))
        .expect("image pool");
    let mut live = Vec::new();
    let mut fillers = Vec::new();
    for i in 0..64u64 {
        // 128x128 RGBA8: 64 KiB each, sixteen to a block: four blocks.
        let desc = ImageDesc::new_2d(format, 128, 128, usage).pool(&pool).name(format!("pooled image {i}"));
        if i % 6 != 4 {
            fillers.push(alloc.create_image(&desc).expect("filler image"));
            continue;
        }
        let texels = noise(128 * 128 * 4, 50 + i);
        let mut batch = alloc.batch().expect("batch");
        let texture = batch.create_texture(&desc, &SamplerDesc::nearest(), Some(&texels), &ImageUpload::default());
        let texture = texture.expect("texture");
        batch.submit_and_wait().expect("upload");
        let h = manager.register_texture(&texture).expect("register");
        drop(texture);
        live.push((h, gpu.download(manager.texture(h).expect("texture").image())));
    }
    drop(fillers);
    let before = pool.stats();
    let stats = manager.defragment(&DefragOptions::new().pool(&pool)).expect("defragment the image pool");
    assert!(stats.allocations_moved > 0, "{stats:?}");
    assert!(pool.stats().blocks < before.blocks, "{before:?} -> {:?}", pool.stats());
    for (h, want) in &live {
        let texture = manager.texture(*h).expect("texture");
        assert_eq!(texture.image().layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
        assert!(gpu.download(texture.image()) == *want, "{h}: texels differ after the move");
    }
}

#[test]
fn pools_that_cannot_be_defragmented_are_typed_errors() {
    let gpu = Gpu::new();
    let (vma, _alloc, manager) = setup(&gpu);
    let memory = PoolMemory::Buffers { usage: USAGE, mapping: MappingType::None, location: MemoryLocation::Auto };
    let linear = vma.create_pool(&PoolDesc::new("linear", memory).linear(true)).expect("linear pool");
    match manager.defragment(&DefragOptions::new().pool(&linear)) {
        Err(vkres::manager::Error::Vkres(vkres::Error::DefragmentationUnsupported { reason })) => {
            assert!(reason.contains("linear"), "{reason}")
        }
        other => panic!("expected DefragmentationUnsupported, got {other:?}"),
    }
    let other = VmaAllocator::new(gpu.ctx()).expect("another vma");
    let foreign = buffer_pool(&other, "foreign");
    match manager.defragment(&DefragOptions::new().pool(&foreign)) {
        Err(vkres::manager::Error::Vkres(vkres::Error::InvalidDescription { name, reason })) => {
            assert_eq!(name, "foreign");
            assert!(reason.contains("another allocator"), "{reason}");
        }
        other => panic!("expected InvalidDescription, got {other:?}"),
    }
}

/// A buffer of the pool dropped on another thread while the pool is defragmented: its free
/// waits for the run's end (VMA may name it in a pass), and the pool outlives it.
#[test]
fn pooled_buffers_freed_during_a_run_are_freed_after_it() {
    let gpu = Gpu::new();
    let (vma, alloc, manager) = setup(&gpu);
    let pool = buffer_pool(&vma, "freed during a run");
    let expected = fragment_pool(&alloc, &manager, &pool, 7);
    let late: Vec<_> = (0..8)
        .map(|i| alloc.create_buffer(&BufferDesc::new(SIZE, USAGE).pool(&pool).name(format!("late {i}"))))
        .collect::<Result<_, _>>()
        .expect("late buffers");
    let live_before = vma.live_allocations();
    let start = std::sync::Barrier::new(2);
    let stats = std::thread::scope(|s| {
        s.spawn(|| {
            start.wait();
            for buffer in late {
                drop(buffer);
                std::thread::yield_now();
            }
        });
        start.wait();
        manager.defragment(&DefragOptions::new().pool(&pool))
    })
    .expect("defragment");
    drop(pool); // the buffers keep it; the pool goes with the last one
    assert_eq!(vma.live_allocations(), live_before - 8, "every late buffer freed by the run's end ({stats:?})");
    assert_intact(&gpu, &manager, &expected, "after a run with frees on another thread");
}

/// A failure at any object creation of a pool's defragmentation (the pass's command pool,
/// fence, new buffers) leaves every pooled buffer valid with its contents, nothing leaked; the
/// run that gets past every fault point compacts the pool.
#[test]
fn a_failed_move_in_a_pool_leaves_every_buffer_valid_and_nothing_leaked() {
    let gpu = Gpu::new();
    let (vma, alloc, manager) = setup(&gpu);
    let pool = buffer_pool(&vma, "faulty pool");
    let expected = fragment_pool(&alloc, &manager, &pool, 11);
    let live = vma.live_allocations();
    let blocks_before = pool.stats().blocks;
    let options = DefragOptions::new().pool(&pool).max_allocations_per_pass(2);
    let mut failures = 0;
    for n in 1.. {
        gpu.ctx().fail_nth_object_creation(n);
        let result = manager.defragment(&options);
        gpu.ctx().fail_nth_object_creation(0);
        match result {
            Ok(stats) => {
                assert!(pool.stats().blocks < blocks_before, "the run that passed compacted the pool: {stats:?}");
                break;
            }
            Err(e) => {
                failures += 1;
                assert_eq!(e.vk_result(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY), "typed: {e}");
                assert_eq!(vma.live_allocations(), live, "nothing leaked at fault {n}");
                assert_eq!(pool.stats().allocations, 8, "every pooled buffer still in the pool at fault {n}");
                assert_intact(&gpu, &manager, &expected, &format!("after a failure at fault point {n}"));
            }
        }
        assert!(n < 300, "defragmentation never got past its fault points");
    }
    assert!(failures >= 3, "command pool, fence and a new buffer failed once each: {failures}");
    assert_intact(&gpu, &manager, &expected, "after the run that passed");
}
