//! The retire queue: submitted work ([`InFlight`]) its owner let go of before it finished,
//! released when it has, without blocking the thread that let go
//! ([`ResourceAllocator::retire`](super::ResourceAllocator::retire)).
//!
//! Checked (one fence or semaphore query per queued work, oldest first) whenever the
//! allocator opens a batch or a recorder and by
//! [`collect_retired`](super::ResourceAllocator::collect_retired); with nothing queued that
//! costs one atomic load. Dropped with the last clone of its allocator, it waits (bounded) for
//! what it still holds.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::in_flight::InFlight;

/// Work waiting to be released once finished.
#[derive(Debug, Default)]
pub(crate) struct RetireQueue {
    queued: Mutex<Vec<InFlight>>,
    /// `queued.len()`, read without the lock.
    count: AtomicUsize,
}

impl RetireQueue {
    /// Releases `work` now if it has finished, else queues it.
    pub(crate) fn push(&self, mut work: InFlight) {
        if work.poll() {
            return;
        }
        let mut queued = self.queued.lock().unwrap_or_else(|e| e.into_inner());
        queued.push(work);
        self.count.store(queued.len(), Ordering::Release);
    }

    /// Releases the queued work that has finished; returns how much is still queued.
    pub(crate) fn collect(&self) -> usize {
        if self.count.load(Ordering::Acquire) == 0 {
            return 0;
        }
        let finished: Vec<InFlight> = {
            let mut queued = self.queued.lock().unwrap_or_else(|e| e.into_inner());
            let mut finished = Vec::new();
            let mut i = 0;
            while i < queued.len() {
                if queued[i].poll() {
                    finished.push(queued.swap_remove(i));
                } else {
                    i += 1;
                }
            }
            self.count.store(queued.len(), Ordering::Release);
            finished
        };
        let left = self.count.load(Ordering::Acquire);
        // Released outside the lock: dropping resources can take time.
        drop(finished);
        left
    }
}
