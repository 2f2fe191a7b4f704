//! Buffers of each mapping type: map, write, flush, invalidate, read; staged uploads read back
//! through the device; memory info.

use vkres::{BufferDesc, Error, MappingType, MemoryLocation, vk};

use crate::support::Gpu;

/// Bytes that differ at every position (so an offset error shows).
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8).collect()
}

#[test]
fn mapped_buffers_round_trip_for_each_host_mapping() {
    let gpu = Gpu::new();
    for mapping in [MappingType::HostAccessSequentialWrite, MappingType::HostAccessRandom] {
        for size in [1usize, 3, 4, 4097, 65_536] {
            let desc =
                BufferDesc::new(size as u64, vk::BufferUsageFlags::STORAGE_BUFFER).mapping(mapping).name("mapped");
            let buffer = gpu.alloc().create_buffer(&desc).expect("buffer");
            let info = buffer.memory().info();
            assert!(info.properties.contains(vk::MemoryPropertyFlags::HOST_VISIBLE), "{mapping:?}: {info:?}");
            assert!(info.size >= size as u64 && info.memory != vk::DeviceMemory::null());
            assert_eq!(info.name, "mapped");
            let data = pattern(size, size as u8);
            {
                let mut map = buffer.map().expect("map");
                assert_eq!(map.len(), size);
                map.write_bytes(0, &data).expect("write"); // flushes
            }
            let mut back = vec![0u8; size];
            buffer.map().expect("map").read_bytes(0, &mut back).expect("read"); // invalidates
            assert_eq!(back, data, "{mapping:?}, {size} bytes");
            // A partial write at an offset, and one that runs past the end.
            buffer.write(size as u64 - 1, &[0xAB]).expect("last byte");
            assert_eq!(buffer.read_vec().expect("read").last(), Some(&0xAB));
            let err = buffer.write(size as u64, &[1]).expect_err("past the end");
            assert!(
                matches!(err, Error::DataTooLarge { offset, given: 1, capacity, .. } if offset == size as u64 && capacity == size as u64)
            );
        }
    }
}

#[test]
fn unmapped_buffer_refuses_to_map() {
    let gpu = Gpu::new();
    let desc = BufferDesc::new(256, vk::BufferUsageFlags::STORAGE_BUFFER).name("device only");
    let buffer = gpu.alloc().create_buffer(&desc).expect("buffer");
    let err = buffer.map().expect_err("MappingType::None cannot be mapped");
    assert!(matches!(&err, Error::NotHostVisible { name, .. } if name == "device only"), "{err}");
    assert!(buffer.read_vec().is_err());
}

#[test]
fn staged_upload_reads_back_byte_for_byte() {
    let gpu = Gpu::new();
    for (size, location) in
        [(1u64, MemoryLocation::Auto), (65_535, MemoryLocation::PreferDevice), (1 << 20 | 1, MemoryLocation::Auto)]
    {
        let data = pattern(size as usize, 7);
        let desc = BufferDesc::new(size, vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_SRC)
            .location(location)
            .name("staged");
        let before = gpu.ctx().submission_count();
        let buffer = gpu.alloc().create_buffer_with_data(&desc, &data).expect("buffer with data");
        assert_eq!(gpu.ctx().submission_count() - before, 1, "one submission per staged upload");
        assert!(buffer.usage().contains(vk::BufferUsageFlags::TRANSFER_DST));
        assert_eq!(gpu.read_back(&buffer), data, "{size} bytes");
    }
}

#[test]
fn mapped_buffer_with_data_is_written_directly() {
    let gpu = Gpu::new();
    let data: Vec<f32> = (0..300).map(|i| i as f32 * 0.5).collect();
    let desc = BufferDesc::elements::<f32>(300, vk::BufferUsageFlags::UNIFORM_BUFFER)
        .mapping(MappingType::HostAccessSequentialWrite)
        .name("direct");
    let before = gpu.ctx().submission_count();
    let buffer = gpu.alloc().create_typed_buffer::<f32>(&desc).expect("buffer");
    drop(buffer);
    let buffer = gpu.alloc().create_buffer_with_data(&desc, &data).expect("buffer");
    assert_eq!(gpu.ctx().submission_count(), before, "a mapped buffer needs no submission");
    assert_eq!(buffer.len(), 300);
    assert_eq!(buffer.usage(), vk::BufferUsageFlags::UNIFORM_BUFFER, "no transfer usage added");
    let mut back = vec![0f32; 300];
    buffer.read(0, &mut back).expect("read");
    assert_eq!(back, data);
}

