//! The handle-based [`ResourceManager`]: buffers, textures, shaders and materials in one
//! generational table, addressed by [`ResourceHandle`]s whose index is also the resource's
//! index in the manager's bindless descriptor arrays ([`BindlessSet`]).
//!
//! ```
//! use vkres::manager::{BufferType, ResourceManager, ResourceType};
//! use vkres::{Context, ContextOptions, ResourceAllocator, vk};
//!
//! # fn main() -> vkres::manager::Result<()> {
//! let ctx = Context::new(ContextOptions::new())?;
//! let alloc = ResourceAllocator::new(&ctx)?;
//! let manager = ResourceManager::new(&alloc)?;
//! let vertices = manager.create_buffer_with_data(
//!     &[0.0f32, 0.5, -0.5, -0.5, 0.5, -0.5],
//!     vk::BufferUsageFlags::VERTEX_BUFFER,
//!     BufferType::Vertex,
//! )?;
//! assert_eq!(manager.get_resource_type(vertices), Some(ResourceType::Buffer(BufferType::Vertex)));
//! assert!(manager.get_texture(vertices).is_none()); // a buffer is not a texture
//! manager.destroy_resource(vertices)?;
//! assert!(manager.get_buffer(vertices).is_none()); // the handle is stale now
//! # Ok(())
//! # }
//! ```
//!
//! # Thread safety
//! `ResourceManager` is `Send + Sync`. The table is behind one `RwLock`: lookups take it
//! shared and clone the resource out (each resource is a shared handle, so a clone keeps it
//! alive after it is destroyed in the table, for as long as the caller uses it); create and
//! destroy build or drop the Vulkan objects outside the lock and take it exclusively only to
//! insert or remove the entry, and, for bindless resources, to write its descriptors, so
//! writes to the descriptor set are serialised as Vulkan requires. Everything else the manager
//! uses (the allocator, its staging, the queue) is thread-safe already.
//!
//! Uploads (initial data, texture texels, buffer and material updates) go through staging
//! memory of the manager's own (`ManagerConfig::staging`), which bounds it; a batch that finds
//! the budget held by other threads' batches waits for them to release it (the staging
//! manager's rule), so uploads from several threads need no lock of the manager's.

mod bindless;
mod defrag;
mod error;
mod eviction;
mod handle;
mod materials;
mod memory_totals;
mod shaders;
mod slots;
mod textures;

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use ash::vk;
use bytemuck::Pod;

pub use bindless::{BINDLESS_SAMPLED_IMAGES, BINDLESS_SAMPLERS, BINDLESS_STORAGE_BUFFERS, BindlessSet};
pub use error::{Error, Result};
pub use eviction::EvictionStats;
pub use handle::ResourceHandle;
pub use materials::{Material, MaterialDescriptor, MaterialField, MaterialLayout, MaterialManager, MaterialParam};
pub use memory_totals::ResourceTotals;
pub use shaders::{ReflectedBinding, Shader, ShaderDescriptor, ShaderManager, ShaderReflection, ShaderStage};
pub use textures::{TextureDescriptor, TextureFormat, TextureManager, TextureMips};

use crate::{Buffer, BufferDesc, Context, ResourceAllocator, StagingConfig, Texture};
use slots::SlotTable;

/// What a buffer is for.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BufferType {
    /// Vertex data (`VERTEX_BUFFER`).
    Vertex,
    /// Indices (`INDEX_BUFFER`).
    Index,
    /// Uniforms (`UNIFORM_BUFFER`).
    Uniform,
    /// Shader storage (`STORAGE_BUFFER`); also in the bindless storage-buffer array.
    Storage,
}

impl BufferType {
    /// The usage flag the type implies.
    pub fn usage(self) -> vk::BufferUsageFlags {
        match self {
            Self::Vertex => vk::BufferUsageFlags::VERTEX_BUFFER,
            Self::Index => vk::BufferUsageFlags::INDEX_BUFFER,
            Self::Uniform => vk::BufferUsageFlags::UNIFORM_BUFFER,
            Self::Storage => vk::BufferUsageFlags::STORAGE_BUFFER,
        }
    }

