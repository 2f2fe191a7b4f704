//! Uploads: host data into a device-local buffer, ready for use, every way side by side.
//!
//! The hand-written staging way keeps one persistent mapped staging buffer of the whole size:
//! memcpy, one `vkCmdCopyBuffer`, one submit, one wait. The split way does the same in pieces
//! of half vkres's staging budget through two slots (the memcpy of one piece overlapping the
//! copy of the previous one), as a batch with that budget does. vkres's fastest correct public
//! API is `ResourceAllocator::upload_now` (on a device sharing the host's memory it imports the
//! caller's pages with `VK_EXT_external_memory_host`; on a discrete GPU it stages, pipelined,
//! with the memcpy split over threads); `Batch::upload` (staged) is reported beside it.
//!
//! The limit every way is measured against (issue 20, item 2) is the pinned way: the data
//! already lies in page-aligned host memory imported with `VK_EXT_external_memory_host`
//! (pinned, imported once, untimed), and each run is one `vkCmdCopyBuffer` from it into
//! device-local memory, one submit, one wait: no memcpy, no staging. Where the extension is
//! missing (or the driver refuses the import), that way is absent.

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
    AshPinned,
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
    pub const ALL: [Way; 9] = [
        Way::AshPinned,
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
            Way::AshPinned => "ash, copy from imported pinned host memory (the limit: no memcpy)".into(),
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

/// Why the pinned way cannot run on `ctx`'s device, or `None` where it can try (the import
/// itself may still be refused: then the way reports nothing).
pub fn pinned_unavailable(ctx: &Context) -> Option<String> {
    (!ctx.capabilities().enabled.external_memory_host)
        .then(|| "the device does not have VK_EXT_external_memory_host".to_string())
}

/// Page-aligned host memory imported as a transfer source (`VK_EXT_external_memory_host`):
/// the pinned way's source. Freed (memory, then the host pages) on drop.
struct PinnedHost<'a> {
    ctx: &'a Context,
    ptr: std::ptr::NonNull<u8>,
    layout: std::alloc::Layout,
    buffer: vk::Buffer,
    memory: vk::DeviceMemory,
}

impl<'a> PinnedHost<'a> {
    /// `size` bytes (a multiple of the import alignment) of fresh host memory, imported; `None`
    /// where the device or driver cannot import it.
    fn new(ctx: &'a Context, size: u64) -> BenchResult<Option<Self>> {
        if pinned_unavailable(ctx).is_some() {
            return Ok(None);
        }
        let align = ctx.capabilities().min_imported_host_pointer_alignment.max(4096);
        if size == 0 || size % align != 0 {
            return Ok(None);
        }
        let layout = std::alloc::Layout::from_size_align(size as usize, align as usize)?;
        // SAFETY: a layout of non-zero size.
        let Some(ptr) = std::ptr::NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) }) else {
            return Ok(None);
        };
        let mut out = PinnedHost { ctx, ptr, layout, buffer: vk::Buffer::null(), memory: vk::DeviceMemory::null() };
        let (device, handle) = (ctx.device(), vk::ExternalMemoryHandleTypeFlags::HOST_ALLOCATION_EXT);
        let fns = vkres::ash::ext::external_memory_host::Device::new(ctx.instance(), device);
        let mut props = vk::MemoryHostPointerPropertiesEXT::default();
        let host = ptr.as_ptr().cast::<std::ffi::c_void>();
        // SAFETY: the extension is enabled (checked above); `host` is aligned to the import
        // alignment and readable for `size` bytes until `out` drops, after the memory is freed.
        let result =
            unsafe { (fns.fp().get_memory_host_pointer_properties_ext)(fns.device(), handle, host, &mut props) };
        if result != vk::Result::SUCCESS {
            return Ok(None);
        }
        let mut external = vk::ExternalMemoryBufferCreateInfo::default().handle_types(handle);
        let info = vk::BufferCreateInfo::default()
            .size(size)
            .usage(vk::BufferUsageFlags::TRANSFER_SRC)
            .push_next(&mut external);
        // SAFETY: a plain buffer for external host memory, destroyed by `out`'s drop.
        out.buffer = unsafe { device.create_buffer(&info, None) }?;
        // SAFETY: a live buffer of this device.
        let requirements = unsafe { device.get_buffer_memory_requirements(out.buffer) };
        let types = requirements.memory_type_bits & props.memory_type_bits;
        if types == 0 || requirements.size > size {
            return Ok(None);
        }
        let mut import = vk::ImportMemoryHostPointerInfoEXT::default().handle_type(handle).host_pointer(host);
        let allocate = vk::MemoryAllocateInfo::default()
            .allocation_size(size)
            .memory_type_index(types.trailing_zeros())
            .push_next(&mut import);
        // SAFETY: the pointer and size are aligned and valid for the import's life (freed by
        // `out`'s drop before the pages); the memory type is one the driver reported for it.
        match unsafe { device.allocate_memory(&allocate, None) } {
            Ok(memory) => out.memory = memory,
            Err(_) => return Ok(None),
        }
        // SAFETY: an unbound buffer and memory of a compatible type and of its size.
        unsafe { device.bind_buffer_memory(out.buffer, out.memory, 0) }?;
        Ok(Some(out))
    }

    /// The host bytes the device copies from.
    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: `layout.size()` bytes allocated (zeroed) by `new`, owned by `self`; the device
        // reads them only during a submission, which every caller waits for.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.layout.size()) }
    }
}

