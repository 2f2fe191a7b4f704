//! Where the time of a large upload goes: the measurements behind vkres's upload path (design
//! notes, "Large uploads"). Not a benchmark table (that is `vkres-bench`): each line isolates
//! one cost, so that a change of driver or machine shows which decision to revisit.
//!
//! ```sh
//! cargo run -p vkres-bench --release --example upload_probe
//! ```
//!
//! 1. host memcpy of 256 MiB by thread count, into a `Vec` and into mapped staging memory;
//! 2. the device's copy of 256 MiB from staging into device-local memory (timestamps);
//! 3. creating plus destroying a fence;
//! 4. importing (pinning) and freeing (unpinning) 256 MiB of host memory with
//!    `VK_EXT_external_memory_host`, from one thread and split over eight;
//! 5. 256 MiB uploaded in 32 MiB pieces through two staging slots, hand-written, memcpy on one
//!    thread and split over rayon's pool, beside vkres's `Batch::upload` and `upload_now`,
//!    interleaved run by run.

use std::ffi::c_void;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use vkres::ash::vk;
use vkres::{Buffer, BufferDesc, Context, ContextOptions, MappingType, MemoryLocation, ResourceAllocator};
use vkres_bench::BenchResult as Res;
use vkres_bench::stats::Summary;

const MIB: usize = 1 << 20;
const SIZE: usize = 256 * MIB;
const PIECE: usize = 32 * MIB;
const RUNS: usize = 7;

/// Median in milliseconds (`vkres-bench`'s statistics; `RUNS` is odd, so the middle run).
fn median(times: &[Duration]) -> f64 {
    Summary::of(times).map_or(f64::NAN, |s| s.median_ms)
}

/// Times `f` `RUNS` times after one warm-up; median in milliseconds.
fn time(mut f: impl FnMut() -> Res<()>) -> Res<f64> {
    f()?;
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed());
    }
    Ok(median(&times))
}

fn gbps(bytes: usize, ms: f64) -> f64 {
    bytes as f64 / ms / 1e6
}

/// `src` into `dst` over the current rayon pool, in parts of at least 1 MiB.
fn par_copy(dst: &mut [u8], src: &[u8]) {
    let parts = (src.len() / MIB).clamp(1, rayon::current_num_threads());
    let part = src.len().div_ceil(parts).next_multiple_of(64);
    dst.par_chunks_mut(part).zip(src.par_chunks(part)).for_each(|(d, s)| d.copy_from_slice(s));
}

/// One command pool, fence and timestamp pair for one-shot submissions.
struct Submitter<'a> {
    ctx: &'a Context,
    pool: vk::CommandPool,
    fences: [vk::Fence; 2],
    query: vk::QueryPool,
}

impl<'a> Submitter<'a> {
    fn new(ctx: &'a Context) -> Res<Self> {
        let device = ctx.device();
        let pool_info = vk::CommandPoolCreateInfo::default()
            .queue_family_index(ctx.queue_family_index())
            .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER);
        let query_info = vk::QueryPoolCreateInfo::default().query_type(vk::QueryType::TIMESTAMP).query_count(2);
        // SAFETY: plain objects of the context's device, destroyed in `Drop`.
        unsafe {
            Ok(Submitter {
                ctx,
                pool: device.create_command_pool(&pool_info, None)?,
                fences: [
                    device.create_fence(&vk::FenceCreateInfo::default(), None)?,
                    device.create_fence(&vk::FenceCreateInfo::default(), None)?,
                ],
                query: device.create_query_pool(&query_info, None)?,
            })
        }
    }

    /// Records `record` into a new command buffer and submits it with fence `slot`, after
    /// waiting for that fence's previous submission when `wait`.
    fn submit(&self, slot: usize, record: impl FnOnce(vk::CommandBuffer)) -> Res<vk::CommandBuffer> {
        let device = self.ctx.device();
        let fence = self.fences[slot];
        let allocate = vk::CommandBufferAllocateInfo::default().command_pool(self.pool).command_buffer_count(1);
        // SAFETY: the fence is unsignalled (the caller waited for and reset it after an earlier
        // submission); the new command buffer is recorded once and freed by the caller after
        // its fence signalled.
        unsafe {
            let cmd = device.allocate_command_buffers(&allocate)?[0];
            device.begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default())?;
            record(cmd);
            device.end_command_buffer(cmd)?;
            let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
            self.ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], fence)?;
            Ok(cmd)
        }
    }

    /// Waits for both fences, resets them and frees `cmds`.
    fn finish(&self, cmds: &[vk::CommandBuffer], used: usize) -> Res<()> {
        let device = self.ctx.device();
        // SAFETY: the fences of submissions made through `submit`; once they signalled the
        // command buffers are no longer pending.
        unsafe {
            device.wait_for_fences(&self.fences[..used], true, u64::MAX)?;
            device.reset_fences(&self.fences[..used])?;
            device.free_command_buffers(self.pool, cmds);
        }
        Ok(())
    }

    /// Device time in milliseconds of one submission of `record` (between two timestamps).
    fn device_ms(&self, record: impl FnOnce(vk::CommandBuffer)) -> Res<f64> {
        let device = self.ctx.device();
        let cmd = self.submit(0, |cmd| {
            // SAFETY: the command buffer is recording; the pool has two timestamp queries.
            unsafe {
                device.cmd_reset_query_pool(cmd, self.query, 0, 2);
                device.cmd_write_timestamp2(cmd, vk::PipelineStageFlags2::ALL_COMMANDS, self.query, 0);
                record(cmd);
                device.cmd_write_timestamp2(cmd, vk::PipelineStageFlags2::ALL_COMMANDS, self.query, 1);
            }
        })?;
        self.finish(&[cmd], 1)?;
        let mut stamps = [0u64; 2];
        // SAFETY: both queries were written by the finished submission.
        unsafe { device.get_query_pool_results(self.query, 0, &mut stamps, vk::QueryResultFlags::TYPE_64)? };
        let period = self.ctx.capabilities().limits.timestamp_period;
        Ok(stamps[1].saturating_sub(stamps[0]) as f64 * f64::from(period) / 1e6)
    }
}

