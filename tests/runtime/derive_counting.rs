//! The runtime binary's global allocator: the system allocator, counting the heap allocations
//! (and reallocations) each thread makes, so that a test can prove a per-frame path allocates
//! nothing (`derive_frames`: a derived bundle's TLAS refit). Counted per thread, so tests
//! running beside it do not disturb the count; the driver's and the layer's C heap is not
//! counted (only Rust's).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// Allocations of this thread so far (const-initialized, no destructor: usable from inside
    /// the allocator without allocating).
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The system allocator, counting.
struct Counting;

fn count() {
    // During thread teardown the slot may be gone: that allocation is not counted.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded: `ptr` came from `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded: `ptr` came from `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// The heap allocations (and reallocations) `f` made on this thread, and its result.
pub fn allocations_of<R>(f: impl FnOnce() -> R) -> (u64, R) {
    let before = ALLOCATIONS.with(Cell::get);
    let r = f();
    (ALLOCATIONS.with(Cell::get) - before, r)
}

/// The counter counts: a `Vec` of one element is one allocation (so that a count of 0
/// elsewhere means something).
#[test]
fn the_counter_counts() {
    let (n, v) = allocations_of(|| vec![1u8]);
    assert_eq!((n, v.len()), (1, 1));
}
