//! What `vkres-bench`'s program and its diagnostic examples (`examples/upload_probe.rs`,
//! `examples/accel_probe/`) share: the run statistics ([`stats`]), the hand-written
//! ash + vk-mem helpers ([`raw`]), the hand-written acceleration-structure builds' geometry,
//! size query and input grid ([`accel_raw`]), and the upload's input ([`upload_input`]).
//! The program itself (the ways, the tables, the JSON and the plot) is the crate's binary,
//! `src/main.rs`.
#![warn(missing_docs)]

pub mod accel_raw;
pub mod raw;
pub mod stats;

/// Every fallible step of the program and the probes (Vulkan, VMA, vkres, wgpu, files)
/// reports through this.
pub type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The upload's input, for the bench's upload ways and `examples/upload_probe.rs`: `size`
/// bytes of a pattern.
pub fn upload_input(size: u64) -> Vec<u8> {
    (0..size).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
}
