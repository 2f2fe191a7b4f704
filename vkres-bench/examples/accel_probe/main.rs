//! Where the time of one large BLAS build goes, vkres's `Batch::build_blas` beside the
//! hand-written ash + vk-mem build of `vkres-bench` (issue 4: 1.12x on the H100, 1.00x on
//! lavapipe). Not a benchmark table: each row isolates one difference between the two ways.
//!
//! ```sh
//! cargo run -p vkres-bench --release --example accel_probe -- --runs 15
//! ```
//!
//! Options: `--runs N` (counted rounds, default 15), `--warmups N` (default 2), `--triangles N`
//! (default 1 000 000; lavapipe takes ~75 ms per 1M-triangle build), `--idle-ms N` (default
//! 100), `--no-stamps` (no timestamps around the builds). `VKRES_DEVICE` picks the device as for
//! the bench.
//!
//! Both ways run on the bench's device through a second context whose function tables log a few
//! calls (`hooks.rs`), so vkres's phases show without changing vkres. Each round runs every
//! way once, the order rotated by one way each round. Per way, medians in ms of:
//!
//! - host phases, which add up to the total: `create` (structure and storage: vkres's `batch()`
//!   and `build_blas`), `scratch` (until the scratch buffer's device address), `record` (until
//!   `vkQueueSubmit2`), `submit` (until `vkWaitForFences`), `wait`, `cleanup` (until the way's
//!   timed region ends: vkres's pool and fence reset, scratch freed, state applied);
//! - `gpu`: the build between two timestamps (`vkCmdWriteTimestamp2`, `timestampPeriod`);
//! - `sub>wake`: from `vkQueueSubmit2` to the wait's return (the device's part as the host sees it);
//! - `allocs`: `vkAllocateMemory` calls (and MiB) and `vkFreeMemory` calls in the timed region.

mod hand;
mod hooks;

use std::time::{Duration, Instant};

use hand::{Hand, Knobs, Res};
use hooks::{Call, Event};
use vkres::ash::vk;
use vkres::{Blas, BlasDesc, Buffer, BufferDesc, Context, ContextOptions, MemoryLocation, ResourceAllocator};
use vkres::{MemoryInfo, TriangleGeometry};
use vkres_bench::accel_raw::{RawMesh, grid, grid_quads};
use vkres_bench::stats::{self, Summary};

struct Args {
    runs: usize,
    warmups: usize,
    triangles: u32,
    idle: Duration,
    stamps: bool,
}

impl Args {
    fn parse() -> Res<Self> {
        let mut args =
            Args { runs: 15, warmups: 2, triangles: 1_000_000, idle: Duration::from_millis(100), stamps: true };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or(format!("{flag} needs a value"));
            match flag.as_str() {
                "--runs" => args.runs = value()?.parse()?,
                "--warmups" => args.warmups = value()?.parse()?,
                "--triangles" => args.triangles = value()?.parse()?,
                "--idle-ms" => args.idle = Duration::from_millis(value()?.parse()?),
                "--no-stamps" => args.stamps = false,
                _ => return Err(format!("unknown option {flag}; see the example's docs").into()),
            }
        }
        args.runs = args.runs.max(1);
        args.triangles = args.triangles.max(2);
        Ok(args)
    }
}

/// What a way does.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Vkres,
    Hand(Knobs),
}

struct Way {
    name: &'static str,
    kind: Kind,
    /// Sleeps `--idle-ms` before the timed region (the device idles, as in the bench after
    /// its 1000 one-submit-each builds).
    idle: bool,
}

