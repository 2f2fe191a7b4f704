//! Eviction under a budget in the `ResourceManager`: least-recently-used buffers and textures
//! read back and destroyed, made anew with their contents on the next lookup, handles unchanged;
//! resources held elsewhere stay.

use vkres::manager::{ResourceManager, TextureDescriptor};
use vkres::{BufferType, ResourceType, vk};

use crate::support::{Gpu, noise};

fn words(bytes: &[u8]) -> Vec<u32> {
    bytemuck::pod_collect_to_vec(bytes)
}

#[test]
fn least_recently_used_resources_are_evicted_and_come_back_on_their_next_lookup() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let data: Vec<Vec<u32>> = (0..3u32).map(|k| (0..16_384).map(|i| i * 7 + k).collect()).collect();
    let buffers: Vec<_> = data
        .iter()
        .map(|d| {
            manager.create_buffer_with_data(d, vk::BufferUsageFlags::empty(), BufferType::Storage).expect("buffer")
        })
        .collect();
    let texels = noise(32 * 32 * 4, 8);
    let texture = manager
        .create_texture(&TextureDescriptor {
            width: 32,
            height: 32,
            data: Some(&texels),
            name: "evictable texture".into(),
            ..Default::default()
        })
        .expect("texture");
    // Uses: buffer 0 and the texture recently; buffers 1 and 2 least recently (in that order).
    drop(manager.get_buffer(buffers[0]));
    drop(manager.get_texture(texture));
    let size = |h| manager.get_buffer(h).expect("buffer").memory().info().size;
    let sizes: Vec<u64> = buffers.iter().map(|&h| size(h)).collect();
    drop(manager.get_buffer(buffers[0]));
    drop(manager.get_texture(texture));
    let live = || gpu.alloc().memory_allocator().live_allocations();

    let resident = manager.resident_bytes();
    let before = live();
    let stats = manager.evict_to_budget(resident - 1).expect("evict one");
    assert_eq!((stats.evicted, stats.bytes_freed), (1, sizes[1]), "the least recently used: buffer 1");
    assert_eq!(stats.resident_bytes, resident - sizes[1]);
    assert_eq!(live(), before - 1, "its memory is freed (and the read-back's)");
    assert_eq!(manager.get_resource_type(buffers[1]), Some(ResourceType::Buffer(BufferType::Storage)));

    // A resource held outside the manager stays resident.
    let held = manager.get_buffer(buffers[0]).expect("buffer 0");
    let stats = manager.evict_to_budget(0).expect("evict the rest");
    assert_eq!(stats.evicted, 2, "buffer 2 and the texture");
    assert_eq!(stats.resident_bytes, sizes[0]);
    drop(held);

    // Each comes back with its contents, under the same handle.
    for i in 0..3 {
        let buffer = manager.buffer(buffers[i]).expect("restored");
        assert_eq!(words(&gpu.read_back(&buffer)), data[i], "buffer {i}");
    }
    let restored = manager.texture(texture).expect("restored texture");
    assert_eq!(restored.image().layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
    assert!(gpu.download(restored.image()) == texels, "the texture's texels");
    drop(restored);
    assert_eq!(manager.resident_bytes(), resident);
    assert_eq!(manager.memory_by_type().iter().map(|t| t.count).sum::<usize>(), 4);

    for h in buffers.into_iter().chain([texture]) {
        manager.destroy_resource(h).expect("destroy");
    }
}

#[test]
fn an_evicted_resource_can_be_destroyed_without_coming_back() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let h = manager.create_buffer(4096, vk::BufferUsageFlags::empty(), BufferType::Uniform).expect("buffer");
    assert_eq!(manager.evict_to_budget(0).expect("evict").evicted, 1);
    let live = gpu.alloc().memory_allocator().live_allocations();
    manager.destroy_resource(h).expect("destroy");
    assert!(manager.get_buffer(h).is_none());
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), live, "nothing made anew");
    assert_eq!(manager.evict_to_budget(0).expect("nothing left").evicted, 0);
}

