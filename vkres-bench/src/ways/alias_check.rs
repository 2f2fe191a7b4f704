//! What the recorder's active-member check of transient memory (`Error::AliasNotActive`, issue
//! 16) costs per recorded use: `USES` buffer copies recorded into one command buffer (never
//! submitted) between two plain buffers and between two buffers in transient memory, the
//! same copies hand-written in ash, and the check alone (`Buffer::memory().alias_member()`,
//! the one dynamic call every recorded buffer or image use makes) `USES` times.

use std::hint::black_box;
use std::time::{Duration, Instant};

use vkres::ash::vk;
use vkres::{Buffer, BufferDesc, Context, ResourceAllocator};

use crate::BenchResult;

/// Recorded uses per run: copies (each names two buffers: two checks), or checks.
pub const USES: usize = 10_000;

/// Bytes per copy.
const BYTES: u64 = 256;

/// Which way is which in [`measure`]'s result.
pub const WAYS: [&str; 5] = [
    "vkres, `Recorder::copy_buffer` between two plain buffers",
    "vkres, `Recorder::copy_buffer` between two buffers in transient memory (active members)",
    "ash, `vkCmdCopyBuffer` + a transfer barrier per copy (hand-written)",
    "the check alone on a plain buffer (`memory().alias_member()`: one dynamic call)",
    "the check alone on a buffer in transient memory (the call, no claim)",
];

/// A command pool and one primary command buffer of the context's family, destroyed on drop.
struct Commands<'c> {
    ctx: &'c Context,
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
}

impl<'c> Commands<'c> {
    fn new(ctx: &'c Context) -> BenchResult<Self> {
        let device = ctx.device();
        let info = vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index());
        // SAFETY: plain object creation; destroyed by `drop`.
        let pool = unsafe { device.create_command_pool(&info, None) }?;
        let alloc = vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1);
        // SAFETY: the pool is live.
        let cmd = match unsafe { device.allocate_command_buffers(&alloc) } {
            Ok(cmds) => cmds[0],
            Err(e) => {
                // SAFETY: made above, nothing allocated from it.
                unsafe { device.destroy_command_pool(pool, None) };
                return Err(e.into());
            }
        };
        Ok(Self { ctx, pool, cmd })
    }

    /// Resets the pool and begins the command buffer (never submitted: recording is timed).
    fn begin(&self) -> BenchResult<()> {
        let device = self.ctx.device();
        // SAFETY: the command buffer was never submitted; the pool is not used elsewhere.
        unsafe {
            device.reset_command_pool(self.pool, vk::CommandPoolResetFlags::empty())?;
            device.begin_command_buffer(self.cmd, &vk::CommandBufferBeginInfo::default())?;
        }
        Ok(())
    }

    fn end(&self) -> BenchResult<()> {
        // SAFETY: recording (begun by `begin`).
        unsafe { self.ctx.device().end_command_buffer(self.cmd) }?;
        Ok(())
    }
}

impl Drop for Commands<'_> {
    fn drop(&mut self) {
        // SAFETY: nothing recorded here was ever submitted.
        unsafe { self.ctx.device().destroy_command_pool(self.pool, None) };
    }
}

/// Records [`USES`] copies between `src` and `dst` with a recorder, dropped unfinished.
fn vkres_copies(
    alloc: &ResourceAllocator,
    commands: &Commands<'_>,
    src: &Buffer,
    dst: &Buffer,
) -> BenchResult<Duration> {
    commands.begin()?;
    let t = Instant::now();
    {
        // SAFETY: `cmd` is recording, of the context's family; the recorder is dropped
        // unfinished and the command buffer never submitted (reset by the next `begin`).
        let mut recorder = unsafe { alloc.recorder(commands.cmd) };
        for _ in 0..USES {
            recorder.copy_buffer(src, 0, dst, 0, BYTES)?;
        }
    }
    let elapsed = t.elapsed();
    commands.end()?;
    Ok(elapsed)
}

/// The same copies, hand-written: each after a transfer barrier (as vkres orders a copy after
/// the transfers recorded before it on either buffer).
fn ash_copies(ctx: &Context, commands: &Commands<'_>, src: vk::Buffer, dst: vk::Buffer) -> BenchResult<Duration> {
    commands.begin()?;
    let device = ctx.device();
    let barrier = [vk::MemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
        .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
        .dst_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
        .dst_access_mask(vk::AccessFlags2::TRANSFER_READ | vk::AccessFlags2::TRANSFER_WRITE)];
    let region = [vk::BufferCopy { src_offset: 0, dst_offset: 0, size: BYTES }];
    let t = Instant::now();
    for i in 0..USES {
        // SAFETY: recording; both buffers are live, with TRANSFER_SRC / TRANSFER_DST usage,
        // and the region lies inside both; never submitted.
        unsafe {
            if i > 0 {
                device.cmd_pipeline_barrier2(commands.cmd, &vk::DependencyInfo::default().memory_barriers(&barrier));
            }
            device.cmd_copy_buffer(commands.cmd, src, dst, &region);
        }
    }
    let elapsed = t.elapsed();
    commands.end()?;
    Ok(elapsed)
}

/// [`USES`] checks of `buffer`: the recorder's call, whose `None` (a plain buffer) ends it.
fn checks(buffer: &Buffer) -> Duration {
    let t = Instant::now();
    for _ in 0..USES {
        black_box(black_box(buffer).memory().alias_member().is_none());
    }
    t.elapsed()
}

/// Each way's times (in [`WAYS`]' order).
pub fn measure(
    ctx: &Context,
    alloc: &ResourceAllocator,
    warmups: usize,
    runs: usize,
) -> BenchResult<Vec<Vec<Duration>>> {
    let usage = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
    let desc = |name: &str| BufferDesc::new(4096, usage).name(name);
    let (src, dst) = (alloc.create_buffer(&desc("alias check src"))?, alloc.create_buffer(&desc("alias check dst"))?);
    // One transient memory per buffer: each is its memory's only member, so every claim
    // succeeds (the check's full path: the epoch, the lock, the member written back).
    let (src_desc, dst_desc) = (desc("aliased src"), desc("aliased dst"));
    let src_memory = alloc.create_transient_memory(&[&src_desc], &[], "alias check src memory")?;
    let dst_memory = alloc.create_transient_memory(&[&dst_desc], &[], "alias check dst memory")?;
    let aliased_src = alloc.create_aliased_buffer(&src_memory, &src_desc)?;
    let aliased_dst = alloc.create_aliased_buffer(&dst_memory, &dst_desc)?;
    let commands = Commands::new(ctx)?;
    let times = crate::stats::interleaved(warmups, runs, WAYS.len(), |way| -> BenchResult<Option<Duration>> {
        Ok(Some(match way {
            0 => vkres_copies(alloc, &commands, &src, &dst)?,
            1 => vkres_copies(alloc, &commands, &aliased_src, &aliased_dst)?,
            2 => ash_copies(ctx, &commands, src.handle(), dst.handle())?,
            3 => checks(&src),
            _ => checks(&aliased_src),
        }))
    })?;
    Ok(times)
}
