//! [`ResourceAllocator`], the front door: creates every resource kind through a
//! [`MemoryAllocator`], pools samplers, and opens [`Batch`]es.

mod batch;
mod compact;
mod import;
mod in_flight;
mod lane;
mod leaks;
mod recorder;
mod recycle;
mod retire;
mod stream;
mod tables;
mod textures;
mod transient;

use std::sync::Arc;

use ash::vk;
use bytemuck::Pod;

pub use batch::{Batch, QueueSync};
pub use import::IMPORT_THRESHOLD;
pub use in_flight::InFlight;
pub use lane::LANE_THRESHOLD;
pub(crate) use recorder::held_device;
pub use recorder::{Held, ImageRegion, ImageUpload, MipSource, Recorder};
pub(crate) use textures::record_image;

use crate::Context;
use crate::error::{Error, Result, check_range};
use crate::memory::{HeapBudget, LeakReport, MappingType, MemoryAllocator, MemoryStatistics, VmaAllocator};
use crate::resources::{
    AccelerationStructure, Buffer, BufferArena, BufferDesc, Image, ImageDesc, ImageView, ImageViewDesc, Sampler,
    SamplerDesc, SamplerPool, ShaderModule, accel, buffer, image, shader,
};
use crate::staging::{StagingConfig, StagingMemoryManager};

/// Creates buffers, images, views, textures, samplers and acceleration-structure storage, and
/// opens [`Batch`]es that upload and build in one submission.
///
/// `Send + Sync`: it holds only shared, thread-safe parts (the memory allocator, the sampler
/// pool, the context). Resources it makes do not borrow it; they keep what they need alive.
#[derive(Debug, Clone)]
pub struct ResourceAllocator {
    ctx: Arc<Context>,
    memory: Arc<dyn MemoryAllocator>,
    samplers: SamplerPool,
    staging: StagingMemoryManager,
    /// Command pools and fences of finished batches.
    recycler: recycle::Recycler,
    /// Warns of live allocations when the last clone drops (after `staging`, declared before).
    #[expect(dead_code, reason = "held for its drop")]
    leaks: Arc<leaks::LeakWatch>,
    /// Work let go of before it finished (`retire.rs`).
    retired: Arc<retire::RetireQueue>,
}

impl ResourceAllocator {
    /// An allocator for `ctx` with the VMA backend and the default staging budget.
    pub fn new(ctx: &Arc<Context>) -> Result<Self> {
        Self::with_memory_allocator(Arc::new(VmaAllocator::new(ctx)?), StagingConfig::default())
    }

    /// An allocator on another memory backend (or a wrapper around one), with `staging` limits.
    pub fn with_memory_allocator(memory: Arc<dyn MemoryAllocator>, staging: StagingConfig) -> Result<Self> {
        let ctx = memory.context().clone();
        let staging = StagingMemoryManager::new(memory.clone(), staging)?;
        Ok(Self {
            samplers: SamplerPool::new(&ctx),
            recycler: recycle::Recycler::new(&ctx),
            leaks: leaks::LeakWatch::new(memory.clone()),
            retired: Arc::default(),
            ctx,
            memory,
            staging,
        })
    }

    /// The same allocator (sharing memory backend and samplers) with a staging manager of
    /// other limits.
    pub fn with_staging(&self, staging: StagingConfig) -> Result<Self> {
        Ok(Self { staging: StagingMemoryManager::new(self.memory.clone(), staging)?, ..self.clone() })
    }

    /// The staging memory manager batches upload through.
    pub fn staging(&self) -> &StagingMemoryManager {
        &self.staging
    }

    /// The context.
    pub fn context(&self) -> &Arc<Context> {
        &self.ctx
    }

    /// The memory backend.
    pub fn memory_allocator(&self) -> &Arc<dyn MemoryAllocator> {
        &self.memory
    }

    /// A leak report: the debug names of the memory backend's live allocations (an empty name
    /// for each unnamed one), less this allocator's free staging chunks, which its
    /// [`staging`](Self::staging) manager keeps for reuse until
    /// [`trim`](StagingMemoryManager::trim) or its drop. Empty once everything made through the
    /// backend is dropped, without trimming first; staging still held by a batch or by work in
    /// flight is reported. The backend's own
    /// [`live_allocation_names`](MemoryAllocator::live_allocation_names) counts the free chunks
    /// too. Free chunks of another staging manager on the same backend (an allocator made by
    /// [`with_staging`](Self::with_staging), or another `ResourceAllocator` on a shared backend)
    /// are reported: each allocator subtracts only its own.
    pub fn leak_report(&self) -> Vec<String> {
        self.staging.live_allocation_names_less_free_chunks()
    }

