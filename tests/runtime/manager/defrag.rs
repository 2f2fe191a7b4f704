//! Defragmentation behind handles: a heap fragmented on purpose (many resources, every other
//! one freed) is compacted by `ResourceManager::defragment`; fewer blocks and bytes after,
//! every handle's contents byte for byte, the bindless descriptors naming the new objects, and
//! a failure at any step leaving every resource valid with nothing leaked.

use std::sync::Arc;

use vkres::manager::{ResourceManager, TextureDescriptor, TextureMips};
use vkres::{BufferType, DefragOptions, ResourceHandle, SamplerDesc, vk};

use super::bindless::dispatch;
use super::shaders::bindless_sum;
/// The catalogue's defragmentation cases use it from here.
pub(crate) use crate::support::Plain;
use crate::support::{Gpu, noise};

/// Bytes of each buffer: 100 of them take three of VMA's default blocks (its first blocks are
/// an eighth, a quarter and half of its preferred block size: 32, 64 and 128 MiB where a heap
/// is large, as on lavapipe).
const BIG: u64 = 1 << 20;

/// The contents of a resource as the device holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Contents {
    Buffer(Vec<u8>),
    Texture(Vec<u8>),
}

fn contents(gpu: &Gpu, manager: &ResourceManager, handle: ResourceHandle) -> Contents {
    match manager.get_texture(handle) {
        Some(t) => Contents::Texture(gpu.download(t.image())),
        None => Contents::Buffer(gpu.read_back(&manager.buffer(handle).expect("a buffer or a texture"))),
    }
}

/// Every handle still names its contents.
fn assert_intact(gpu: &Gpu, manager: &ResourceManager, expected: &[(ResourceHandle, Contents)], when: &str) {
    for (i, (handle, want)) in expected.iter().enumerate() {
        assert!(contents(gpu, manager, *handle) == *want, "resource {i} ({handle}) {when}: contents differ");
    }
}

/// Blocks and block bytes of the allocator's memory (dedicated allocations included).
fn blocks(gpu: &Gpu) -> (u32, u64) {
    let stats = gpu.alloc().memory_allocator().memory_statistics().expect("VMA keeps statistics");
    (stats.total.totals.blocks, stats.total.totals.block_bytes)
}

/// 100 big buffers, one in eight kept (with distinct contents) and the others destroyed, with
/// textures (with mips) next to some kept ones: holes in every block, live resources in the
/// last. Returns the live handles with their contents.
fn fragmented(gpu: &Gpu, manager: &ResourceManager, textures: usize) -> Vec<(ResourceHandle, Contents)> {
    let mut live = Vec::new();
    let mut fillers = Vec::new();
    for i in 0..100u32 {
        if i % 8 != 3 {
            let filler = manager.create_buffer(BIG, vk::BufferUsageFlags::empty(), BufferType::Vertex);
            fillers.push(filler.expect("filler"));
            continue;
        }
        let words: Vec<u32> = (0..(BIG / 4) as u32).map(|j| j.wrapping_mul(2_654_435_761) ^ i).collect();
        let ty = if i % 3 == 0 { BufferType::Storage } else { BufferType::Vertex };
        live.push(manager.create_buffer_with_data(&words, vk::BufferUsageFlags::empty(), ty).expect("buffer"));
        if i > 40 && live.len() - 6 < textures * 2 && i % 16 == 3 {
            let texels = noise(16 * 16 * 4, u64::from(i));
            let desc = TextureDescriptor {
                width: 16,
                height: 16,
                data: Some(&texels),
                mips: TextureMips::Generate,
                sampler: SamplerDesc::nearest(),
                name: format!("texture {i}"),
                ..Default::default()
            };
            live.push(manager.create_texture(&desc).expect("texture"));
        }
    }
    for f in fillers {
        manager.destroy_resource(f).expect("destroy filler");
    }
    live.into_iter().map(|h| (h, contents(gpu, manager, h))).collect()
}

