//! Uploads: host data into a device-local buffer, ready for use, every way side by side.
//!
//! The hand-written staging way keeps one persistent mapped staging buffer of the whole size:
//! memcpy, one `vkCmdCopyBuffer`, one submit, one wait. The split way does the same in pieces
//! of half vkres's staging budget through two slots (the memcpy of one piece overlapping the
//! copy of the previous one), as a batch with that budget does. vkres's fastest correct public
//! API is `ResourceAllocator::upload_now` (on a device sharing the host's memory it imports the
//! caller's pages with `VK_EXT_external_memory_host`; on a discrete GPU it stages, pipelined,
//! with the memcpy split over threads); `Batch::upload` (staged) is reported beside it.

use std::time::{Duration, Instant};

use vkres::ash::vk;
use vkres::{Buffer, BufferDesc, Context, MappingType, MemoryLocation, ResourceAllocator, StagingConfig};

use crate::BenchResult;
use crate::raw::{Raw, RawBuffer, barrier};
use crate::wgpu_way::{WgpuBuffer, WgpuWay};

const MIB: u64 = 1 << 20;

/// One way of uploading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    AshStaging,
    AshPieces,
    AshDirect,
    VkresNow,
    VkresBatch,
    VkresBatchWhole,
    VkresDirect,
    Wgpu,
}

impl Way {
    /// Every way, in table order.
    pub const ALL: [Way; 8] = [
        Way::AshStaging,
        Way::AshPieces,
        Way::AshDirect,
        Way::VkresNow,
        Way::VkresBatch,
        Way::VkresBatchWhole,
        Way::VkresDirect,
        Way::Wgpu,
    ];

    /// The ways on the plot.
    pub const PLOTTED: [Way; 5] = [Way::VkresNow, Way::VkresBatch, Way::VkresDirect, Way::AshStaging, Way::Wgpu];

    /// The row name; `budget` is the default allocator's staging budget.
    pub fn name(self, budget: u64) -> String {
        match self {
            Way::AshStaging => "ash + vk-mem, staging (hand-written)".into(),
            Way::AshPieces => format!("ash + vk-mem, staging in {} MiB submissions, 2 slots", budget / 2 / MIB),
            Way::AshDirect => "ash + vk-mem, direct write to device-local host-visible memory".into(),
            Way::VkresNow => "vkres, `upload_now`".into(),
            Way::VkresBatch => format!("vkres, `Batch::upload` (staged, {} MiB budget)", budget / MIB),
            Way::VkresBatchWhole => "vkres, `Batch::upload` (staged, budget = upload size)".into(),
            Way::VkresDirect => "vkres, `Batch::upload` to `PreferDirectWrite` memory".into(),
            Way::Wgpu => "wgpu, `Queue::write_buffer` + submit + poll".into(),
        }
    }

    /// The short name of the plot's legend and the JSON sweep.
    pub fn short(self) -> &'static str {
        match self {
            Way::VkresNow => "vkres upload_now",
            Way::VkresBatch => "vkres Batch::upload",
            Way::VkresDirect => "vkres Batch::upload direct",
            Way::AshStaging => "ash + vk-mem staging",
            Way::Wgpu => "wgpu write_buffer",
            _ => "other",
        }
    }
}

/// What every upload shares: the device, vkres's allocator, the hand-written allocator, wgpu.
pub struct Env<'a> {
    pub ctx: &'a Context,
    pub alloc: &'a ResourceAllocator,
    pub raw: &'a Raw<'a>,
    pub wgpu: Option<&'a WgpuWay>,
}

/// Two (pool, command buffer, fence) slots for the split hand-written way.
struct Slots<'a> {
    ctx: &'a Context,
    slots: [(vk::CommandPool, vk::CommandBuffer, vk::Fence); 2],
}

impl<'a> Slots<'a> {
    fn new(ctx: &'a Context) -> BenchResult<Self> {
        let device = ctx.device();
        let mut out =
            Slots { ctx, slots: [(vk::CommandPool::null(), vk::CommandBuffer::null(), vk::Fence::null()); 2] };
        for slot in &mut out.slots {
            let info = vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index());
            // SAFETY: objects of the context's device, destroyed in `Drop` (also after an
            // error here: null handles are no-ops there).
            unsafe {
                slot.0 = device.create_command_pool(&info, None)?;
                let allocate = vk::CommandBufferAllocateInfo::default().command_pool(slot.0).command_buffer_count(1);
                slot.1 = device.allocate_command_buffers(&allocate)?[0];
                slot.2 = device.create_fence(&vk::FenceCreateInfo::default(), None)?;
            }
        }
        Ok(out)
    }
}

impl Drop for Slots<'_> {
    fn drop(&mut self) {
        // SAFETY: every submission was waited for; destroying null handles is a no-op.
        unsafe {
            for (pool, _, fence) in self.slots {
                self.ctx.device().destroy_command_pool(pool, None);
                self.ctx.device().destroy_fence(fence, None);
            }
        }
    }
}

