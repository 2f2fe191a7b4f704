//! Heap budgets (per frame), detailed statistics (per heap, type and pool), a custom backend's
//! defaults, the `ResourceManager`'s totals by type, dedicated images and read-back mappings.

use std::sync::Arc;
use std::time::Instant;

use vkres::manager::{ResourceManager, ResourceTotals};
use vkres::memory::FailingAllocator;
use vkres::{
    BufferDesc, BufferType, Context, Error, ImageDesc, MappingType, MemoryAllocator, ResourceAllocator, ResourceType,
    StagingConfig, VmaAllocator, vk,
};

use crate::support::{Gpu, Plain, noise};

const STORAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::STORAGE_BUFFER;

/// The heap of memory type `ty` on `ctx`'s device.
fn heap_of(ctx: &Context, ty: u32) -> usize {
    ctx.capabilities().memory_properties.memory_types[ty as usize].heap_index as usize
}

#[test]
fn heap_budgets_count_what_is_allocated_and_freed() {
    let gpu = Gpu::new();
    let before = gpu.alloc().heap_budgets();
    let caps = gpu.ctx().capabilities();
    assert_eq!(before.len(), caps.memory_properties.memory_heap_count as usize);
    let buffer = gpu.alloc().create_buffer(&BufferDesc::new(1 << 20, STORAGE).name("budgeted")).expect("buffer");
    let heap = heap_of(gpu.ctx(), buffer.memory().info().memory_type);
    let during = gpu.alloc().heap_budgets();
    let (b, d) = (before[heap].allocator.expect("VMA counts"), during[heap].allocator.expect("VMA counts"));
    assert_eq!(d.allocations, b.allocations + 1);
    assert!(d.allocation_bytes >= b.allocation_bytes + (1 << 20), "{b:?} -> {d:?}");
    for h in &during {
        assert_eq!(h.from_driver, caps.enabled.memory_budget, "the driver's numbers exactly where the extension is on");
        assert!(h.budget > 0 && h.budget <= h.size, "{h:?}");
        if !h.from_driver {
            assert_eq!(h.usage, h.allocator.expect("VMA counts").block_bytes);
        }
    }
    drop(buffer);
    let after = gpu.alloc().heap_budgets();
    assert_eq!(after[heap].allocator.expect("VMA counts").allocations, b.allocations);
}

#[test]
fn heap_budgets_are_cheap_enough_for_every_frame() {
    let gpu = Gpu::new();
    let _buffers: Vec<_> = (0..64).map(|i| gpu.device_buffer(4096, &format!("frame {i}"))).collect();
    let calls = 2000;
    let start = Instant::now();
    let mut allocations = 0;
    for _ in 0..calls {
        allocations = gpu.alloc().heap_budgets().iter().map(|h| h.allocator.map_or(0, |a| a.allocations)).sum();
    }
    let per_call = start.elapsed() / calls;
    let start = Instant::now();
    for _ in 0..100 {
        std::hint::black_box(gpu.alloc().memory_statistics());
    }
    let detailed = start.elapsed() / 100;
    println!("heap_budgets: {per_call:?} per call; memory_statistics: {detailed:?} per call (64 buffers)");
    assert!(allocations >= 64);
    // A frame at 240 Hz lasts 4.2 ms: a hundredth of it, even in a debug build.
    assert!(per_call.as_micros() < 42, "heap_budgets took {per_call:?}");
}

#[test]
fn statistics_report_types_heaps_free_ranges_and_totals() {
    let gpu = Gpu::new();
    let a = gpu.device_buffer(256 << 10, "first");
    let b = gpu.device_buffer(256 << 10, "second");
    let ty = a.memory().info().memory_type;
    assert_eq!(b.memory().info().memory_type, ty);
    assert_eq!(a.memory().info().memory, b.memory().info().memory, "both in one block");
    drop(a); // a free range of 256 KiB before `second`, whatever follows it
    let stats = gpu.alloc().memory_statistics().expect("VMA keeps statistics");
    let t = &stats.types[ty as usize];
    assert_eq!((t.memory_type, t.heap as usize), (ty, heap_of(gpu.ctx(), ty)));
    assert_eq!(t.properties, gpu.ctx().capabilities().memory_properties.memory_types[ty as usize].property_flags);
    assert!(t.stats.totals.allocations >= 1);
    assert!(t.stats.largest_free_range >= 256 << 10, "{:?}", t.stats);
    assert!(t.stats.free_ranges >= 1);
    assert!(t.stats.largest_allocation >= 256 << 10);
    let sum: u32 = stats.types.iter().map(|t| t.stats.totals.allocations).sum();
    assert_eq!(sum, stats.total.totals.allocations);
    let heap_sum: u64 = stats.heaps.iter().map(|h| h.totals.block_bytes).sum();
    assert_eq!(heap_sum, stats.total.totals.block_bytes);
    assert_eq!(stats.budgets.len(), stats.heaps.len());
    assert!(stats.total.totals.unused_bytes() >= 256 << 10);
    drop(b);
}

