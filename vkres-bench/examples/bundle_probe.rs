//! vkres's own host cost per resource of the bench's 64-resource derived bundle (issue 20
//! item 3; session 6 measured +2.5 µs per resource on the H100): creates the bench's bundle
//! (`vkres-bench/src/ways/bundle.rs`, the same file) COUNT times through the derive's `create`
//! (`vkres`) or the hand-written ash + vk-mem way (`ash`), dropping each before the next.
//! Count instructions, not time (the difference of two counts is vkres's share):
//!
//! ```sh
//! cargo build -p vkres-bench --release --example bundle_probe
//! valgrind --tool=callgrind target/release/examples/bundle_probe vkres 50
//! valgrind --tool=callgrind target/release/examples/bundle_probe ash 50
//! ```
//! (and each with COUNT 0, to subtract the setup; divide the rest by 64 × COUNT). Each way
//! also prints the median, lowest and highest time of one `create` (on a GPU, run each way
//! with a few hundred bundles, and both binaries of two commits one after the other).
//! `PROBE_KEEP=1` keeps one more vkres bundle alive through the loop: on lavapipe, a view
//! created while no view of its kind is alive has its sampling functions compiled again
//! (about 4 M instructions), which vkres's bundles met now and then and the hand-written ones
//! did not.

#[allow(dead_code)]
#[path = "../src/ways/bundle.rs"]
mod bundle;

use std::time::{Duration, Instant};

use vkres::{Context, ContextOptions, ResourceAllocator};
use vkres_bench::raw::Raw;
// `bundle.rs` names `raw` and `stats` through `crate::`, as in the bench's binary.
use vkres_bench::{BenchResult, raw, stats};

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let way = args.next().unwrap_or_else(|| "vkres".into());
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let ctx = Context::new(ContextOptions::new().debug_utils(false))?;
    let input = bundle::input();
    let mut times: Vec<Duration> = Vec::with_capacity(count);
    match way.as_str() {
        "vkres" => {
            let alloc = ResourceAllocator::new(&ctx)?;
            // PROBE_KEEP=1: one bundle kept alive through the loop.
            let kept = match std::env::var_os("PROBE_KEEP") {
                Some(_) => Some(bundle::Bundle::create(&alloc, bundle::Bundle::inputs(&input))?),
                None => None,
            };
            for _ in 0..count {
                let t = Instant::now();
                let made = bundle::Bundle::create(&alloc, bundle::Bundle::inputs(&input))?;
                times.push(t.elapsed());
                drop(std::hint::black_box(made));
            }
            drop(kept);
        }
        "ash" => {
            let raw = Raw::like_vkres(&ctx)?;
            for _ in 0..count {
                let t = Instant::now();
                let made = bundle::HandBundle::create(&raw, &input)?;
                times.push(t.elapsed());
                std::hint::black_box(&made);
                made.destroy(&raw);
            }
        }
        other => return Err(format!("unknown way `{other}` (vkres or ash)").into()),
    }
    times.sort();
    let ms = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1e3);
    println!(
        "{way}: {count} bundles of 64 resources, create ms: median {:.3}, min {:.3}, max {:.3}",
        ms(times.get(times.len() / 2)),
        ms(times.first()),
        ms(times.last())
    );
    Ok(())
}
