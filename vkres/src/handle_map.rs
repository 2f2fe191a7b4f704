//! Hash maps and sets keyed by Vulkan handles and enums (a batch's bookkeeping, the context's
//! format cache, the sampler pool): the standard library's SipHash is built to resist keys chosen by an
//! attacker, which handles from the driver are not, and costs as much as the map operation
//! around it. One multiply per word of the key.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hasher (as `rustc-hash`'s) for keys that are one or a few `u64`s.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct HandleHasher(u64);

/// An odd constant with bits spread over the word (`rustc-hash`'s).
const K: u64 = 0xf135_7aea_2e62_a9c5;

impl Hasher for HandleHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(K);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_i32(&mut self, n: i32) {
        self.write_u64(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        // The product's high bits depend on every bit of the key; the map indexes with the low
        // ones, which for handles that are aligned pointers would otherwise share their zeros.
        self.0.rotate_left(26)
    }
}

/// A `HashMap` keyed by Vulkan handles.
pub(crate) type HandleMap<K, V> = HashMap<K, V, BuildHasherDefault<HandleHasher>>;
/// A `HashSet` of Vulkan handles.
pub(crate) type HandleSet<K> = HashSet<K, BuildHasherDefault<HandleHasher>>;

#[cfg(test)]
mod tests {
    use ash::vk;
    use ash::vk::Handle;

    use super::*;

    #[test]
    fn aligned_handles_spread_over_buckets() {
        // Pointers aligned to 64 bytes: the low 6 bits are zero. Their hashes' low 6 bits must
        // not all be.
        let low: HandleSet<u64> = (1..=64u64)
            .map(|i| {
                let mut h = HandleHasher::default();
                h.write_u64(vk::Buffer::from_raw(i << 6).as_raw());
                h.finish() & 63
            })
            .collect();
        assert!(low.len() > 32, "{} distinct bucket indices of 64", low.len());
        let set: HandleSet<vk::Buffer> = (1..=1000u64).map(|i| vk::Buffer::from_raw(i << 6)).collect();
        assert!((1..=1000u64).all(|i| set.contains(&vk::Buffer::from_raw(i << 6))));
    }
}