fn ways() -> Vec<Way> {
    let all =
        Knobs { vkres_barrier: true, heap_limits: true, auto_storage: true, transient_pool: true, dedicated: false };
    let hand = |name, knobs| Way { name, kind: Kind::Hand(knobs), idle: false };
    vec![
        Way { name: "vkres Batch::build_blas", kind: Kind::Vkres, idle: false },
        hand("hand-written (vkres-bench's way)", Knobs::default()),
        hand("hand + vkres's closing barrier", Knobs { vkres_barrier: true, ..Knobs::default() }),
        hand("hand + VMA with heap limits (vkres's)", Knobs { heap_limits: true, ..Knobs::default() }),
        hand("hand + storage MemoryUsage::Auto", Knobs { auto_storage: true, ..Knobs::default() }),
        hand("hand + TRANSIENT pool reset after wait", Knobs { transient_pool: true, ..Knobs::default() }),
        hand("hand + all four of vkres's choices", all),
        hand("hand + dedicated storage, scratch", Knobs { dedicated: true, ..Knobs::default() }),
        Way { name: "vkres after idle", kind: Kind::Vkres, idle: true },
        Way { name: "hand-written after idle", kind: Kind::Hand(Knobs::default()), idle: true },
    ]
}

/// One timed run of a way, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    total: f64,
    create: f64,
    scratch: f64,
    record: f64,
    submit: f64,
    wait: f64,
    cleanup: f64,
    gpu: Option<f64>,
    submit_to_wake: f64,
    allocs: f64,
    alloc_mib: f64,
    frees: f64,
}

fn ms(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1e3
}

/// Splits a run at the logged calls: `t0`, the structure made, the scratch's address, the
/// submission, the wait and its return, the end.
fn sample(t0: Instant, created: Instant, end: Instant, events: &[Event]) -> Res<Sample> {
    let find = |call: Call, after: Instant| events.iter().find(|e| e.call == call && e.start >= after);
    let build = find(Call::Build, created).ok_or("no build recorded")?;
    let scratch = events
        .iter()
        .rfind(|e| e.call == Call::BufferAddress && e.start >= created && e.end <= build.start)
        .map_or(created, |e| e.end);
    let submit = find(Call::Submit, build.end).ok_or("no submission")?;
    let wait = find(Call::Wait, submit.end).ok_or("no fence wait")?;
    let mut s = Sample {
        total: ms(t0, end),
        create: ms(t0, created),
        scratch: ms(created, scratch),
        record: ms(scratch, submit.start),
        submit: ms(submit.start, wait.start),
        wait: ms(wait.start, wait.end),
        cleanup: ms(wait.end, end),
        submit_to_wake: ms(submit.start, wait.end),
        ..Sample::default()
    };
    for e in events {
        match e.call {
            Call::AllocateMemory(bytes) => {
                s.allocs += 1.0;
                s.alloc_mib += bytes as f64 / (1 << 20) as f64;
            }
            Call::FreeMemory => s.frees += 1.0,
            _ => {}
        }
    }
    Ok(s)
}

/// The median of `values` (the mean of the middle two for an even count; NaN for none).
fn median(values: &[f64]) -> f64 {
    stats::median(values).unwrap_or(f64::NAN)
}

/// Timestamps around each build: the pool, and the nanoseconds per tick and valid-bit mask.
struct Stamps<'a> {
    ctx: &'a Context,
    pool: vk::QueryPool,
    period_ns: f64,
    mask: u64,
}

impl<'a> Stamps<'a> {
    /// `None` where the queue writes no timestamps.
    fn new(ctx: &'a Context) -> Res<Option<Self>> {
        // SAFETY: plain queries of the context's physical device.
        let families = unsafe { ctx.instance().get_physical_device_queue_family_properties(ctx.physical_device()) };
        let bits = families[ctx.queue_family_index() as usize].timestamp_valid_bits;
        if bits == 0 {
            return Ok(None);
        }
        let info = vk::QueryPoolCreateInfo::default().query_type(vk::QueryType::TIMESTAMP).query_count(2);
        // SAFETY: a plain object of the context's device, destroyed in `Drop`.
        let pool = unsafe { ctx.device().create_query_pool(&info, None) }?;
        hooks::stamp_builds_into(pool);
        let mask = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
        let period_ns = f64::from(ctx.capabilities().limits.timestamp_period);
        Ok(Some(Stamps { ctx, pool, period_ns, mask }))
    }

