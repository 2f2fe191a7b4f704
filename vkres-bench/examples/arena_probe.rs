//! Where the time of a suballocated range goes (issue 20 item 4): the arena's creation, then
//! `allocate_bytes` one range at a time, `allocate_many`, `allocate_group`, the drop of the
//! ranges, each timed alone, many rounds (median); each round on a fresh allocator, as the
//! bench's ways (`vkres-bench/src/ways/small_buffers.rs`). Each part is a function of its own
//! (`#[inline(never)]`), so that callgrind counts it alone:
//!
//! ```sh
//! cargo run -p vkres-bench --release --example arena_probe -- [ROUNDS]
//! valgrind --tool=callgrind --toggle-collect='arena_probe::each' \
//!     target/release/examples/arena_probe 20    # instructions / (20 * 10 000) a range
//! ```

use std::time::Instant;

use vkres::ash::vk;
use vkres::{BufferArena, BufferDesc, Context, ContextOptions, MemoryLocation, ResourceAllocator, SubBuffer};
use vkres_bench::{BenchResult, stats};

const COUNT: usize = 10_000;
const SIZE: u64 = 4096;

#[inline(never)]
fn create(alloc: &ResourceAllocator, desc: &BufferDesc) -> vkres::Result<BufferArena> {
    alloc.create_buffer_arena(desc)
}

#[inline(never)]
fn each(arena: &BufferArena, out: &mut Vec<SubBuffer>) -> vkres::Result<()> {
    for _ in 0..COUNT {
        out.push(arena.allocate_bytes(SIZE)?);
    }
    Ok(())
}

#[inline(never)]
fn many(arena: &BufferArena) -> vkres::Result<Vec<SubBuffer>> {
    arena.allocate_many::<u8>(COUNT, SIZE)
}

#[inline(never)]
fn group(arena: &BufferArena) -> vkres::Result<Vec<SubBuffer>> {
    arena.allocate_group::<u8>(COUNT, SIZE)
}

#[inline(never)]
fn drop_all(ranges: &mut Vec<SubBuffer>) {
    ranges.clear();
}

fn main() -> BenchResult<()> {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let ctx = Context::new(ContextOptions::new().debug_utils(false))?;
    let usage = vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST;
    let desc = BufferDesc::new(SIZE * COUNT as u64, usage).location(MemoryLocation::PreferDevice);
    let mut times: [Vec<f64>; 6] = Default::default();
    let mut ranges = Vec::with_capacity(COUNT);
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1e3;
    for _ in 0..rounds {
        let alloc = ResourceAllocator::new(&ctx)?;
        let t = Instant::now();
        let arena = create(&alloc, &desc)?;
        times[0].push(ms(t));
        let t = Instant::now();
        each(&arena, &mut ranges)?;
        times[1].push(ms(t));
        let t = Instant::now();
        drop_all(&mut ranges);
        times[2].push(ms(t));
        let t = Instant::now();
        let taken = many(&arena)?;
        times[3].push(ms(t));
        drop(taken);
        drop(arena);
        let arena = create(&alloc, &desc)?;
        let t = Instant::now();
        let taken = group(&arena)?;
        times[4].push(ms(t));
        drop(taken);
        drop(arena);
        let t = Instant::now();
        let arena = create(&alloc, &desc)?;
        each(&arena, &mut ranges)?;
        times[5].push(ms(t));
        drop_all(&mut ranges);
    }
    let names = [
        "create_buffer_arena (fresh allocator)",
        "allocate_bytes x10000 (new slabs)",
        "drop x10000",
        "allocate_many 10000 (slabs reused)",
        "allocate_group 10000 (arena made before)",
        "create + allocate_bytes x10000 (the bench's way 5)",
    ];
    for (name, v) in names.iter().zip(times) {
        println!("{name:52} {:.4} ms (median of {rounds})", stats::median(&v).unwrap_or(f64::NAN));
    }
    Ok(())
}