#[test]
fn a_fragmented_heap_is_compacted_and_every_handle_keeps_its_contents() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let expected = fragmented(&gpu, &manager, 4);
    let vk_handles: Vec<u64> = expected.iter().map(|(h, _)| raw(&manager, *h)).collect();
    let live = gpu.alloc().memory_allocator().live_allocations();
    let (blocks_before, bytes_before) = blocks(&gpu);

    let stats = manager.defragment(&DefragOptions::new()).expect("defragment");

    let (blocks_after, bytes_after) = blocks(&gpu);
    assert!(stats.allocations_moved > 0 && stats.bytes_moved > 0, "{stats:?}");
    assert!(blocks_after < blocks_before, "blocks {blocks_before} -> {blocks_after} ({stats:?})");
    assert!(bytes_after < bytes_before, "block bytes {bytes_before} -> {bytes_after}");
    assert_eq!(u64::from(stats.blocks_freed), u64::from(blocks_before - blocks_after));
    // VMA's count of bytes freed names the block a move emptied; the one its hysteresis
    // (one empty block kept) then frees may be another, of another size.
    assert!(stats.bytes_freed > 0, "{stats:?}");
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), live, "moved, not leaked nor lost");
    // Moved resources have new Vulkan objects under the same handles, textures included.
    let moved: Vec<usize> = expected
        .iter()
        .zip(&vk_handles)
        .enumerate()
        .filter(|(_, ((h, _), old))| raw(&manager, *h) != **old)
        .map(|(i, _)| i)
        .collect();
    // A resource may move twice (a later VMA run fills the first blocks), never without a move.
    assert!(!moved.is_empty() && moved.len() <= stats.allocations_moved as usize, "{} moved, {stats:?}", moved.len());
    assert!(
        moved.iter().any(|&i| matches!(expected[i].1, Contents::Texture(_))),
        "a texture moved (the last block is emptied)"
    );
    assert_intact(&gpu, &manager, &expected, "after defragmentation");
    let texture =
        manager.texture(expected.iter().find(|(_, c)| matches!(c, Contents::Texture(_))).expect("a texture").0);
    assert_eq!(texture.expect("texture").image().layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);

    // A second run (VMA may still compact within the one block left) takes no block more.
    let again = manager.defragment(&DefragOptions::new()).expect("again");
    assert!(blocks(&gpu).0 <= blocks_after, "{again:?}");
    assert_intact(&gpu, &manager, &expected, "after a second run");
}

/// The Vulkan handle behind a manager handle (a buffer's, or a texture's view).
fn raw(manager: &ResourceManager, handle: ResourceHandle) -> u64 {
    use vk::Handle;
    match manager.get_texture(handle) {
        Some(t) => t.view().handle().as_raw(),
        None => manager.buffer(handle).expect("buffer").handle().as_raw(),
    }
}

#[test]
fn held_resources_are_not_moved() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let expected = fragmented(&gpu, &manager, 2);
    // Hold clones of every resource: a lookup's clone may be in use by the caller's work.
    let held: Vec<_> = expected.iter().map(|(h, _)| (manager.get_buffer(*h), manager.get_texture(*h))).collect();
    let stats = manager.defragment(&DefragOptions::new()).expect("defragment");
    assert_eq!((stats.allocations_moved, stats.bytes_moved), (0, 0), "{stats:?}");
    for ((h, _), (b, t)) in expected.iter().zip(&held) {
        if let Some(b) = b {
            assert_eq!(manager.buffer(*h).expect("buffer").handle(), b.handle(), "not re-created");
        }
        if let Some(t) = t {
            assert_eq!(manager.texture(*h).expect("texture").view().handle(), t.view().handle());
        }
    }
    drop(held);
    assert_intact(&gpu, &manager, &expected, "after a run that moved nothing");
}