impl Drop for PinnedHost<'_> {
    fn drop(&mut self) {
        // SAFETY: nothing is in flight (every way waits before it returns); the buffer and the
        // imported memory go before the host pages they name. Null handles are no-ops.
        unsafe {
            self.ctx.device().destroy_buffer(self.buffer, None);
            self.ctx.device().free_memory(self.memory, None);
            std::alloc::dealloc(self.ptr.as_ptr(), self.layout);
        }
    }
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
    /// The pinned way's source, holding the data of the last `refresh` (`None`: no import).
    pinned: Option<PinnedHost<'a>>,
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
    fn new(env: &'a Env<'a>, data: &[u8], ways: &[Way]) -> BenchResult<Self> {
        let size = data.len() as u64;
        let raw = env.raw;
        let has = |w: Way| ways.contains(&w);
        let pinned = if has(Way::AshPinned) { PinnedHost::new(env.ctx, size)? } else { None };
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
        let mut targets =
            Targets { env, pinned, staging, ash_dst, ash_direct, slots, vk_dst, vk_direct, whole, wgpu_dst };
        targets.refresh(data);
        Ok(targets)
    }

    /// Puts `data` where the pinned way copies from (untimed: its data is already in pinned
    /// memory, as the limit assumes).
    fn refresh(&mut self, data: &[u8]) {
        if let Some(pinned) = &mut self.pinned {
            pinned.bytes_mut().copy_from_slice(data);
        }
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
            Way::AshPinned => match &self.pinned {
                Some(pinned) => self.copy_to_ash_dst(pinned.buffer, data.len() as u64)?,
                None => return Ok(false),
            },
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
        self.env.raw.write(&self.staging, 0, data)?;
        self.copy_to_ash_dst(self.staging.buffer, data.len() as u64)
    }

    /// One copy of `size` bytes from `src` into the hand-written destination, one submit, one
    /// wait.
    fn copy_to_ash_dst(&self, src: vk::Buffer, size: u64) -> BenchResult<()> {
        let raw = self.env.raw;
        let region = vk::BufferCopy::default().size(size);
        // SAFETY: both buffers are live and hold `size` bytes; `cmd` is recording.
        raw.submit(|cmd| unsafe { raw.ctx.device().cmd_copy_buffer(cmd, src, self.ash_dst.buffer, &[region]) })
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
            Way::AshPinned | Way::AshStaging | Way::AshPieces => raw.read_buffer(self.ash_dst.buffer, size)?,
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
    let mut targets = Targets::new(env, data, ways)?;
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
        if way == Way::AshPinned {
            targets.refresh(data);
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
