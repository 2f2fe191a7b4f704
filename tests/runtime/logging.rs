//! vkres's records through the `log` facade: a program's logger sees validation messages (at
//! their severity), the warning of an allocator dropped while allocations are alive, the warning
//! of a transfer queue asked for on a device without one, and the
//! debug trace of each batch submission, and the warning of an allocation the heaps cannot hold.

use std::sync::{Mutex, OnceLock};

use vkres::{BufferDesc, ResourceAllocator, StagingConfig, vk};

use crate::support::{Gpu, create_zero_size_buffer};

/// A `log::Log` that keeps every record of vkres (level and text) in memory, as a program's
/// logger (`env_logger`, ...) would print them.
struct Capture {
    records: Mutex<Vec<(log::Level, String, String)>>,
}

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("vkres") && metadata.level() <= log::Level::Debug
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let entry = (record.level(), record.target().to_owned(), record.args().to_string());
            self.records.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
        }
    }

    fn flush(&self) {}
}

/// The process's logger (the runtime tests share one process; only this file installs one).
fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture { records: Mutex::new(Vec::new()) }));
        log::set_logger(capture).expect("no other logger in the runtime tests");
        log::set_max_level(log::LevelFilter::Debug);
        capture
    })
}

/// Records whose text contains `needle` (other tests log at the same time).
fn records_with(needle: &str) -> Vec<(log::Level, String, String)> {
    let records = capture().records.lock().unwrap_or_else(|e| e.into_inner());
    records.iter().filter(|(_, _, text)| text.contains(needle)).cloned().collect()
}

#[test]
fn a_users_logger_sees_a_validation_error() {
    capture();
    let gpu = Gpu::new();
    create_zero_size_buffer(gpu.ctx().device());
    let in_log = gpu.log().take();
    assert!(in_log.iter().any(|m| m.id_name.contains("VkBufferCreateInfo-size")), "the MessageLog has it too");
    let logged = records_with("VkBufferCreateInfo-size");
    assert!(
        logged.iter().any(|(level, target, _)| *level == log::Level::Error && target == "vkres::validation"),
        "no error record of the zero-size buffer reached the logger: {logged:?}"
    );
}

#[test]
fn a_users_logger_sees_allocations_alive_at_allocator_drop_and_batch_traces() {
    capture();
    let gpu = Gpu::new();
    // A second allocator on the same backend, dropped while its buffer is alive.
    let alloc =
        ResourceAllocator::with_memory_allocator(gpu.alloc().memory_allocator().clone(), StagingConfig::default())
            .expect("allocator");
    let name = "alive at the logging test's allocator drop";
    let desc =
        BufferDesc::new(256, vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST).name(name);
    let buffer = alloc.create_typed_buffer::<u32>(&desc).expect("buffer");
    let mut batch = alloc.batch().expect("batch");
    batch.upload(&buffer, 0, &[7u32; 64]).expect("upload");
    batch.submit_and_wait().expect("submit");
    let traced = records_with("batch submitted");
    assert!(traced.iter().any(|(level, _, _)| *level == log::Level::Debug), "no debug trace of a batch: {traced:?}");
    drop(alloc);
    let warned = records_with(name);
    assert!(
        warned.iter().any(|(level, _, _)| *level == log::Level::Warn),
        "no warning named the live buffer when its allocator dropped: {warned:?}"
    );
    drop(buffer);
}

#[test]
fn a_users_logger_sees_the_transfer_queue_fallback() {
    capture();
    let gpu = Gpu::with(vkres::ContextOptions::new().transfer_queue(true));
    let warned = records_with("a transfer queue was asked for");
    match gpu.ctx().transfer_queue_family_index() {
        // lavapipe: one family, the fallback taken and said.
        None => {
            assert!(
                warned.iter().any(|(level, _, text)| *level == log::Level::Warn
                    && text.contains(&gpu.ctx().capabilities().device_name)),
                "no warning of the fallback: {warned:?}"
            )
        }
        Some(family) => {
            println!("{} has a transfer-only family ({family}): no fallback", gpu.ctx().capabilities().device_name)
        }
    }
}

/// Budget pressure: an allocation the heaps cannot hold is a warning the program's logger sees
/// (besides the error the caller gets).
#[test]
fn a_users_logger_sees_out_of_device_memory() {
    capture();
    let gpu = Gpu::new();
    // Heaps capped at 64 MiB (VMA's heap size limit, as on a device with that much memory).
    let memory = vkres::VmaAllocator::with_heap_limit(gpu.ctx(), 64 << 20).expect("vma");
    let alloc = ResourceAllocator::with_memory_allocator(std::sync::Arc::new(memory), StagingConfig::default())
        .expect("allocator");
    let desc = BufferDesc::new(128 << 20, vk::BufferUsageFlags::STORAGE_BUFFER).name("logging-too-large");
    let err = alloc.create_buffer(&desc).map(drop).expect_err("the heaps cannot hold it");
    assert_eq!(err.vk_result(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY), "{err}");
    let warned = records_with("`logging-too-large`: out of device memory");
    assert!(
        warned.iter().any(|(level, target, _)| *level == log::Level::Warn && target == "vkres::memory"),
        "{warned:?}"
    );
}
