//! The hand-written BLAS build, as `vkres-bench`'s `HandWritten::build_blases` does it for one
//! mesh (VMA, one command pool with one command buffer, one fence, `ash`'s extension functions),
//! with knobs that each switch one of its choices to the one vkres makes. Its VMAs and buffers
//! are `vkres-bench`'s [`Raw`] ones; its command pools and fence are its own (the `TRANSIENT`
//! knob).

use std::time::Instant;

use vkres::Context;
use vkres::ash::{self, vk};
pub use vkres_bench::BenchResult as Res;
use vkres_bench::accel_raw::{RawMesh, build_info, build_sizes};
use vkres_bench::raw::{self, Raw, RawBuffer};

/// Which of vkres's choices the hand-written build takes; all `false` is vkres-bench's way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Knobs {
    /// vkres's closing barrier (build and transfer writes to all commands and the host, reads
    /// and writes) instead of all writes to all reads.
    pub vkres_barrier: bool,
    /// A VMA made as vkres's `VmaAllocator::new` makes it: heap size limits equal to the heaps.
    pub heap_limits: bool,
    /// Storage with `MemoryUsage::Auto` (vkres's `MemoryLocation::Auto`), not `AutoPreferDevice`.
    pub auto_storage: bool,
    /// A `TRANSIENT` pool reset after the wait (vkres's recycled pool), not a plain pool reset
    /// before recording.
    pub transient_pool: bool,
    /// Storage and scratch in dedicated allocations: not vkres's choice, but what a large
    /// structure gets from VMA anyway (over half of a 256 MiB block); a fresh `vkAllocateMemory`
    /// and `vkFreeMemory` each per build.
    pub dedicated: bool,
}

/// A structure the hand-written way built; [`Hand::destroy`] it.
pub struct Built {
    storage: RawBuffer,
    /// Which VMA made the storage.
    heap_limits: bool,
    handle: vk::AccelerationStructureKHR,
}

/// Where VMA placed a buffer.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    pub memory_type: u32,
    pub memory: vk::DeviceMemory,
    pub offset: u64,
}

/// The hand-written baseline's objects: two VMAs (vkres-bench's and one made as vkres makes
/// its own, each in a [`Raw`] whose own pool and fence go unused), a plain and a `TRANSIENT`
/// pool with one command buffer each, and one fence.
pub struct Hand<'a> {
    ctx: &'a Context,
    fns: ash::khr::acceleration_structure::Device,
    pools: [(vk::CommandPool, vk::CommandBuffer); 2],
    fence: vk::Fence,
    scratch_align: u64,
    /// Dropped after `Drop::drop` (fields), once every buffer is destroyed.
    plain: Raw<'a>,
    limited: Raw<'a>,
}

