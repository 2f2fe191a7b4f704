//! Eviction racing an update (issue 16, session 9 audit): `evict_to_budget` reads a buffer back,
//! then swaps the resident buffer for the read-back contents. An update made through a lookup
//! after the read-back was recorded and finished before the swap was lost: the buffer came
//! back with the contents from before it (silently wrong data). The swap is now skipped where
//! the resource was looked up since it was chosen.

use std::sync::atomic::{AtomicBool, Ordering};

use vkres::manager::ResourceManager;
use vkres::{BufferType, vk};

use crate::support::Gpu;

#[test]
fn an_update_made_while_eviction_reads_back_is_not_lost() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let handle = manager
        .create_buffer_with_data(&[0u32; 256], vk::BufferUsageFlags::empty(), BufferType::Storage)
        .expect("buffer");
    let stop = AtomicBool::new(false);
    let mut evicted = 0;
    std::thread::scope(|s| {
        let evicting = s.spawn(|| {
            let mut evicted = 0;
            while !stop.load(Ordering::Relaxed) {
                evicted += manager.evict_to_budget(0).expect("evict").evicted;
            }
            evicted
        });
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for i in 1..=100u32 {
                // No clone held for a while: the eviction thread may choose the buffer and
                // start reading it back, then the update runs during the read-back.
                std::thread::sleep(std::time::Duration::from_micros(u64::from(i % 7) * 100));
                manager.update_buffers(&[(handle, 0, bytemuck::bytes_of(&i))]).expect("update");
                // The application does something else before it uses the buffer again.
                std::thread::sleep(std::time::Duration::from_millis(2));
                let buffer = manager.get_buffer(handle).expect("lookup");
                let got = first_word(&gpu, &buffer);
                drop(buffer);
                assert_eq!(got, i, "update {i} lost");
            }
        }));
        stop.store(true, Ordering::Relaxed);
        evicted = evicting.join().expect("evicting thread");
        if let Err(panic) = result {
            std::panic::resume_unwind(panic);
        }
    });
    println!("{evicted} evictions raced 100 updates");
    assert!(evicted > 0, "the eviction thread evicted nothing: the race was not tried");
}

/// The buffer's first word, copied out (the buffer is device-local).
fn first_word(gpu: &Gpu, buffer: &vkres::Buffer) -> u32 {
    let desc =
        vkres::BufferDesc::new(4, vk::BufferUsageFlags::TRANSFER_DST).mapping(vkres::MappingType::HostAccessRandom);
    let readback = gpu.alloc().create_buffer(&desc).expect("read-back buffer");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.copy_buffer(buffer, 0, &readback, 0, 4).expect("copy");
    batch.submit_and_wait().expect("submit");
    let bytes = readback.read_vec().expect("read");
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}
