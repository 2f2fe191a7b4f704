//! The state word of a range (or a slab's slot): the count of recorded uses not known to be
//! finished, and a `WRITING` bit while a host write through the arena's mapping copies into it.
//!
//! A host write takes the word from 0 to `WRITING` with one compare-and-swap (refused while a
//! use is counted); a recording's use-claim adds 1 and, if it finds `WRITING`, waits for that
//! copy (a `memcpy` of the range, bounded) to end before it records. So a use recorded by
//! another thread is either counted before the write's CAS (the write is refused) or recorded
//! after the write has ended (the work sees the bytes): the check and the write are one step
//! (issue 16, "Not done yet": `SubBuffer::write` checked, then wrote). No lock: the claim is
//! the same one atomic add as before; the write one CAS and one `fetch_and`.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The bit a host write holds (the uses are counted below it).
const WRITING: usize = 1 << (usize::BITS - 1);

/// Counts one recorded use; waits while a host write copies into the range.
pub(super) fn claim(word: &AtomicUsize) {
    // Acquire: a write that ended before is seen by the work recorded after this.
    let mut v = word.fetch_add(1, Ordering::Acquire);
    let mut spins = 0u32;
    while v & WRITING != 0 {
        if spins < 64 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
        spins = spins.saturating_add(1);
        v = word.load(Ordering::Acquire);
    }
}

/// Ends one recorded use (after its work was seen finished).
pub(super) fn release(word: &AtomicUsize) {
    // Release: a host write that takes the word (Acquire) sees the work done.
    word.fetch_sub(1, Ordering::Release);
}

/// The recorded uses counted (without the `WRITING` bit).
pub(super) fn uses(word: &AtomicUsize) -> usize {
    word.load(Ordering::Acquire) & !WRITING
}

/// A host write's hold of the word: no use is claimed (recorded) until it is dropped.
pub(crate) struct Writing<'a>(&'a AtomicUsize);

/// Takes the word for a host write, or gives back the number of recorded uses counted. A
/// second host write into the range (another handle of it, or of its group) waits for the
/// first one's copy to end.
pub(super) fn begin_write(word: &AtomicUsize) -> Result<Writing<'_>, usize> {
    let mut spins = 0u32;
    loop {
        match word.compare_exchange_weak(0, WRITING, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => return Ok(Writing(word)),
            Err(v) if v & !WRITING != 0 => return Err(v & !WRITING),
            Err(_) => {
                if spins < 64 {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
                spins = spins.saturating_add(1);
            }
        }
    }
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        // Release: a claim waiting on the bit sees the written bytes.
        self.0.fetch_and(!WRITING, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn a_write_is_refused_while_a_use_is_counted_and_a_claim_waits_for_a_write() {
        let word = AtomicUsize::new(0);
        claim(&word);
        assert_eq!(begin_write(&word).err(), Some(1));
        release(&word);
        let writing = begin_write(&word).expect("no use");
        assert_eq!(uses(&word), 0);
        std::thread::scope(|s| {
            let claimer = s.spawn(|| claim(&word));
            std::thread::sleep(std::time::Duration::from_millis(20));
            assert!(!claimer.is_finished(), "the claim waits while the write holds the word");
            drop(writing);
            claimer.join().expect("claim");
        });
        assert_eq!(uses(&word), 1);
        assert!(begin_write(&word).is_err());
    }
}