impl<'a> Hand<'a> {
    pub fn new(ctx: &'a Context) -> Res<Self> {
        let plain = Raw::new(ctx, vk_mem::AllocatorCreateFlags::BUFFER_DEVICE_ADDRESS)?;
        let limited = Raw::like_vkres(ctx)?;
        let device = ctx.device();
        let mut pools = [(vk::CommandPool::null(), vk::CommandBuffer::null()); 2];
        for (slot, flags) in
            pools.iter_mut().zip([vk::CommandPoolCreateFlags::empty(), vk::CommandPoolCreateFlags::TRANSIENT])
        {
            let info = vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index()).flags(flags);
            // SAFETY: a pool of the context's queue family, destroyed in `Drop`.
            let pool = unsafe { device.create_command_pool(&info, None) }?;
            let allocate = vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1);
            // SAFETY: the pool was just made; the command buffer is freed with it.
            *slot = (pool, unsafe { device.allocate_command_buffers(&allocate) }?[0]);
        }
        // SAFETY: a plain fence, destroyed in `Drop`.
        let fence = unsafe { device.create_fence(&vk::FenceCreateInfo::default(), None) }?;
        Ok(Self {
            ctx,
            fns: ash::khr::acceleration_structure::Device::new(ctx.instance(), device),
            pools,
            fence,
            scratch_align: u64::from(ctx.capabilities().min_acceleration_structure_scratch_offset_alignment).max(1),
            plain,
            limited,
        })
    }

    fn raw(&self, heap_limits: bool) -> &Raw<'a> {
        if heap_limits { &self.limited } else { &self.plain }
    }

    /// Storage and scratch sizes for `mesh`.
    pub fn sizes(&self, mesh: &RawMesh) -> vk::AccelerationStructureBuildSizesInfoKHR<'static> {
        build_sizes(&self.fns, vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL, &[mesh.geometry()], &[mesh.triangles])
    }

    /// The scratch offset alignment both ways round to.
    pub fn scratch_align(&self) -> u64 {
        self.scratch_align
    }

    /// A device buffer with its device address, as the knobs place it.
    fn buffer(
        &self,
        size: u64,
        usage: vk::BufferUsageFlags,
        memory_usage: vk_mem::MemoryUsage,
        knobs: Knobs,
    ) -> Res<(RawBuffer, vk::DeviceAddress)> {
        let raw = self.raw(knobs.heap_limits);
        let flags = if knobs.dedicated {
            vk_mem::AllocationCreateFlags::DEDICATED_MEMORY
        } else {
            vk_mem::AllocationCreateFlags::empty()
        };
        let create = vk_mem::AllocationCreateInfo { usage: memory_usage, flags, ..Default::default() };
        let buffer = raw.buffer(size, usage | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS, &create)?;
        let address = raw.address(&buffer);
        Ok((buffer, address))
    }

    /// Destroys a buffer of the VMA `heap_limits` picks; the device must be done with it (every
    /// submission is waited for).
    fn destroy_buffer(&self, buffer: RawBuffer, heap_limits: bool) {
        self.raw(heap_limits).destroy_buffer(buffer);
    }

    /// Builds a BLAS of `mesh`: sizes, storage and structure, scratch, recording, submission,
    /// wait, scratch freed. Returns it and the instant its structure existed. An error ends the
    /// program (what was made so far is not cleaned up).
    pub fn build(&self, mesh: &RawMesh, knobs: Knobs) -> Res<(Built, Instant)> {
        let device = self.ctx.device();
        let sizes = self.sizes(mesh);
        let storage_usage =
            if knobs.auto_storage { vk_mem::MemoryUsage::Auto } else { vk_mem::MemoryUsage::AutoPreferDevice };
        let size = sizes.acceleration_structure_size;
        let (storage, _) =
            self.buffer(size, vk::BufferUsageFlags::ACCELERATION_STRUCTURE_STORAGE_KHR, storage_usage, knobs)?;
        let ty = vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL;
        let info = vk::AccelerationStructureCreateInfoKHR::default().buffer(storage.buffer).size(size).ty(ty);
        // SAFETY: the storage buffer is live, large enough, and outlives the structure.
        let handle = unsafe { self.fns.create_acceleration_structure(&info, None) }?;
        let created = Instant::now();
        let (scratch, scratch_address) = self.buffer(
            sizes.build_scratch_size.next_multiple_of(self.scratch_align) + self.scratch_align,
            vk::BufferUsageFlags::STORAGE_BUFFER,
            vk_mem::MemoryUsage::AutoPreferDevice,
            knobs,
        )?;
        let geometry = [mesh.geometry()];
        let info = build_info(ty, handle, &geometry, scratch_address.next_multiple_of(self.scratch_align));
        let range = mesh.range();
        let (pool, cmd) = self.pools[usize::from(knobs.transient_pool)];
        // SAFETY: the pool's command buffer is not pending and the fence is unsignalled (every
        // submission is waited for, the fence reset after); inputs, storage and scratch are live
        // until the wait.
        unsafe {
            if !knobs.transient_pool {
                device.reset_command_pool(pool, vk::CommandPoolResetFlags::empty())?;
            }
            let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
            device.begin_command_buffer(cmd, &begin)?;
            self.fns.cmd_build_acceleration_structures(cmd, &[info], &[&range]);
            self.closing_barrier(cmd, knobs.vkres_barrier);
            device.end_command_buffer(cmd)?;
            let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
            self.ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], self.fence)?;
            device.wait_for_fences(&[self.fence], true, u64::MAX)?;
            device.reset_fences(&[self.fence])?;
            if knobs.transient_pool {
                device.reset_command_pool(pool, vk::CommandPoolResetFlags::empty())?;
            }
        }
        self.destroy_buffer(scratch, knobs.heap_limits);
        Ok((Built { storage, heap_limits: knobs.heap_limits, handle }, created))
    }

    /// vkres-bench's closing barrier, or vkres's (`Batch::close_and_submit` after a build).
    ///
    /// # Safety
    /// `cmd` must be recording.
    unsafe fn closing_barrier(&self, cmd: vk::CommandBuffer, vkres: bool) {
        use vk::{AccessFlags2 as A, PipelineStageFlags2 as S};
        let (src, dst) = if vkres {
            (
                (
                    S::ALL_TRANSFER | S::ACCELERATION_STRUCTURE_BUILD_KHR,
                    A::TRANSFER_WRITE | A::ACCELERATION_STRUCTURE_WRITE_KHR,
                ),
                (S::ALL_COMMANDS | S::HOST, A::MEMORY_READ | A::MEMORY_WRITE | A::HOST_READ),
            )
        } else {
            ((S::ALL_COMMANDS, A::MEMORY_WRITE), (S::ALL_COMMANDS | S::HOST, A::MEMORY_READ))
        };
        // SAFETY: `cmd` is recording (the caller's contract).
        unsafe { raw::barrier(self.ctx, cmd, src, dst) };
    }

    /// Where VMA placed `built`'s storage.
    pub fn placement(&self, built: &Built) -> Placement {
        let info = self.raw(built.heap_limits).vma.get_allocation_info(&built.storage.allocation);
        Placement { memory_type: info.memory_type, memory: info.device_memory, offset: info.offset }
    }

    pub fn destroy(&self, built: Built) {
        // SAFETY: the build that wrote it was waited for; destroyed before its storage.
        unsafe { self.fns.destroy_acceleration_structure(built.handle, None) };
        self.destroy_buffer(built.storage, built.heap_limits);
    }
}

impl Drop for Hand<'_> {
    fn drop(&mut self) {
        // SAFETY: every submission was waited for; each object is destroyed once. The VMAs drop
        // after this (fields), once the caller destroyed its buffers.
        unsafe {
            self.ctx.device().destroy_fence(self.fence, None);
            for (pool, _) in self.pools {
                self.ctx.device().destroy_command_pool(pool, None);
            }
        }
    }
}