impl Drop for Submitter<'_> {
    fn drop(&mut self) {
        // SAFETY: every submission was waited for in `finish`.
        unsafe {
            let device = self.ctx.device();
            device.destroy_command_pool(self.pool, None);
            self.fences.iter().for_each(|&f| device.destroy_fence(f, None));
            device.destroy_query_pool(self.query, None);
        }
    }
}

fn copy_cmd(
    ctx: &Context,
    cmd: vk::CommandBuffer,
    src: &Buffer,
    src_offset: usize,
    dst: &Buffer,
    at: usize,
    len: usize,
) {
    let region = vk::BufferCopy { src_offset: src_offset as u64, dst_offset: at as u64, size: len as u64 };
    // SAFETY: the command buffer is recording; both ranges lie in their buffers (callers).
    unsafe { ctx.device().cmd_copy_buffer(cmd, src.handle(), dst.handle(), &[region]) };
}

/// Imports `len` bytes at `ptr` (page-aligned) and frees them again; returns (import, free)
/// times.
fn import_and_free(ctx: &Context, ptr: *const u8, len: usize) -> Res<(Duration, Duration)> {
    let fns = vkres::ash::ext::external_memory_host::Device::new(ctx.instance(), ctx.device());
    let handle = vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT;
    let mut props = vk::MemoryHostPointerPropertiesEXT::default();
    let t = Instant::now();
    // SAFETY: the extension is enabled by vkres where present (the caller checked); `ptr` is
    // aligned, readable and outlives the import, which is freed below.
    unsafe {
        (fns.fp().get_memory_host_pointer_properties_ext)(fns.device(), handle, ptr.cast::<c_void>(), &mut props)
            .result()?;
        let mut host =
            vk::ImportMemoryHostPointerInfoEXT::default().handle_type(handle).host_pointer(ptr as *mut c_void);
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(len as u64)
            .memory_type_index(props.memory_type_bits.trailing_zeros())
            .push_next(&mut host);
        let memory = ctx.device().allocate_memory(&info, None)?;
        let imported = t.elapsed();
        let t = Instant::now();
        ctx.device().free_memory(memory, None);
        Ok((imported, t.elapsed()))
    }
}

