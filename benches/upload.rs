//! Uploading host data into a device-local buffer, ready for use: vkres against the same work
//! hand-written in ash + vk-mem, side by side in one process, runs interleaved.
//!
//! ```sh
//! cargo bench --bench upload                 # 256 MiB, 9 counted runs after 2 warm-ups
//! cargo bench --bench upload -- --mib 64 --runs 15
//! cargo bench --bench upload -- --budget-mib 64 --chunk-mib 16   # the staging limits of way 2
//! ```
//! Prints a Markdown table (median, min, max, throughput, ratio to hand-written staging) and
//! the device it ran on. Every way's result is read back and compared with the input.

#[path = "common.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{arg, stats};

use vkres::ash::vk;
use vkres::{
    Buffer, BufferDesc, Context, ContextOptions, MappingType, MemoryLocation, ResourceAllocator, StagingConfig,
};

const MIB: u64 = 1 << 20;

/// The hand-written baseline: one persistent mapped staging buffer, one command buffer, one
/// fence; per upload a memcpy, one `vkCmdCopyBuffer`, one submit, one wait.
struct HandWritten<'a> {
    ctx: &'a Context,
    vma: vk_mem::Allocator,
    staging: (vk::Buffer, vk_mem::Allocation, *mut u8),
    dst: (vk::Buffer, vk_mem::Allocation),
    direct: Option<(vk::Buffer, vk_mem::Allocation, *mut u8)>,
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
    /// Two (pool, command buffer, fence) slots for the pipelined way.
    slots: [(vk::CommandPool, vk::CommandBuffer, vk::Fence); 2],
}

