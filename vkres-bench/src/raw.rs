//! What the hand-written ways share, written directly against ash and vk-mem as a user of them
//! would: a VMA allocator, one command pool with one command buffer, one fence, one-shot
//! submissions, and buffers the caller destroys.

use vk_mem::Alloc;
use vkres::Context;
use vkres::ash::vk;

use crate::BenchResult;

/// A buffer made through VMA; `mapped` is null unless it was made mapped.
pub struct RawBuffer {
    /// The Vulkan buffer.
    pub buffer: vk::Buffer,
    /// Its VMA allocation.
    pub allocation: vk_mem::Allocation,
    /// The start of its mapping, or null.
    pub mapped: *mut u8,
    /// Its size in bytes.
    pub size: u64,
}

/// A VMA allocator, a command pool with one command buffer, and a fence.
pub struct Raw<'a> {
    /// The context whose device everything is made on.
    pub ctx: &'a Context,
    /// The VMA allocator (dropped after the pool and fence, once the caller destroyed its
    /// buffers).
    pub vma: vk_mem::Allocator,
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
}

impl<'a> Raw<'a> {
    /// VMA on the context's device, with `flags` (for example `BUFFER_DEVICE_ADDRESS`).
    pub fn new(ctx: &'a Context, flags: vk_mem::AllocatorCreateFlags) -> BenchResult<Self> {
        Self::with_heap_limits(ctx, flags, &[])
    }

