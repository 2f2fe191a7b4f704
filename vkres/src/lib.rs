//! # vkres — Vulkan resource management on `ash` and VMA
//!
//! vkres creates, uploads, names and destroys Vulkan resources for programs written on
//! [`ash`]. Its runtime follows Merian's memory management: a [`Context`], the
//! [`MemoryAllocator`] / [`MemoryAllocation`] traits with a VMA backend, and a
//! [`ResourceAllocator`] that creates RAII [`Buffer`]s, [`Image`]s, [`ImageView`]s,
//! [`Texture`]s, pooled [`Sampler`]s and [`AccelerationStructure`] storage. On top,
//! `#[derive(GpuResources)]` turns a struct of annotated fields into one call that creates every
//! resource and uploads its data in a single submission. For engines that work with handles,
//! the [`ResourceManager`] keeps buffers, textures, shaders and materials in a generational
//! table, addressed by [`ResourceHandle`]s that also index its bindless descriptor arrays.
//!
//! ```
//! use vkres::{Buffer, Context, ContextOptions, GpuResources, ResourceAllocator};
//!
//! #[derive(GpuResources)]
//! struct Mesh {
//!     #[gpu(buffer(usage = VERTEX_BUFFER, data = [[0.0f32, 0.0], [1.0, 0.0], [0.0, 1.0]]))]
//!     positions: Buffer<[f32; 2]>,
//!     #[gpu(buffer(usage = INDEX_BUFFER, data = [0u16, 1, 2]))]
//!     indices: Buffer<u16>,
//!     #[gpu(buffer(usage = STORAGE_BUFFER, len = 64, mapping = random))]
//!     results: Buffer<u32>,
//! }
//!
//! # fn main() -> vkres::Result<()> {
//! let ctx = Context::new(ContextOptions::new().validation(true))?;
//! let alloc = ResourceAllocator::new(&ctx)?;
//! let mesh = Mesh::create(&alloc)?; // created, uploaded, one submit, one wait
//! assert_eq!(mesh.indices.len(), 3);
//! assert_eq!(mesh.results.read_vec()?.len(), 64);
//! drop(mesh); // buffers destroyed, then their memory freed
//! assert!(ctx.message_log().is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! ## Examples
//! The repository's `examples/` run on any Vulkan 1.3 driver with the validation layer on
//! (`VKRES_VALIDATION=1`): `raytrace/`, the main one, draws a ray-traced picture of a scene
//! declared as one derived struct (meshes, a texture from a PNG with generated mips, a
//! sampler, BLASes, a TLAS, a storage image) with ray queries or a ray-tracing pipeline;
//! `hello_buffers`, `textured_quad`, `frame_loop` ([`RingFences`] with per-frame uploads) and
//! `resource_manager` show the rest. The README has the attribute reference of the derive.
//!
//! ## Ownership
//! Every resource is a shared handle to an owner that destroys the Vulkan object first, then
//! frees its memory. Each keeps alive what it needs: its memory allocator, the [`Context`]
//! (and so the device), the image under a view, the buffer under an acceleration structure.
//! A [`Batch`] holds what it records work on until that work has finished. Safe code cannot
//! free a device, an allocator or a resource under a live user.
//!
//! ## Inside the caller's frame
//! A [`Recorder`] records the same work into the caller's own command buffer
//! ([`ResourceAllocator::recorder`]); [`Recorder::finish`] returns an [`InFlight`] that holds the
//! staging and every resource used until the caller's fence (or timeline value) says the
//! submission has run. A `Batch` is a recorder on a command buffer of its own. Every wait for
//! the device is bounded by [`Context::wait_timeout`] ([`Error::Timeout`]).
//!
//! ## Errors
//! Every fallible call returns [`Result`] with [`Error`]: failed Vulkan calls keep their
//! [`vk::Result`] and operation; bad input names the resource and the numbers that do not fit.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod accel;
mod allocator;
mod bundle;
mod context;
mod debug_name;
mod error;
pub mod format;
mod handle_map;
pub mod manager;
pub mod memory;
#[cfg(feature = "mint")]
mod mint_conversions;
mod resources;
mod staging;
mod valid;

pub use ash;
pub use ash::vk;
pub use bytemuck;

pub use accel::{
    Aabb, AabbGeometry, Blas, BlasDesc, BuildPreference, Compacted, InstanceOf, Tlas, TlasDesc, TlasInstance,
    TlasInstanceRef, Transform3x4, TriangleGeometry,
};
pub use allocator::{
    Batch, Held, IMPORT_THRESHOLD, ImageRegion, ImageUpload, InFlight, LANE_THRESHOLD, MipSource, QueueSync, Recorder,
    ResourceAllocator,
};
pub use bundle::{
    BlasInstance, DescriptorBinding, DescriptorKind, DescriptorWrites, GeometryInput, GeometryRecord, GpuResources,
    TextureInput,
};
pub use context::{
    Context, ContextOptions, DebugMessage, DeviceCapabilities, DeviceChooser, DeviceSelector, DeviceSummary,
    EnabledFeatures, MessageLog, Ownership, RawDevice,
};
pub use error::{BatchError, Error, Result, SpirvProblem, Usage};
pub use manager::{BufferType, Error as ManagerError, ResourceHandle, ResourceManager, ResourceType};
pub use memory::{AllocationId, DefragMove, DefragOptions, DefragPass, DefragStats};
pub use memory::{
    HeapBudget, LeakReport, MappingType, MemoryAllocation, MemoryAllocator, MemoryInfo, MemoryLocation, MemoryPool,
    MemoryStatistics, PoolDesc, PoolMemory, TransientMemory, VmaAllocator, VmaOptions,
};
pub use resources::{
    AccelerationStructure, Buffer, BufferArena, BufferDesc, Image, ImageDesc, ImageView, ImageViewDesc, SPIRV_MAGIC,
    Sampler, SamplerDesc, SamplerPool, ShaderModule, SubBuffer, Texture, format_aspects, full_mip_count, spirv_words,
};
pub use staging::{
    Download, Fence, FenceSubmitGuard, RingFences, RingSlot, SetId, StagingConfig, StagingMemoryManager, StagingSpace,
};

/// `#[derive(GpuResources)]`: see [`GpuResources`] and the attribute reference in the README.
#[cfg(feature = "derive")]
pub use vkres_derive::GpuResources;

#[doc(hidden)]
pub use bundle::private as __private;
pub use bundle::{MAX_FRAMES_IN_FLIGHT, PerFrame};