    /// The type of a buffer of `usage`: the first of vertex, index, uniform that it has,
    /// storage otherwise.
    pub fn from_usage(usage: vk::BufferUsageFlags) -> Self {
        [Self::Vertex, Self::Index, Self::Uniform]
            .into_iter()
            .find(|t| usage.contains(t.usage()))
            .unwrap_or(Self::Storage)
    }
}

/// The kind of resource a handle names.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    /// A buffer, and what it is for.
    Buffer(BufferType),
    /// A texture: image, view and sampler.
    Texture,
    /// A material: parameters in a uniform buffer.
    Material,
    /// A shader module.
    Shader,
}

impl ResourceType {
    fn noun(self) -> &'static str {
        match self {
            Self::Buffer(_) => "buffer",
            Self::Texture => "texture",
            Self::Material => "material",
            Self::Shader => "shader",
        }
    }
}

/// One table entry.
#[derive(Debug, Clone)]
enum Entry {
    Buffer(Buffer, BufferType),
    Texture(Texture),
    Shader(Shader),
    Material(Arc<Material>),
    /// A buffer or texture evicted under a memory budget, made anew on its next lookup.
    Evicted(Arc<eviction::Evicted>),
}

impl Entry {
    fn ty(&self) -> ResourceType {
        match self {
            Self::Buffer(_, t) => ResourceType::Buffer(*t),
            Self::Texture(_) => ResourceType::Texture,
            Self::Shader(_) => ResourceType::Shader,
            Self::Material(_) => ResourceType::Material,
            Self::Evicted(e) => e.ty(),
        }
    }
}

/// The largest [`ManagerConfig::capacity`].
const MAX_CAPACITY: u32 = 1 << 24;

/// How big a [`ResourceManager`] is, whether it keeps bindless arrays, and its staging.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagerConfig {
    /// Most resources alive at once; also the length of each bindless array. At most
    /// 2^24 (the manager keeps 8 bytes per slot from the start; bindless arrays are bounded
    /// lower by the device's descriptor limits): more is [`Error::LimitExceeded`](crate::Error::LimitExceeded).
    pub capacity: u32,
    /// Keep bindless descriptor arrays where the device has descriptor indexing.
    pub bindless: bool,
    /// The staging memory of the manager's uploads (its own, apart from the allocator's).
    pub staging: StagingConfig,
}

impl Default for ManagerConfig {
    /// 4096 resources, bindless arrays, 32 MiB of staging in 4 MiB chunks.
    fn default() -> Self {
        Self { capacity: 4096, bindless: true, staging: StagingConfig { budget: 32 << 20, chunk_size: 4 << 20 } }
    }
}

/// Owns buffers, textures, shaders and materials, handed out as [`ResourceHandle`]s.
///
/// A handle of a destroyed resource is stale for good: lookups with it return `None` (or
/// [`Error::StaleHandle`]), also once its slot holds a newer resource. A handle made by
/// another manager names nothing here: `None` (or [`Error::ForeignHandle`]). A lookup of the wrong
/// kind returns `None` (or [`Error::WrongResourceKind`]), never another resource. Resources
/// are created on the manager's [`ResourceAllocator`] and uploaded through its staging.
///
/// Lookups return shared handles ([`Buffer`], [`Texture`], [`Shader`], `Arc<Material>`): a
/// resource destroyed in the manager lives on until the last clone drops, so work recorded
/// with a clone the caller still holds stays valid. Dropping the manager waits for the device
/// to be idle (command buffers may have bound its bindless set), then releases everything.
///
/// See the [module docs](self) for why it is `Send + Sync`.
pub struct ResourceManager {
    /// Declared (so dropped) before `bindless`, whose descriptors point at its resources.
    table: RwLock<SlotTable<Entry>>,
    bindless: Option<BindlessSet>,
    alloc: ResourceAllocator,
    shaders: ShaderManager,
    textures: TextureManager,
    materials: MaterialManager,
    capacity: u32,
    /// The tick of each slot's last use (lookup or creation), for least-recently-used eviction.
    uses: Box<[std::sync::atomic::AtomicU64]>,
    tick: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for ResourceManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceManager")
            .field("live", &self.len())
            .field("capacity", &self.capacity)
            .field("bindless", &self.bindless)
            .finish_non_exhaustive()
    }
}

