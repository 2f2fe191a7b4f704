//! Issue 8's benchmark program: the same work done through vkres, hand-written ash + vk-mem,
//! and wgpu on its Vulkan backend (`--features wgpu`), in one process, ways interleaved run by
//! run after warm-ups. Prints Markdown tables (median, min, max, ratios, the device), and
//! writes the JSON results (`--json`) and the upload plot (`--plot`).
//!
//! ```sh
//! cargo run -p vkres-bench --release -- --quick                 # smoke run, under a minute on lavapipe
//! cargo run -p vkres-bench --release -- --json out.json --plot upload.png
//! cargo run -p vkres-bench --release --features wgpu -- --json out.json --plot upload.png
//! ```
//! Every way's result is checked: uploads read back byte for byte, a sample of each bundle's
//! buffers and textures read back, small buffers and samplers checked to be distinct handles
//! (or one shared sampler).

mod args;
mod counting;
mod derive_cost;
mod font;
mod json;
mod plot;
mod processes;
mod report;
mod targets;
mod ways;
mod wgpu_way;

use std::process::ExitCode;
use std::sync::Arc;

use vkres::{Context, ContextOptions, ResourceAllocator};
// The modules the examples share live in the library; the binary's modules reach them as
// `crate::raw`, `crate::stats` and `crate::BenchResult`.
use vkres_bench::{BenchResult, raw, stats};

use args::Args;
use json::{Results, Three};
use report::{Row, num, ratio, timing_table};
use stats::Summary;
use ways::upload::{self, Way};
use wgpu_way::WgpuWay;

const MIB: u64 = 1 << 20;

/// Counts heap allocations for the frame loop's allocations per frame.
#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    let ran = if args.processes > 1 { processes::run(&args) } else { run(&args) };
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> BenchResult<()> {
    let ctx = Context::new(ContextOptions::new().debug_utils(false).transfer_queue(args.transfer_queue))?;
    let caps = ctx.capabilities().clone();
    let alloc = ResourceAllocator::new(&ctx)?;
    let wgpu = if args.runs_section("upload") || args.runs_section("small") { WgpuWay::new() } else { None };
    let mut r = Results { device: caps.device_name.clone(), runs: args.runs, quick: args.quick, ..Default::default() };
    println!("# vkres-bench{}\n", if args.quick { " (quick: small sizes, a smoke run)" } else { "" });
    println!("device: {} ({:?}), {}", caps.device_name, caps.device_type, caps.driver);
    if let Some(wgpu) = &wgpu {
        println!("wgpu adapter: {}", wgpu.name());
    }
    println!(
        "{} counted runs after {} warm-up(s) per way, ways interleaved; VK_EXT_external_memory_host: {}; \
         transfer queue: {}\n",
        args.runs,
        args.warmups,
        caps.enabled.external_memory_host,
        match ctx.transfer_queue_family_index() {
            Some(family) => format!("family {family} (large whole-buffer uploads copy there)"),
            None => "none (everything on the main queue)".into(),
        }
    );

    if args.runs_section("upload") {
        uploads(args, &ctx, &alloc, wgpu.as_ref(), &mut r)?;
    }
    if args.runs_section("gather") {
        gathered_uploads(args, &alloc, &mut r)?;
    }
    if args.runs_section("bundle") {
        bundle(args, &alloc, &mut r)?;
    }
    if args.runs_section("small") {
        small_buffers(args, &ctx, wgpu.as_ref(), &mut r)?;
    }
    if args.runs_section("samplers") {
        samplers(args, &ctx, &mut r)?;
    }
    if args.runs_section("accel") {
        accel(args, &ctx, &alloc, &mut r)?;
    }
    if args.runs_section("frame") {
        frame_loop(args, &ctx, &alloc, &mut r)?;
    }
    if args.runs_section("defrag") {
        r.defrag = Some(ways::defrag::measure(&ctx, args.quick, args.warmups, args.runs)?);
    }
    if args.runs_section("scene") {
        scene(args, &ctx, &mut r)?;
    }
    if args.runs_section("alias") {
        alias_check(args, &ctx, &alloc)?;
    }
    if args.runs_section("derive") && args.derive_build && !args.quick {
        derive_build(args, &mut r)?;
    }
    println!("{}", targets::table(&r));
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&r.to_json())? + "\n")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        println!("JSON written to {}", path.display());
    }
    if let Some(path) = &args.plot {
        plot::write(path, &r.sweep, &format!("UPLOAD THROUGHPUT: {}", caps.device_name))?;
        println!("plot written to {}", path.display());
    }
    Ok(())
}