    /// As [`new`](Self::new), with VMA's heap size limits (one per heap; empty: none).
    pub fn with_heap_limits(
        ctx: &'a Context,
        flags: vk_mem::AllocatorCreateFlags,
        heap_size_limits: &[u64],
    ) -> BenchResult<Self> {
        let device = ctx.device();
        let mut info = vk_mem::AllocatorCreateInfo::new(ctx.instance(), device, ctx.physical_device());
        info.vulkan_api_version = vk::API_VERSION_1_3;
        info.flags = flags;
        info.heap_size_limits = heap_size_limits;
        // SAFETY: the instance, device and physical device are the context's, alive for 'a;
        // the limits have one entry per heap or none.
        let vma = unsafe { vk_mem::Allocator::new(info) }?;
        let pool_info = vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index());
        // SAFETY: a pool of the context's queue family; destroyed in `Drop`.
        let pool = unsafe { device.create_command_pool(&pool_info, None) }?;
        let allocate = vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1);
        // SAFETY: the pool was just made; the command buffer is freed with it.
        let cmd = unsafe { device.allocate_command_buffers(&allocate) }?[0];
        // SAFETY: a plain fence, destroyed in `Drop`.
        let fence = unsafe { device.create_fence(&vk::FenceCreateInfo::default(), None) }?;
        Ok(Raw { ctx, vma, pool, cmd, fence })
    }

    /// VMA made as vkres's `VmaAllocator::new` makes it: `BUFFER_DEVICE_ADDRESS`, and heap
    /// size limits equal to the heaps' sizes.
    pub fn like_vkres(ctx: &'a Context) -> BenchResult<Self> {
        let props = &ctx.capabilities().memory_properties;
        let heap_sizes: Vec<u64> =
            props.memory_heaps[..props.memory_heap_count as usize].iter().map(|h| h.size).collect();
        Self::with_heap_limits(ctx, vk_mem::AllocatorCreateFlags::BUFFER_DEVICE_ADDRESS, &heap_sizes)
    }

    /// A buffer of `size` bytes with `usage` and VMA's `create` parameters.
    pub fn buffer(
        &self,
        size: u64,
        usage: vk::BufferUsageFlags,
        create: &vk_mem::AllocationCreateInfo,
    ) -> BenchResult<RawBuffer> {
        let info = vk::BufferCreateInfo::default().size(size).usage(usage);
        // SAFETY: a valid create info; the buffer is destroyed by `destroy_buffer`.
        let (buffer, allocation) = unsafe { self.vma.create_buffer(&info, create) }?;
        let mapped = self.vma.get_allocation_info(&allocation).mapped_data.cast::<u8>();
        Ok(RawBuffer { buffer, allocation, mapped, size })
    }

    /// Device-local memory, not mapped.
    pub fn device_buffer(&self, size: u64, usage: vk::BufferUsageFlags) -> BenchResult<RawBuffer> {
        let create =
            vk_mem::AllocationCreateInfo { usage: vk_mem::MemoryUsage::AutoPreferDevice, ..Default::default() };
        self.buffer(size, usage, &create)
    }

    /// Host memory mapped for sequential writes (staging).
    pub fn staging_buffer(&self, size: u64) -> BenchResult<RawBuffer> {
        let create = vk_mem::AllocationCreateInfo {
            usage: vk_mem::MemoryUsage::AutoPreferHost,
            flags: vk_mem::AllocationCreateFlags::HOST_ACCESS_SEQUENTIAL_WRITE | vk_mem::AllocationCreateFlags::MAPPED,
            ..Default::default()
        };
        self.buffer(size, vk::BufferUsageFlags::TRANSFER_SRC, &create)
    }

    /// Copies `src` into mapped staging at `offset` and flushes it.
    pub fn write(&self, staging: &RawBuffer, offset: u64, src: &[u8]) -> BenchResult<()> {
        assert!(!staging.mapped.is_null() && offset + src.len() as u64 <= staging.size, "write outside the mapping");
        // SAFETY: the mapping holds `staging.size` bytes (checked above) and the device does
        // not use this range now (the caller's submissions that read it were waited for).
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), staging.mapped.add(offset as usize), src.len()) };
        Ok(self.vma.flush_allocation(&staging.allocation, offset, src.len() as u64)?)
    }

    /// Destroys a buffer made by this allocator; the device must be done with it.
    pub fn destroy_buffer(&self, buffer: RawBuffer) {
        // SAFETY: taken by value, so never used again.
        unsafe { self.destroy_in_place(&buffer) };
    }

    /// Destroys a buffer made by this allocator, in place (for `Drop` impls).
    ///
    /// # Safety
    /// The device must be done with `buffer`, and it must not be used or destroyed again.
    pub unsafe fn destroy_in_place(&self, buffer: &RawBuffer) {
        let mut allocation = buffer.allocation;
        // SAFETY: made by this allocator; not in use and destroyed once (caller's contract).
        unsafe { self.vma.destroy_buffer(buffer.buffer, &mut allocation) };
    }

    /// The device address of a buffer made with `SHADER_DEVICE_ADDRESS`.
    pub fn address(&self, buffer: &RawBuffer) -> vk::DeviceAddress {
        let info = vk::BufferDeviceAddressInfo::default().buffer(buffer.buffer);
        // SAFETY: a live buffer of this device (made with the usage, the caller's contract).
        unsafe { self.ctx.device().get_buffer_device_address(&info) }
    }

    /// Records `record` into the command buffer, ends it with a barrier that makes every
    /// write visible to later commands and the host, submits it and waits.
    pub fn submit(&self, record: impl FnOnce(vk::CommandBuffer)) -> BenchResult<()> {
        let device = self.ctx.device();
        // SAFETY: the pool's command buffer is not pending (every submission is waited for);
        // the fence is unsignalled (reset after each wait).
        unsafe {
            device.reset_command_pool(self.pool, vk::CommandPoolResetFlags::empty())?;
            let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
            device.begin_command_buffer(self.cmd, &begin)?;
            record(self.cmd);
            // SAFETY: the command buffer is recording.
            barrier(
                self.ctx,
                self.cmd,
                (vk::PipelineStageFlags2::ALL_COMMANDS, vk::AccessFlags2::MEMORY_WRITE),
                (vk::PipelineStageFlags2::ALL_COMMANDS | vk::PipelineStageFlags2::HOST, vk::AccessFlags2::MEMORY_READ),
            );
            device.end_command_buffer(self.cmd)?;
            let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(self.cmd)];
            self.ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], self.fence)?;
            device.wait_for_fences(&[self.fence], true, u64::MAX)?;
            device.reset_fences(&[self.fence])?;
        }
        Ok(())
    }

    /// A host copy of `size` bytes of `buffer` (which needs `TRANSFER_SRC`), read through
    /// a cached host buffer.
    pub fn read_buffer(&self, buffer: vk::Buffer, size: u64) -> BenchResult<Vec<u8>> {
        let back = self.readback(size)?;
        let region = vk::BufferCopy::default().size(size);
        // SAFETY: both buffers are live and at least `size` bytes long.
        self.submit(|cmd| unsafe { self.ctx.device().cmd_copy_buffer(cmd, buffer, back.buffer, &[region]) })?;
        let out = self.take(back)?;
        Ok(out)
    }

    /// A mapped, cached host buffer to copy into.
    pub fn readback(&self, size: u64) -> BenchResult<RawBuffer> {
        let create = vk_mem::AllocationCreateInfo {
            usage: vk_mem::MemoryUsage::AutoPreferHost,
            flags: vk_mem::AllocationCreateFlags::HOST_ACCESS_RANDOM | vk_mem::AllocationCreateFlags::MAPPED,
            ..Default::default()
        };
        self.buffer(size, vk::BufferUsageFlags::TRANSFER_DST, &create)
    }

    /// The contents of a read-back buffer the device finished writing; destroys it.
    pub fn take(&self, back: RawBuffer) -> BenchResult<Vec<u8>> {
        self.vma.invalidate_allocation(&back.allocation, 0, back.size)?;
        // SAFETY: the mapping holds `size` bytes, written by a finished submission.
        let out = unsafe { std::slice::from_raw_parts(back.mapped, back.size as usize) }.to_vec();
        self.destroy_buffer(back);
        Ok(out)
    }
}

impl Drop for Raw<'_> {
    fn drop(&mut self) {
        // SAFETY: every submission was waited for; each object is destroyed once. VMA itself
        // drops after this (a field), once the caller destroyed its buffers.
        unsafe {
            self.ctx.device().destroy_fence(self.fence, None);
            self.ctx.device().destroy_command_pool(self.pool, None);
        }
    }
}

/// One global memory barrier: `(stages, access)` before, `(stages, access)` after.
///
/// # Safety
/// `cmd` must be a command buffer of `ctx`'s device in the recording state.
pub unsafe fn barrier(
    ctx: &Context,
    cmd: vk::CommandBuffer,
    src: (vk::PipelineStageFlags2, vk::AccessFlags2),
    dst: (vk::PipelineStageFlags2, vk::AccessFlags2),
) {
    let barrier = [vk::MemoryBarrier2::default()
        .src_stage_mask(src.0)
        .src_access_mask(src.1)
        .dst_stage_mask(dst.0)
        .dst_access_mask(dst.1)];
    // SAFETY: `cmd` is recording (the caller's contract).
    unsafe { ctx.device().cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().memory_barriers(&barrier)) };
}
