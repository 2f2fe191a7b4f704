//! [`Batch`]: one command buffer, one submission, one fence.

use std::collections::HashSet;
use std::sync::Arc;

use ash::vk;
use bytemuck::Pod;

use super::ResourceAllocator;
use crate::error::{Error, Result, VkContext};
use crate::memory::{MappingType, MemoryLocation};
use crate::resources::{Buffer, BufferDesc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Recording,
    Submitted,
    Finished,
}

/// Work recorded into one command buffer and submitted once: uploads now, and the builds and
/// transitions of later layers. [`GpuResources::create`](crate::GpuResources::create) records a
/// whole bundle into one batch.
///
/// A batch holds every resource it records work on (and its staging memory) until its fence
/// has signalled, so nothing it uses can be freed while the device still reads it; dropping
/// a submitted batch waits for it. Dropping an unsubmitted one discards its commands.
pub struct Batch<'a> {
    alloc: &'a ResourceAllocator,
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
    state: State,
    commands: usize,
    /// Buffers written and read by transfers since the last barrier: a transfer that reads
    /// or writes what an earlier one wrote, or writes what an earlier one read, needs one.
    written: HashSet<vk::Buffer>,
    read: HashSet<vk::Buffer>,
    /// Released after the fence signalled (in `Drop`, after the wait).
    keep_alive: Vec<Arc<dyn Send + Sync>>,
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("state", &self.state)
            .field("commands", &self.commands)
            .field("resources_held", &self.keep_alive.len())
            .finish()
    }
}

impl<'a> Batch<'a> {
    pub(super) fn new(alloc: &'a ResourceAllocator) -> Result<Self> {
        let ctx = alloc.context();
        let device = ctx.device();
        // Built with null handles first so that `Drop` cleans up whatever step fails.
        let mut batch = Self {
            alloc,
            pool: vk::CommandPool::null(),
            cmd: vk::CommandBuffer::null(),
            fence: vk::Fence::null(),
            state: State::Recording,
            commands: 0,
            written: HashSet::new(),
            read: HashSet::new(),
            keep_alive: Vec::new(),
        };
        let pool_info = vk::CommandPoolCreateInfo::default()
            .queue_family_index(ctx.queue_family_index())
            .flags(vk::CommandPoolCreateFlags::TRANSIENT);
        // SAFETY: a valid queue family of this device.
        batch.pool = unsafe { device.create_command_pool(&pool_info, None) }.op("vkCreateCommandPool")?;
        let alloc_info = vk::CommandBufferAllocateInfo::default()
            .command_pool(batch.pool)
            .level(vk::CommandBufferLevel::PRIMARY)
            .command_buffer_count(1);
        // SAFETY: the pool is live and used by this batch only.
        let cmds = unsafe { device.allocate_command_buffers(&alloc_info) }.op("vkAllocateCommandBuffers")?;
        batch.cmd = cmds.first().copied().unwrap_or_default();
        // SAFETY: plain object creation.
        batch.fence = unsafe { device.create_fence(&vk::FenceCreateInfo::default(), None) }.op("vkCreateFence")?;
        let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
        // SAFETY: a freshly allocated command buffer in the initial state.
        unsafe { device.begin_command_buffer(batch.cmd, &begin) }.op("vkBeginCommandBuffer")?;
        // SAFETY: live objects of this device.
        unsafe {
            ctx.set_debug_name(batch.pool, "vkres batch pool");
            ctx.set_debug_name(batch.cmd, "vkres batch");
            ctx.set_debug_name(batch.fence, "vkres batch fence");
        }
        Ok(batch)
    }