/// The two upload tables (every way) and the sweep over sizes (the plotted ways).
fn uploads(
    args: &Args,
    ctx: &Context,
    alloc: &ResourceAllocator,
    wgpu: Option<&WgpuWay>,
    r: &mut Results,
) -> BenchResult<()> {
    let raw = raw::Raw::new(ctx, vk_mem::AllocatorCreateFlags::empty())?;
    let env = upload::Env { ctx, alloc, raw: &raw, wgpu };
    let budget = alloc.staging().config().budget;
    r.upload_sizes = if args.quick { [16 * MIB, 64 * MIB] } else { [256 * MIB, 1024 * MIB] };
    let mut measured = Vec::new();
    for (k, size) in r.upload_sizes.into_iter().enumerate() {
        let mut data = vkres_bench::upload_input(size);
        let times = upload::measure(&env, &mut data, &Way::ALL, args.warmups, args.runs)?;
        let summaries: Vec<Option<Summary>> = times.iter().map(|t| Summary::of(t)).collect();
        let gbps = |way: Way| summaries[Way::ALL.iter().position(|&w| w == way).unwrap_or(0)].map(|s| s.gbps(size));
        let base = gbps(Way::AshStaging);
        let rows: Vec<Row> = Way::ALL
            .iter()
            .zip(&summaries)
            .map(|(way, s)| {
                Row::new(way.name(budget), *s, vec![num(s.map(|s| s.gbps(size))), ratio(s.map(|s| s.gbps(size)), base)])
            })
            .collect();
        println!("## Upload of {} MiB, host data to device-local memory, ready for use\n", size / MIB);
        println!("{}", timing_table("way", &["GB/s (median)", "vs ash staging"], &rows));
        let three = Three { vkres: gbps(Way::VkresNow), ash: base, wgpu: gbps(Way::Wgpu) };
        if k == 0 {
            r.upload_256mib_gbps = three;
            r.pinned_copy_256mib_gbps = gbps(Way::AshPinned);
        } else {
            r.upload_1gib_gbps = Three { wgpu: None, ..three };
            r.pinned_copy_gbps = gbps(Way::AshPinned);
        }
        measured.push((size, Way::PLOTTED.map(gbps)));
    }
    if r.pinned_copy_gbps.is_none() {
        let why = upload::pinned_unavailable(ctx)
            .unwrap_or_else(|| "the driver refused to import the page-aligned host allocation".into());
        println!("The pinned-copy limit (`pinned_copy_gbps`) was not measured: {why}; the key is absent.\n");
        r.pinned_copy_missing = Some(why);
    }
    upload_pieces(args, ctx, &raw, r)?;
    small_uploads(args, &env, r)?;
    // The sweep: 256 B, 1 KiB, 4 KiB, ... up to the larger table size; the table sizes reuse
    // their figures.
    let mut sizes: Vec<u64> =
        std::iter::successors(Some(256u64), |s| Some(s * 4)).take_while(|&s| s <= r.upload_sizes[1]).collect();
    sizes.extend(r.upload_sizes);
    sizes.sort_unstable();
    sizes.dedup();
    let mut series: Vec<Vec<Option<f64>>> = vec![Vec::new(); Way::PLOTTED.len()];
    for &size in &sizes {
        let gbps = match measured.iter().find(|(s, _)| *s == size) {
            Some((_, g)) => *g,
            None => {
                let mut data = vkres_bench::upload_input(size);
                let runs = if size <= MIB { args.runs.max(15) } else { args.runs };
                let times = upload::measure(&env, &mut data, &Way::PLOTTED, args.warmups, runs)?;
                let mut g = [None; Way::PLOTTED.len()];
                for (slot, t) in g.iter_mut().zip(&times) {
                    *slot = Summary::of(t).map(|s| s.gbps(size));
                }
                g
            }
        };
        for (s, g) in series.iter_mut().zip(gbps) {
            s.push(g);
        }
    }
    println!("## Upload throughput against size (GB/s, median)\n");
    let header: Vec<String> =
        std::iter::once("way".to_string()).chain(sizes.iter().map(|&s| plot::size_label(s))).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = Way::PLOTTED
        .iter()
        .zip(&series)
        .map(|(way, v)| std::iter::once(way.short().to_string()).chain(v.iter().map(|g| num(*g))).collect())
        .collect();
    println!("{}", report::table(&header, &rows));
    r.sweep = json::Sweep { sizes, series: Way::PLOTTED.iter().map(|w| w.short().to_string()).zip(series).collect() };
    Ok(())
}