impl ResourceManager {
    /// A manager on `alloc` with the default [`ManagerConfig`]: 4096 resources, bindless
    /// arrays where the device has descriptor indexing.
    pub fn new(alloc: &ResourceAllocator) -> Result<Self> {
        Self::with_config(alloc, ManagerConfig::default())
    }

    /// A manager on `alloc` with `config`.
    pub fn with_config(alloc: &ResourceAllocator, config: ManagerConfig) -> Result<Self> {
        if config.capacity == 0 {
            return Err(crate::Error::ZeroSize { name: "resource manager".into(), kind: "resource table" }.into());
        }
        // The use counters below are one per slot, made at once: u32::MAX slots asked for
        // 32 GiB and aborted the process (issue 16, helper "sound4").
        if config.capacity > MAX_CAPACITY {
            return Err(crate::Error::LimitExceeded {
                name: "resource manager".into(),
                what: "capacity (resources alive at once)",
                requested: u64::from(config.capacity),
                limit: u64::from(MAX_CAPACITY),
            }
            .into());
        }
        let alloc = &alloc.with_staging(config.staging)?;
        let ctx = alloc.context();
        let bindless = if config.bindless && ctx.capabilities().enabled.descriptor_indexing {
            Some(BindlessSet::new(ctx, config.capacity)?)
        } else {
            None
        };
        Ok(Self {
            table: RwLock::new(SlotTable::new(config.capacity)),
            bindless,
            alloc: alloc.clone(),
            shaders: ShaderManager::new(ctx),
            textures: TextureManager::new(alloc),
            materials: MaterialManager::new(alloc),
            capacity: config.capacity,
            uses: (0..config.capacity).map(|_| std::sync::atomic::AtomicU64::new(0)).collect(),
            tick: std::sync::atomic::AtomicU64::new(1),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, SlotTable<Entry>> {
        // A panic while the lock was held cannot leave the table half-changed (each change is
        // one call on it), so a poisoned lock is still good.
        self.table.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, SlotTable<Entry>> {
        self.table.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The allocator resources are created on (sharing the memory backend and samplers of
    /// the one the manager was made with, with staging of its own).
    pub fn allocator(&self) -> &ResourceAllocator {
        &self.alloc
    }

    /// The context.
    pub fn context(&self) -> &Arc<Context> {
        self.alloc.context()
    }

    /// The shader manager shaders are validated and created with.
    pub fn shader_manager(&self) -> &ShaderManager {
        &self.shaders
    }

    /// The texture manager textures are created with.
    pub fn texture_manager(&self) -> &TextureManager {
        &self.textures
    }

    /// The material manager materials are created and updated with.
    pub fn material_manager(&self) -> &MaterialManager {
        &self.materials
    }

    /// The bindless descriptor arrays, or [`crate::Error::MissingFeature`] where the device lacks
    /// descriptor indexing (or the manager was configured without them).
    pub fn bindless(&self) -> Result<&BindlessSet> {
        self.bindless.as_ref().ok_or(
            crate::Error::MissingFeature {
                feature: "Vulkan 1.2 descriptor indexing (update-after-bind, partially bound, runtime arrays)",
                operation: "bindless descriptor arrays",
            }
            .into(),
        )
    }

    /// Number of live resources.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether it holds no resource.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Most resources alive at once.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Stores `entry`, writing its bindless descriptors under the same lock.
    fn insert(&self, entry: Entry) -> Result<ResourceHandle> {
        let bindless = self.bindless.as_ref();
        // The bindless storage-buffer array takes the whole buffer (`WHOLE_SIZE`): at most
        // maxStorageBufferRange bytes (VUID-VkWriteDescriptorSet-descriptorType-00333; a
        // larger buffer reached the driver, issue 16, helper "sound4").
        if let (Some(_), Entry::Buffer(b, _)) = (bindless, &entry)
            && b.usage().contains(vk::BufferUsageFlags::STORAGE_BUFFER)
        {
            let limits = &self.context().capabilities().limits;
            let ty = vk::DescriptorType::STORAGE_BUFFER;
            if let Some(violation) = crate::valid::descriptor::buffer(b.name(), ty, b.usage(), b.size(), limits) {
                return Err(violation.into_error().into());
            }
        }
        let mut table = self.write();
        // The handle's index is the descriptor index: written before the handle is returned.
        table
            .insert_with(|handle| {
                if let Some(set) = bindless {
                    match &entry {
                        Entry::Buffer(b, _) if b.usage().contains(vk::BufferUsageFlags::STORAGE_BUFFER) => {
                            set.write_buffer(handle.index(), b)
                        }
                        Entry::Texture(t) => set.write_texture(handle.index(), t),
                        _ => {}
                    }
                }
                entry
            })
            .ok_or(Error::ResourceTableFull { capacity: self.capacity })
            .inspect(|handle| self.touch(*handle))
    }

    /// The entry `handle` names, or the typed error why there is none; an evicted resource
    /// is made anew first. Counts as a use of it.
    fn entry(&self, handle: ResourceHandle) -> Result<Entry> {
        let entry = {
            let table = self.read();
            let entry = table.get(handle).cloned().ok_or_else(|| Self::missing(&table, handle))?;
            // Under the lock: a defragmentation pass, which copies with the table free, sees
            // every use made before it takes the lock back (`defrag.rs`).
            self.touch(handle);
            entry
        };
        match entry {
            Entry::Evicted(evicted) => self.restore(handle, &evicted),
            entry => Ok(entry),
        }
    }

    /// Why `handle` names nothing in `table`: another manager's, or stale (or null).
    fn missing(table: &SlotTable<Entry>, handle: ResourceHandle) -> Error {
        if table.owns(handle) || handle == ResourceHandle::NULL {
            Error::StaleHandle { handle: handle.to_string() }
        } else {
            Error::ForeignHandle { handle: handle.to_string() }
        }
    }

    fn wrong_kind(handle: ResourceHandle, expected: &'static str, found: &Entry) -> Error {
        Error::WrongResourceKind { handle: handle.to_string(), expected, found: found.ty().noun() }
    }

    /// Creates a device buffer of `size` bytes for `usage`, plus the usage `ty` implies and
    /// `TRANSFER_DST` (for [`update_buffers`](Self::update_buffers)). A storage buffer is
    /// written into the bindless storage-buffer array at its handle's index.
    pub fn create_buffer(&self, size: u64, usage: vk::BufferUsageFlags, ty: BufferType) -> Result<ResourceHandle> {
        // TRANSFER_SRC: an evicted buffer is read back first (`evict_to_budget`).
        let usage = usage | vk::BufferUsageFlags::TRANSFER_SRC;
        let desc = BufferDesc::new(size, usage | ty.usage() | vk::BufferUsageFlags::TRANSFER_DST)
            .name(format!("manager {ty:?} buffer"));
        let buffer = self.alloc.create_buffer(&desc)?;
        self.insert(Entry::Buffer(buffer, ty))
    }

    /// [`create_buffer`](Self::create_buffer) of `data`'s size, filled with `data` (uploaded
    /// through staging; one submission).
    pub fn create_buffer_with_data<T: Pod>(
        &self,
        data: &[T],
        usage: vk::BufferUsageFlags,
        ty: BufferType,
    ) -> Result<ResourceHandle> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        // TRANSFER_SRC: an evicted buffer is read back first (`evict_to_budget`).
        let usage = usage | vk::BufferUsageFlags::TRANSFER_SRC;
        let desc = BufferDesc::new(bytes.len() as u64, usage | ty.usage() | vk::BufferUsageFlags::TRANSFER_DST)
            .name(format!("manager {ty:?} buffer"));
        let buffer = self.alloc.create_buffer_with_data(&desc, bytes)?;
        self.insert(Entry::Buffer(buffer, ty))
    }

    /// Creates a texture (see [`TextureManager::create_texture`]): uploaded, in
    /// `SHADER_READ_ONLY_OPTIMAL`, and written into the bindless image and sampler arrays.
    pub fn create_texture(&self, desc: &TextureDescriptor<'_>) -> Result<ResourceHandle> {
        // TRANSFER_SRC: an evicted texture is read back first (`evict_to_budget`).
        let desc = TextureDescriptor { usage: desc.usage | vk::ImageUsageFlags::TRANSFER_SRC, ..desc.clone() };
        let texture = self.textures.create_texture(&desc)?;
        self.insert(Entry::Texture(texture))
    }

    /// Validates, reflects and creates a shader (see [`ShaderManager::create_shader`]).
    pub fn create_shader(&self, desc: &ShaderDescriptor<'_>) -> Result<ResourceHandle> {
        let shader = self.shaders.create_shader(desc)?;
        self.insert(Entry::Shader(shader))
    }

    /// Creates a material for the shader `desc.shader_handle` names (see
    /// [`MaterialManager::create_material`]); a handle that names no shader is
    /// [`Error::StaleHandle`] or [`Error::WrongResourceKind`].
    pub fn create_material(&self, desc: &MaterialDescriptor) -> Result<ResourceHandle> {
        self.shader(desc.shader_handle)?;
        let material = self.materials.create_material(desc)?;
        self.insert(Entry::Material(Arc::new(material)))
    }

    /// Sets parameters of the material `handle` names, uploading only the bytes that changed
    /// (see [`MaterialManager::update_material`]). Returns the bytes uploaded.
    pub fn update_material(&self, handle: ResourceHandle, updates: &[(&str, MaterialParam)]) -> Result<u64> {
        let material = self.material(handle)?;
        self.materials.update_material(&material, updates)
    }

    /// Adds `buffer` (created elsewhere, e.g. by a `#[derive(GpuResources)]` bundle) to the
    /// table, sharing it; its type is [`BufferType::from_usage`]. With `STORAGE_BUFFER` usage
    /// it is written into the bindless storage-buffer array at the handle's index.
    pub fn register_buffer<T>(&self, buffer: &Buffer<T>) -> Result<ResourceHandle> {
        // Written into this device's descriptor set, read back by its batches: of this device
        // (`valid/device.rs`).
        crate::valid::device::same_device(self.context(), buffer.context(), || buffer.name().to_owned())?;
        let ty = BufferType::from_usage(buffer.usage());
        self.insert(Entry::Buffer(buffer.as_bytes(), ty))
    }

    /// Adds `texture` (created elsewhere) to the table, sharing it, and writes it into the
    /// bindless arrays at the handle's index. Its image must be in `SHADER_READ_ONLY_OPTIMAL`
    /// when a shader reads it; otherwise [`crate::Error::ValidUsage`]
    /// (`VUID-VkDescriptorImageInfo-imageLayout-00344`).
    pub fn register_texture(&self, texture: &Texture) -> Result<ResourceHandle> {
        let image = texture.image();
        crate::valid::device::same_device(self.context(), image.context(), || image.desc().name.clone())?;
        if texture.image().layout() != vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL {
            return Err(crate::Error::ValidUsage {
                name: texture.image().desc().name.clone(),
                vuid: "VUID-VkDescriptorImageInfo-imageLayout-00344",
                detail: format!(
                    "a registered texture is read in SHADER_READ_ONLY_OPTIMAL, but it is in {:?}",
                    texture.image().layout()
                ),
            }
            .into());
        }
        self.insert(Entry::Texture(texture.clone()))
    }

    /// The buffer `handle` names; `None` if it is stale or names another kind.
    pub fn get_buffer(&self, handle: ResourceHandle) -> Option<Buffer> {
        self.buffer(handle).ok()
    }

    /// [`get_buffer`](Self::get_buffer) with the typed error why not.
    pub fn buffer(&self, handle: ResourceHandle) -> Result<Buffer> {
        match self.entry(handle)? {
            Entry::Buffer(b, _) => Ok(b),
            other => Err(Self::wrong_kind(handle, "buffer", &other)),
        }
    }

    /// The texture `handle` names (its [`view`](Texture::view) and [`sampler`](Texture::sampler));
    /// `None` if it is stale or names another kind.
    pub fn get_texture(&self, handle: ResourceHandle) -> Option<Texture> {
        self.texture(handle).ok()
    }

    /// [`get_texture`](Self::get_texture) with the typed error why not.
    pub fn texture(&self, handle: ResourceHandle) -> Result<Texture> {
        match self.entry(handle)? {
            Entry::Texture(t) => Ok(t),
            other => Err(Self::wrong_kind(handle, "texture", &other)),
        }
    }

    /// The shader `handle` names; `None` if it is stale or names another kind.
    pub fn get_shader(&self, handle: ResourceHandle) -> Option<Shader> {
        self.shader(handle).ok()
    }

    /// [`get_shader`](Self::get_shader) with the typed error why not.
    pub fn shader(&self, handle: ResourceHandle) -> Result<Shader> {
        match self.entry(handle)? {
            Entry::Shader(s) => Ok(s),
            other => Err(Self::wrong_kind(handle, "shader", &other)),
        }
    }

    /// The shader `handle` names, ready for pipeline creation: its
    /// [`stage_create_info`](Shader::stage_create_info) is the
    /// `VkPipelineShaderStageCreateInfo` (module, stage, entry point), which borrows the
    /// returned shader so that it cannot outlive the module. `None` if the handle is stale or
    /// names another kind.
    pub fn get_shader_stage_info(&self, handle: ResourceHandle) -> Option<Shader> {
        self.get_shader(handle)
    }

    /// The material `handle` names; `None` if it is stale or names another kind.
    pub fn get_material(&self, handle: ResourceHandle) -> Option<Arc<Material>> {
        self.material(handle).ok()
    }

    /// [`get_material`](Self::get_material) with the typed error why not.
    pub fn material(&self, handle: ResourceHandle) -> Result<Arc<Material>> {
        match self.entry(handle)? {
            Entry::Material(m) => Ok(m),
            other => Err(Self::wrong_kind(handle, "material", &other)),
        }
    }

    /// The kind of resource `handle` names; `None` if it is stale.
    pub fn get_resource_type(&self, handle: ResourceHandle) -> Option<ResourceType> {
        self.read().get(handle).map(Entry::ty)
    }

    /// Removes the resource `handle` names; every copy of the handle is stale from now on.
    /// The manager's reference is dropped after the lock is released: the resource is
    /// destroyed then, unless a clone from a lookup still holds it. A stale handle is
    /// [`Error::StaleHandle`], another manager's [`Error::ForeignHandle`]. Its bindless entries are left as they are (the arrays are
    /// partially bound) until the slot is reused.
    pub fn destroy_resource(&self, handle: ResourceHandle) -> Result<()> {
        let mut table = self.write();
        match table.remove(handle) {
            Some(entry) => {
                // The resource is destroyed after the lock is released.
                drop(table);
                drop(entry);
                Ok(())
            }
            None => Err(Self::missing(&table, handle)),
        }
    }

    /// Writes each `(handle, byte offset, data)` into its buffer, all in one batch: one
    /// submission and one wait. Every handle is checked first (stale:
    /// [`Error::StaleHandle`], not a buffer: [`Error::WrongResourceKind`], past the end:
    /// [`crate::Error::DataTooLarge`]), and nothing is submitted when one fails.
    pub fn update_buffers(&self, updates: &[(ResourceHandle, u64, &[u8])]) -> Result<()> {
        let buffers = updates.iter().map(|(h, _, _)| self.buffer(*h)).collect::<Result<Vec<_>>>()?;
        let mut batch = self.alloc.batch()?;
        for (buffer, (_, offset, data)) in buffers.iter().zip(updates) {
            batch.upload_bytes(buffer, *offset, data)?;
        }
        Ok(batch.submit_and_wait()?)
    }
}

impl Drop for ResourceManager {
    fn drop(&mut self) {
        // Command buffers of the caller may have bound the bindless set or use resources only
        // the table holds: wait for them before releasing. A failed wait (device lost) leaves
        // nothing to wait for.
        let _ = self.alloc.context().wait_idle();
        // Then the fields drop in order: `table` (every resource) before `bindless`, whose
        // descriptors named them.
    }
}
