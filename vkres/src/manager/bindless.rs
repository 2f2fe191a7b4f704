//! [`BindlessSet`]: one descriptor set of update-after-bind arrays in which a resource's
//! handle index is its shader-visible index.

use std::sync::Arc;

use ash::vk;

use crate::{Buffer, Context, Error, Result, Texture};

/// Binding of the storage-buffer array (`STORAGE_BUFFER[capacity]`).
pub const BINDLESS_STORAGE_BUFFERS: u32 = 0;
/// Binding of the sampled-image array (`SAMPLED_IMAGE[capacity]`): a texture's view.
pub const BINDLESS_SAMPLED_IMAGES: u32 = 1;
/// Binding of the sampler array (`SAMPLER[capacity]`): a texture's sampler, at the same index
/// as its view.
pub const BINDLESS_SAMPLERS: u32 = 2;

/// The descriptor arrays of a [`ResourceManager`](super::ResourceManager), in one set:
///
/// | binding | type | holds at index `i` |
/// |---|---|---|
/// | 0 | `STORAGE_BUFFER[capacity]` | the buffer of the handle with index `i`, if it has `STORAGE_BUFFER` usage |
/// | 1 | `SAMPLED_IMAGE[capacity]` | the view of the texture of index `i` (`SHADER_READ_ONLY_OPTIMAL`) |
/// | 2 | `SAMPLER[capacity]` | the sampler of the texture of index `i` |
///
/// Every binding is `PARTIALLY_BOUND | UPDATE_AFTER_BIND | UPDATE_UNUSED_WHILE_PENDING`, for
/// all stages: entries are written when resources are created or registered, also while
/// command buffers that bound the set are pending, and entries no shader reads may be empty
/// or stale. Separate images and samplers (rather than combined image samplers) are what WGSL
/// and HLSL express; GLSL reads them as `texture2D[]` and `sampler[]`.
///
/// `Send + Sync`: handles only; the manager serialises the writes to the set under its table lock.
pub struct BindlessSet {
    ctx: Arc<Context>,
    pool: vk::DescriptorPool,
    layout: vk::DescriptorSetLayout,
    set: vk::DescriptorSet,
    capacity: u32,
}

impl std::fmt::Debug for BindlessSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BindlessSet").field("set", &self.set).field("capacity", &self.capacity).finish()
    }
}

const BINDINGS: [(u32, vk::DescriptorType); 3] = [
    (BINDLESS_STORAGE_BUFFERS, vk::DescriptorType::STORAGE_BUFFER),
    (BINDLESS_SAMPLED_IMAGES, vk::DescriptorType::SAMPLED_IMAGE),
    (BINDLESS_SAMPLERS, vk::DescriptorType::SAMPLER),
];

impl BindlessSet {
    /// Creates the layout, a pool and the set, with arrays of `capacity` entries. The caller
    /// checked the descriptor-indexing features
    /// ([`DeviceCapabilities::descriptor_indexing`](crate::DeviceCapabilities::descriptor_indexing));
    /// [`Error::LimitExceeded`] when `capacity` exceeds the device's update-after-bind limits.
    pub(crate) fn new(ctx: &Arc<Context>, capacity: u32) -> Result<Self> {
        // The manager makes a set only where the device has descriptor indexing.
        check_limits(ctx, capacity)?;
        let bindings: Vec<_> = BINDINGS
            .iter()
            .map(|&(binding, ty)| {
                vk::DescriptorSetLayoutBinding::default()
                    .binding(binding)
                    .descriptor_type(ty)
                    .descriptor_count(capacity)
                    .stage_flags(vk::ShaderStageFlags::ALL)
            })
            .collect();
        let flags = [vk::DescriptorBindingFlags::PARTIALLY_BOUND
            | vk::DescriptorBindingFlags::UPDATE_AFTER_BIND
            | vk::DescriptorBindingFlags::UPDATE_UNUSED_WHILE_PENDING; 3];
        let mut flags_info = vk::DescriptorSetLayoutBindingFlagsCreateInfo::default().binding_flags(&flags);
        let layout_info = vk::DescriptorSetLayoutCreateInfo::default()
            .flags(vk::DescriptorSetLayoutCreateFlags::UPDATE_AFTER_BIND_POOL)
            .bindings(&bindings)
            .push_next(&mut flags_info);
        // Built with null handles so that `Drop` cleans up whatever step fails.
        let mut this = Self {
            ctx: ctx.clone(),
            pool: vk::DescriptorPool::null(),
            layout: vk::DescriptorSetLayout::null(),
            set: vk::DescriptorSet::null(),
            capacity,
        };
        // SAFETY: the features these flags need are enabled (checked above); counts are within
        // the device's update-after-bind limits. `Drop` destroys the layout.
        this.layout = unsafe { ctx.create_descriptor_set_layout(&layout_info, "vkres bindless layout") }?;
        let sizes: Vec<_> =
            BINDINGS.iter().map(|&(_, ty)| vk::DescriptorPoolSize { ty, descriptor_count: capacity }).collect();
        let pool_info = vk::DescriptorPoolCreateInfo::default()
            .flags(vk::DescriptorPoolCreateFlags::UPDATE_AFTER_BIND)
            .max_sets(1)
            .pool_sizes(&sizes);
        // SAFETY: UPDATE_AFTER_BIND pools need the features checked above. `Drop` destroys it.
        this.pool = unsafe { ctx.create_descriptor_pool(&pool_info, "vkres bindless pool") }?;
        let layouts = [this.layout];
        let alloc_info = vk::DescriptorSetAllocateInfo::default().descriptor_pool(this.pool).set_layouts(&layouts);
        // SAFETY: the pool has room for exactly this set, and was made with UPDATE_AFTER_BIND as
        // the layout requires.
        let sets = unsafe { ctx.allocate_descriptor_sets(&alloc_info, "vkres bindless set") }?;
        this.set = sets.first().copied().unwrap_or_default();
        Ok(this)
    }