#[test]
fn bindless_descriptors_name_the_moved_objects() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let shader = manager.create_shader(&bindless_sum()).expect("shader");
    // Fragmented, with R32_UINT textures and storage buffers of known words among the live ones.
    let mut fillers = Vec::new();
    for _ in 0..40 {
        fillers.push(manager.create_buffer(BIG, vk::BufferUsageFlags::empty(), BufferType::Vertex).expect("filler"));
    }
    let mut buffers = Vec::new();
    let mut textures = Vec::new();
    for i in 0..6u64 {
        let values: Vec<u32> = bytemuck::pod_collect_to_vec(&noise(4 * (16 + 8 * i as usize), i + 1));
        let h = manager.create_buffer_with_data(&values, vk::BufferUsageFlags::empty(), BufferType::Storage);
        buffers.push((h.expect("buffer"), values));
        let texels: Vec<u32> = bytemuck::pod_collect_to_vec(&noise(4 * 8 * 8, 100 + i));
        let desc = TextureDescriptor {
            width: 8,
            height: 8,
            format: vk::Format::R32_UINT,
            data: Some(bytemuck::cast_slice(&texels)),
            sampler: SamplerDesc::nearest(),
            name: format!("bindless texture {i}"),
            ..Default::default()
        };
        textures.push((manager.create_texture(&desc).expect("texture"), texels));
        fillers.push(manager.create_buffer(BIG, vk::BufferUsageFlags::empty(), BufferType::Vertex).expect("filler"));
    }
    let queries: Vec<u32> = buffers
        .iter()
        .zip(&textures)
        .flat_map(|((b, v), (t, _))| [b.index(), v.len() as u32, t.index(), 3, 5])
        .collect();
    let expected: Vec<u32> = buffers
        .iter()
        .zip(&textures)
        .map(|((_, v), (_, texels))| v.iter().fold(texels[5 * 8 + 3], |a, x| a.wrapping_add(*x)))
        .collect();
    let count = expected.len();
    let query_buffer =
        manager.create_buffer_with_data(&queries, vk::BufferUsageFlags::empty(), BufferType::Storage).expect("queries");
    let sums =
        manager.create_buffer(4 * count as u64, vk::BufferUsageFlags::empty(), BufferType::Storage).expect("sums");
    for f in fillers {
        manager.destroy_resource(f).expect("destroy filler");
    }
    let before: Vec<u64> =
        buffers.iter().map(|(h, _)| raw(&manager, *h)).chain(textures.iter().map(|(h, _)| raw(&manager, *h))).collect();

    let stats = manager.defragment(&DefragOptions::new()).expect("defragment");
    assert!(stats.allocations_moved > 0, "{stats:?}");
    let after: Vec<u64> =
        buffers.iter().map(|(h, _)| raw(&manager, *h)).chain(textures.iter().map(|(h, _)| raw(&manager, *h))).collect();
    let moved = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert!(moved >= buffers.len(), "the resources in the emptied block moved: {moved} of {}", before.len());

    // The shader reads every resource through the bindless arrays: the new objects.
    dispatch(&gpu, &manager, shader, [query_buffer.index(), sums.index(), count as u32]);
    let got: Vec<u32> = bytemuck::pod_collect_to_vec(&gpu.read_back(&manager.buffer(sums).expect("sums")));
    assert_eq!(&got[..count], &expected[..], "sums through moved buffers and textures");
}

#[test]
fn a_failed_move_leaves_every_resource_valid_and_nothing_leaked() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let expected = fragmented(&gpu, &manager, 2);
    let live = gpu.alloc().memory_allocator().live_allocations();
    let (blocks_before, _) = blocks(&gpu);
    // A few moves per pass: failures land in later passes too (earlier ones stay done).
    let options = DefragOptions::new().max_allocations_per_pass(3);
    let mut failures = 0;
    for n in 1.. {
        gpu.ctx().fail_nth_object_creation(n);
        match manager.defragment(&options) {
            Ok(stats) => {
                gpu.ctx().fail_nth_object_creation(0);
                assert!(blocks(&gpu).0 < blocks_before, "the run that passed compacted the heap: {stats:?}");
                break;
            }
            Err(e) => {
                gpu.ctx().fail_nth_object_creation(0);
                failures += 1;
                assert_eq!(e.vk_result(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY), "typed: {e}");
                assert_eq!(gpu.alloc().memory_allocator().live_allocations(), live, "nothing leaked at fault {n}");
                assert_intact(&gpu, &manager, &expected, &format!("after a failure at fault point {n}"));
            }
        }
        assert!(n < 500, "defragmentation never got past its fault points");
    }
    assert!(failures >= 4, "pool, command buffer, fence, objects and submission all failed once: {failures}");
    assert_intact(&gpu, &manager, &expected, "after the run that passed");
}

