//! Where a large upload's time goes (issue 20, item 2), each piece measured on its own in the
//! same process, hand-written: the memcpy of the whole upload into mapped staging memory (one
//! thread, and split over the host's threads as vkres splits it), the device's copy from
//! staging into device-local memory (timestamps around the copy), and what the submission and
//! the fence wait add around that copy (wall time of submit + wait minus the device's time).
//! vkres's `upload_now` overlaps the memcpy of one piece with the copy of the previous one, so
//! its time lies between the largest piece and their sum.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vkres::Context;
use vkres::ash::vk;

use crate::BenchResult;
use crate::raw::{Raw, RawBuffer};
use crate::stats::Summary;

/// The pieces' medians, in milliseconds (`None`: not measurable here).
#[derive(Debug, Clone, Copy)]
pub struct Pieces {
    pub memcpy_one_thread_ms: Option<f64>,
    pub memcpy_threads_ms: Option<f64>,
    pub threads: usize,
    pub device_copy_ms: Option<f64>,
    pub submit_wait_ms: Option<f64>,
}

impl Pieces {
    /// The JSON object, with `vkres_upload_now_ms` (the whole upload, from the upload table).
    pub fn to_json(self, bytes: u64, vkres_upload_now_ms: Option<f64>) -> Value {
        json!({
            "bytes": bytes,
            "memcpy_one_thread": self.memcpy_one_thread_ms,
            "memcpy_threads": self.memcpy_threads_ms,
            "threads": self.threads,
            "device_copy": self.device_copy_ms,
            "submit_wait_overhead": self.submit_wait_ms,
            "vkres_upload_now": vkres_upload_now_ms,
        })
    }
}

/// A command pool, one command buffer, a fence and two timestamp queries.
struct Timed<'a> {
    ctx: &'a Context,
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
    query: vk::QueryPool,
}

impl<'a> Timed<'a> {
    fn new(ctx: &'a Context) -> BenchResult<Self> {
        let device = ctx.device();
        let mut out = Timed {
            ctx,
            pool: vk::CommandPool::null(),
            cmd: vk::CommandBuffer::null(),
            fence: vk::Fence::null(),
            query: vk::QueryPool::null(),
        };
        let pool_info = vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index());
        let query_info = vk::QueryPoolCreateInfo::default().query_type(vk::QueryType::TIMESTAMP).query_count(2);
        // SAFETY: plain objects of the context's device, destroyed in `Drop` (null handles,
        // after an error here, are no-ops there).
        unsafe {
            out.pool = device.create_command_pool(&pool_info, None)?;
            let allocate = vk::CommandBufferAllocateInfo::default().command_pool(out.pool).command_buffer_count(1);
            out.cmd = device.allocate_command_buffers(&allocate)?[0];
            out.fence = device.create_fence(&vk::FenceCreateInfo::default(), None)?;
            out.query = device.create_query_pool(&query_info, None)?;
        }
        Ok(out)
    }

    /// Submits one copy of `size` bytes between timestamps and waits: (wall time of the
    /// submit and wait, device time between the timestamps).
    fn copy(&self, src: vk::Buffer, dst: vk::Buffer, size: u64) -> BenchResult<(Duration, Duration)> {
        let device = self.ctx.device();
        let region = vk::BufferCopy::default().size(size);
        // SAFETY: the command buffer is not pending (each submission is waited for), the fence
        // unsignalled (reset after each wait); both buffers hold `size` bytes.
        let wall = unsafe {
            device.reset_command_pool(self.pool, vk::CommandPoolResetFlags::empty())?;
            let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
            device.begin_command_buffer(self.cmd, &begin)?;
            device.cmd_reset_query_pool(self.cmd, self.query, 0, 2);
            device.cmd_write_timestamp2(self.cmd, vk::PipelineStageFlags2::ALL_COMMANDS, self.query, 0);
            device.cmd_copy_buffer(self.cmd, src, dst, &[region]);
            device.cmd_write_timestamp2(self.cmd, vk::PipelineStageFlags2::ALL_COMMANDS, self.query, 1);
            device.end_command_buffer(self.cmd)?;
            let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(self.cmd)];
            let t = Instant::now();
            self.ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], self.fence)?;
            device.wait_for_fences(&[self.fence], true, u64::MAX)?;
            let wall = t.elapsed();
            device.reset_fences(&[self.fence])?;
            wall
        };
        let mut stamps = [0u64; 2];
        // SAFETY: both queries were written by the finished submission.
        unsafe { device.get_query_pool_results(self.query, 0, &mut stamps, vk::QueryResultFlags::TYPE_64) }?;
        let period = f64::from(self.ctx.capabilities().limits.timestamp_period);
        let device_ns = stamps[1].saturating_sub(stamps[0]) as f64 * period;
        Ok((wall, Duration::from_nanos(device_ns as u64)))
    }
}

