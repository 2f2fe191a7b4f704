//! The state word of a range (or a slab's slot): the count of recorded uses not known to be
//! finished, and a `WRITING` bit while a host write (or read) through the arena's mapping
//! copies into (or out of) it. Uses that only read the range (`download_sub`,
//! `keep_alive_read_only`) are counted apart, in the upper half ([`READ`]): a host read is
//! refused only while a use that may write is counted (session 8, helper "mend8").
//!
//! A host write takes the word from 0 to `WRITING` with one compare-and-swap (refused while a
//! use is counted); a recording's use-claim adds 1 and, if it finds `WRITING`, waits for that
//! copy (a `memcpy` of the range, bounded) to end before it records. So a use recorded by
//! another thread is either counted before the write's CAS (the write is refused) or recorded
//! after the write has ended (the work sees the bytes): the check and the write are one step
//! (issue 16, "Not done yet": `SubBuffer::write` checked, then wrote). No lock: the claim is
//! the same one atomic add as before; the write one CAS and one `fetch_and`.

use std::sync::atomic::{AtomicU64, Ordering};

/// The word: 64 bits on every target (session 9, helper "mend10": a `usize` word split in
/// half-words had room for 32767 pending reads and 65535 pending writes on a 32-bit target,
/// past which the counts carried into `WRITING` (every claim then spins) or into the reads
/// (a host read allowed while writes are pending); nothing bounded them). The crate needs
/// 64-bit atomics already (`Fence`).
pub(super) type Word = AtomicU64;

/// The bit a host write (or read) holds (the uses are counted below it).
const WRITING: u64 = 1 << (u64::BITS - 1);

/// One recorded use that may write the range (the lower half of the word).
pub(super) const WRITE: u64 = 1;

/// One recorded use that only reads the range (the upper half, below [`WRITING`]).
pub(super) const READ: u64 = 1 << (u64::BITS / 2);

/// The uses that may write.
const WRITES: u64 = READ - 1;

/// Counts one recorded use (`one`: [`WRITE`] or [`READ`]); waits while a host write copies
/// into the range.
pub(super) fn claim(word: &Word, one: u64) {
    // Acquire: a write that ended before is seen by the work recorded after this.
    let mut v = word.fetch_add(one, Ordering::Acquire);
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

/// Ends one recorded use (after its work was seen finished), `one` as it was claimed.
pub(super) fn release(word: &Word, one: u64) {
    // Release: a host write that takes the word (Acquire) sees the work done.
    word.fetch_sub(one, Ordering::Release);
}

/// The recorded uses counted, reads and writes.
fn count(v: u64) -> u64 {
    (v & WRITES) + ((v & !WRITING) >> (u64::BITS / 2))
}

/// The recorded uses counted (without the `WRITING` bit).
pub(super) fn uses(word: &Word) -> u64 {
    count(word.load(Ordering::Acquire))
}

/// A host write's hold of the word: no use is claimed (recorded) until it is dropped.
pub(crate) struct Writing<'a>(&'a Word);

/// Takes the word for a host write, or gives back the number of recorded uses counted. A
/// second host write into the range (another handle of it, or of its group) waits for the
/// first one's copy to end.
pub(super) fn begin_write(word: &Word) -> Result<Writing<'_>, u64> {
    let mut spins = 0u32;
    loop {
        match word.compare_exchange_weak(0, WRITING, Ordering::Acquire, Ordering::Relaxed) {
            Ok(_) => return Ok(Writing(word)),
            Err(v) if v & !WRITING != 0 => return Err(count(v)),
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

/// Takes the word for a host read, or gives back the number of recorded uses that may write
/// counted (uses that only read are no obstacle). Held as a write is, so that a use recorded
/// meanwhile by another thread waits for the copy to end (its work then runs after the read).
pub(super) fn begin_read(word: &Word) -> Result<Writing<'_>, u64> {
    let mut spins = 0u32;
    let mut v = word.load(Ordering::Relaxed);
    loop {
        if v & WRITES != 0 {
            return Err(v & WRITES);
        }
        if v & WRITING == 0 {
            match word.compare_exchange_weak(v, v | WRITING, Ordering::Acquire, Ordering::Relaxed) {
                Ok(_) => return Ok(Writing(word)),
                Err(now) => {
                    v = now;
                    continue;
                }
            }
        }
        if spins < 64 {
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
        spins = spins.saturating_add(1);
        v = word.load(Ordering::Relaxed);
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
    use super::*;

    #[test]
    fn a_write_is_refused_while_a_use_is_counted_and_a_claim_waits_for_a_write() {
        let word = Word::new(0);
        claim(&word, WRITE);
        assert_eq!(begin_write(&word).err(), Some(1));
        release(&word, WRITE);
        let writing = begin_write(&word).expect("no use");
        assert_eq!(uses(&word), 0);
        std::thread::scope(|s| {
            let claimer = s.spawn(|| claim(&word, WRITE));
            std::thread::sleep(std::time::Duration::from_millis(20));
            assert!(!claimer.is_finished(), "the claim waits while the write holds the word");
            drop(writing);
            claimer.join().expect("claim");
        });
        assert_eq!(uses(&word), 1);
        assert!(begin_write(&word).is_err());
    }

    #[test]
    fn counts_past_the_half_words_of_a_32_bit_word_stay_apart() {
        // Session 9, helper "mend10": with a `usize` word on a 32-bit target, 32768 reads
        // carried into `WRITING` and 65536 writes into the reads. Claims are one add each:
        // the word is set to the counts those claims leave.
        let word = Word::new(0);
        word.store((1 << 15) * READ, Ordering::Relaxed);
        assert_eq!(word.load(Ordering::Relaxed) & WRITING, 0, "32768 reads are not a host write");
        claim(&word, READ); // returns: no host write holds the word
        assert_eq!(uses(&word), (1 << 15) + 1);
        drop(begin_read(&word).expect("only reads pending"));
        // Up to the most reads the word holds (2^31 - 1 pending at once).
        word.store(((1 << 31) - 2) * READ, Ordering::Relaxed);
        claim(&word, READ);
        assert_eq!(word.load(Ordering::Relaxed) & WRITING, 0);
        assert_eq!(uses(&word), (1 << 31) - 1);
        word.store(u64::from(u16::MAX) + 1, Ordering::Relaxed);
        assert_eq!(begin_read(&word).err(), Some(1 << 16), "65536 writes pending: no host read");
        assert_eq!(uses(&word), 1 << 16);
        // The bounds: 2^32 - 1 writes and 2^31 - 1 reads fit.
        assert_eq!(WRITES, u64::from(u32::MAX));
        assert_eq!((WRITING - READ) / READ, (1 << 31) - 1);
    }

    #[test]
    fn a_read_is_refused_only_by_uses_that_may_write() {
        let word = Word::new(0);
        claim(&word, READ);
        claim(&word, READ);
        assert_eq!(uses(&word), 2);
        assert_eq!(begin_write(&word).err(), Some(2), "a write is refused by reads too");
        drop(begin_read(&word).expect("reads only"));
        claim(&word, WRITE);
        assert_eq!(uses(&word), 3);
        assert_eq!(begin_read(&word).err(), Some(1), "one use may write");
        release(&word, WRITE);
        let reading = begin_read(&word).expect("reads only again");
        assert_eq!(uses(&word), 2);
        drop(reading);
        release(&word, READ);
        release(&word, READ);
        assert_eq!(word.load(Ordering::Relaxed), 0);
    }
}
