//! Host copies into and out of mapped memory, split over rayon's thread pool when large.
//!
//! One host thread copies at 10-13 GB/s on the H100 machine, while the device copies staging
//! memory into its own at about 50 GB/s: a staged upload is bound by the memcpy. Eight threads
//! copy 256 MiB at about 38 GB/s there (`vkres-bench/examples/upload_probe.rs`), enough to keep
//! the device's copy busy. Below [`PARALLEL_MIN`] one thread copies: handing parts to the pool
//! costs microseconds a small copy does not have to spare.

use rayon::prelude::*;

/// Copies of at least this many bytes are split over threads.
pub(crate) const PARALLEL_MIN: usize = 4 << 20;

/// No thread gets a part smaller than this.
const PART_MIN: usize = 1 << 20;

/// Copies `src` into `dst` (of the same length), over several threads when large.
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    debug_assert_eq!(dst.len(), src.len());
    if src.len() < PARALLEL_MIN {
        dst.copy_from_slice(src);
        return;
    }
    let parts = (src.len() / PART_MIN).min(rayon::current_num_threads());
    if parts < 2 {
        dst.copy_from_slice(src);
        return;
    }
    // Parts start at multiples of 64 bytes: no two threads write one cache line.
    let part = src.len().div_ceil(parts).next_multiple_of(64);
    dst.par_chunks_mut(part).zip(src.par_chunks(part)).for_each(|(d, s)| d.copy_from_slice(s));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_copy_is_exact_at_odd_lengths() {
        for len in [0, 1, PARALLEL_MIN - 1, PARALLEL_MIN, PARALLEL_MIN + 4097, 3 * PARALLEL_MIN + 63] {
            let src: Vec<u8> = (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
            let mut dst = vec![0u8; len];
            copy(&mut dst, &src);
            assert!(dst == src, "copy of {len} bytes differs");
        }
    }
}