/// Where the larger upload's time goes, piece by piece (`ways/upload_pieces.rs`), beside
/// vkres's `upload_now` and the pinned-copy limit.
fn upload_pieces(args: &Args, ctx: &Context, raw: &raw::Raw<'_>, r: &mut Results) -> BenchResult<()> {
    let size = r.upload_sizes[1];
    let data = vkres_bench::upload_input(size);
    let pieces = ways::upload_pieces::measure(ctx, raw, &data, args.warmups, args.runs)?;
    let ms_of = |gbps: Option<f64>| gbps.map(|g| size as f64 / g / 1e6);
    let vkres_ms = ms_of(r.upload_1gib_gbps.vkres);
    let row = |name: String, ms: Option<f64>| vec![name, num(ms), num(ms.map(|ms| size as f64 / ms / 1e6))];
    let rows = vec![
        row("memcpy into mapped staging, 1 thread".into(), pieces.memcpy_one_thread_ms),
        row(format!("memcpy into mapped staging, {} threads", pieces.threads), pieces.memcpy_threads_ms),
        row("device copy, staging to device-local (timestamps)".into(), pieces.device_copy_ms),
        row("submit + fence wait around that copy (wall - device)".into(), pieces.submit_wait_ms),
        row("pinned copy, submit and wait (the limit)".into(), ms_of(r.pinned_copy_gbps)),
        row("vkres `upload_now`, the whole upload".into(), vkres_ms),
    ];
    println!("## Where an upload of {} MiB goes (each piece alone, medians)\n", size / MIB);
    println!("{}", report::table(&["piece", "ms", "GB/s"], &rows));
    r.upload_pieces = Some(pieces.to_json(size, vkres_ms));
    Ok(())
}

/// 4 KiB and 64 KiB uploads ready for use (issue 20, item 1), in microseconds: every way that
/// can do them, many runs (each is short). The keys: vkres's `Batch::upload` into a
/// `PreferDirectWrite` buffer (written directly where its memory is host-visible, with no
/// submission or wait of its own), hand-written staging, wgpu's `write_buffer`.
fn small_uploads(args: &Args, env: &upload::Env<'_>, r: &mut Results) -> BenchResult<()> {
    const WAYS: [Way; 6] =
        [Way::AshStaging, Way::AshDirect, Way::VkresNow, Way::VkresBatch, Way::VkresDirect, Way::Wgpu];
    let budget = env.alloc.staging().config().budget;
    let runs = if args.quick { args.runs } else { args.runs.max(51) };
    for size in [4096u64, 65_536] {
        let mut data = vkres_bench::upload_input(size);
        let times = upload::measure(env, &mut data, &WAYS, args.warmups.max(3), runs)?;
        let us: Vec<Option<Summary>> = times.iter().map(|t| Summary::of(t)).collect();
        let median = |way: Way| us[WAYS.iter().position(|&w| w == way).unwrap_or(0)].map(|s| s.median_ms * 1e3);
        let three = Three { vkres: median(Way::VkresDirect), ash: median(Way::AshStaging), wgpu: median(Way::Wgpu) };
        match size {
            4096 => r.upload_4kib_us = three,
            _ => r.upload_64kib_us = three,
        }
        println!("## Upload of {} KiB, ready for use (microseconds)\n", size >> 10);
        let rows: Vec<Vec<String>> = WAYS
            .iter()
            .zip(&us)
            .map(|(way, s)| {
                let us = |f: fn(&Summary) -> f64| num(s.as_ref().map(|s| f(s) * 1e3));
                vec![
                    way.name(budget),
                    us(|s| s.median_ms),
                    us(|s| s.min_ms),
                    us(|s| s.max_ms),
                    ratio(s.map(|s| s.median_ms * 1e3), median(Way::AshStaging)),
                ]
            })
            .collect();
        println!("{}", report::table(&["way", "median us", "min us", "max us", "vs ash staging time"], &rows));
    }
    Ok(())
}

