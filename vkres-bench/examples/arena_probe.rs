//! Where the time of a suballocated range goes (issue 20 item 4): the arena's creation, then
//! `allocate_bytes` one range at a time, `allocate_many`, the drop of the ranges, each timed
//! alone, many rounds (median). Run under `perf record` to see the pieces of one call.
//!
//! ```sh
//! cargo run -p vkres-bench --release --example arena_probe -- [ROUNDS]
//! ```

use std::time::Instant;

use vkres::ash::vk;
use vkres::{BufferDesc, Context, ContextOptions, MemoryLocation, ResourceAllocator};
use vkres_bench::{BenchResult, stats};

fn main() -> BenchResult<()> {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let count = 10_000usize;
    let size = 4096u64;
    let ctx = Context::new(ContextOptions::new().debug_utils(false))?;
    let alloc = ResourceAllocator::new(&ctx)?;
    let desc = BufferDesc::new(size * count as u64, vk::BufferUsageFlags::STORAGE_BUFFER)
        .location(MemoryLocation::PreferDevice);
    let (mut create, mut each, mut many, mut drop_each) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        let t = Instant::now();
        let arena = alloc.create_buffer_arena(&desc)?;
        create.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let ranges = (0..count).map(|_| arena.allocate_bytes(size)).collect::<vkres::Result<Vec<_>>>()?;
        each.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        drop(ranges);
        drop_each.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        let ranges = arena.allocate_many::<u8>(count, size)?;
        many.push(t.elapsed().as_secs_f64() * 1e3);
        drop(ranges);
    }
    for (name, v) in [
        ("create_buffer_arena", create),
        ("allocate_bytes x10000", each),
        ("drop x10000", drop_each),
        ("allocate_many 10000", many),
    ] {
        println!("{name:24} {:.4} ms (median of {rounds})", stats::median(&v).unwrap_or(f64::NAN));
    }
    Ok(())
}
