//! [`Batch`]: one command buffer, one submission, one fence.
//!
//! The core is here (recording state, barriers, submission, what is held until the fence);
//! the transfers are in `buffers.rs` and `images.rs`.

mod buffers;
mod images;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ash::vk;

pub use images::{ImageUpload, MipSource};

use super::ResourceAllocator;
use crate::error::{Error, Result, VkContext};
use crate::resources::Image;

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
    /// The layout each image recorded on will have once the batch ran; applied to the images
    /// only when the batch has finished (a discarded batch changes no layout).
    layouts: HashMap<vk::Image, (Image, vk::ImageLayout)>,
    /// Set when the batch has finished, so that its downloads can be read.
    downloads: Vec<Arc<AtomicBool>>,
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
            layouts: HashMap::new(),
            downloads: Vec::new(),
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

    fn device(&self) -> &ash::Device {
        self.alloc.context().device()
    }

    /// A download into `buffer`, readable once this batch has finished.
    fn register_download(&mut self, buffer: crate::resources::Buffer) -> crate::staging::Download {
        let done = Arc::new(AtomicBool::new(false));
        self.downloads.push(done.clone());
        crate::staging::Download::new(buffer, done)
    }

    /// Holds `resource` until the batch has finished.
    fn hold(&mut self, resource: Arc<dyn Send + Sync>) {
        self.keep_alive.push(resource);
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
        for (_, (image, layout)) in self.layouts.drain() {
            image.set_layout(layout);
        }
        for done in &self.downloads {
            done.store(true, Ordering::Release);
        }
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