impl<'a> HandWritten<'a> {
    fn new(ctx: &'a Context, size: u64) -> Self {
        use vk_mem::Alloc;
        let device = ctx.device();
        // SAFETY: the benchmark's baseline is raw Vulkan by design. Every object is created on
        // the context's live device and destroyed in `Drop`, after the device is idle.
        unsafe {
            let mut info = vk_mem::AllocatorCreateInfo::new(ctx.instance(), device, ctx.physical_device());
            info.vulkan_api_version = vk::API_VERSION_1_3;
            let vma = vk_mem::Allocator::new(info).expect("vma");
            let staging_info = vk::BufferCreateInfo::default().size(size).usage(vk::BufferUsageFlags::TRANSFER_SRC);
            let host = vk_mem::AllocationCreateInfo {
                usage: vk_mem::MemoryUsage::AutoPreferHost,
                flags: vk_mem::AllocationCreateFlags::HOST_ACCESS_SEQUENTIAL_WRITE
                    | vk_mem::AllocationCreateFlags::MAPPED,
                ..Default::default()
            };
            let (sb, sa) = vma.create_buffer(&staging_info, &host).expect("staging");
            let sp = vma.get_allocation_info(&sa).mapped_data.cast::<u8>();
            let dst_info = vk::BufferCreateInfo::default().size(size).usage(
                vk::BufferUsageFlags::TRANSFER_DST
                    | vk::BufferUsageFlags::TRANSFER_SRC
                    | vk::BufferUsageFlags::STORAGE_BUFFER,
            );
            let dev =
                vk_mem::AllocationCreateInfo { usage: vk_mem::MemoryUsage::AutoPreferDevice, ..Default::default() };
            let dst = vma.create_buffer(&dst_info, &dev).expect("dst");
            // Device-local memory the host can write, if the device has it (the direct path).
            let direct_alloc = vk_mem::AllocationCreateInfo {
                usage: vk_mem::MemoryUsage::AutoPreferDevice,
                flags: vk_mem::AllocationCreateFlags::HOST_ACCESS_SEQUENTIAL_WRITE
                    | vk_mem::AllocationCreateFlags::MAPPED,
                required_flags: vk::MemoryPropertyFlags::DEVICE_LOCAL | vk::MemoryPropertyFlags::HOST_VISIBLE,
                ..Default::default()
            };
            let direct = vma.create_buffer(&dst_info, &direct_alloc).ok().map(|(b, a)| {
                let p = vma.get_allocation_info(&a).mapped_data.cast::<u8>();
                (b, a, p)
            });
            let pool = device
                .create_command_pool(
                    &vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index()),
                    None,
                )
                .expect("pool");
            let cmd = device
                .allocate_command_buffers(
                    &vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1),
                )
                .expect("cmd")[0];
            let fence = device.create_fence(&vk::FenceCreateInfo::default(), None).expect("fence");
            let slots = [0, 1].map(|_| {
                let pool = device
                    .create_command_pool(
                        &vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index()),
                        None,
                    )
                    .expect("pool");
                let cmd = device
                    .allocate_command_buffers(
                        &vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1),
                    )
                    .expect("cmd")[0];
                (pool, cmd, device.create_fence(&vk::FenceCreateInfo::default(), None).expect("fence"))
            });
            Self { ctx, vma, staging: (sb, sa, sp), dst, direct, pool, cmd, fence, slots }
        }
    }

    fn upload(&mut self, data: &[u8]) {
        let device = self.ctx.device();
        // SAFETY: the staging mapping holds `data.len()` bytes; the command buffer is not
        // pending (the previous upload was waited for); the queue is locked while submitting.
        unsafe {
            std::ptr::copy_nonoverlapping(data.as_ptr(), self.staging.2, data.len());
            self.vma.flush_allocation(&self.staging.1, 0, data.len() as u64).expect("flush");
            device.reset_command_pool(self.pool, vk::CommandPoolResetFlags::empty()).expect("reset");
            device
                .begin_command_buffer(
                    self.cmd,
                    &vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT),
                )
                .expect("begin");
            device.cmd_copy_buffer(
                self.cmd,
                self.staging.0,
                self.dst.0,
                &[vk::BufferCopy { src_offset: 0, dst_offset: 0, size: data.len() as u64 }],
            );
            let barrier = vk::MemoryBarrier2::default()
                .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
                .dst_access_mask(vk::AccessFlags2::MEMORY_READ);
            device.cmd_pipeline_barrier2(self.cmd, &vk::DependencyInfo::default().memory_barriers(&[barrier]));
            device.end_command_buffer(self.cmd).expect("end");
            let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(self.cmd)];
            {
                let _queue = self.ctx.lock_queue();
                device
                    .queue_submit2(
                        self.ctx.queue(),
                        &[vk::SubmitInfo2::default().command_buffer_infos(&cmds)],
                        self.fence,
                    )
                    .expect("submit");
            }
            device.wait_for_fences(&[self.fence], true, u64::MAX).expect("wait");
            device.reset_fences(&[self.fence]).expect("reset fence");
        }
    }

    /// The same upload in pieces of `piece` bytes, each its own submission, through two
    /// staging slots: the memcpy of one piece overlaps the copy of the previous one (what a
    /// batch with a staging budget of `2 * piece` does).
    fn upload_pipelined(&mut self, data: &[u8], piece: usize) {
        let device = self.ctx.device();
        // SAFETY: slot k's staging range [k * piece, (k + 1) * piece) lies in the staging
        // mapping (its size is the upload's); a slot is reused only after its fence signalled.
        unsafe {
            for (i, part) in data.chunks(piece).enumerate() {
                let (pool, cmd, fence) = self.slots[i % 2];
                if i >= 2 {
                    device.wait_for_fences(&[fence], true, u64::MAX).expect("wait");
                    device.reset_fences(&[fence]).expect("reset fence");
                }
                let at = (i % 2) * piece;
                std::ptr::copy_nonoverlapping(part.as_ptr(), self.staging.2.add(at), part.len());
                self.vma.flush_allocation(&self.staging.1, at as u64, part.len() as u64).expect("flush");
                device.reset_command_pool(pool, vk::CommandPoolResetFlags::empty()).expect("reset");
                let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
                device.begin_command_buffer(cmd, &begin).expect("begin");
                let region =
                    vk::BufferCopy { src_offset: at as u64, dst_offset: (i * piece) as u64, size: part.len() as u64 };
                device.cmd_copy_buffer(cmd, self.staging.0, self.dst.0, &[region]);
                let barrier = vk::MemoryBarrier2::default()
                    .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                    .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                    .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
                    .dst_access_mask(vk::AccessFlags2::MEMORY_READ);
                device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().memory_barriers(&[barrier]));
                device.end_command_buffer(cmd).expect("end");
                let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
                self.ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], fence).expect("submit");
            }
            let used = data.len().div_ceil(piece).min(2);
            for &(_, _, fence) in &self.slots[..used] {
                device.wait_for_fences(&[fence], true, u64::MAX).expect("wait");
                device.reset_fences(&[fence]).expect("reset fence");
            }
        }
    }

    fn upload_direct(&mut self, data: &[u8]) -> bool {
        let Some((_, allocation, ptr)) = &self.direct else { return false };
        // SAFETY: the mapping holds `data.len()` bytes and the device does not use the buffer.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), *ptr, data.len()) };
        self.vma.flush_allocation(allocation, 0, data.len() as u64).expect("flush");
        true
    }
}

impl Drop for HandWritten<'_> {
    fn drop(&mut self) {
        // SAFETY: the device is idle after the wait; each object is destroyed once.
        unsafe {
            let _ = self.ctx.device().device_wait_idle();
            self.ctx.device().destroy_fence(self.fence, None);
            self.ctx.device().destroy_command_pool(self.pool, None);
            for (pool, _, fence) in self.slots {
                self.ctx.device().destroy_command_pool(pool, None);
                self.ctx.device().destroy_fence(fence, None);
            }
            self.vma.destroy_buffer(self.staging.0, &mut self.staging.1);
            self.vma.destroy_buffer(self.dst.0, &mut self.dst.1);
            if let Some((b, mut a, _)) = self.direct.take() {
                self.vma.destroy_buffer(b, &mut a);
            }
        }
    }
}