/// The buffers the ways upload into, for one size.
struct Targets<'a> {
    env: &'a Env<'a>,
    staging: RawBuffer,
    ash_dst: RawBuffer,
    ash_direct: Option<RawBuffer>,
    slots: Slots<'a>,
    vk_dst: Buffer,
    vk_direct: Buffer,
    whole: ResourceAllocator,
    wgpu_dst: Option<WgpuBuffer>,
}

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::STORAGE_BUFFER.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw()
        | vk::BufferUsageFlags::TRANSFER_SRC.as_raw(),
);

impl<'a> Targets<'a> {
    fn new(env: &'a Env<'a>, size: u64, ways: &[Way]) -> BenchResult<Self> {
        let raw = env.raw;
        let has = |w: Way| ways.contains(&w);
        let staging = raw.staging_buffer(if has(Way::AshStaging) || has(Way::AshPieces) { size } else { 4 })?;
        let ash_dst = raw.device_buffer(size, USAGE)?;
        // Device-local memory the host can write, where the device has it.
        let direct = vk_mem::AllocationCreateInfo {
            usage: vk_mem::MemoryUsage::AutoPreferDevice,
            flags: vk_mem::AllocationCreateFlags::HOST_ACCESS_SEQUENTIAL_WRITE | vk_mem::AllocationCreateFlags::MAPPED,
            required_flags: vk::MemoryPropertyFlags::DEVICE_LOCAL | vk::MemoryPropertyFlags::HOST_VISIBLE,
            ..Default::default()
        };
        let ash_direct = if has(Way::AshDirect) { raw.buffer(size, USAGE, &direct).ok() } else { None };
        let desc = BufferDesc::new(size, USAGE).location(MemoryLocation::PreferDevice).name("upload dst");
        let vk_dst = env.alloc.create_buffer(&desc)?;
        let direct_size = if has(Way::VkresDirect) { size } else { 4 };
        let desc = BufferDesc::new(direct_size, USAGE).mapping(MappingType::PreferDirectWrite).name("upload direct");
        let vk_direct = env.alloc.create_buffer(&desc)?;
        let whole = env.alloc.with_staging(StagingConfig { budget: size, chunk_size: size })?;
        let wgpu_dst = match env.wgpu {
            Some(wgpu) if has(Way::Wgpu) => wgpu.upload_target(size),
            _ => None,
        };
        let slots = Slots::new(env.ctx)?;
        Ok(Targets { env, staging, ash_dst, ash_direct, slots, vk_dst, vk_direct, whole, wgpu_dst })
    }

    /// Uploads `data` the way `way` does; `false` where the way cannot do it here.
    fn upload(&mut self, way: Way, data: &[u8]) -> BenchResult<bool> {
        let env = self.env;
        let vkres_batch = |alloc: &ResourceAllocator, dst: &Buffer| -> vkres::Result<()> {
            let mut batch = alloc.batch()?;
            batch.upload_bytes(dst, 0, data)?;
            batch.submit_and_wait()
        };
        match way {
            Way::AshStaging => self.ash_staging(data)?,
            Way::AshPieces => self.ash_pieces(data, (env.alloc.staging().config().budget / 2) as usize)?,
            Way::AshDirect => match &self.ash_direct {
                Some(direct) => env.raw.write(direct, 0, data)?,
                None => return Ok(false),
            },
            Way::VkresNow => env.alloc.upload_now(&self.vk_dst, 0, data)?,
            Way::VkresBatch => vkres_batch(env.alloc, &self.vk_dst)?,
            Way::VkresBatchWhole => vkres_batch(&self.whole, &self.vk_dst)?,
            Way::VkresDirect => vkres_batch(env.alloc, &self.vk_direct)?,
            Way::Wgpu => match (env.wgpu, &self.wgpu_dst) {
                (Some(wgpu), Some(dst)) => wgpu.upload(dst, data)?,
                _ => return Ok(false),
            },
        }
        Ok(true)
    }

    /// memcpy into the persistent staging buffer, one copy, one submit, one wait.
    fn ash_staging(&self, data: &[u8]) -> BenchResult<()> {
        let raw = self.env.raw;
        raw.write(&self.staging, 0, data)?;
        let region = vk::BufferCopy::default().size(data.len() as u64);
        // SAFETY: both buffers are live and hold `data.len()` bytes; `cmd` is recording.
        raw.submit(|cmd| unsafe {
            raw.ctx.device().cmd_copy_buffer(cmd, self.staging.buffer, self.ash_dst.buffer, &[region])
        })
    }

