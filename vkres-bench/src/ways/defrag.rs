//! Defragmentation (issue 19, item 4): a heap fragmented on purpose (1 MiB buffers, one in
//! eight kept, with contents), compacted by `ResourceManager::defragment`; blocks and bytes
//! before and after, and the time per MiB moved, against the same bytes copied buffer to
//! buffer in one hand-written ash submission (the moves' GPU work alone: no VMA planning, no
//! objects re-created, no descriptors rewritten).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vkres::ash::vk;
use vkres::manager::ResourceManager;
use vkres::{BufferType, Context, DefragOptions, ResourceAllocator, ResourceHandle};

use crate::BenchResult;
use crate::raw::Raw;
use crate::report::{Row, num, ratio, timing_table};
use crate::stats::{Summary, median};

const MIB: u64 = 1 << 20;

/// What one vkres run found.
struct Run {
    blocks_before: u32,
    blocks_after: u32,
    bytes_before: u64,
    bytes_after: u64,
    mib_moved: f64,
    time: Duration,
}

/// Blocks and block bytes of `alloc`'s memory (VMA's statistics; dedicated staging included).
fn blocks(alloc: &ResourceAllocator) -> BenchResult<(u32, u64)> {
    let stats = alloc.memory_allocator().memory_statistics().ok_or("the memory backend keeps no statistics")?;
    Ok((stats.total.totals.blocks, stats.total.totals.block_bytes))
}

/// `count` buffers of 1 MiB on a fresh allocator, one in eight kept with distinct words, the
/// rest destroyed; then one timed `defragment`, and every kept buffer read back and checked.
fn vkres_run(ctx: &std::sync::Arc<Context>, count: u32) -> BenchResult<Run> {
    let alloc = ResourceAllocator::new(ctx)?;
    let manager = ResourceManager::new(&alloc)?;
    let mut kept: Vec<(ResourceHandle, u32)> = Vec::new();
    let mut fillers = Vec::new();
    for i in 0..count {
        if i % 8 == 3 {
            let words: Vec<u32> = (0..(MIB / 4) as u32).map(|j| j ^ i.wrapping_mul(2_654_435_761)).collect();
            let usage = vk::BufferUsageFlags::empty();
            kept.push((manager.create_buffer_with_data(&words, usage, BufferType::Storage)?, i));
        } else {
            fillers.push(manager.create_buffer(MIB, vk::BufferUsageFlags::empty(), BufferType::Vertex)?);
        }
    }
    for f in fillers {
        manager.destroy_resource(f)?;
    }
    let (blocks_before, bytes_before) = blocks(&alloc)?;
    let t = Instant::now();
    let stats = manager.defragment(&DefragOptions::new())?;
    let time = t.elapsed();
    let (blocks_after, bytes_after) = blocks(&alloc)?;
    // Every kept buffer still holds its words.
    let mut batch = alloc.batch()?;
    let mut downloads = Vec::with_capacity(kept.len());
    for (h, i) in &kept {
        downloads.push((batch.download_buffer(&manager.buffer(*h)?)?, *i));
    }
    batch.submit_and_wait()?;
    for (download, i) in downloads {
        let words: Vec<u32> = bytemuck::pod_collect_to_vec(&download.bytes()?);
        if words.iter().enumerate().any(|(j, w)| *w != (j as u32) ^ i.wrapping_mul(2_654_435_761)) {
            return Err(format!("vkres: buffer {i} lost its contents in the move").into());
        }
    }
    let mib_moved = stats.bytes_moved as f64 / MIB as f64;
    Ok(Run { blocks_before, blocks_after, bytes_before, bytes_after, mib_moved, time })
}