fn main() -> vkres::Result<()> {
    let size = arg("--mib", 256) * MIB;
    let runs = arg("--runs", 9).max(1) as usize;
    let ctx = Context::new(ContextOptions::new().debug_utils(false))?;
    let caps = ctx.capabilities();
    let default = StagingConfig::default();
    let staging = StagingConfig {
        budget: arg("--budget-mib", default.budget / MIB) * MIB,
        chunk_size: arg("--chunk-mib", default.chunk_size / MIB) * MIB,
    };
    let alloc = ResourceAllocator::new(&ctx)?.with_staging(staging)?;
    let big = alloc.with_staging(StagingConfig { budget: size, chunk_size: size })?;
    let data: Vec<u8> = (0..size).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let usage =
        vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC;
    let dst: Buffer =
        alloc.create_buffer(&BufferDesc::new(size, usage).location(MemoryLocation::PreferDevice).name("dst"))?;
    let direct: Buffer =
        alloc.create_buffer(&BufferDesc::new(size, usage).mapping(MappingType::PreferDirectWrite).name("direct"))?;
    let direct_is_direct = direct.memory().info().properties.contains(vk::MemoryPropertyFlags::HOST_VISIBLE);
    let mut hand = HandWritten::new(&ctx, size);

    let vkres_upload = |alloc: &ResourceAllocator, dst: &Buffer| -> vkres::Result<()> {
        let mut batch = alloc.batch()?;
        batch.upload_bytes(dst, 0, &data)?;
        batch.submit_and_wait()
    };
    let limited =
        format!("vkres, staging ({} MiB budget, {} MiB chunks)", staging.budget / MIB, staging.chunk_size / MIB);
    let pipelined =
        format!("ash + vk-mem, staging in {} MiB submissions, 2 slots (hand-written)", staging.budget / 2 / MIB);
    let names = [
        "ash + vk-mem, staging (hand-written)",
        pipelined.as_str(),
        limited.as_str(),
        "vkres, staging (budget = upload size)",
        "ash + vk-mem, direct write (hand-written)",
        "vkres, direct path (PreferDirectWrite)",
        "vkres, upload_now (imports the caller's memory)",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    for run in 0..runs + 2 {
        for (way, slot) in times.iter_mut().enumerate() {
            let t = Instant::now();
            let measured = match way {
                0 => {
                    hand.upload(&data);
                    true
                }
                1 => {
                    hand.upload_pipelined(&data, (staging.budget / 2) as usize);
                    true
                }
                2 => vkres_upload(&alloc, &dst).map(|_| true)?,
                3 => vkres_upload(&big, &dst).map(|_| true)?,
                4 => hand.upload_direct(&data),
                5 => vkres_upload(&alloc, &direct).map(|_| true)?,
                _ => alloc.upload_now(&dst, 0, &data).map(|_| true)?,
            };
            let elapsed = t.elapsed();
            if measured && run >= 2 {
                slot.push(elapsed);
            }
        }
    }

    // Every way must have produced the data on the device.
    for (name, buffer) in [("dst", &dst), ("direct", &direct)] {
        let readback = alloc.create_buffer(
            &BufferDesc::new(size, vk::BufferUsageFlags::TRANSFER_DST)
                .mapping(MappingType::HostAccessRandom)
                .name("check"),
        )?;
        let mut batch = alloc.batch()?;
        batch.copy_buffer(buffer, 0, &readback, 0, size)?;
        batch.submit_and_wait()?;
        assert!(readback.read_vec()? == data, "{name} does not hold the uploaded data");
    }

    println!("## Upload of {} MiB, host to device-local memory, ready for use\n", size / MIB);
    println!(
        "device: {} ({:?}), {}; {runs} counted runs after 2 warm-ups, ways interleaved\n",
        caps.device_name, caps.device_type, caps.driver
    );
    println!("| way | median ms | min ms | max ms | GB/s (median) | vs hand-written staging |");
    println!("|---|---:|---:|---:|---:|---:|");
    let base = stats(times[0].clone()).0;
    for (name, t) in names.iter().zip(&times) {
        if t.is_empty() {
            println!("| {name} | n/a | | | | (no device-local host-visible memory) |");
            continue;
        }
        let (median, min, max) = stats(t.clone());
        let gbps = size as f64 / (median / 1e3) / 1e9;
        println!("| {name} | {median:.2} | {min:.2} | {max:.2} | {gbps:.2} | {:.2}x |", base / median);
    }
    println!("\nvkres direct buffer memory host-visible: {direct_is_direct}");
    let probe = alloc.staging().stage(alloc.staging().open_set(), 1, 1)?.map(|s| s.buffer.memory().info());
    if let Some(info) = probe {
        println!("vkres staging chunk: memory type {} {:?}", info.memory_type, info.properties);
    }
    let hand_type = hand.vma.get_allocation_info(&hand.staging.1).memory_type;
    println!("hand-written staging: memory type {hand_type}");
    drop(hand);
    Ok(())
}