    /// The set's layout, for pipeline layouts.
    pub fn layout(&self) -> vk::DescriptorSetLayout {
        self.layout
    }

    /// The descriptor set, for `vkCmdBindDescriptorSets`.
    pub fn set(&self) -> vk::DescriptorSet {
        self.set
    }

    /// Entries in each array.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Writes `buffer` (whole) at `index` of the storage-buffer array.
    ///
    /// The caller serialises writes to the set (the manager holds its table's write lock) and
    /// keeps the buffer alive while the entry may be read.
    pub(crate) fn write_buffer(&self, index: u32, buffer: &Buffer) {
        let infos = [vk::DescriptorBufferInfo { buffer: buffer.handle(), offset: 0, range: vk::WHOLE_SIZE }];
        let write = vk::WriteDescriptorSet::default()
            .dst_set(self.set)
            .dst_binding(BINDLESS_STORAGE_BUFFERS)
            .dst_array_element(index)
            .descriptor_type(vk::DescriptorType::STORAGE_BUFFER)
            .buffer_info(&infos);
        // SAFETY: index < capacity (the table has as many slots as the arrays have entries);
        // the buffer is live and has STORAGE_BUFFER usage (checked by the caller); the binding
        // is UPDATE_AFTER_BIND | UPDATE_UNUSED_WHILE_PENDING, so pending command buffers that
        // bound the set stay valid; host access to the set is serialised by the caller.
        unsafe { self.ctx.device().update_descriptor_sets(&[write], &[]) };
    }

    /// Writes `texture`'s view and sampler at `index` of the image and sampler arrays (the
    /// texture is in `SHADER_READ_ONLY_OPTIMAL`). Same contract as [`write_buffer`](Self::write_buffer).
    pub(crate) fn write_texture(&self, index: u32, texture: &Texture) {
        let image = [vk::DescriptorImageInfo {
            sampler: vk::Sampler::null(),
            image_view: texture.view().handle(),
            image_layout: vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL,
        }];
        let sampler = [vk::DescriptorImageInfo {
            sampler: texture.sampler().handle(),
            image_view: vk::ImageView::null(),
            image_layout: vk::ImageLayout::UNDEFINED,
        }];
        let writes = [
            vk::WriteDescriptorSet::default()
                .dst_set(self.set)
                .dst_binding(BINDLESS_SAMPLED_IMAGES)
                .dst_array_element(index)
                .descriptor_type(vk::DescriptorType::SAMPLED_IMAGE)
                .image_info(&image),
            vk::WriteDescriptorSet::default()
                .dst_set(self.set)
                .dst_binding(BINDLESS_SAMPLERS)
                .dst_array_element(index)
                .descriptor_type(vk::DescriptorType::SAMPLER)
                .image_info(&sampler),
        ];
        // SAFETY: as in `write_buffer`; the view has SAMPLED usage (every texture does).
        unsafe { self.ctx.device().update_descriptor_sets(&writes, &[]) };
    }
}

/// Checks `capacity` against the device's update-after-bind limits for one stage and one set.
fn check_limits(ctx: &Context, capacity: u32) -> Result<()> {
    let mut di = vk::PhysicalDeviceDescriptorIndexingProperties::default();
    let mut props = vk::PhysicalDeviceProperties2::default().push_next(&mut di);
    // SAFETY: a core Vulkan 1.2 struct, on the context's physical device (Vulkan 1.3 required).
    unsafe { ctx.instance().get_physical_device_properties2(ctx.physical_device(), &mut props) };
    let limits = [
        ("update-after-bind storage buffers per stage", di.max_per_stage_descriptor_update_after_bind_storage_buffers),
        ("update-after-bind storage buffers per set", di.max_descriptor_set_update_after_bind_storage_buffers),
        ("update-after-bind sampled images per stage", di.max_per_stage_descriptor_update_after_bind_sampled_images),
        ("update-after-bind sampled images per set", di.max_descriptor_set_update_after_bind_sampled_images),
        ("update-after-bind samplers per stage", di.max_per_stage_descriptor_update_after_bind_samplers),
        ("update-after-bind samplers per set", di.max_descriptor_set_update_after_bind_samplers),
    ];
    for (what, limit) in limits {
        if capacity > limit {
            return Err(Error::LimitExceeded {
                name: "vkres bindless set".into(),
                what,
                requested: u64::from(capacity),
                limit: u64::from(limit),
            });
        }
    }
    // Samplers do not count towards the per-stage resource limit.
    let total = u64::from(capacity) * 2;
    if total > u64::from(di.max_per_stage_update_after_bind_resources) {
        return Err(Error::LimitExceeded {
            name: "vkres bindless set".into(),
            what: "update-after-bind resources per stage",
            requested: total,
            limit: u64::from(di.max_per_stage_update_after_bind_resources),
        });
    }
    Ok(())
}

impl Drop for BindlessSet {
    fn drop(&mut self) {
        // SAFETY: the manager waited for the device to be idle before dropping the set, so no
        // command buffer that bound it is pending; the set is freed with its pool. Null handles
        // (left by a failed `new`) are ignored by Vulkan.
        unsafe {
            self.ctx.device().destroy_descriptor_pool(self.pool, None);
            self.ctx.device().destroy_descriptor_set_layout(self.layout, None);
        }
    }
}
