//! The leak report: every live allocation with its name, size and memory type, and with
//! backtraces on, unnamed ones too, with where they were created.

use std::sync::Arc;

use vkres::memory::{FailingAllocator, VmaOptions};
use vkres::{BufferDesc, ImageDesc, MemoryAllocator, ResourceAllocator, StagingConfig, VmaAllocator, vk};

use crate::support::Gpu;

#[test]
fn the_report_names_sizes_and_types_every_live_allocation() {
    let gpu = Gpu::new();
    assert!(gpu.alloc().leak_details().is_empty());
    let buffer = gpu.device_buffer(3000, "kept buffer");
    let image = gpu
        .alloc()
        .create_image(
            &ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 16, 16, vk::ImageUsageFlags::SAMPLED).name("kept image"),
        )
        .expect("image");
    let report = gpu.alloc().leak_details();
    assert_eq!(report.names(), ["kept buffer", "kept image"]);
    for (entry, info) in report.allocations.iter().zip([buffer.memory().info(), image.memory().info()]) {
        assert_eq!((entry.size, entry.memory_type), (info.size, Some(info.memory_type)));
        assert!(entry.backtrace.is_none(), "off unless asked for");
    }
    assert!(report.allocations[0].size >= 3000);
    assert_eq!(report.bytes(), report.allocations[0].size + report.allocations[1].size);
    let text = report.to_string();
    assert!(text.starts_with("2 allocation(s) alive"), "{text}");
    assert!(text.contains("`kept buffer`: ") && text.contains(" bytes in memory type "), "{text}");
    assert_eq!(gpu.alloc().leak_report(), report.names(), "the names-only report agrees");
    drop((buffer, image));
    assert!(gpu.alloc().leak_details().is_empty());
}

/// Creates an unnamed buffer (a named function, so that the backtrace shows it).
#[inline(never)]
fn make_unnamed_buffer(alloc: &ResourceAllocator) -> vkres::Buffer {
    alloc.create_buffer(&BufferDesc::new(512, vk::BufferUsageFlags::UNIFORM_BUFFER)).expect("buffer")
}

/// The same buffer from another place in the program.
#[inline(never)]
fn make_unnamed_buffer_elsewhere(alloc: &ResourceAllocator) -> vkres::Buffer {
    alloc.create_buffer(&BufferDesc::new(512, vk::BufferUsageFlags::UNIFORM_BUFFER)).expect("buffer")
}

/// Whether this binary can name its own functions in a backtrace: not where it was stripped of
/// its symbol table (as a test binary copied to another machine may be, to fit the transfer).
#[inline(never)]
fn backtraces_name_functions() -> bool {
    std::backtrace::Backtrace::force_capture().to_string().contains("backtraces_name_functions")
}

#[test]
fn backtraces_record_unnamed_allocations_with_their_creation() {
    let gpu = Gpu::new();
    let vma = Arc::new(
        VmaAllocator::with_options(gpu.ctx(), VmaOptions::new().backtraces(true).warn_leaks_on_drop(false))
            .expect("vma"),
    );
    let alloc = ResourceAllocator::with_memory_allocator(vma.clone(), StagingConfig::default()).expect("allocator");
    let buffer = make_unnamed_buffer(&alloc);
    let report = alloc.leak_details();
    assert_eq!(report.len(), 1);
    let entry = &report.allocations[0];
    assert_eq!((entry.name.as_str(), entry.size), ("", buffer.memory().info().size));
    let backtrace = entry.backtrace.as_ref().expect("captured");
    assert_eq!(backtrace.status(), std::backtrace::BacktraceStatus::Captured);
    // The full form (`{:#}`): with each frame's address, which a binary without symbols shows.
    let backtrace = format!("{backtrace:#}");
    if backtraces_name_functions() {
        assert!(backtrace.contains("make_unnamed_buffer"), "the creating function is in the backtrace:\n{backtrace}");
    } else {
        // A binary without symbols shows addresses only: still one backtrace per creation site.
        println!("this binary has no symbol table: backtraces show addresses, not function names");
    }
    assert!(report.to_string().contains("`<unnamed>`: 512 bytes"), "{report}");
    // Another creation site, another backtrace (with or without symbols to name it).
    let other = make_unnamed_buffer_elsewhere(&alloc);
    let report = alloc.leak_details();
    let traces: Vec<String> =
        report.allocations.iter().map(|a| format!("{:#}", a.backtrace.as_ref().expect("captured"))).collect();
    assert_eq!(traces.len(), 2);
    assert_ne!(traces[0], traces[1], "each allocation has the backtrace of its own creation");
    assert!(traces.contains(&backtrace), "the first allocation's backtrace is unchanged");
    drop(other);

    // Without backtraces an unnamed allocation is counted, not recorded.
    let plain = ResourceAllocator::new(gpu.ctx()).expect("allocator");
    let unnamed = make_unnamed_buffer(&plain);
    let report = plain.leak_details();
    assert_eq!(report.len(), 1);
    assert_eq!((report.allocations[0].size, report.allocations[0].memory_type), (0, None));
    drop((buffer, unnamed));
    assert!(alloc.leak_details().is_empty() && plain.leak_details().is_empty());
}

#[test]
fn a_failed_allocation_leaves_nothing_in_the_report() {
    let gpu = Gpu::new();
    let vma = Arc::new(VmaAllocator::with_options(gpu.ctx(), VmaOptions::new().backtraces(true)).expect("vma"));
    let failing = Arc::new(FailingAllocator::new(vma));
    let alloc = ResourceAllocator::with_memory_allocator(failing.clone(), StagingConfig::default()).expect("allocator");
    failing.fail_nth(1);
    assert!(alloc.create_buffer(&BufferDesc::new(64, vk::BufferUsageFlags::STORAGE_BUFFER).name("fails")).is_err());
    assert!(alloc.leak_details().is_empty());
    assert_eq!(failing.live_allocations(), 0);
}