/// `pairs` buffer-to-buffer copies of 1 MiB in one submission, hand-written in ash + vk-mem,
/// timed from recording to the end of the wait; the destinations read back and checked.
fn ash_run(ctx: &Context, pairs: u32) -> BenchResult<Duration> {
    let raw = Raw::new(ctx, vk_mem::AllocatorCreateFlags::empty())?;
    let usage = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
    let mut src = Vec::new();
    let mut dst = Vec::new();
    let staging = raw.staging_buffer(MIB)?;
    let result = (|| -> BenchResult<Duration> {
        let pattern: Vec<u8> = (0..MIB).map(|j| (j % 251) as u8).collect();
        raw.write(&staging, 0, &pattern)?;
        for _ in 0..pairs {
            src.push(raw.device_buffer(MIB, usage)?);
            dst.push(raw.device_buffer(MIB, usage)?);
        }
        let region = [vk::BufferCopy::default().size(MIB)];
        let device = ctx.device();
        // SAFETY: live buffers of MIB bytes with transfer usage; `submit` orders the copies
        // after nothing and waits for them.
        raw.submit(|cmd| unsafe {
            for s in &src {
                device.cmd_copy_buffer(cmd, staging.buffer, s.buffer, &region);
            }
        })?;
        let t = Instant::now();
        // SAFETY: as above; the sources were written by the submission before (waited for).
        raw.submit(|cmd| unsafe {
            for (s, d) in src.iter().zip(&dst) {
                device.cmd_copy_buffer(cmd, s.buffer, d.buffer, &region);
            }
        })?;
        let time = t.elapsed();
        if let Some(last) = dst.last()
            && raw.read_buffer(last.buffer, MIB)? != pattern
        {
            return Err("ash: the copy does not hold the pattern".into());
        }
        Ok(time)
    })();
    for b in src.into_iter().chain(dst).chain([staging]) {
        raw.destroy_buffer(b);
    }
    result
}

/// Runs both ways interleaved; prints the table; returns the JSON object of the `defrag` key.
pub fn measure(ctx: &std::sync::Arc<Context>, quick: bool, warmups: usize, runs: usize) -> BenchResult<Value> {
    // Quick: 100 MiB made (three of VMA's first blocks where heaps are large); full: 512 MiB.
    let count = if quick { 100 } else { 512 };
    let mut last = None;
    let mut vkres_ms_per_mib = Vec::new();
    let mut ash_ms_per_mib = Vec::new();
    let pairs = count / 8;
    crate::stats::interleaved(warmups, runs, 2, |way| -> BenchResult<Option<Duration>> {
        if way == 0 {
            let run = vkres_run(ctx, count)?;
            if run.mib_moved > 0.0 {
                vkres_ms_per_mib.push(run.time.as_secs_f64() * 1e3 / run.mib_moved);
            }
            let time = run.time;
            last = Some(run);
            Ok(Some(time))
        } else {
            let time = ash_run(ctx, pairs)?;
            ash_ms_per_mib.push(time.as_secs_f64() * 1e3 / f64::from(pairs));
            Ok(Some(time))
        }
    })?;
    // The warm-up runs' figures are in the lists too: keep the counted ones (the last `runs`).
    let counted = |v: &mut Vec<f64>| v.split_off(v.len().saturating_sub(runs));
    let (v, a) = (counted(&mut vkres_ms_per_mib), counted(&mut ash_ms_per_mib));
    let last = last.ok_or("no vkres run")?;
    let (vm, am) = (median(&v), median(&a));
    println!("## Defragmentation: {count} buffers of 1 MiB, one in eight kept, `ResourceManager::defragment`\n");
    println!(
        "blocks {} -> {}, block bytes {:.1} MiB -> {:.1} MiB (the allocator's, dedicated staging included), \
         {:.1} MiB moved per run\n",
        last.blocks_before,
        last.blocks_after,
        last.bytes_before as f64 / MIB as f64,
        last.bytes_after as f64 / MIB as f64,
        last.mib_moved,
    );
    let rows = [
        Row::new(
            "vkres, `defragment` (VMA's passes, objects re-created, copies, bindless rewritten), ms per MiB moved",
            Summary::of_ms(&v),
            vec![ratio(vm, am)],
        ),
        Row::new(
            format!("ash, the same bytes copied buffer to buffer ({pairs} x 1 MiB, one submission), ms per MiB"),
            Summary::of_ms(&a),
            vec!["1.00x".into()],
        ),
    ];
    println!("{}", timing_table("way", &["vs ash"], &rows));
    println!("vkres ms per MiB moved (median): {}\n", num(vm));
    Ok(json!({
        "blocks_before": last.blocks_before,
        "blocks_after": last.blocks_after,
        "bytes_before": last.bytes_before,
        "bytes_after": last.bytes_after,
        "ms_per_mib": vm,
        "ash_copy_ms_per_mib": am,
        "mib_moved": last.mib_moved,
        "buffers_made": count,
    }))
}