/// 1000 small staged uploads into device-local buffers, in one batch (issue 20, item 1).
fn gathered_uploads(args: &Args, alloc: &ResourceAllocator, r: &mut Results) -> BenchResult<()> {
    let times = ways::small_uploads::measure(alloc, args.warmups, args.runs)?;
    let s = times.each_ref().map(|t| Summary::of(t));
    let ms = |i: usize| s[i].map(|s| s.median_ms);
    r.small_uploads_1000_ms = Three { vkres: ms(0), ash: ms(1), wgpu: None };
    r.small_uploads_1000_one_buffer_ms = [ms(2), ms(3)];
    println!(
        "## {} small uploads (256 B to 4 KiB, staged) into device-local buffers, one batch, ready for use\n",
        ways::small_uploads::COUNT
    );
    let rows = [
        Row::new(
            "vkres, `Batch::upload_bytes` into 1000 buffers (gathered: one copy per buffer)",
            s[0],
            vec![ratio(ms(0), ms(1))],
        ),
        Row::new("ash + vk-mem, one staging buffer, one copy per buffer (hand-written)", s[1], vec!["1.00x".into()]),
        Row::new(
            "vkres, `Batch::upload_sub` into 1000 ranges of one arena (gathered: one copy)",
            s[2],
            vec![ratio(ms(2), ms(3))],
        ),
        Row::new(
            "ash + vk-mem, one staging buffer, one copy of 1000 regions into one buffer",
            s[3],
            vec!["1.00x".into()],
        ),
        Row::new(
            "ash + vk-mem into 1000 buffers, one memcpy of all sources (back to back in the bench: a control)",
            s[4],
            vec![ratio(ms(4), ms(1))],
        ),
    ];
    println!("{}", timing_table("way", &["vs its hand-written way"], &rows));
    print!("{}", stats::paired_line("separate buffers: vkres / ash", &times[0], &times[1]));
    print!("{}", stats::paired_line("arena ranges: vkres / ash", &times[2], &times[3]));
    Ok(())
}

/// The 64-resource bundle.
fn bundle(args: &Args, alloc: &ResourceAllocator, r: &mut Results) -> BenchResult<()> {
    let raw = raw::Raw::new(alloc.context(), vk_mem::AllocatorCreateFlags::empty())?;
    let (vkres, ash, submits) = ways::bundle::measure(alloc, &raw, args.warmups, args.runs)?;
    let (v, a) = (Summary::of(&vkres), Summary::of(&ash));
    let (vm, am) = (v.map(|s| s.median_ms), a.map(|s| s.median_ms));
    r.bundle_create_ms = Three { vkres: vm, ash: am, wgpu: None };
    r.submits_per_bundle = Some(submits);
    println!(
        "## A 64-resource bundle created, uploaded and ready (32 buffers of 16 KiB, 24 64x64 RGBA8 textures with data, 8 samplers)\n"
    );
    let rows = [
        Row::new("vkres, `#[derive(GpuResources)]` + `create`", v, vec![ratio(vm, am)]),
        Row::new("ash + vk-mem (hand-written: one staging buffer, one submit)", a, vec!["1.00x".into()]),
    ];
    println!("{}", timing_table("way", &["vs ash time"], &rows));
    print!("{}", stats::paired_line("vkres / ash", &vkres, &ash));
    println!("queue submissions for one `create`: {submits}\n");
    Ok(())
}