    /// The last build's device time in ms.
    fn last_ms(&self) -> Res<f64> {
        let mut stamps = [0u64; 2];
        let flags = vk::QueryResultFlags::TYPE_64 | vk::QueryResultFlags::WAIT;
        // SAFETY: both queries were written by the last build's submission, which was waited for.
        unsafe { self.ctx.device().get_query_pool_results(self.pool, 0, &mut stamps, flags) }?;
        let ticks = (stamps[1] & self.mask).wrapping_sub(stamps[0] & self.mask) & self.mask;
        Ok(ticks as f64 * self.period_ns / 1e6)
    }
}

impl Drop for Stamps<'_> {
    fn drop(&mut self) {
        hooks::stamp_builds_into(vk::QueryPool::null());
        // SAFETY: every build that wrote the pool was waited for; no build records it now.
        unsafe { self.ctx.device().destroy_query_pool(self.pool, None) };
    }
}

fn describe(what: &str, memory_type: u32, memory: vk::DeviceMemory, offset: u64) {
    use vk::Handle;
    println!("  {what:26} memory type {memory_type}, VkDeviceMemory {:#x}, offset {offset}", memory.as_raw());
}

fn main() -> Res<()> {
    let args = Args::parse()?;
    // The bench's context picks and owns the device; the probe submits only through `ctx`.
    let owner = Context::new(ContextOptions::new().debug_utils(false))?;
    let caps = owner.capabilities();
    println!("device: {} ({:?}), driver {}", caps.device_name, caps.device_type, caps.driver);
    if !caps.enabled.acceleration_structure {
        println!("no VK_KHR_acceleration_structure: nothing to probe");
        return Ok(());
    }
    let ctx = hooks::install(&owner)?;
    probe(&ctx, &args)
}

fn probe(ctx: &std::sync::Arc<Context>, args: &Args) -> Res<()> {
    // Inputs from an allocator of their own, as in the bench; vkres's way builds with another.
    let inputs = ResourceAllocator::new(ctx)?;
    let usage = vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS
        | vk::BufferUsageFlags::TRANSFER_DST;
    let (quads_x, quads_y) = grid_quads(args.triangles);
    let (vertices, indices) = grid(quads_x, quads_y);
    let desc = |bytes: usize| BufferDesc::new(bytes as u64, usage).location(MemoryLocation::PreferDevice);
    let v: Buffer<[f32; 3]> = inputs.create_typed_buffer(&desc(size_of_val(&vertices[..])))?;
    let i: Buffer<u32> = inputs.create_typed_buffer(&desc(size_of_val(&indices[..])))?;
    let mut batch = inputs.batch()?;
    batch.upload(&v, 0, &vertices)?;
    batch.upload(&i, 0, &indices)?;
    batch.submit_and_wait()?;
    let blas_desc = BlasDesc::new("big").triangles(TriangleGeometry::new(&v, vk::Format::R32G32B32_SFLOAT).indices(&i));
    let mesh = RawMesh::of(&v, &i);
    let alloc = ResourceAllocator::new(ctx)?;
    let hand = Hand::new(ctx)?;
    let stamps = if args.stamps { Stamps::new(ctx)? } else { None };

    let sizes = hand.sizes(&mesh);
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    println!(
        "BLAS of {} triangles: storage {:.1} MiB, scratch {:.1} MiB, scratch offset alignment {} \
         (VMA makes allocations over 128 MiB dedicated)",
        mesh.triangles,
        mib(sizes.acceleration_structure_size),
        mib(sizes.build_scratch_size),
        hand.scratch_align(),
    );
    println!(
        "{} rounds after {} warm-up rounds, order rotated each round; GPU timestamps: {}",
        args.runs,
        args.warmups,
        if stamps.is_some() { "around each build" } else { "off" }
    );

    let ways = ways();
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); ways.len()];
    for round in 0..args.warmups + args.runs {
        for k in 0..ways.len() {
            let w = (round + k) % ways.len();
            let way = &ways[w];
            if way.idle {
                std::thread::sleep(args.idle);
            }
            hooks::take();
            let t0 = Instant::now();
            let (created, end, events) = match way.kind {
                Kind::Vkres => {
                    let mut batch = alloc.batch()?;
                    let blas: Blas = batch.build_blas(&blas_desc)?;
                    let created = Instant::now();
                    batch.submit_and_wait()?;
                    let end = Instant::now();
                    let events = hooks::take();
                    if round == 0 && w == 0 {
                        let MemoryInfo { memory_type, memory, offset, .. } = blas.buffer().memory().info();
                        describe("vkres storage:", memory_type, memory, offset);
                    }
                    (created, end, events)
                }
                Kind::Hand(knobs) => {
                    let (built, created) = hand.build(&mesh, knobs)?;
                    let end = Instant::now();
                    let events = hooks::take();
                    if round == 0 && w == 1 {
                        let p = hand.placement(&built);
                        describe("hand-written storage:", p.memory_type, p.memory, p.offset);
                    }
                    hand.destroy(built);
                    (created, end, events)
                }
            };
            let mut s = sample(t0, created, end, &events)?;
            s.gpu = stamps.as_ref().map(Stamps::last_ms).transpose()?;
            if round >= args.warmups {
                samples[w].push(s);
            }
        }
    }
    hooks::take();
    report(&ways, &samples, args);
    Ok(())
}

