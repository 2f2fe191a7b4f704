//! Memory control (issue 19): budgets and statistics, the leak report, dedicated image
//! memory and read-back mappings, custom pools, and exported memory imported by a second device.

mod aliasing;
mod eviction;
mod eviction_race;
mod export;
mod leaks;
mod pools;
mod stats;
