//! The suite package (examples, tests, benchmarks) has no code of its own; this library exists
//! so that the README's examples, the full `#[derive(GpuResources)]` example among them, compile
//! and run as doctests.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