    /// The leak report with details: as [`leak_report`](Self::leak_report), each live
    /// allocation with its size and memory type, and its backtrace where the backend captured
    /// one ([`VmaOptions::backtraces`](crate::memory::VmaOptions::backtraces)).
    /// [`LeakReport::warn`] writes it as a warning.
    pub fn leak_details(&self) -> LeakReport {
        let list = self.staging.less_free_chunks(|| self.memory.leak_report().allocations, |a| &a.name);
        LeakReport::new(list)
    }

    /// Usage and budget of each memory heap ([`MemoryAllocator::heap_budgets`]): cheap enough
    /// for every frame.
    pub fn heap_budgets(&self) -> Vec<HeapBudget> {
        self.memory.heap_budgets()
    }

    /// Statistics per heap, memory type and pool ([`MemoryAllocator::memory_statistics`]),
    /// where the backend keeps them.
    pub fn memory_statistics(&self) -> Option<MemoryStatistics> {
        self.memory.memory_statistics()
    }

    /// The sampler pool.
    pub fn sampler_pool(&self) -> &SamplerPool {
        &self.samplers
    }

    /// Creates a buffer of raw bytes.
    pub fn create_buffer(&self, desc: &BufferDesc) -> Result<Buffer> {
        buffer::create(&*self.memory, desc)
    }

    /// Creates a [`BufferArena`]: one buffer of `desc` (`TRANSFER_SRC` and `TRANSFER_DST`
    /// added) whose ranges are handed out as [`SubBuffer`](crate::SubBuffer)s, for many small
    /// buffers at a fraction of a buffer's creation cost each.
    pub fn create_buffer_arena(&self, desc: &BufferDesc) -> Result<BufferArena> {
        crate::resources::suballoc::create(&*self.memory, desc)
    }

    /// Creates a buffer of elements of `T`; `desc.size` must be a multiple of `T`'s size.
    pub fn create_typed_buffer<T: Pod>(&self, desc: &BufferDesc) -> Result<Buffer<T>> {
        buffer::create(&*self.memory, desc)
    }

