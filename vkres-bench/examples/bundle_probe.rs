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
//! (and each with COUNT 0, to subtract the setup; divide the rest by 64 × COUNT).

#[allow(dead_code)]
#[path = "../src/ways/bundle.rs"]
mod bundle;

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
    match way.as_str() {
        "vkres" => {
            let alloc = ResourceAllocator::new(&ctx)?;
            // PROBE_KEEP=1: one bundle kept alive through the loop.
            let kept = match std::env::var_os("PROBE_KEEP") {
                Some(_) => Some(bundle::Bundle::create(&alloc, bundle::Bundle::inputs(&input))?),
                None => None,
            };
            for _ in 0..count {
                let made = bundle::Bundle::create(&alloc, bundle::Bundle::inputs(&input))?;
                drop(std::hint::black_box(made));
            }
            drop(kept);
        }
        "ash" => {
            let raw = Raw::like_vkres(&ctx)?;
            for _ in 0..count {
                let made = bundle::HandBundle::create(&raw, &input)?;
                std::hint::black_box(&made);
                made.destroy(&raw);
            }
        }
        other => return Err(format!("unknown way `{other}` (vkres or ash)").into()),
    }
    println!("{way}: {count} bundles of 64 resources");
    Ok(())
}