#[test]
fn a_backend_that_does_not_move_says_so() {
    use vkres::memory::FailingAllocator;
    use vkres::{ResourceAllocator, StagingConfig, VmaAllocator};

    let gpu = Gpu::new();
    let plain = Arc::new(Plain(VmaAllocator::new(gpu.ctx()).expect("vma")));
    let alloc = ResourceAllocator::with_memory_allocator(plain, StagingConfig::default()).expect("allocator");
    let manager = ResourceManager::new(&alloc).expect("manager");
    let h = manager.create_buffer_with_data(&[7u32; 64], vk::BufferUsageFlags::empty(), BufferType::Storage);
    let h = h.expect("buffer");
    match manager.defragment(&DefragOptions::new()) {
        Err(vkres::manager::Error::Vkres(vkres::Error::DefragmentationUnsupported { .. })) => {}
        other => panic!("expected DefragmentationUnsupported, got {other:?}"),
    }
    assert_eq!(gpu.read_back(&manager.buffer(h).expect("still there")), bytemuck::cast_slice::<u32, u8>(&[7; 64]));
    drop(manager);

    // A wrapper forwards to its backend; its own failure at the start is typed too.
    let failing = Arc::new(FailingAllocator::new(Arc::new(VmaAllocator::new(gpu.ctx()).expect("vma"))));
    let alloc = ResourceAllocator::with_memory_allocator(failing.clone(), StagingConfig::default()).expect("allocator");
    let manager = ResourceManager::new(&alloc).expect("manager");
    failing.fail_nth(1);
    let err = manager.defragment(&DefragOptions::new()).expect_err("armed");
    assert_eq!(err.vk_result(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY));
    failing.disarm();
    manager.defragment(&DefragOptions::new()).expect("forwarded to VMA");
}

#[test]
fn options_bound_each_pass_and_the_number_of_passes() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let expected = fragmented(&gpu, &manager, 2);
    // Fewer bytes per pass than any allocation: VMA proposes nothing.
    let stats = manager.defragment(&DefragOptions::new().max_bytes_per_pass(1)).expect("tiny passes");
    assert_eq!((stats.allocations_moved, stats.passes), (0, 0), "{stats:?}");
    // One allocation per pass, two passes at most: two moves.
    let stats =
        manager.defragment(&DefragOptions::new().max_allocations_per_pass(1).max_passes(2)).expect("two passes of one");
    assert_eq!((stats.allocations_moved, stats.passes), (2, 2), "{stats:?}");
    assert_intact(&gpu, &manager, &expected, "after two single moves");
    // VMA's full algorithm, no limits: it moves more (whether a block empties is its choice).
    let (blocks_before, _) = blocks(&gpu);
    let stats = manager.defragment(&DefragOptions::new().full(true)).expect("full");
    assert!(stats.allocations_moved > 0 && blocks(&gpu).0 <= blocks_before, "{stats:?}");
    assert_intact(&gpu, &manager, &expected, "after the full algorithm");
}

/// Another thread drops buffers of the same allocator (ones VMA's passes may name, ignored)
/// while the manager defragments: their frees wait for the run's end, and nothing leaks.
#[test]
fn resources_freed_on_another_thread_during_a_run_are_freed_after_it() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let mut expected = Vec::new();
    let mut others = Vec::new();
    for i in 0..96u32 {
        if i % 8 == 3 {
            let words: Vec<u32> = (0..(BIG / 4) as u32).map(|j| j ^ i).collect();
            let h = manager.create_buffer_with_data(&words, vk::BufferUsageFlags::empty(), BufferType::Storage);
            let h = h.expect("buffer");
            expected.push((h, contents(&gpu, &manager, h)));
        } else {
            others.push(gpu.device_buffer(BIG, "other thread's buffer"));
        }
    }
    // Holes: half of the others go now, the rest on the other thread during the run.
    let (gone, late): (Vec<_>, Vec<_>) = others.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    drop(gone);
    let live_before = gpu.alloc().memory_allocator().live_allocations();
    let late_count = late.len();
    let start = std::sync::Barrier::new(2);
    let stats = std::thread::scope(|s| {
        s.spawn(|| {
            start.wait();
            for (_, buffer) in late {
                drop(buffer);
                std::thread::yield_now();
            }
        });
        start.wait();
        // No per-pass limit: VMA ends a run at a pass that moves nothing, and with limits the
        // first passes may name only the other thread's buffers (declined).
        manager.defragment(&DefragOptions::new())
    })
    .expect("defragment");
    assert!(stats.allocations_moved > 0, "{stats:?}");
    assert_eq!(
        gpu.alloc().memory_allocator().live_allocations(),
        live_before - late_count,
        "every buffer dropped during the run is freed by its end"
    );
    assert_intact(&gpu, &manager, &expected, "after a run with frees on another thread");
}

