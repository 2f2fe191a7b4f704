//! `ResourceAllocator::upload_now`: large uploads import the caller's memory
//! (`VK_EXT_external_memory_host`) instead of staging it where the device shares the host's
//! memory (lavapipe), and stage on a discrete GPU (the H100, where pinning costs more than a
//! memcpy over threads); the data must arrive byte for byte whatever the alignment of the
//! caller's slice.

use vkres::{BufferDesc, MemoryLocation, StagingConfig, vk};

use crate::support::{Gpu, noise};

#[test]
fn upload_now_imports_large_uploads_and_stages_the_rest() {
    let gpu = Gpu::new();
    let caps = gpu.ctx().capabilities();
    println!(
        "{}: external_memory_host {}, import alignment {}",
        caps.device_name, caps.enabled.external_memory_host, caps.min_imported_host_pointer_alignment
    );
    let imports = caps.enabled.external_memory_host && caps.device_type != vk::PhysicalDeviceType::DISCRETE_GPU;
    // A staging budget far below the upload: staged, it takes dozens of submissions.
    let alloc = gpu.alloc().with_staging(StagingConfig { budget: 1 << 20, chunk_size: 256 << 10 }).expect("alloc");
    let usage = vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC;
    let data = noise((24 << 20) + 4099, 7);
    // Three alignments of the caller's slice: the import takes the aligned middle, staging the edges.
    for (skip, len) in [(0, data.len() - 3), (1, data.len() - 1), (4093, (20 << 20) + 5)] {
        let slice = &data[skip..skip + len];
        let dst = alloc
            .create_buffer(&BufferDesc::new(len as u64 + 8, usage).location(MemoryLocation::PreferDevice).name("dst"))
            .expect("dst");
        let before = gpu.ctx().submission_count();
        alloc.upload_now(&dst, 8, slice).expect("upload_now");
        let submissions = gpu.ctx().submission_count() - before;
        if imports {
            assert_eq!(submissions, 1, "the imported middle needs no staging, so one submission");
        } else {
            assert!(submissions > 1, "staged through a 1 MiB budget");
        }
        let back = gpu.read_back(&dst);
        assert!(back[8..] == *slice, "upload_now of {len} bytes at slice offset {skip} differs");
    }
    // Small uploads are staged, and range errors are typed.
    let small = alloc.create_buffer(&BufferDesc::new(64, usage).name("small")).expect("small");
    alloc.upload_now(&small, 0, &data[..64]).expect("small upload");
    assert_eq!(gpu.read_back(&small), data[..64]);
    let err = alloc.upload_now(&small, 1, &data[..64]).expect_err("too long");
    assert!(matches!(err, vkres::Error::DataTooLarge { .. }), "{err}");
}