/// 10 000 buffers of 4 KiB.
fn small_buffers(args: &Args, ctx: &Arc<Context>, wgpu: Option<&WgpuWay>, r: &mut Results) -> BenchResult<()> {
    let count = if args.quick { 1000 } else { 10_000 };
    let m = ways::small_buffers::measure(ctx, wgpu, count, args.warmups, args.runs)?;
    let s: Vec<Option<Summary>> = m.times.iter().map(|t| Summary::of(t)).collect();
    let ms = |i: usize| s[i].map(|s| s.median_ms);
    r.small_buffers_10k_ms = Three { vkres: ms(0), ash: ms(1), wgpu: ms(2) };
    r.small_buffers_10k_suballocated_ms = ms(5);
    r.small_buffers_10k_group_ms = ms(7);
    r.small_buffer_count = count as u64;
    r.device_memory_blocks_10k = m.blocks;
    println!("## {count} buffers of 4 KiB created (device-local, storage)\n");
    let rows = [
        Row::new("vkres, `create_buffer`", s[0], vec![ratio(ms(0), ms(1))]),
        Row::new("ash + vk-mem, `vmaCreateBuffer`", s[1], vec!["1.00x".into()]),
        Row::new("wgpu, `Device::create_buffer`", s[2], vec![ratio(ms(2), ms(1))]),
        Row::new(
            "ash + vk-mem, VMA configured as vkres's (device address, heap size limits)",
            s[3],
            vec![ratio(ms(3), ms(1))],
        ),
        Row::new(
            "ash + vk-mem, VMA configured as `VmaAllocator::with_memory_budget` (memory budget, `WITHIN_BUDGET`)",
            s[4],
            vec![ratio(ms(4), ms(1))],
        ),
        Row::new("vkres, suballocated: `create_buffer_arena` + `allocate_bytes` each", s[5], vec![ratio(ms(5), ms(1))]),
        Row::new("vkres, suballocated: `create_buffer_arena` + one `allocate_many`", s[6], vec![ratio(ms(6), ms(1))]),
        Row::new(
            "vkres, suballocated: `create_buffer_arena` + one `allocate_group` (freed together)",
            s[7],
            vec![ratio(ms(7), ms(1))],
        ),
    ];
    println!("{}", timing_table("way", &["vs ash time"], &rows));
    print!("{}", stats::paired_line("vkres / ash", &m.times[0], &m.times[1]));
    // The same hand-written way twice (an A/A control): how far this machine alone moves a
    // ratio in one process.
    let control = ratio(ms(8), ms(1));
    println!("ash / the same ash way in another slot (A/A control): {control}");
    print!("{}", stats::paired_line("ash / ash (A/A control)", &m.times[8], &m.times[1]));
    println!("`VkDeviceMemory` objects behind vkres's {count} buffers: {}\n", num(m.blocks.map(|b| b as f64)));
    Ok(())
}

/// The recorder's active-member check of transient memory, per recorded use (issue 16).
fn alias_check(args: &Args, ctx: &Context, alloc: &ResourceAllocator) -> BenchResult<()> {
    let times = ways::alias_check::measure(ctx, alloc, args.warmups, args.runs)?;
    let s: Vec<Option<Summary>> = times.iter().map(|t| Summary::of(t)).collect();
    let uses = ways::alias_check::USES as f64;
    // Nanoseconds per copy (two checks each) or per check.
    let ns = |i: usize| s[i].map(|s| s.median_ms * 1e6 / uses);
    println!(
        "## The transient-memory check (`AliasNotActive`) per recorded use: {} copies or checks
",
        uses
    );
    let rows: Vec<Row> = ways::alias_check::WAYS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let share = match i {
                // Two checks per copy, against the copy's whole recording cost.
                0 => ns(3).zip(ns(0)).map_or("n/a".into(), |(c, r)| format!("{:.1}%", 200.0 * c / r)),
                // The claims' cost: what a copy between aliased buffers adds to a plain one's.
                1 => ns(1).zip(ns(0)).map_or("n/a".into(), |(a, p)| format!("+{:.1} ns a copy", a - p)),
                _ => String::new(),
            };
            Row::new(*name, s[i], vec![num(ns(i)), ratio(ns(i), ns(2)), share])
        })
        .collect();
    println!("{}", timing_table("way", &["ns per use", "vs ash", "the checks' cost"], &rows));
    Ok(())
}

/// 1 000 identical sampler descriptions.
fn samplers(args: &Args, ctx: &Arc<Context>, r: &mut Results) -> BenchResult<()> {
    let (vkres, ash, made) = ways::samplers::measure(ctx, 1000, args.warmups, args.runs)?;
    let (v, a) = (Summary::of(&vkres), Summary::of(&ash));
    r.samplers_for_1000_identical = Some(made);
    println!("## 1000 identical sampler descriptions\n");
    let rows = [
        Row::new(
            "vkres, `create_sampler` (pooled)",
            v,
            vec![made.to_string(), ratio(v.map(|s| s.median_ms), a.map(|s| s.median_ms))],
        ),
        Row::new("ash, `vkCreateSampler`", a, vec!["1000".into(), "1.00x".into()]),
    ];
    println!("{}", timing_table("way", &["VkSamplers made", "vs ash time"], &rows));
    Ok(())
}

