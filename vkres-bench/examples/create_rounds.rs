//! Where `create_buffer`'s time goes on a real driver (session 11, helper perf11): the
//! small-buffers section's ways and variants of them, timed in interleaved rounds (a new
//! order each round, the C heap settled after each way, as the bench), 10 000 unnamed 4 KiB
//! `PreferDevice` `STORAGE | TRANSFER_DST` buffers each, on a fresh allocator per round:
//!
//! - `vkres`: `ResourceAllocator::create_buffer` (the bench's way 0; a thread's spare slots
//!   of the previous round's buffers are filled);
//! - `vkres-fresh`: the same with the previous round's buffers dropped on another thread, so
//!   that this thread has no spare slot and every state is a new `malloc` (what a program
//!   that creates its buffers once sees);
//! - `ash`: `vmaCreateBuffer` + `vmaGetAllocationInfo` on a VMA of no flags (the bench's way 1);
//! - `ash-like`: the same on a VMA configured as vkres's (the bench's way 3);
//! - `ash-like-bare`: `vmaCreateBuffer` alone on a VMA configured as vkres's (no
//!   `vmaGetAllocationInfo`, which vkres does not call).
//!
//! ```sh
//! cargo build -p vkres-bench --release --example create_rounds
//! target/release/examples/create_rounds 30            # every way, 30 rounds
//! target/release/examples/create_rounds 30 vkres      # one way alone (for perf stat)
//! EVICT_KIB=2048 COUNT=1000 target/release/examples/create_rounds 30
//! ```
//!
//! `EVICT_KIB=N`: before each buffer, N KiB of another allocation are read (a byte a cache
//! line), pushing what the previous buffer's creation touched out of the caches (a driver whose
//! calls touch much more memory than lavapipe's would); each creation is then timed alone and
//! the times summed, so the eviction is not in the figures. What a way loses against another
//! under it is the cache lines of its own that it reads and writes per buffer.

use std::time::{Duration, Instant};

use vk_mem::Alloc;
use vkres::ash::vk;
use vkres::{Buffer, BufferDesc, Context, ContextOptions, MemoryLocation, ResourceAllocator};
use vkres_bench::BenchResult;
use vkres_bench::raw::Raw;

const SIZE: u64 = 4096;
const WAYS: [&str; 5] = ["vkres", "vkres-fresh", "ash", "ash-like", "ash-like-bare"];

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(30);
    let only = args.next();
    let ways: Vec<usize> = (0..WAYS.len()).filter(|&w| only.as_deref().is_none_or(|o| o == WAYS[w])).collect();
    if ways.is_empty() {
        return Err(format!("no way named {only:?}: {WAYS:?}").into());
    }
    let usage = vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST;
    let env = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let count = env("COUNT", 10_000);
    let evict = vec![1u8; env("EVICT_KIB", 0) << 10];
    let ctx = Context::new(ContextOptions::new().debug_utils(false))?;
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); WAYS.len()];
    let mut order = ways.clone();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..rounds + 1 {
        // A new order each round (xorshift), as the bench's `interleaved`.
        for i in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        for &way in &order {
            let t = run(&ctx, way, usage, count, &evict)?;
            if round > 0 {
                times[way].push(t);
            }
            vkres_bench::stats::settle_heap();
        }
    }
    let median = |v: &[Duration]| {
        let mut v = v.to_vec();
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1e3
    };
    for &w in &ways {
        println!(
            "{:>14}: median {:.3} ms ({:.1} ns a buffer)",
            WAYS[w],
            median(&times[w]),
            median(&times[w]) * 1e6 / count as f64
        );
    }
    if ways.len() == WAYS.len() {
        for (a, b) in [(0, 2), (0, 3), (0, 4), (1, 4), (3, 2), (4, 3)] {
            let mut r: Vec<f64> =
                times[a].iter().zip(&times[b]).map(|(x, y)| x.as_secs_f64() / y.as_secs_f64()).collect();
            r.sort_by(f64::total_cmp);
            println!(
                "{:>14} / {:<14} run by run: median {:.3}, lowest {:.3}, highest {:.3}",
                WAYS[a],
                WAYS[b],
                r[r.len() / 2],
                r[0],
                r[r.len() - 1]
            );
        }
    }
    Ok(())
}

/// Reads a byte of each cache line of `evict`, then starts a clock; the clock's reading is
/// added to `total` by [`Clock::stop`]. Without an eviction buffer, one clock spans the loop.
struct Clock<'a> {
    evict: &'a [u8],
    total: Duration,
    start: Instant,
}

impl<'a> Clock<'a> {
    fn new(evict: &'a [u8]) -> Self {
        Clock { evict, total: Duration::ZERO, start: Instant::now() }
    }

    #[inline(always)]
    fn start(&mut self) {
        if !self.evict.is_empty() {
            let mut sum = 0u8;
            for i in (0..self.evict.len()).step_by(64) {
                sum = sum.wrapping_add(self.evict[i]);
            }
            std::hint::black_box(sum);
            self.start = Instant::now();
        }
    }

    #[inline(always)]
    fn stop(&mut self) {
        if !self.evict.is_empty() {
            self.total += self.start.elapsed();
        }
    }

    fn total(self) -> Duration {
        match self.evict.is_empty() {
            true => self.start.elapsed(),
            false => self.total,
        }
    }
}

fn run(
    ctx: &std::sync::Arc<Context>,
    way: usize,
    usage: vk::BufferUsageFlags,
    count: usize,
    evict: &[u8],
) -> BenchResult<Duration> {
    match way {
        0 | 1 => {
            let alloc = ResourceAllocator::new(ctx)?;
            let desc = BufferDesc::new(SIZE, usage).location(MemoryLocation::PreferDevice);
            let mut clock = Clock::new(evict);
            let mut buffers: Vec<Buffer> = Vec::with_capacity(count);
            for _ in 0..count {
                clock.start();
                buffers.push(alloc.create_buffer(&desc)?);
                clock.stop();
            }
            let elapsed = clock.total();
            match way {
                0 => drop(buffers),
                // Dropped on a thread of their own: their slots go to its spare list, freed
                // when it exits, none to this thread's.
                _ => std::thread::spawn(move || drop(buffers)).join().map_err(|_| "dropping thread panicked")?,
            }
            Ok(elapsed)
        }
        _ => {
            let raw = match way {
                2 => Raw::new(ctx, vk_mem::AllocatorCreateFlags::empty())?,
                _ => Raw::like_vkres(ctx)?,
            };
            let create =
                vk_mem::AllocationCreateInfo { usage: vk_mem::MemoryUsage::AutoPreferDevice, ..Default::default() };
            let info = vk::BufferCreateInfo::default().size(SIZE).usage(usage);
            let mut clock = Clock::new(evict);
            let mut made: Vec<BenchResult<(vk::Buffer, vk_mem::Allocation)>> = Vec::with_capacity(count);
            for _ in 0..count {
                clock.start();
                made.push(match way {
                    // SAFETY: a valid create info; destroyed below.
                    4 => unsafe { raw.vma.create_buffer(&info, &create) }.map_err(Into::into),
                    _ => raw.buffer(SIZE, usage, &create).map(|b| (b.buffer, b.allocation)),
                });
                clock.stop();
            }
            let elapsed = clock.total();
            for m in made {
                let (buffer, mut allocation) = m?;
                // SAFETY: made above, not in use, destroyed once.
                unsafe { raw.vma.destroy_buffer(buffer, &mut allocation) };
            }
            Ok(elapsed)
        }
    }
}