#[test]
fn device_addresses_and_copies_within_a_batch() {
    let gpu = Gpu::new();
    let usage = vk::BufferUsageFlags::STORAGE_BUFFER
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS
        | vk::BufferUsageFlags::TRANSFER_SRC
        | vk::BufferUsageFlags::TRANSFER_DST;
    let a = gpu.alloc().create_typed_buffer::<u32>(&BufferDesc::elements::<u32>(64, usage).name("a")).expect("a");
    let b = gpu.alloc().create_typed_buffer::<u32>(&BufferDesc::elements::<u32>(64, usage).name("b")).expect("b");
    assert!(a.device_address().is_some_and(|x| x != 0));
    assert_ne!(a.device_address(), b.device_address());
    // Upload to a, copy a to b, overwrite a's first half: ordered by the batch's barriers.
    let first: Vec<u32> = (0..64).collect();
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload(&a, 0, &first).expect("upload");
    batch.copy_buffer(&a, 0, &b, 0, a.size()).expect("copy");
    batch.upload(&a, 0, &[99u32; 32]).expect("second upload");
    assert_eq!(batch.commands(), 3);
    batch.submit_and_wait().expect("submit");
    let b_back: Vec<u32> = bytemuck::pod_collect_to_vec(&gpu.read_back(&b));
    assert_eq!(b_back, first);
    let a_back: Vec<u32> = bytemuck::pod_collect_to_vec(&gpu.read_back(&a));
    assert_eq!(&a_back[..32], &[99; 32]);
    assert_eq!(&a_back[32..], &first[32..]);
}

#[test]
fn dropping_an_unsubmitted_batch_discards_it() {
    let gpu = Gpu::new();
    let desc = BufferDesc::new(16, vk::BufferUsageFlags::TRANSFER_DST).name("never written");
    let buffer = gpu.alloc().create_buffer(&desc).expect("buffer");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&buffer, 0, &[1; 16]).expect("upload");
    drop(buffer); // the batch still holds it
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), 2, "buffer and staging held by the batch");
    let held = gpu.alloc().leak_report();
    assert_eq!(held, ["never written", "staging chunk 0"], "staging a batch holds is reported");
    drop(batch);
    // The chunk is free now, cached for reuse: alive in the backend, left out of the leak report.
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), 1);
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new());
    gpu.alloc().staging().trim();
    assert_eq!(gpu.alloc().memory_allocator().live_allocations(), 0);
    assert_eq!(gpu.ctx().submission_count(), 0);
}

/// Buffers dropped on a thread leave their shared state's allocation to the next buffers made
/// there (issue 20 item 3): a buffer whose last reference is recorded work is not reused
/// while that work holds it (the copy out of it reads its bytes, which the validation layer
/// and the read-back check), and the buffers made after reuse keep their own name, size,
/// handle, device address and contents.
#[test]
fn buffers_made_after_drops_reuse_no_live_state() {
    let gpu = Gpu::new();
    let usage = vk::BufferUsageFlags::STORAGE_BUFFER
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS
        | vk::BufferUsageFlags::TRANSFER_SRC
        | vk::BufferUsageFlags::TRANSFER_DST;
    let mapped =
        |name: String, size: u64| BufferDesc::new(size, usage).mapping(MappingType::HostAccessRandom).name(name);
    // Spare slots on this thread.
    let first: Vec<_> =
        (0..64u64).map(|i| gpu.alloc().create_buffer(&mapped(format!("first {i}"), 16 + i)).expect("buffer")).collect();
    drop(first);
    // A source whose last reference is a batch's copy out of it.
    let src = gpu.alloc().create_buffer(&mapped("held source".into(), 256)).expect("source");
    src.write(0, &pattern(256, 7)).expect("write");
    let dst = gpu.alloc().create_buffer(&mapped("destination".into(), 256)).expect("destination");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.copy_buffer(&src, 0, &dst, 0, 256).expect("copy");
    drop(src);
    // Made while the batch holds the source; written before the batch runs.
    let second: Vec<_> = (0..64u64)
        .map(|i| {
            let b = gpu.alloc().create_buffer(&mapped(format!("second {i}"), 32 + i)).expect("buffer");
            b.write(0, &pattern(32 + i as usize, i as u8)).expect("write");
            b
        })
        .collect();
    batch.submit_and_wait().expect("submit");
    assert_eq!(dst.read_vec().expect("read"), pattern(256, 7), "the held source was not reused");
    drop(dst);
    let mut handles = std::collections::HashSet::new();
    let mut addresses = std::collections::HashSet::new();
    for (i, b) in second.iter().enumerate() {
        assert_eq!(b.name(), format!("second {i}"));
        assert_eq!(b.size(), 32 + i as u64);
        assert_eq!(b.read_vec().expect("read"), pattern(32 + i, i as u8));
        assert!(handles.insert(vk::Handle::as_raw(b.handle())) && b.handle() != vk::Buffer::null());
        assert!(addresses.insert(b.device_address().expect("address")));
    }
    // A clone outlives the handle it was made from; the state goes with the last one.
    let kept = second[3].clone();
    drop(second);
    assert_eq!(kept.name(), "second 3");
    assert_eq!(kept.read_vec().expect("read"), pattern(35, 3));
    assert_eq!(gpu.alloc().leak_report(), ["second 3"]);
    drop(kept);
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new());
}