/// Acceleration-structure builds.
fn accel(args: &Args, ctx: &Context, alloc: &ResourceAllocator, r: &mut Results) -> BenchResult<()> {
    let sizes = if args.quick {
        ways::accel::Sizes { triangles: 20_000, instances: 1000, small: 100 }
    } else {
        ways::accel::Sizes { triangles: 1_000_000, instances: 10_000, small: 1000 }
    };
    let Some(rows) = ways::accel::measure(ctx, alloc, &sizes, args.warmups, args.runs)? else {
        println!("## Acceleration structures: the device has no VK_KHR_acceleration_structure\n");
        return Ok(());
    };
    let s: Vec<Option<Summary>> = rows.iter().map(|(_, t)| Summary::of(t)).collect();
    let ms = |i: usize| s[i].map(|s| s.median_ms);
    r.blas_1m_tri_ms = Three { vkres: ms(0), ash: ms(1), wgpu: None };
    r.tlas_10k_ms = Three { vkres: ms(2), ash: ms(3), wgpu: None };
    r.blas_small_1000_ms = Three { vkres: ms(5), ash: ms(6), wgpu: None };
    let notes = [
        ratio(ms(0), ms(1)),
        "1.00x".into(),
        ratio(ms(2), ms(3)),
        "1.00x".into(),
        ratio(ms(4), ms(3)),
        ratio(ms(5), ms(6)),
        "1.00x".into(),
        ratio(ms(7), ms(5)) + " of the vkres batch",
    ];
    let table: Vec<Row> =
        rows.iter().zip(&s).zip(notes).map(|(((name, _), s), note)| Row::new(name.clone(), *s, vec![note])).collect();
    println!("## Acceleration-structure builds (allocation, recording, submission, wait)\n");
    println!("{}", timing_table("work", &["vs hand-written time"], &table));
    print!("{}", stats::paired_line("TLAS: vkres / ash", &rows[2].1, &rows[3].1));
    print!("{}", stats::paired_line("small BLASes: vkres / ash", &rows[5].1, &rows[6].1));
    println!();
    Ok(())
}

/// Issue 17's generated scene in one derived `create` against the same scene by hand.
fn scene(args: &Args, ctx: &Arc<Context>, r: &mut Results) -> BenchResult<()> {
    let sizes = if args.quick {
        ways::scene::Sizes { meshes: 100, instances: 1000, textures: 16 }
    } else {
        ways::scene::Sizes { meshes: 1000, instances: 10_000, textures: 256 }
    };
    let Some(m) = ways::scene::measure(ctx, sizes, args.warmups, args.runs)? else {
        println!("## A generated scene: the device has no VK_KHR_acceleration_structure\n");
        return Ok(());
    };
    let (v, a, p) = (Summary::of(&m.vkres), Summary::of(&m.ash), Summary::of(&m.ash_per_image_mips));
    let (vm, am) = (v.map(|s| s.median_ms), a.map(|s| s.median_ms));
    r.scene_create_ms = Three { vkres: vm, ash: am, wgpu: None };
    r.scene = Some(serde_json::json!({
        "meshes": sizes.meshes,
        "instances": sizes.instances,
        "textures": sizes.textures,
        "triangles": m.triangles,
        "data_bytes": m.data_bytes,
        "submissions": m.submissions,
        "peak_staging_bytes": m.peak_staging.0,
        "staging_budget_bytes": m.peak_staging.1,
        "host_bytes_kept": { "vkres": m.host_bytes.0, "ash": m.host_bytes.1 },
        "ash_per_image_mips_ms": p.map(|s| s.median_ms),
    }));
    println!(
        "## A generated scene in one `create`: {} meshes ({} triangles, a vertex and an index buffer and a BLAS each), \
         a TLAS of {} instances, {} {}x{} RGBA8 textures with generated mips, a material buffer ({:.1} MiB of data)\n",
        sizes.meshes,
        m.triangles,
        sizes.instances,
        sizes.textures,
        ways::scene::TEXTURE_SIDE,
        ways::scene::TEXTURE_SIDE,
        m.data_bytes as f64 / MIB as f64
    );
    let rows = [
        Row::new("vkres, one `#[derive(GpuResources)]` struct, collections from run time", v, vec![ratio(vm, am)]),
        Row::new(
            "ash + vk-mem (hand-written: one staging buffer, batched blits and builds, one submit)",
            a,
            vec!["1.00x".into()],
        ),
        Row::new(
            "ash + vk-mem, its mip blits image by image behind a barrier each (vkres's order until session 7)",
            p,
            vec![ratio(p.map(|s| s.median_ms), am)],
        ),
    ];
    println!("{}", timing_table("way", &["vs ash time"], &rows));
    println!(
        "queue submissions for one `create`: {}; peak staging {:.1} MiB of a {:.0} MiB budget; \
         heap bytes kept while the scene lives: vkres {:.1} KiB, hand-written {:.1} KiB\n",
        m.submissions,
        m.peak_staging.0 as f64 / MIB as f64,
        m.peak_staging.1 as f64 / MIB as f64,
        m.host_bytes.0 as f64 / 1024.0,
        m.host_bytes.1 as f64 / 1024.0
    );
    Ok(())
}

