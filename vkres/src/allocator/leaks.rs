//! [`LeakWatch`]: the warning, through the `log` facade, of allocations still alive when the
//! last clone of a [`ResourceAllocator`](super::ResourceAllocator) drops.

use std::sync::Arc;

use crate::memory::MemoryAllocator;

/// Shared by every clone of one allocator (and those of its
/// [`with_staging`](super::ResourceAllocator::with_staging)); its drop is the last clone's.
#[derive(Debug)]
pub(super) struct LeakWatch {
    memory: Arc<dyn MemoryAllocator>,
}

impl LeakWatch {
    pub(super) fn new(memory: Arc<dyn MemoryAllocator>) -> Arc<Self> {
        Arc::new(Self { memory })
    }
}

impl Drop for LeakWatch {
    fn drop(&mut self) {
        // The allocator's staging managers dropped before (the field is declared after them),
        // freeing their free chunks: what is left is held by resources or by work in flight.
        // The detailed report: names, sizes, memory types, and backtraces where captured.
        self.memory.leak_report().warn(
            "a ResourceAllocator dropped while allocations of its memory backend are alive \
             (a leak unless their resources drop later)",
        );
    }
}