fn main() -> Res<()> {
    let ctx = Context::new(ContextOptions::new().debug_utils(false))?;
    let alloc = ResourceAllocator::new(&ctx)?;
    let caps = ctx.capabilities();
    println!("device: {} ({:?}), host threads: {}", caps.device_name, caps.device_type, rayon::current_num_threads());
    let src = vkres_bench::upload_input(SIZE as u64);
    let mut plain = vec![0u8; SIZE];
    let usage = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
    let dst = alloc.create_buffer(&BufferDesc::new(SIZE as u64, usage).location(MemoryLocation::PreferDevice))?;
    let staging_desc = BufferDesc::new(SIZE as u64, vk::BufferUsageFlags::TRANSFER_SRC)
        .mapping(MappingType::HostAccessSequentialWrite)
        .location(MemoryLocation::PreferHost)
        .dedicated(true);
    let staging = alloc.create_buffer(&staging_desc)?;
    let mapping = staging.map()?;
    // SAFETY: the mapping covers the whole staging buffer and lives until the end of `main`;
    // the device reads it only inside submissions that are waited for before the host writes
    // the same bytes again (two slots, each reused after its fence).
    let mapped = unsafe { std::slice::from_raw_parts_mut(mapping.as_ptr(), SIZE) };

    println!("\n1. host memcpy of 256 MiB (median ms, GB/s)");
    for threads in [1, 2, 4, 8, 16] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        let to_vec = time(|| {
            pool.install(|| par_copy(&mut plain, &src));
            Ok(())
        })?;
        let to_staging = time(|| {
            pool.install(|| par_copy(mapped, &src));
            Ok(())
        })?;
        println!(
            "   {threads:2} threads: into a Vec {to_vec:6.2} ({:5.2}), into mapped staging {to_staging:6.2} ({:5.2})",
            gbps(SIZE, to_vec),
            gbps(SIZE, to_staging)
        );
    }

    let sub = Submitter::new(&ctx)?;
    let mut device = Vec::new();
    for _ in 0..RUNS {
        device
            .push(Duration::from_secs_f64(sub.device_ms(|cmd| copy_cmd(&ctx, cmd, &staging, 0, &dst, 0, SIZE))? / 1e3));
    }
    let device = median(&device);
    println!("\n2. device copy of 256 MiB, staging to device-local: {device:.2} ms ({:.2} GB/s)", gbps(SIZE, device));

    let fence_ms = time(|| {
        for _ in 0..100 {
            // SAFETY: a plain fence, destroyed at once, never submitted.
            unsafe {
                let fence = ctx.device().create_fence(&vk::FenceCreateInfo::default(), None)?;
                ctx.device().destroy_fence(fence, None);
            }
        }
        Ok(())
    })? / 100.0;
    println!("\n3. vkCreateFence + vkDestroyFence: {:.1} us", fence_ms * 1e3);

    if caps.enabled.external_memory_host {
        // Page-aligned: the source Vec's first whole page on.
        let align = caps.min_imported_host_pointer_alignment.max(4096) as usize;
        let skip = (src.as_ptr() as usize).next_multiple_of(align) - src.as_ptr() as usize;
        let len = (SIZE - skip) / align * align - align;
        for parts in [1usize, 8] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(parts).build()?;
            let part = len / parts / align * align;
            let (mut imports, mut frees) = (Vec::new(), Vec::new());
            for _ in 0..RUNS {
                let base = src[skip..].as_ptr() as usize;
                let ctx = &ctx;
                let t = Instant::now();
                let each: Vec<(Duration, Duration)> = pool.install(|| {
                    (0..parts)
                        .into_par_iter()
                        .map(|k| import_and_free(ctx, (base + k * part) as *const u8, part).map_err(|e| e.to_string()))
                        .collect::<Result<_, _>>()
                })?;
                let wall = t.elapsed();
                let free: Duration = each.iter().map(|e| e.1).max().unwrap_or_default();
                imports.push(wall.saturating_sub(free));
                frees.push(free);
            }
            let (import, free) = (median(&imports), median(&frees));
            println!(
                "\n4. import of {} MiB in {parts} part(s) on {parts} thread(s): pin {import:.2} ms, unpin {free:.2} ms ({:.2} GB/s for both)",
                part * parts / MIB,
                gbps(part * parts, import + free)
            );
        }
    } else {
        println!("\n4. no VK_EXT_external_memory_host");
    }

    println!("\n5. 256 MiB uploaded, ready (median ms, GB/s), runs interleaved");
    let names = [
        "hand-written, 32 MiB pieces, 2 slots, memcpy on 1 thread",
        "hand-written, 32 MiB pieces, 2 slots, memcpy on rayon's pool",
        "vkres Batch::upload, default 64 MiB budget",
        "vkres upload_now",
    ];
    let mut times = vec![Vec::new(); names.len()];
    for run in 0..=RUNS {
        for (way, out) in times.iter_mut().enumerate() {
            let t = Instant::now();
            match way {
                0 | 1 => {
                    let mut cmds = Vec::new();
                    for (i, part) in src.chunks(PIECE).enumerate() {
                        let at = (i % 2) * PIECE;
                        let dst_part = &mut mapped[at..at + part.len()];
                        // The slot's previous copy is waited for before its bytes are written.
                        if i >= 2 {
                            let fence = [sub.fences[i % 2]];
                            // SAFETY: a fence of this submitter's earlier submission, reset once it
                            // signalled for the next one.
                            unsafe {
                                ctx.device().wait_for_fences(&fence, true, u64::MAX)?;
                                ctx.device().reset_fences(&fence)?;
                            }
                        }
                        if way == 0 {
                            dst_part.copy_from_slice(part)
                        } else {
                            par_copy(dst_part, part)
                        }
                        cmds.push(
                            sub.submit(i % 2, |cmd| copy_cmd(&ctx, cmd, &staging, at, &dst, i * PIECE, part.len()))?,
                        );
                    }
                    sub.finish(&cmds, 2)?;
                }
                2 => {
                    let mut batch = alloc.batch()?;
                    batch.upload_bytes(&dst, 0, &src)?;
                    batch.submit_and_wait()?;
                }
                _ => alloc.upload_now(&dst, 0, &src)?,
            }
            if run > 0 {
                out.push(t.elapsed());
            }
        }
    }
    for (name, t) in names.iter().zip(times) {
        let ms = median(&t);
        println!("   {name:62} {ms:7.2} ({:5.2})", gbps(SIZE, ms));
    }
    drop(mapping);
    Ok(())
}