/// The frame loop: vkres's recorder against the same loop hand-written in ash.
fn frame_loop(args: &Args, ctx: &Context, alloc: &ResourceAllocator, r: &mut Results) -> BenchResult<()> {
    // Short runs, three times as many as `--runs`, ways interleaved run by run: a slow stretch
    // of a shared machine then falls on both ways' runs rather than on one way's.
    let (instances, frames) = if args.quick { (1000, 24) } else { (10_000, 40) };
    let runs = args.runs * 3;
    let m = ways::frame::measure(ctx, alloc, instances, frames, args.warmups, runs)?;
    let s = m.cpu.each_ref().map(|t| Summary::of(t));
    let us = |i: usize| s[i].map(|s| s.median_ms * 1000.0);
    let records_us = |i: usize| Summary::of(&m.records[i]).map(|s| s.median_ms * 1000.0);
    r.frame_cpu_us = Three { vkres: us(0), ash: us(1), wgpu: None };
    r.frame_extra_submissions = m.extra_submissions.map(Some);
    r.frame_allocations = m.allocations_per_frame.map(Some);
    let names = ["vkres: Recorder into the caller's command buffer", "ash + vk-mem, hand-written"];
    let one = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.1}"));
    let rows: Vec<Row> = (0..2)
        .map(|i| {
            Row::new(
                names[i].to_string(),
                s[i],
                vec![
                    one(us(i)),
                    one(records_us(i)),
                    ratio(us(i), us(1)),
                    m.extra_submissions[i].to_string(),
                    format!("{:.1}", m.allocations_per_frame[i]),
                ],
            )
        })
        .collect();
    println!(
        "## Frame loop: uniforms every frame, {}a 64x64 texture every {}th frame, 3 frames in flight (CPU per frame; {} runs of {} frames per way, interleaved, each run's median frame)\n",
        if m.refit {
            format!("a {instances}-instance TLAS refit every frame, ")
        } else {
            "no TLAS (no VK_KHR_acceleration_structure), ".into()
        },
        ways::frame::TEXTURE_EVERY,
        runs,
        frames,
    );
    println!(
        "{}",
        timing_table(
            "way",
            &["median µs", "of it: instance records µs", "vs ash", "extra submissions", "allocations/frame"],
            &rows
        )
    );
    if let Some([v, a]) = m.instance_memory {
        println!("instance buffers' memory: vkres {v:?}, ash {a:?}\n");
        println!(
            "instance records: vkres's figure is the whole refit_tlas call (checks, refit set, loop, flush, references, build pushed), ash's its loop and flush\n"
        );
    }
    if let Some(p) = Summary::of_ms(&m.paired_ratios) {
        println!(
            "vkres / ash per round (a run of each way, one after the other): median {:.3}, lowest {:.3}, highest {:.3}\n",
            p.median_ms, p.min_ms, p.max_ms
        );
    }
    Ok(())
}