    /// The same in pieces of `piece` bytes, each its own submission, through two slots.
    fn ash_pieces(&self, data: &[u8], piece: usize) -> BenchResult<()> {
        let (raw, device) = (self.env.raw, self.env.ctx.device());
        for (i, part) in data.chunks(piece).enumerate() {
            let (pool, cmd, fence) = self.slots.slots[i % 2];
            // SAFETY: slot k's staging range [k * piece, (k + 1) * piece) lies in the staging
            // buffer (of the upload's size); a slot is reused only after its fence signalled.
            unsafe {
                if i >= 2 {
                    device.wait_for_fences(&[fence], true, u64::MAX)?;
                    device.reset_fences(&[fence])?;
                }
                let at = (i % 2) * piece;
                raw.write(&self.staging, at as u64, part)?;
                device.reset_command_pool(pool, vk::CommandPoolResetFlags::empty())?;
                let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
                device.begin_command_buffer(cmd, &begin)?;
                let region =
                    vk::BufferCopy { src_offset: at as u64, dst_offset: (i * piece) as u64, size: part.len() as u64 };
                device.cmd_copy_buffer(cmd, self.staging.buffer, self.ash_dst.buffer, &[region]);
                barrier(
                    self.env.ctx,
                    cmd,
                    (vk::PipelineStageFlags2::ALL_TRANSFER, vk::AccessFlags2::TRANSFER_WRITE),
                    (vk::PipelineStageFlags2::ALL_COMMANDS, vk::AccessFlags2::MEMORY_READ),
                );
                device.end_command_buffer(cmd)?;
                let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
                self.env.ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], fence)?;
            }
        }
        let used = data.len().div_ceil(piece).min(2);
        for &(_, _, fence) in &self.slots.slots[..used] {
            // SAFETY: fences of submissions made above.
            unsafe {
                device.wait_for_fences(&[fence], true, u64::MAX)?;
                device.reset_fences(&[fence])?;
            }
        }
        Ok(())
    }

    /// What the device holds after `way` ran.
    fn read_back(&self, way: Way, size: u64) -> BenchResult<Vec<u8>> {
        let raw = self.env.raw;
        Ok(match way {
            Way::AshStaging | Way::AshPieces => raw.read_buffer(self.ash_dst.buffer, size)?,
            Way::AshDirect => {
                raw.read_buffer(self.ash_direct.as_ref().map_or(vk::Buffer::null(), |b| b.buffer), size)?
            }
            Way::VkresNow | Way::VkresBatch | Way::VkresBatchWhole => raw.read_buffer(self.vk_dst.handle(), size)?,
            Way::VkresDirect => raw.read_buffer(self.vk_direct.handle(), size)?,
            Way::Wgpu => match (self.env.wgpu, &self.wgpu_dst) {
                (Some(wgpu), Some(dst)) => wgpu.read(dst, size)?,
                _ => Vec::new(),
            },
        })
    }
}

impl Drop for Targets<'_> {
    fn drop(&mut self) {
        for buffer in [&self.staging, &self.ash_dst].into_iter().chain(&self.ash_direct) {
            // SAFETY: nothing is in flight (every way waits before it returns); each buffer is
            // destroyed once, here, as `self` goes.
            unsafe { self.env.raw.destroy_in_place(buffer) };
        }
    }
}

/// Times `ways` uploading `data` (interleaved, after warm-ups), then checks each way's result
/// byte for byte. Returns each way's counted times (empty: the way cannot do it here).
pub fn measure(
    env: &Env<'_>,
    data: &mut [u8],
    ways: &[Way],
    warmups: usize,
    runs: usize,
) -> BenchResult<Vec<Vec<Duration>>> {
    let size = data.len() as u64;
    let mut targets = Targets::new(env, size, ways)?;
    // wgpu drives a VkDevice of its own: the GPU switching between two devices slows the first
    // submission after each switch (measured on the H100: 4 KiB-1 MiB uploads 10x slower for
    // whichever way followed the other device's). So the ways on vkres's device are interleaved
    // with each other, and wgpu's runs come after them, interleaved with nothing.
    let groups: [Vec<usize>; 2] = [
        (0..ways.len()).filter(|&i| ways[i] != Way::Wgpu).collect(),
        (0..ways.len()).filter(|&i| ways[i] == Way::Wgpu).collect(),
    ];
    let mut times = vec![Vec::new(); ways.len()];
    for group in groups.iter().filter(|g| !g.is_empty()) {
        let group_times = crate::stats::interleaved(warmups, runs, group.len(), |k| {
            let t = Instant::now();
            Ok::<_, Box<dyn std::error::Error>>(targets.upload(ways[group[k]], data)?.then(|| t.elapsed()))
        })?;
        for (&i, t) in group.iter().zip(group_times) {
            times[i] = t;
        }
    }
    // Each way once more on changed data (a byte of every page flipped), then read back: a
    // way that left the previous contents in place fails.
    for &way in ways {
        for i in (0..data.len()).step_by(4096).chain([data.len() - 1]) {
            data[i] ^= 0x5A;
        }
        if targets.upload(way, data)? {
            let back = targets.read_back(way, size)?;
            if back != data {
                return Err(format!("{}: the device does not hold the uploaded {size} bytes", way.name(0)).into());
            }
        }
    }
    Ok(times)
}