    /// The allocator this batch creates resources with.
    pub fn allocator(&self) -> &'a ResourceAllocator {
        self.alloc
    }

    /// Number of commands recorded so far (uploads and the like, barriers not counted).
    pub fn commands(&self) -> usize {
        self.commands
    }

    fn check_recording(&self) -> Result<()> {
        if self.state == State::Recording {
            Ok(())
        } else {
            Err(Error::InvalidDescription {
                name: "vkres batch".into(),
                reason: "the batch was already submitted".into(),
            })
        }
    }

    /// Records an upload of `data` into `dst` at element `offset`, through a staging buffer.
    /// The data is in `dst` once the batch is [submitted and waited for](Self::submit_and_wait).
    ///
    /// `dst` needs `TRANSFER_DST` usage. Data that runs past its end is
    /// [`Error::DataTooLarge`], checked before anything is allocated.
    pub fn upload<T: Pod>(&mut self, dst: &Buffer<T>, offset: u64, data: &[T]) -> Result<()> {
        self.upload_bytes(&dst.as_bytes(), offset.saturating_mul(size_of::<T>() as u64), bytemuck::cast_slice(data))
    }

    /// [`upload`](Self::upload) of raw bytes at a byte offset.
    pub fn upload_bytes(&mut self, dst: &Buffer, offset: u64, data: &[u8]) -> Result<()> {
        self.check_recording()?;
        let len = data.len() as u64;
        if offset.checked_add(len).is_none_or(|end| end > dst.size()) {
            return Err(Error::DataTooLarge { name: dst.name().into(), offset, given: len, capacity: dst.size() });
        }
        if !dst.usage().contains(vk::BufferUsageFlags::TRANSFER_DST) {
            return Err(Error::InvalidDescription {
                name: dst.name().into(),
                reason: "uploads need TRANSFER_DST usage".into(),
            });
        }
        if data.is_empty() {
            return Ok(());
        }
        let desc = BufferDesc::new(len, vk::BufferUsageFlags::TRANSFER_SRC)
            .mapping(MappingType::HostAccessSequentialWrite)
            .location(MemoryLocation::PreferHost)
            .name(format!("{}/staging", dst.name()));
        let staging = self.alloc.create_buffer(&desc)?;
        staging.map()?.write_bytes(0, data)?;

        self.order_transfer(staging.handle(), dst.handle());
        let region = vk::BufferCopy { src_offset: 0, dst_offset: offset, size: len };
        // SAFETY: both buffers are live (and held by this batch until its fence signals), the
        // region lies inside both, dst has TRANSFER_DST and staging TRANSFER_SRC usage.
        unsafe { self.alloc.context().device().cmd_copy_buffer(self.cmd, staging.handle(), dst.handle(), &[region]) };
        self.commands += 1;
        self.keep_alive.push(dst.keep_alive());
        self.keep_alive.push(staging.keep_alive());
        Ok(())
    }

    /// Records a copy of `size` bytes from `src` at `src_offset` to `dst` at `dst_offset`
    /// (for example, a device buffer into a mapped one to read it back). Ordered after every
    /// transfer this batch recorded before on either buffer.
    ///
    /// `src` needs `TRANSFER_SRC` usage and `dst` `TRANSFER_DST`; ranges past either end are
    /// [`Error::DataTooLarge`].
    pub fn copy_buffer<T, U>(
        &mut self,
        src: &Buffer<T>,
        src_offset: u64,
        dst: &Buffer<U>,
        dst_offset: u64,
        size: u64,
    ) -> Result<()> {
        self.check_recording()?;
        for (buffer, offset, usage) in [
            (src.as_bytes(), src_offset, vk::BufferUsageFlags::TRANSFER_SRC),
            (dst.as_bytes(), dst_offset, vk::BufferUsageFlags::TRANSFER_DST),
        ] {
            if offset.checked_add(size).is_none_or(|end| end > buffer.size()) {
                return Err(Error::DataTooLarge {
                    name: buffer.name().into(),
                    offset,
                    given: size,
                    capacity: buffer.size(),
                });
            }
            if !buffer.usage().contains(usage) {
                return Err(Error::InvalidDescription {
                    name: buffer.name().into(),
                    reason: format!("the copy needs {usage:?} usage"),
                });
            }
        }
        if size == 0 {
            return Ok(());
        }
        self.order_transfer(src.handle(), dst.handle());
        let region = vk::BufferCopy { src_offset, dst_offset, size };
        // SAFETY: both buffers are live and held by this batch until its fence signals; the
        // ranges and usages were checked above.
        unsafe { self.alloc.context().device().cmd_copy_buffer(self.cmd, src.handle(), dst.handle(), &[region]) };
        self.commands += 1;
        self.keep_alive.push(src.keep_alive());
        self.keep_alive.push(dst.keep_alive());
        Ok(())
    }

    /// Inserts a transfer-to-transfer barrier if a copy from `src` to `dst` would race with an
    /// earlier transfer of this batch (read-after-write, write-after-write, write-after-read).
    fn order_transfer(&mut self, src: vk::Buffer, dst: vk::Buffer) {
        if self.written.contains(&src) || self.written.contains(&dst) || self.read.contains(&dst) {
            let barrier = vk::MemoryBarrier2::default()
                .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                .dst_access_mask(vk::AccessFlags2::TRANSFER_READ | vk::AccessFlags2::TRANSFER_WRITE);
            self.barrier(barrier);
            self.written.clear();
            self.read.clear();
        }
        self.read.insert(src);
        self.written.insert(dst);
    }

    /// Records one global memory barrier.
    fn barrier(&mut self, barrier: vk::MemoryBarrier2<'_>) {
        let barriers = [barrier];
        let dependency = vk::DependencyInfo::default().memory_barriers(&barriers);
        // SAFETY: the command buffer is recording; synchronization2 is enabled on every context.
        unsafe { self.alloc.context().device().cmd_pipeline_barrier2(self.cmd, &dependency) };
    }

    /// Ends recording, submits once and waits on the batch's fence; then releases the staging
    /// memory and the resources it held. A batch with no commands submits nothing.
    pub fn submit_and_wait(mut self) -> Result<()> {
        self.check_recording()?;
        if self.commands == 0 {
            return Ok(());
        }
        // Make every write of the batch visible to whatever the device does next, and to host
        // reads after the fence wait (read-backs).
        self.barrier(
            vk::MemoryBarrier2::default()
                .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS | vk::PipelineStageFlags2::HOST)
                .dst_access_mask(
                    vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE | vk::AccessFlags2::HOST_READ,
                ),
        );
        let ctx = self.alloc.context().clone();
        // SAFETY: the command buffer is in the recording state.
        unsafe { ctx.device().end_command_buffer(self.cmd) }.op("vkEndCommandBuffer")?;
        let cmd_infos = [vk::CommandBufferSubmitInfo::default().command_buffer(self.cmd)];
        let submit = vk::SubmitInfo2::default().command_buffer_infos(&cmd_infos);
        // SAFETY: the command buffer is executable and refers only to resources this batch
        // holds; the fence is unsignalled and used by no other submission.
        unsafe { ctx.submit(&[submit], self.fence) }?;
        self.state = State::Submitted;
        // SAFETY: the fence belongs to this device.
        unsafe { ctx.device().wait_for_fences(&[self.fence], true, u64::MAX) }.op("vkWaitForFences")?;
        self.state = State::Finished;
        Ok(())
    }
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        let device = self.alloc.context().device();
        // SAFETY: a submitted batch is waited for before anything it uses is released; the pool
        // (and with it the command buffer) and the fence are then unused. Destroying null
        // handles, left by a failed `new`, is a no-op in Vulkan.
        unsafe {
            if self.state == State::Submitted {
                let _ = device.wait_for_fences(&[self.fence], true, u64::MAX);
            }
            device.destroy_fence(self.fence, None);
            device.destroy_command_pool(self.pool, None);
        }
        // `keep_alive` drops after this body: staging buffers and held resources go last.
    }
}