/// The incremental build of 50 derived structs.
fn derive_build(args: &Args, r: &mut Results) -> BenchResult<()> {
    // A compile-time figure is the host's, not the device's: where it cannot be taken (no
    // cargo, no source tree, no network for a first build) the key stays null and the run goes on.
    let (derived, plain) = match derive_cost::measure(args.runs.min(3)) {
        Ok(Some(times)) => times,
        Ok(None) => return Ok(()),
        Err(e) => {
            eprintln!("derive cost: not measured ({e})");
            return Ok(());
        }
    };
    r.derive_incremental_build_s = Some(derived);
    r.plain_incremental_build_s = Some(plain);
    println!(
        "## Compile time: incremental rebuild (dev profile) of a crate of {} structs, source touched\n",
        derive_cost::STRUCTS
    );
    let rows = [
        vec!["with `#[derive(GpuResources)]` (5 fields each)".to_string(), format!("{derived:.2}")],
        vec!["the same structs without the derive".to_string(), format!("{plain:.2}")],
    ];
    println!("{}", report::table(&["crate", "rebuild s (median)"], &rows));
    Ok(())
}

#[cfg(test)]
mod smoke {
    use super::*;

    /// `--quick` end to end on the machine's driver, as CI's smoke run (inside `cargo test
    /// --workspace`, so it costs no extra build): every way and its read-back checks, the JSON
    /// with the issue's keys, and the plot.
    #[test]
    fn quick_run_checks_every_way_and_writes_json_and_plot() {
        let dir = std::env::temp_dir().join(format!("vkres-bench-smoke-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (json, png) = (dir.join("quick.json"), dir.join("upload.png"));
        let line = ["--quick", "--json", json.to_str().unwrap(), "--plot", png.to_str().unwrap()];
        run(&Args::parse(line.map(String::from)).unwrap()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(v["submits_per_bundle"], 1);
        assert_eq!(v["samplers_for_1000_identical"], 1);
        assert!(v["device_memory_blocks_10k"].as_u64().is_some_and(|b| b >= 1));
        for key in ["upload_256mib_gbps", "upload_1gib_gbps", "bundle_create_ms", "small_buffers_10k_ms"] {
            for way in ["vkres", "ash"] {
                assert!(v[key][way].as_f64().is_some_and(|x| x > 0.0), "{key}.{way}");
            }
        }
        for key in ["upload_4kib_us", "upload_64kib_us"] {
            for way in ["vkres", "ash"] {
                assert!(v[key][way].as_f64().is_some_and(|x| x > 0.0), "{key}.{way}");
            }
        }
        assert!(v["small_buffers_10k_ms"]["suballocated"].as_f64().is_some_and(|x| x > 0.0));
        // The pinned-copy limit: measured where the device imports host memory, else absent
        // with the reason (lavapipe has the extension).
        match v["pinned_copy_missing"].as_str() {
            Some(why) => assert!(v.get("pinned_copy_gbps").is_none(), "absent where not measured: {why}"),
            None => assert!(v["pinned_copy_gbps"].as_f64().is_some_and(|x| x > 0.0), "pinned_copy_gbps"),
        }
        for piece in ["memcpy_one_thread", "memcpy_threads", "vkres_upload_now"] {
            assert!(v["upload_1gib_pieces_ms"][piece].as_f64().is_some_and(|x| x > 0.0), "{piece}");
        }
        assert!(v["defrag"]["blocks_after"].as_u64() < v["defrag"]["blocks_before"].as_u64(), "{}", v["defrag"]);
        assert!(v["defrag"]["ms_per_mib"].as_f64().is_some_and(|x| x > 0.0), "{}", v["defrag"]);
        if !v["scene"].is_null() {
            let s = &v["scene"];
            assert_eq!(s["submissions"], 1, "the generated scene in one submission");
            assert!(s["peak_staging_bytes"].as_u64() <= s["staging_budget_bytes"].as_u64(), "{s}");
        }
        for way in ["vkres", "ash", "vkres_arena", "ash_one_buffer"] {
            assert!(v["small_uploads_1000_ms"][way].as_f64().is_some_and(|x| x > 0.0), "small_uploads_1000_ms.{way}");
        }
        assert_eq!(v["processes"], 1);
        let spread = &v["ratio_spread"]["bundle_create_vkres_over_ash"];
        assert!(spread.as_f64().is_some_and(|x| x > 0.0) && *spread == v["ratios"]["bundle_create_vkres_over_ash"]);
        assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