#[test]
fn a_failed_eviction_or_restore_leaves_every_resource_valid() {
    use std::sync::Arc;
    use vkres::memory::FailingAllocator;
    use vkres::{MemoryAllocator, ResourceAllocator, StagingConfig, VmaAllocator};

    let gpu = Gpu::new();
    let failing = Arc::new(FailingAllocator::new(Arc::new(VmaAllocator::new(gpu.ctx()).expect("vma"))));
    let alloc = ResourceAllocator::with_memory_allocator(failing.clone(), StagingConfig::default()).expect("allocator");
    let manager = ResourceManager::new(&alloc).expect("manager");
    let data: Vec<u32> = (0..1024).collect();
    let h = manager.create_buffer_with_data(&data, vk::BufferUsageFlags::empty(), BufferType::Storage).expect("buffer");
    let live = failing.live_allocations();

    // The read-back allocation fails: nothing is evicted, nothing leaks.
    failing.fail_nth(1);
    let err = manager.evict_to_budget(0).expect_err("armed");
    assert_eq!(err.vk_result(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY));
    assert_eq!(failing.live_allocations(), live);
    assert_eq!(words(&gpu.read_back(&manager.buffer(h).expect("still resident"))), data);

    // Evicted, then the re-creation fails: the lookup errs, the handle stays evicted and valid.
    failing.disarm();
    assert_eq!(manager.evict_to_budget(0).expect("evict").evicted, 1);
    failing.fail_nth(1);
    assert!(manager.buffer(h).is_err(), "the restore's allocation fails");
    failing.disarm();
    assert_eq!(words(&gpu.read_back(&manager.buffer(h).expect("restored on the next lookup"))), data);
    manager.destroy_resource(h).expect("destroy");
}

/// A command buffer of the caller's that reads a manager buffer through its raw handle (as a
/// shader reads it through the bindless set), submitted to the context's queue before
/// `evict_to_budget` and still pending when it is called: the eviction's read-back fence covers
/// every earlier submission of that queue, so the buffer is destroyed only after the caller's
/// work finished (the layer reports VUID-vkDestroyBuffer-buffer-00922 otherwise), and the
/// contents come back. The gate keeps the caller's work pending, whatever the device's speed,
/// until another thread opens it.
#[test]
fn a_pending_submission_of_the_callers_is_finished_before_its_buffer_is_evicted() {
    use crate::support::{HostGate, with_command_buffer};
    use std::time::Duration;

    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let data: Vec<u32> = (0..16_384).map(|i| i ^ 0x5a5a).collect();
    let h = manager.create_buffer_with_data(&data, vk::BufferUsageFlags::empty(), BufferType::Storage).expect("buffer");
    let raw = manager.get_buffer(h).expect("buffer").handle();
    let target = gpu.device_buffer(65_536, "the caller's copy target");
    let gate = HostGate::new(&gpu);
    let fence = vkres::Fence::new(gpu.ctx(), false).expect("fence");
    fence.prepare_for_own_submission().expect("ready");
    with_command_buffer(&gpu, |cmd| {
        let device = gpu.ctx().device();
        let region = [vk::BufferCopy { src_offset: 0, dst_offset: 0, size: 65_536 }];
        // SAFETY: both buffers live past the submission (the manager's is evicted only after it,
        // which is what this test checks; `target` outlives the gate's drop, which waits).
        unsafe {
            device.cmd_copy_buffer(cmd, raw, target.handle(), &region);
            device.end_command_buffer(cmd).expect("end");
        }
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
        let waits = [gate.wait_info()];
        let submit = vk::SubmitInfo2::default().wait_semaphore_infos(&waits).command_buffer_infos(&cmds);
        let locked = fence.lock_for_submit().expect("lock");
        // SAFETY: a recorded command buffer of this device; the fence is readied and unsignalled
        // (and locked for the submission).
        unsafe { gpu.ctx().submit(&[submit], locked.handle()) }.expect("submit");
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(100));
                gate.open();
            });
            let stats = manager.evict_to_budget(0).expect("evict");
            assert_eq!(stats.evicted, 1, "the buffer only the table holds");
        });
        // The pool (and with it the command buffer) goes after the work finished.
        fence.wait().expect("the caller's work");
    });
    assert_eq!(words(&gpu.read_back(&target)), data, "the caller's copy read the buffer before it was destroyed");
    assert_eq!(words(&gpu.read_back(&manager.buffer(h).expect("restored"))), data);
    manager.destroy_resource(h).expect("destroy");
}