    /// Creates a buffer and fills it with `data` from its start. A host-access buffer
    /// ([`MappingType::HostAccessSequentialWrite`] or [`MappingType::HostAccessRandom`]) is
    /// written through its mapping; any other gets an upload in one batch (`TRANSFER_DST` is
    /// added to its usage), which writes directly where a [`MappingType::PreferDirectWrite`]
    /// buffer landed in host-visible memory and stages otherwise. Data longer than `desc.size`
    /// is [`Error::DataTooLarge`], found before anything is created.
    pub fn create_buffer_with_data<T: Pod>(&self, desc: &BufferDesc, data: &[T]) -> Result<Buffer<T>> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        check_range(&desc.name, 0, bytes.len() as u64, desc.size)?;
        if matches!(desc.mapping, MappingType::HostAccessSequentialWrite | MappingType::HostAccessRandom) {
            let buffer: Buffer<T> = self.create_typed_buffer(desc)?;
            buffer.map()?.write_bytes(0, bytes)?;
            return Ok(buffer);
        }
        let mut desc = desc.clone();
        desc.usage |= vk::BufferUsageFlags::TRANSFER_DST;
        let buffer: Buffer<T> = self.create_typed_buffer(&desc)?;
        if buffer.direct_writable() {
            // What a batch would do for it, without opening one.
            buffer.map()?.write_bytes(0, bytes)?;
            return Ok(buffer);
        }
        let mut batch = self.batch()?;
        batch.upload(&buffer, 0, data)?;
        batch.submit_and_wait()?;
        Ok(buffer)
    }

    /// Creates an image (format support and limits checked first).
    pub fn create_image(&self, desc: &ImageDesc) -> Result<Image> {
        image::create(&*self.memory, desc)
    }

    /// Creates a view of `image`.
    pub fn create_image_view(&self, image: &Image, desc: &ImageViewDesc) -> Result<ImageView> {
        image::create_view(image, desc)
    }

    /// The pooled sampler for `desc`.
    pub fn create_sampler(&self, desc: &SamplerDesc) -> Result<Sampler> {
        self.samplers.get(desc)
    }

    /// Creates a shader module from SPIR-V bytes, named `name`: a whole number of words, at
    /// least the header, starting with the SPIR-V magic number, and a valid module (parsed
    /// against the SPIR-V grammar, its IDs, blocks and entry points checked); otherwise
    /// [`Error::InvalidSpirv`], and Vulkan never sees the code.
    pub fn create_shader_module(&self, code: &[u8], name: &str) -> Result<ShaderModule> {
        shader::create(&self.ctx, code, name)
    }

    /// Creates a shader module from SPIR-V words without validating them (for modules
    /// validated elsewhere, e.g. by `spirv-val` at build time).
    ///
    /// # Safety
    /// `words` is a valid SPIR-V module for this device (VUID-VkShaderModuleCreateInfo-pCode-08737):
    /// a module with an invalid body is undefined behaviour in the driver (it can crash it).
    pub unsafe fn create_shader_module_unchecked(&self, words: &[u32], name: &str) -> Result<ShaderModule> {
        // SAFETY: the caller's contract.
        unsafe { ShaderModule::from_words_unchecked(&self.ctx, words, name) }
    }

    /// Creates acceleration-structure storage of `size` bytes (the `accelerationStructureSize`
    /// of [`acceleration_structure_build_sizes`](Self::acceleration_structure_build_sizes)) and
    /// the structure in it. [`Error::MissingFeature`] without `VK_KHR_acceleration_structure`.
    pub fn create_acceleration_structure(
        &self,
        ty: vk::AccelerationStructureTypeKHR,
        size: u64,
        name: &str,
    ) -> Result<AccelerationStructure> {
        if size == 0 {
            return Err(Error::ZeroSize { name: name.into(), kind: "acceleration structure" });
        }
        accel::create(&*self.memory, ty, vk::BuildAccelerationStructureFlagsKHR::empty(), size, name)
    }

    /// Storage and scratch sizes for building an acceleration structure of `ty` from
    /// `geometries`, with `max_primitive_counts[i]` primitives in geometry `i`. Fewer or more
    /// counts than geometries is [`Error::ValidUsage`]; the rest is the caller's (below).
    /// [`Batch::build_blas`] and [`Batch::build_tlas`] size what they build themselves, from
    /// checked descriptions.
    ///
    /// # Safety
    /// `geometries` are raw Vulkan structures that vkres does not read (their `geometry` is a
    /// union whose valid member only `geometry_type` tells, and each may chain `p_next`
    /// pointers, which Vulkan follows): they must be valid for
    /// `vkGetAccelerationStructureBuildSizesKHR` with `ty` and `flags` (VUIDs of
    /// `VkAccelerationStructureBuildGeometryInfoKHR` and `VkAccelerationStructureGeometryKHR`:
    /// a `geometry_type` Vulkan defines and that `ty` allows, one geometry type throughout,
    /// the matching union member initialised with its `s_type`, `p_next` chains null or
    /// valid, formats and flags valid, counts within the device's limits). Safe code that
    /// passed a geometry type no Vulkan defines, or triangles for a TLAS, reached the driver
    /// (issue 16, helper "sound4").
    pub unsafe fn acceleration_structure_build_sizes(
        &self,
        ty: vk::AccelerationStructureTypeKHR,
        flags: vk::BuildAccelerationStructureFlagsKHR,
        geometries: &[vk::AccelerationStructureGeometryKHR<'_>],
        max_primitive_counts: &[u32],
    ) -> Result<vk::AccelerationStructureBuildSizesInfoKHR<'static>> {
        let fns = self.ctx.acceleration_structure_fns("query acceleration-structure build sizes")?;
        if geometries.len() != max_primitive_counts.len() {
            return Err(Error::ValidUsage {
                name: "build sizes".into(),
                vuid: "VUID-vkGetAccelerationStructureBuildSizesKHR-pBuildInfo-03619",
                detail: format!("{} geometries but {} primitive counts", geometries.len(), max_primitive_counts.len()),
            });
        }
        let info = vk::AccelerationStructureBuildGeometryInfoKHR::default().ty(ty).flags(flags).geometries(geometries);
        let mut sizes = vk::AccelerationStructureBuildSizesInfoKHR::default();
        // SAFETY: the extension is enabled; one primitive count per geometry, checked above;
        // the geometries, type and flags are valid (the caller's contract). Device addresses in
        // the geometries are not read by a size query.
        unsafe {
            fns.get_acceleration_structure_build_sizes(
                vk::AccelerationStructureBuildTypeKHR::DEVICE,
                &info,
                max_primitive_counts,
                &mut sizes,
            )
        };
        Ok(sizes)
    }

    /// Opens a batch: one command buffer, submitted once by [`Batch::submit_and_wait`].
    pub fn batch(&self) -> Result<Batch<'_>> {
        self.retired.collect();
        Batch::new(self)
    }

    /// Hands over submitted work its owner no longer keeps: what it holds (resources whose
    /// handles are gone, staging, a batch's command pool) is released once it has finished,
    /// without waiting now, as dropping the [`InFlight`] would. Checked whenever this allocator
    /// (or a clone) opens a batch or a recorder, and by [`collect_retired`](Self::collect_retired);
    /// what is still queued when the last clone of the allocator drops is waited for then.
    pub fn retire(&self, work: InFlight) {
        self.retired.push(work);
    }

    /// Releases the retired work that has finished; returns how much still runs.
    pub fn collect_retired(&self) -> usize {
        self.retired.collect()
    }

    /// A [`Recorder`] into the caller's command buffer `cmd`: uploads, copies, transitions and
    /// builds recorded there, their staging and resources held until the fence given to
    /// [`Recorder::finish`] signals.
    ///
    /// # Safety
    /// - `cmd` must be a primary command buffer of this allocator's device, in the recording
    ///   state, allocated from a pool of the context's queue family
    ///   ([`Context::queue_family_index`]), and stay recording until `finish` returns.
    /// - After [`Recorder::finish`], it must be submitted at most once, to the context's queue
    ///   (locked with [`Context::lock_queue`]), with the fence given to `finish` and no other
    ///   fence, and nothing it records may be reset or re-recorded before that fence signalled.
    ///   If it is never submitted, the fence must be signalled otherwise (or the `InFlight`
    ///   waits until [`Context::wait_timeout`] and leaks what it holds). Take the fence's
    ///   handle for that submission after `finish` returns, from
    ///   [`Fence::lock_for_submit`](crate::Fence::lock_for_submit), whose guard is held around
    ///   the `vkQueueSubmit*` (vkres may ask the fence's status from other threads): a fence
    ///   whose handle was taken since its last reset and that has not signalled is refused
    ///   ([`BatchError::FenceBusy`](crate::BatchError::FenceBusy)), since an earlier submission
    ///   of yours with it may still signal it.
    /// - `finish` hands the recording's image layouts off: once it returns, vkres tracks each
    ///   image in the layout this recording leaves it in, and recordings handed off later (other
    ///   recorders' `finish`, batches' submissions) record barriers from that layout. So submit
    ///   the command buffers of finished recorders to the context's queue in `finish` order,
    ///   each before any batch submitted or recorder finished after it that uses the same
    ///   images or refits the same acceleration structure (a TLAS keeps the BLASes of its
    ///   content by that order: the last refit handed off among those that ran). If it is not submitted (never, or the caller's `vkQueueSubmit` failed), the
    ///   images whose layouts it changes must not be used through vkres again: their tracked
    ///   layout is one they are not in; nor may a TLAS it refits be traced or refitted again
    ///   (it counts as run once its fence signalled: the BLASes of the content before it may
    ///   be freed). `finish` takes the context's queue lock
    ///   ([`Context::lock_queue`]) where the recording changed a layout: to order `finish` and
    ///   your submission across threads, use a lock of your own, not that one (it is not
    ///   reentrant: holding it across `finish` deadlocks).
    /// - If the recorder is dropped without `finish`, or `finish` (or
    ///   [`finish_with_timeline`](Recorder::finish_with_timeline)) returns an error, the command
    ///   buffer must not be submitted (reset or free it): what it recorded refers to resources
    ///   and staging released with the recorder. A fence that `finish` found signalled and reset
    ///   before it failed is left unsignalled: do not wait on it for this work (nothing will
    ///   signal it; the wait would end in [`Error::Timeout`](crate::Error::Timeout)).
    pub unsafe fn recorder(&self, cmd: vk::CommandBuffer) -> Recorder<'_> {
        self.retired.collect();
        Recorder::with_tables(self, cmd, self.recycler.take_tables(), false)
    }
}