impl Drop for Timed<'_> {
    fn drop(&mut self) {
        // SAFETY: every submission was waited for; null handles are no-ops.
        unsafe {
            let device = self.ctx.device();
            device.destroy_command_pool(self.pool, None);
            device.destroy_fence(self.fence, None);
            device.destroy_query_pool(self.query, None);
        }
    }
}

/// `src` into the mapping at `dst` over `threads` scoped threads, in equal parts.
fn split_copy(dst: *mut u8, src: &[u8], threads: usize) {
    let part = src.len().div_ceil(threads.max(1)).next_multiple_of(64);
    let dst = dst as usize;
    std::thread::scope(|s| {
        for (k, chunk) in src.chunks(part).enumerate() {
            s.spawn(move || {
                // SAFETY: the mapping holds `src.len()` bytes (the caller's staging buffer of
                // that size); each thread writes its own disjoint range of it.
                unsafe { std::ptr::copy_nonoverlapping(chunk.as_ptr(), (dst + k * part) as *mut u8, chunk.len()) }
            });
        }
    });
}

/// Whether the queue's timestamps are valid (the device's copy time is measurable).
fn has_timestamps(ctx: &Context) -> bool {
    // SAFETY: the context's live instance and physical device.
    let families = unsafe { ctx.instance().get_physical_device_queue_family_properties(ctx.physical_device()) };
    families.get(ctx.queue_family_index() as usize).is_some_and(|f| f.timestamp_valid_bits > 0)
        && ctx.capabilities().limits.timestamp_period > 0.0
}

/// Measures each piece for an upload of `data` (warm-ups, then `runs` interleaved runs).
pub fn measure(ctx: &Context, raw: &Raw<'_>, data: &[u8], warmups: usize, runs: usize) -> BenchResult<Pieces> {
    let size = data.len() as u64;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let staging = raw.staging_buffer(size)?;
    let dst = raw.device_buffer(size, vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC);
    let dst = match dst {
        Ok(d) => d,
        Err(e) => {
            raw.destroy_buffer(staging);
            return Err(e);
        }
    };
    let result = pieces(ctx, raw, &staging, &dst, data, threads, warmups, runs);
    raw.destroy_buffer(staging);
    raw.destroy_buffer(dst);
    result
}

#[allow(clippy::too_many_arguments)]
fn pieces(
    ctx: &Context,
    raw: &Raw<'_>,
    staging: &RawBuffer,
    dst: &RawBuffer,
    data: &[u8],
    threads: usize,
    warmups: usize,
    runs: usize,
) -> BenchResult<Pieces> {
    let size = data.len() as u64;
    let timed = Timed::new(ctx)?;
    let timestamps = has_timestamps(ctx);
    let mut memcpy = [Vec::new(), Vec::new()];
    let (mut walls, mut device) = (Vec::new(), Vec::new());
    for run in 0..warmups + runs {
        let t = Instant::now();
        split_copy(staging.mapped, data, 1);
        let one = t.elapsed();
        let t = Instant::now();
        split_copy(staging.mapped, data, threads);
        let many = t.elapsed();
        raw.vma.flush_allocation(&staging.allocation, 0, size)?;
        let (wall, gpu) = timed.copy(staging.buffer, dst.buffer, size)?;
        if run >= warmups {
            memcpy[0].push(one);
            memcpy[1].push(many);
            walls.push(wall);
            device.push(gpu);
        }
    }
    // The copy is checked once: the device holds the data.
    if raw.read_buffer(dst.buffer, size)? != data {
        return Err("upload pieces: the device does not hold the copied bytes".into());
    }
    let ms = |t: &[Duration]| Summary::of(t).map(|s| s.median_ms);
    let device_copy_ms = if timestamps { ms(&device) } else { None };
    let submit_wait_ms = match (ms(&walls), device_copy_ms) {
        (Some(w), Some(d)) => Some((w - d).max(0.0)),
        _ => None,
    };
    Ok(Pieces {
        memcpy_one_thread_ms: ms(&memcpy[0]),
        memcpy_threads_ms: ms(&memcpy[1]),
        threads,
        device_copy_ms,
        submit_wait_ms,
    })
}