/// The trait's `defragment` is safe: a pass that binds nothing moves nothing (every move starts
/// declined), so no live buffer is left bound to freed memory.
#[test]
fn a_pass_that_binds_nothing_moves_nothing() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let expected = fragmented(&gpu, &manager, 2);
    let places: Vec<(vk::DeviceMemory, u64)> = expected
        .iter()
        .map(|(h, _)| {
            let info = match manager.get_texture(*h) {
                Some(t) => t.image().memory().info(),
                None => manager.buffer(*h).expect("buffer").memory().info(),
            };
            (info.memory, info.offset)
        })
        .collect();
    let mut proposed = 0;
    let stats = gpu
        .alloc()
        .memory_allocator()
        .defragment(&DefragOptions::new(), &mut |moves| {
            proposed += moves.len();
            assert!(moves.iter().all(|m| m.is_ignored()), "moves start declined");
            Ok(())
        })
        .expect("defragment");
    assert!(proposed > 0, "VMA proposed moves");
    assert_eq!((stats.allocations_moved, stats.bytes_moved), (0, 0), "{stats:?}");
    for ((h, _), place) in expected.iter().zip(&places) {
        let info = match manager.get_texture(*h) {
            Some(t) => t.image().memory().info(),
            None => manager.buffer(*h).expect("buffer").memory().info(),
        };
        assert_eq!((info.memory, info.offset), *place, "{h} stayed where it was");
    }
    assert_intact(&gpu, &manager, &expected, "after a pass that bound nothing");
}

/// Materials move like buffers (their uniform buffer re-created in place) unless a lookup's
/// `Arc<Material>` is held; every material's buffer holds its parameters afterwards, and
/// updates after the move reach the new buffer.
#[test]
fn materials_move_and_keep_their_parameters() {
    use vkres::manager::{MaterialDescriptor, MaterialParam};

    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let shader = manager.create_shader(&bindless_sum()).expect("shader");
    // 1 MiB buffers fill whole blocks (one in eight kept); the materials, made after them,
    // go to the one free range, the last block's tail; the fillers' holes are where they
    // can move.
    let mut kept = Vec::new();
    let mut fillers = Vec::new();
    for i in 0..100u32 {
        let h = manager.create_buffer(BIG, vk::BufferUsageFlags::empty(), BufferType::Vertex).expect("buffer");
        if i % 8 == 3 { kept.push(h) } else { fillers.push(h) }
    }
    let mut materials = Vec::new();
    for i in 0..12u32 {
        let f = i as f32;
        let desc = MaterialDescriptor {
            name: format!("material {i}"),
            shader_handle: shader,
            parameters: vec![
                ("model".into(), MaterialParam::Mat4([[f, 1.0, 2.0, 3.0], [4.0, f, 6.0, 7.0], [8.0; 4], [f; 4]])),
                ("layer".into(), MaterialParam::Int(-(i as i32))),
            ],
        };
        materials.push(manager.create_material(&desc).expect("material"));
    }
    for f in fillers {
        manager.destroy_resource(f).expect("destroy filler");
    }
    let raw_of = |h: ResourceHandle| {
        use vk::Handle;
        manager.material(h).expect("material").buffer().handle().as_raw()
    };
    let before: Vec<u64> = materials.iter().map(|h| raw_of(*h)).collect();
    // The first material is held by the caller: it must stay where it is.
    let held = manager.material(materials[0]).expect("held material");
    let live = gpu.alloc().memory_allocator().live_allocations();

    let stats = manager.defragment(&DefragOptions::new()).expect("defragment");

    assert!(stats.allocations_moved > 0, "{stats:?}");
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), live, "moved, not leaked nor lost");
    let after: Vec<u64> = materials.iter().map(|h| raw_of(*h)).collect();
    let moved = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert!(moved > 0, "materials in the emptied blocks moved ({stats:?})");
    assert_eq!(after[0], before[0], "the held material was not moved");
    drop(held);
    for (i, h) in materials.iter().enumerate() {
        let material = manager.material(*h).expect("material");
        assert_eq!(gpu.read_back(material.buffer()), material.contents(), "material {i}: its buffer's bytes");
    }
    // An update after the move reaches the buffer the handle names now.
    let moved_one = *materials.iter().zip(before.iter().zip(&after)).find(|(_, (a, b))| a != b).expect("a moved one").0;
    manager.update_material(moved_one, &[("layer", MaterialParam::Int(77))]).expect("update");
    let material = manager.material(moved_one).expect("material");
    let bytes = gpu.read_back(material.buffer());
    assert_eq!(bytes, material.contents(), "updated after the move");
    let layer = material.layout().field("layer").expect("layer").offset as usize;
    assert_eq!(&bytes[layer..layer + 4], &77i32.to_le_bytes());
}