#[test]
fn a_backend_without_statistics_gets_the_defaults_and_a_wrapper_forwards_them() {
    let gpu = Gpu::new();
    let vma = Arc::new(VmaAllocator::new(gpu.ctx()).expect("vma"));
    let plain = ResourceAllocator::with_memory_allocator(Arc::new(Plain(vma.clone())), StagingConfig::default())
        .expect("allocator");
    let buffer = plain.create_buffer(&BufferDesc::new(4096, STORAGE).name("plain")).expect("buffer");
    let budgets = plain.heap_budgets();
    assert_eq!(budgets.len(), gpu.ctx().capabilities().memory_properties.memory_heap_count as usize);
    assert!(budgets.iter().all(|h| h.allocator.is_none() && h.budget > 0));
    assert!(plain.memory_statistics().is_none());
    let report = plain.leak_details();
    assert_eq!(report.names(), ["plain"]);
    assert_eq!((report.allocations[0].size, report.allocations[0].memory_type), (0, None), "names only");

    let failing = ResourceAllocator::with_memory_allocator(
        Arc::new(FailingAllocator::new(vma.clone())),
        StagingConfig::default(),
    )
    .expect("allocator");
    assert_eq!(failing.heap_budgets(), vma.heap_budgets(), "forwarded");
    assert!(failing.memory_statistics().is_some());
    assert_eq!(failing.leak_details().allocations[0].size, buffer.memory().info().size);
    drop(buffer);
    assert!(plain.leak_details().is_empty());
}

#[test]
fn the_manager_reports_its_memory_by_resource_type() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    assert!(manager.memory_by_type().is_empty());
    let v = manager.create_buffer(1000, vk::BufferUsageFlags::empty(), BufferType::Vertex).expect("vertex");
    let s1 = manager.create_buffer(4096, vk::BufferUsageFlags::empty(), BufferType::Storage).expect("storage");
    let s2 = manager.create_buffer(8192, vk::BufferUsageFlags::empty(), BufferType::Storage).expect("storage");
    let size = |h| manager.get_buffer(h).expect("buffer").memory().info().size;
    let totals = manager.memory_by_type();
    assert_eq!(
        totals,
        [
            ResourceTotals { ty: ResourceType::Buffer(BufferType::Vertex), count: 1, bytes: size(v) },
            ResourceTotals { ty: ResourceType::Buffer(BufferType::Storage), count: 2, bytes: size(s1) + size(s2) },
        ]
    );
    assert!(totals[1].bytes >= 4096 + 8192);
    manager.destroy_resource(s1).expect("destroy");
    assert_eq!(manager.memory_by_type()[1].count, 1);
}

#[test]
fn dedicated_images_get_a_block_of_their_own() {
    let gpu = Gpu::new();
    let blocks = || gpu.alloc().memory_allocator().device_memory_blocks().expect("VMA counts blocks");
    let desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 64, 64, vk::ImageUsageFlags::SAMPLED);
    let shared = gpu.alloc().create_image(&desc.clone().name("shared")).expect("image");
    let start = blocks();
    let one = gpu.alloc().create_image(&desc.clone().dedicated(true).name("dedicated 1")).expect("image");
    let two = gpu.alloc().create_image(&desc.clone().dedicated(true).name("dedicated 2")).expect("image");
    assert_eq!(blocks(), start + 2, "one block each");
    for image in [&one, &two] {
        let info = image.memory().info();
        assert_eq!(info.offset, 0);
        assert_ne!(info.memory, shared.memory().info().memory);
    }
    assert_ne!(one.memory().info().memory, two.memory().info().memory);
    drop((one, two));
    assert_eq!(blocks(), start, "freed with the images");
}

#[test]
fn prefer_direct_read_buffers_are_read_back_through_their_mapping_where_host_visible() {
    let gpu = Gpu::new();
    let data = noise(4096, 19);
    let source_desc = BufferDesc::new(4096, STORAGE | vk::BufferUsageFlags::TRANSFER_SRC).name("source");
    let source = gpu.alloc().create_buffer_with_data(&source_desc, &data).expect("source");
    // TRANSFER_SRC: where the memory is not host-visible (a discrete GPU's device-local memory,
    // which VMA picks for a device-written buffer that may be read back through a transfer),
    // the read-back is a copy out of it.
    let desc = BufferDesc::new(4096, STORAGE | vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC)
        .mapping(MappingType::PreferDirectRead)
        .name("results");
    let results = gpu.alloc().create_buffer(&desc).expect("results");
    let props = results.memory().properties();
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.copy_buffer(&source, 0, &results, 0, 4096).expect("copy");
    batch.submit_and_wait().expect("submit");
    if props.contains(vk::MemoryPropertyFlags::HOST_VISIBLE) {
        assert_eq!(results.read_vec().expect("read through the mapping"), data);
        let caps = gpu.ctx().capabilities();
        let types = &caps.memory_properties.memory_types[..caps.memory_properties.memory_type_count as usize];
        let cached = vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_CACHED;
        if caps.unified_memory() && types.iter().any(|t| t.property_flags.contains(cached)) {
            assert!(props.contains(cached), "cached where unified memory has a cached type: {props:?}");
        }
    } else {
        assert!(matches!(results.map(), Err(Error::NotHostVisible { .. })));
        assert_eq!(gpu.read_back(&results), data, "reached through a copy");
    }
}