fn report(ways: &[Way], samples: &[Vec<Sample>], args: &Args) {
    println!(
        "\n{:40} {:>7} {:>7} | {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} | {:>7} {:>8} | allocs (MiB) frees",
        "median ms", "total", "min", "create", "scratch", "record", "submit", "wait", "cleanup", "gpu", "sub>wake"
    );
    let totals = |runs: &[Sample]| runs.iter().map(|s| s.total).collect::<Vec<f64>>();
    let base = median(&totals(&samples[1]));
    for (way, runs) in ways.iter().zip(samples) {
        let m = |f: fn(&Sample) -> f64| median(&runs.iter().map(f).collect::<Vec<f64>>());
        let min = Summary::of_ms(&totals(runs)).map_or(f64::INFINITY, |s| s.min_ms);
        let gpu = match runs.iter().map(|s| s.gpu).collect::<Option<Vec<f64>>>() {
            Some(v) => format!("{:7.3}", median(&v)),
            None => format!("{:>7}", "-"),
        };
        let name = if way.idle { format!("{} ({} ms)", way.name, args.idle.as_millis()) } else { way.name.to_string() };
        println!(
            "{name:40} {:7.3} {min:7.3} | {:7.3} {:7.3} {:7.3} {:7.3} {:7.3} {:7.3} | {gpu} {:8.3} | {:.0} ({:.0}) {:.0}   {:.2}x",
            m(|s| s.total),
            m(|s| s.create),
            m(|s| s.scratch),
            m(|s| s.record),
            m(|s| s.submit),
            m(|s| s.wait),
            m(|s| s.cleanup),
            m(|s| s.submit_to_wake),
            m(|s| s.allocs),
            m(|s| s.alloc_mib),
            m(|s| s.frees),
            m(|s| s.total) / base,
        );
    }
    println!(
        "\nThe last column is the total against the hand-written way's. A hand row that moves toward \
         vkres's total names the choice that costs; equal gpu columns with unequal totals put the \
         gap on the host; idle rows that are slower than their busy rows, with a slower gpu column, \
         point at the device's clocks after idling (the bench runs vkres's BLAS right after 1000 \
         one-submit builds, the hand-written one right after vkres's build)."
    );
}
