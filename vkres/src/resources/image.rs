//! [`Image`] and [`ImageView`]: a `VkImage` with its memory, and views of it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};

use ash::vk;

use super::spare::{Shared, spare_slots};
use super::{NameRef, ResourceMemory};
use crate::Context;
use crate::error::{Error, Result};
use crate::memory::{MappingType, MemoryAllocation, MemoryAllocator, MemoryLocation, MemoryPool, MemoryRequest};

/// What image to create.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDesc {
    /// 1D, 2D or 3D.
    pub ty: vk::ImageType,
    /// Texel format.
    pub format: vk::Format,
    /// Size of mip level 0.
    pub extent: vk::Extent3D,
    /// Number of mip levels (1 = no mips).
    pub mip_levels: u32,
    /// Number of array layers (6 for a cube).
    pub array_layers: u32,
    /// Samples per texel.
    pub samples: vk::SampleCountFlags,
    /// Usage flags.
    pub usage: vk::ImageUsageFlags,
    /// Create flags (e.g. `CUBE_COMPATIBLE`).
    pub flags: vk::ImageCreateFlags,
    /// Placement preference.
    pub location: MemoryLocation,
    /// Whether it gets a `VkDeviceMemory` of its own (large render targets, exported images).
    pub dedicated: bool,
    /// The custom pool its memory comes from (`None`: the allocator's own).
    pub pool: Option<MemoryPool>,
    /// Handle types its memory is exported as (empty: not exported); see
    /// [`BufferDesc::export`](crate::BufferDesc::export).
    pub export: vk::ExternalMemoryHandleTypeFlags,
    /// Debug name.
    pub name: String,
}

impl ImageDesc {
    /// The `VkImageCreateInfo` vkres creates this image with: optimal tiling, exclusive,
    /// initially undefined. For an image made outside vkres (as a swapchain's) that is to match
    /// one vkres would make.
    pub fn create_info(&self) -> vk::ImageCreateInfo<'static> {
        vk::ImageCreateInfo::default()
            .flags(self.flags)
            .image_type(self.ty)
            .format(self.format)
            .extent(self.extent)
            .mip_levels(self.mip_levels)
            .array_layers(self.array_layers)
            .samples(self.samples)
            .tiling(vk::ImageTiling::OPTIMAL)
            .usage(self.usage)
            .sharing_mode(vk::SharingMode::EXCLUSIVE)
            .initial_layout(vk::ImageLayout::UNDEFINED)
    }

    /// A 2D image of one mip level and one layer, optimal tiling.
    pub fn new_2d(format: vk::Format, width: u32, height: u32, usage: vk::ImageUsageFlags) -> Self {
        Self {
            ty: vk::ImageType::TYPE_2D,
            format,
            extent: vk::Extent3D { width, height, depth: 1 },
            mip_levels: 1,
            array_layers: 1,
            samples: vk::SampleCountFlags::TYPE_1,
            usage,
            flags: vk::ImageCreateFlags::empty(),
            location: MemoryLocation::Auto,
            dedicated: false,
            pool: None,
            export: vk::ExternalMemoryHandleTypeFlags::empty(),
            name: String::new(),
        }
    }

    /// A 3D image of one mip level.
    pub fn new_3d(format: vk::Format, extent: vk::Extent3D, usage: vk::ImageUsageFlags) -> Self {
        Self { ty: vk::ImageType::TYPE_3D, extent, ..Self::new_2d(format, 1, 1, usage) }
    }

    /// A cube map: a 2D image of 6 layers, cube-compatible.
    pub fn new_cube(format: vk::Format, size: u32, usage: vk::ImageUsageFlags) -> Self {
        Self {
            array_layers: 6,
            flags: vk::ImageCreateFlags::CUBE_COMPATIBLE,
            ..Self::new_2d(format, size, size, usage)
        }
    }

    /// Sets the number of mip levels.
    pub fn mip_levels(mut self, levels: u32) -> Self {
        self.mip_levels = levels;
        self
    }

    /// Sets the full mip chain down to 1x1.
    pub fn full_mip_chain(mut self) -> Self {
        self.mip_levels = full_mip_count(self.extent);
        self
    }

    /// Sets the number of array layers.
    pub fn array_layers(mut self, layers: u32) -> Self {
        self.array_layers = layers;
        self
    }

    /// Sets the debug name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Asks for a `VkDeviceMemory` of its own.
    pub fn dedicated(mut self, dedicated: bool) -> Self {
        self.dedicated = dedicated;
        self
    }

    /// Takes its memory from `pool` (of the same allocator).
    pub fn pool(mut self, pool: &MemoryPool) -> Self {
        self.pool = Some(pool.clone());
        self
    }

    /// Makes its memory exportable as `handle_types` (see
    /// [`BufferDesc::export`](crate::BufferDesc::export)); checked against the driver's
    /// external image format properties at creation.
    pub fn export(mut self, handle_types: vk::ExternalMemoryHandleTypeFlags) -> Self {
        self.export = handle_types;
        self
    }
}

/// Mip levels of a full chain for `extent`: `floor(log2(max side)) + 1`.
pub fn full_mip_count(extent: vk::Extent3D) -> u32 {
    let max = extent.width.max(extent.height).max(extent.depth).max(1);
    u32::BITS - max.leading_zeros()
}

/// The aspects a format has: depth and/or stencil, else color.
pub fn format_aspects(format: vk::Format) -> vk::ImageAspectFlags {
    crate::format::aspects(format)
}

/// The owner of one `VkImage` and its memory.
pub(crate) struct ImageShared {
    handle: vk::Image,
    /// Freed after `handle` is destroyed; holds the context.
    allocation: ResourceMemory,
    desc: ImageDesc,
    /// The layout of every subresource after the work handed off last that used the image (a
    /// `vk::ImageLayout`'s raw value; see [`Image::layout`]).
    layout: AtomicI32,
    /// `false` for an image vkres did not create ([`Image::from_raw_borrowed`]): not destroyed.
    owned: bool,
    /// Whether no recorder has held it yet (a batch's transfer lane may then upload it).
    fresh: super::FirstUse,
    /// Recordings not yet handed off (submitted, or finished for the caller's submission) that
    /// write the image or change its layout (the [`LayoutHold`]s in their layout tables): a
    /// download recorded elsewhere meanwhile could be submitted before or after them (issue 16,
    /// helper "sound3"; session 8, helper "mend8": handed-off work no longer counts).
    pending_layouts: AtomicU32,
    /// Those of them that leave the image in another layout than the one they found (see
    /// [`LayoutHold`]).
    pending_changes: AtomicU32,
}

impl Drop for ImageShared {
    fn drop(&mut self) {
        if !self.owned {
            return;
        }
        // SAFETY: no handle, view or batch refers to the image any more (each holds an Arc);
        // its memory is freed afterwards when `allocation` drops.
        unsafe { self.allocation.context().device().destroy_image(self.handle, None) };
    }
}

/// A `VkImage` and its memory. A shared handle like [`Buffer`](crate::Buffer): views and
/// batches keep it alive; the last handle destroys it, then frees its memory.
///
/// `Send + Sync`: a shared handle; its tracked layout is an atomic, updated only when a batch
/// that changed it has finished.
#[derive(Clone)]
pub struct Image {
    /// The image's slot (see [`spare`](super::spare)).
    shared: Shared<ImageShared>,
}

spare_slots! {
    /// This thread's spare slots of dropped images ([`spare`](super::spare)).
    IMAGE_SPARE: ImageShared
}

spare_slots! {
    /// This thread's spare slots of dropped views ([`spare`](super::spare)).
    VIEW_SPARE: ImageViewShared
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image").field("handle", &self.shared.handle).field("desc", &self.shared.desc).finish()
    }
}

impl Image {
    /// The `VkImage`.
    pub fn handle(&self) -> vk::Image {
        self.shared.handle
    }

    /// How it was created (its debug name included).
    pub fn desc(&self) -> &ImageDesc {
        &self.shared.desc
    }

    /// Its memory.
    pub fn memory(&self) -> &dyn MemoryAllocation {
        self.shared.allocation.get()
    }

    /// The layout of every subresource, as left by the work handed off last that used the image
    /// (`UNDEFINED` for a new image): a submitted [`Batch`](crate::Batch) or a finished
    /// [`Recorder`](crate::Recorder), finished running or not. Work recorded later starts from
    /// it: recordings are taken to be submitted in the order they were handed off, on one queue.
    pub fn layout(&self) -> vk::ImageLayout {
        vk::ImageLayout::from_raw(self.shared.layout.load(Ordering::Acquire))
    }

    pub(crate) fn set_layout(&self, layout: vk::ImageLayout) {
        self.shared.layout.store(layout.as_raw(), Ordering::Release);
    }

    /// How many handles share this image (views hold one each).
    pub(crate) fn holders(&self) -> usize {
        Arc::strong_count(self.shared.arc())
    }

    /// Wraps an image vkres did not create (a swapchain image, another library's image) as a
    /// borrowed `Image`: recorders and batches use it like any other (its layout tracked from
    /// `layout`), views can be made of it, and dropping the last handle destroys nothing.
    /// [`memory`](Self::memory) reports no memory.
    ///
    /// # Safety
    /// `handle` must be an image of `ctx`'s device created as `desc` says (type, format,
    /// extent, mips, layers, samples, usage: vkres checks its commands against `desc`),
    /// every subresource in `layout` whenever work recorded with it runs, and stay alive until
    /// every handle of the wrapper (views, recorders, in-flight work included) is gone.
    pub unsafe fn from_raw_borrowed(
        ctx: &Arc<Context>,
        handle: vk::Image,
        desc: ImageDesc,
        layout: vk::ImageLayout,
    ) -> Image {
        Image { shared: Shared::new(ImageShared::new(handle, ResourceMemory::none(ctx), desc, layout, false, false)) }
    }

    /// Whether vkres created the image (and destroys it); `false` for [`from_raw_borrowed`](Self::from_raw_borrowed).
    pub fn is_owned(&self) -> bool {
        self.shared.owned
    }

    /// Sets the tracked layout of every subresource after the caller's own commands changed
    /// it (a render pass's final layout, a present transition): work recorded by vkres after
    /// this call starts from `layout`. Work recorded before it applies its own layout when it
    /// is handed off (a batch submitted, a recorder finished), so call this after that hand-off,
    /// once the caller's commands that follow that work are recorded.
    ///
    /// A layout the image cannot be in (a depth layout of a colour format, a layout whose usage
    /// the image lacks: the rules of `valid/layout.rs`) is [`Error::ValidUsage`], and the
    /// tracked layout is left alone. `UNDEFINED` is always accepted (the contents are
    /// discarded).
    ///
    /// # Safety
    /// Every subresource of the image must be in `layout` whenever work vkres records with it
    /// after this call runs: the barriers vkres records name `layout` as their old layout, and a
    /// wrong one is invalid usage (VUID-VkImageMemoryBarrier2-oldLayout-01197) that vkres cannot
    /// see.
    pub unsafe fn set_tracked_layout(&self, layout: vk::ImageLayout) -> Result<()> {
        if layout != vk::ImageLayout::UNDEFINED {
            let d = &self.shared.desc;
            let swapchain = self.context().capabilities().enabled.swapchain;
            crate::valid::layout::check(&d.name, d.format, d.usage, layout, swapchain)?;
        }
        self.set_layout(layout);
        Ok(())
    }

    pub(crate) fn context(&self) -> &Arc<Context> {
        self.shared.allocation.context()
    }

    /// A type-erased handle that keeps the image alive (batches hold these).
    pub(crate) fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        self.shared.fresh.mark_used();
        // A member of transient memory: also the memory's hold, which host writes into a
        // mapped buffer member check (the image's bytes are theirs).
        match self.shared.allocation.alias_member() {
            Some(member) => Arc::new((Arc::<Option<ImageShared>>::clone(self.shared.arc()), member.hold())),
            None => Arc::<Option<ImageShared>>::clone(self.shared.arc()),
        }
    }

    /// The recordings not yet handed off that write the image or change its layout (see
    /// [`LayoutHold`]; one that only downloads it is not counted).
    pub(crate) fn pending_layout_holds(&self) -> u32 {
        self.shared.pending_layouts.load(Ordering::Acquire)
    }

    /// The recordings not yet handed off that leave the image in another layout than the one
    /// they found it in (see [`LayoutHold`]).
    pub(crate) fn pending_layout_changes(&self) -> u32 {
        self.shared.pending_changes.load(Ordering::Acquire)
    }

    /// Whether it lives in transient memory (its recorded uses then hold the memory too).
    pub(crate) fn in_transient_memory(&self) -> bool {
        self.shared.allocation.alias_member().is_some()
    }

    /// Its first-use state: whether any recording has used it, and a batch's transfer-lane
    /// claim (one atomic step each: see [`FirstUse`](super::FirstUse)).
    pub(crate) fn first_use(&self) -> &super::FirstUse {
        &self.shared.fresh
    }

    /// Drops this handle's reference to the image (destroying it if it was the last one),
    /// leaving a placeholder with a null handle and no memory, in place where this was its only
    /// handle (no allocation), a new one otherwise.
    fn release(&mut self) {
        if self.shared.handle == vk::Image::null() {
            return;
        }
        let ctx = self.context().clone();
        match self.shared.get_mut() {
            // The old state dropped here: the image destroyed, then its memory freed.
            Some(state) => *state = ImageShared::placeholder(&ctx),
            None => *self = Image::placeholder(&ctx),
        }
    }

    /// A placeholder with a null handle and no memory (see [`ImageView::release`]).
    fn placeholder(ctx: &Arc<Context>) -> Self {
        Image { shared: Shared::new(ImageShared::placeholder(ctx)) }
    }
}

impl ImageShared {
    /// An image's state, tracked in `layout`, with no recording holding it yet: `owned` where
    /// vkres destroys it, `fresh` where no recording has used it (a batch's transfer lane may
    /// then upload it).
    #[inline]
    fn new(
        handle: vk::Image,
        allocation: ResourceMemory,
        desc: ImageDesc,
        layout: vk::ImageLayout,
        owned: bool,
        fresh: bool,
    ) -> Self {
        ImageShared {
            handle,
            allocation,
            desc,
            layout: AtomicI32::new(layout.as_raw()),
            owned,
            fresh: super::FirstUse::new(fresh),
            pending_layouts: AtomicU32::new(0),
            pending_changes: AtomicU32::new(0),
        }
    }

    /// A released image's state: a null handle, no memory.
    fn placeholder(ctx: &Arc<Context>) -> Self {
        let desc = ImageDesc::new_2d(vk::Format::UNDEFINED, 0, 0, vk::ImageUsageFlags::empty());
        ImageShared::new(vk::Image::null(), ResourceMemory::none(ctx), desc, vk::ImageLayout::UNDEFINED, true, false)
    }
}

/// Checks `desc` against the device (format support, limits) and creates the image.
pub(crate) fn create(memory: &dyn MemoryAllocator, desc: &ImageDesc) -> Result<Image> {
    create_owned(memory, desc.clone(), None)
}

/// [`create`] from a description the image keeps (no copy of it), whose name is `static_name`
/// where given (the derive's names: the leak table keeps them without a copy).
pub(crate) fn create_owned(
    memory: &dyn MemoryAllocator,
    desc: ImageDesc,
    static_name: Option<&'static str>,
) -> Result<Image> {
    let ctx = memory.context();
    let name = &desc.name;
    let e = desc.extent;
    if e.width == 0 || e.height == 0 || e.depth == 0 || desc.mip_levels == 0 || desc.array_layers == 0 {
        return Err(Error::ZeroSize { name: name.clone(), kind: "image" });
    }
    // Bits no Vulkan defines, and sparse images, before any query sees them.
    crate::valid::known::image(name, desc.usage, desc.flags)?;
    crate::valid::extension_bits::image(ctx, desc.usage, desc.flags)?;
    if desc.format == vk::Format::UNDEFINED {
        return Err(Error::ValidUsage {
            name: name.clone(),
            vuid: "VUID-VkImageCreateInfo-pNext-01975",
            detail: "an image needs a format, not UNDEFINED".into(),
        });
    }
    if desc.usage.is_empty() {
        return Err(Error::ValidUsage {
            name: name.clone(),
            vuid: "VUID-VkImageCreateInfo-usage-requiredbitmask",
            detail: "an image needs at least one usage flag".into(),
        });
    }
    if desc.mip_levels > full_mip_count(e) {
        return Err(Error::ValidUsage {
            name: name.clone(),
            vuid: "VUID-VkImageCreateInfo-mipLevels-00958",
            detail: format!(
                "{} mip levels asked for, a {}x{}x{} image has at most {}",
                desc.mip_levels,
                e.width,
                e.height,
                e.depth,
                full_mip_count(e)
            ),
        });
    }
    let tiling = vk::ImageTiling::OPTIMAL;
    let info = desc.create_info();
    crate::valid::image::check(name, &info, ctx.format_properties(desc.format).optimal_tiling_features)?;
    // VUID-VkImageCreateInfo-usage-00968: a multisampled storage image needs
    // shaderStorageImageMultisample, which `Context::new` never enables (a `from_raw` creator
    // may have: not refused there). Issue 16, helper "sound4".
    if ctx.features_chosen
        && desc.samples != vk::SampleCountFlags::TYPE_1
        && desc.usage.contains(vk::ImageUsageFlags::STORAGE)
    {
        return Err(Error::ValidUsage {
            name: name.clone(),
            vuid: "VUID-VkImageCreateInfo-usage-00968",
            detail: format!(
                "a {:?}-sample STORAGE image needs shaderStorageImageMultisample, which the device does not have enabled",
                desc.samples
            ),
        });
    }
    let props = ctx.image_format_properties(desc.format, desc.ty, tiling, desc.usage, desc.flags);
    let props = match props {
        Ok(p) => p,
        Err(vk::Result::ERROR_FORMAT_NOT_SUPPORTED) => {
            return Err(Error::UnsupportedFormat {
                name: name.clone(),
                format: desc.format,
                ty: desc.ty,
                tiling,
                usage: desc.usage,
            });
        }
        Err(result) => return Err(Error::Vulkan { operation: "vkGetPhysicalDeviceImageFormatProperties", result }),
    };
    let limit = |what, requested: u32, limit: u32| {
        (requested > limit).then(|| Error::LimitExceeded {
            name: name.clone(),
            what,
            requested: requested.into(),
            limit: limit.into(),
        })
    };
    let max = props.max_extent;
    let over = limit("width", e.width, max.width)
        .or_else(|| limit("height", e.height, max.height))
        .or_else(|| limit("depth", e.depth, max.depth))
        .or_else(|| limit("mip levels", desc.mip_levels, props.max_mip_levels))
        .or_else(|| limit("array layers", desc.array_layers, props.max_array_layers));
    if let Some(err) = over {
        return Err(err);
    }
    // The bytes of every level, layer and sample, as the validation layer estimates them (it
    // counts samples: review10 #1, helper "mend11").
    let block = crate::format::texel_block(desc.format);
    let samples = u64::from(desc.samples.as_raw());
    let estimate = block.map(|block| {
        crate::format::image_data_size(block, e, desc.mip_levels, desc.array_layers).saturating_mul(samples)
    });
    if let Some(bytes) = estimate {
        if bytes > props.max_resource_size {
            return Err(Error::LimitExceeded {
                name: name.clone(),
                what: "resource size",
                requested: bytes,
                limit: props.max_resource_size,
            });
        }
    }
    if !props.sample_counts.contains(desc.samples) {
        return Err(Error::ValidUsage {
            name: name.clone(),
            vuid: "VUID-VkImageCreateInfo-samples-02258",
            detail: format!("{:?} samples are not supported for this format and usage", desc.samples),
        });
    }
    let mut external = vk::ExternalMemoryImageCreateInfo::default().handle_types(desc.export);
    let info = match desc.export.is_empty() {
        true => info,
        false => {
            crate::memory::export::check_image(ctx, name, &info, desc.export)?;
            info.push_next(&mut external)
        }
    };
    let bound = block.map(|block| padded_size_bound(block, e, desc.mip_levels, desc.array_layers, samples));
    check_allocation_size(ctx, name, &info, estimate, bound)?;
    let request = MemoryRequest {
        name,
        mapping: MappingType::None,
        location: desc.location,
        dedicated: desc.dedicated,
        pool: desc.pool.as_ref(),
        export: desc.export,
    };
    // SAFETY: format, usage, flags, extent, mips, layers and samples were checked above
    // against vkGetPhysicalDeviceImageFormatProperties.
    let (handle, allocation) = unsafe {
        match memory.as_vma() {
            Some(vma) => {
                let name_ref = static_name.map_or(NameRef::Borrowed(name), NameRef::Static);
                vma.create_image_inline(&info, &request, name_ref).map(|(h, m)| (h, ResourceMemory::Vma(m)))
            }
            None => memory.create_image(&info, &request).map(|(h, m)| (h, ResourceMemory::Boxed(m, ctx.clone()))),
        }
    }?;
    // SAFETY: `handle` is a live image of this device.
    unsafe { ctx.set_debug_name(handle, name) };
    Ok(Image {
        shared: Shared::new(ImageShared::new(handle, allocation, desc, vk::ImageLayout::UNDEFINED, true, true)),
    })
}

/// Texels (blocks, for a compressed format) each dimension of a level is rounded up to in
/// [`padded_size_bound`]: the largest tiles known, 64 KiB ones (AMD's and Intel's 64 KiB
/// swizzles: 256x256 of 1-byte texels in 2D, fewer of larger ones, 64x32x32 in 3D), cover
/// NVIDIA's block-linear blocks (64 bytes x up to 128 rows x up to 32 slices) and Intel's
/// Tile-Y (128 bytes x 32 rows) too.
const TILE_TEXELS: u64 = 256;
/// Bytes each level of each layer (and so a mip tail) is counted to start on in
/// [`padded_size_bound`]: a 64 KiB tile.
const SUBRESOURCE_ALIGN: u64 = 64 << 10;

/// An upper bound on the memory an optimal-tiling image needs, for [`allocation_fit`]: every
/// level of every layer counted as large as level 0 padded to whole tiles of [`TILE_TEXELS`]
/// in each dimension it has (depth only for a 3D image deeper than 1), plus
/// [`SUBRESOURCE_ALIGN`], times `samples`. A level is never larger than level 0 once padded
/// (each dimension halves or stays 1), so the bound holds with no loop over the levels (a
/// full mip chain of a square image is counted about `levels * 3 / 4` times too large: such
/// images near half the limit are asked of the driver). Metadata (compression tags, FMASK,
/// HTILE, DCC) is not in it: [`allocation_fit`] leaves it the other half of the limit.
fn padded_size_bound(
    block: crate::format::TexelBlock,
    extent: vk::Extent3D,
    levels: u32,
    layers: u32,
    samples: u64,
) -> u64 {
    let pad = |texels: u32, per_block: u32| {
        let blocks = u64::from(texels.max(1).div_ceil(per_block.max(1)));
        blocks.div_ceil(TILE_TEXELS).saturating_mul(TILE_TEXELS)
    };
    let depth = if extent.depth > 1 { pad(extent.depth, 1) } else { 1 };
    let level = pad(extent.width, block.width)
        .saturating_mul(pad(extent.height, block.height))
        .saturating_mul(depth)
        .saturating_mul(u64::from(block.bytes))
        .saturating_add(SUBRESOURCE_ALIGN);
    level.saturating_mul(u64::from(levels)).saturating_mul(u64::from(layers)).saturating_mul(samples)
}

/// What [`check_allocation_size`] makes of an image's estimated bytes and their padded bound
/// (`None`: not known for its format) against `maxMemoryAllocationSize` (`limit`).
#[derive(Debug, PartialEq, Eq)]
enum AllocationFit {
    /// Past the limit already: refused without asking the driver.
    Over(u64),
    /// Far below it (the padded bound at most half): no driver query.
    Fits,
    /// Near it, or not estimated: the driver's memory requirements decide.
    Ask,
}

/// [`AllocationFit`] of `estimate` (the tight bytes of every level, layer and sample: a lower
/// bound) and `bound` ([`padded_size_bound`]: an upper one, but for metadata) against `limit`.
fn allocation_fit(estimate: Option<u64>, bound: Option<u64>, limit: u64) -> AllocationFit {
    match (estimate, bound) {
        (Some(bytes), _) if bytes > limit => AllocationFit::Over(bytes),
        (Some(_), Some(bound)) if bound <= limit / 2 => AllocationFit::Fits,
        _ => AllocationFit::Ask,
    }
}

/// One allocation backs an image (VMA binds it to one `VkDeviceMemory`): past the device's
/// `maxMemoryAllocationSize` none can (session 9, helper "mend10"; the buffer's check since
/// session 8, found on the H100 where `maxResourceSize` is far larger). `estimate` and `bound`:
/// see [`allocation_fit`]; near the limit the driver's requirements for `info` decide
/// (`vkGetDeviceImageMemoryRequirements`, Vulkan 1.3), so ordinary images cost no query.
/// Samples and tiling padding are in the bound since helper "mend11" (review10 #1: a
/// 4-sample image of a 1 GiB estimate passed unasked).
fn check_allocation_size(
    ctx: &Context,
    name: &str,
    info: &vk::ImageCreateInfo<'_>,
    estimate: Option<u64>,
    bound: Option<u64>,
) -> Result<()> {
    let limit = ctx.capabilities().max_memory_allocation_size;
    // A disjoint image has one allocation per plane (each queried with its plane's aspect):
    // VMA does not create it; not asked here.
    if info.flags.contains(vk::ImageCreateFlags::DISJOINT) {
        return Ok(());
    }
    let requested = match allocation_fit(estimate, bound, limit) {
        AllocationFit::Fits => return Ok(()),
        AllocationFit::Over(bytes) => bytes,
        AllocationFit::Ask => {
            let query = vk::DeviceImageMemoryRequirements::default().create_info(info);
            let mut requirements = vk::MemoryRequirements2::default();
            // SAFETY: `info` was checked against the format's properties above; a query only.
            unsafe { ctx.device().get_device_image_memory_requirements(&query, &mut requirements) };
            requirements.memory_requirements.size
        }
    };
    if requested <= limit {
        return Ok(());
    }
    Err(Error::LimitExceeded {
        name: name.into(),
        what: "image memory (maxMemoryAllocationSize: one allocation backs an image)",
        requested,
        limit,
    })
}

/// Which part of an image a view shows; `None` fields follow the image.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageViewDesc {
    /// View type; by default 1D, 2D, 3D, their arrays, or a cube for a cube-compatible image of 6 layers.
    pub view_type: Option<vk::ImageViewType>,
    /// Format; by default the image's.
    pub format: Option<vk::Format>,
    /// Aspects; by default those of the format (depth for a depth-stencil format).
    pub aspect: Option<vk::ImageAspectFlags>,
    /// First mip level.
    pub base_mip_level: u32,
    /// Mip levels; by default the rest.
    pub mip_levels: Option<u32>,
    /// First layer.
    pub base_array_layer: u32,
    /// Layers; by default the rest.
    pub array_layers: Option<u32>,
    /// Debug name; by default `<image name>/view`.
    pub name: Option<String>,
}

/// The owner of one `VkImageView`.
struct ImageViewShared {
    handle: vk::ImageView,
    range: vk::ImageSubresourceRange,
    view_type: vk::ImageViewType,
    /// The view's format (the image's unless the view asked for another).
    format: vk::Format,
    /// Kept alive by the view; released after the view is destroyed.
    image: Image,
}

impl Drop for ImageViewShared {
    fn drop(&mut self) {
        // SAFETY: no handle or batch refers to the view any more; the image outlives this call.
        unsafe { self.image.context().device().destroy_image_view(self.handle, None) };
    }
}

/// A `VkImageView`; keeps its [`Image`] alive. A shared handle.
///
/// `Send + Sync`: a shared handle (an `Arc` of the owner of Vulkan objects that do not change after
/// creation); clones may be used and dropped on any thread.
#[derive(Clone)]
pub struct ImageView {
    /// The view's slot (see [`spare`](super::spare)).
    shared: Shared<ImageViewShared>,
}

impl std::fmt::Debug for ImageView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageView")
            .field("handle", &self.shared.handle)
            .field("view_type", &self.shared.view_type)
            .field("range", &self.shared.range)
            .field("image", &self.shared.image.desc().name)
            .finish()
    }
}

impl ImageView {
    /// The `VkImageView`.
    pub fn handle(&self) -> vk::ImageView {
        self.shared.handle
    }

    /// Its format.
    pub(crate) fn format(&self) -> vk::Format {
        self.shared.format
    }

    /// Swaps in `image` and `view` for the `VkImage` and this `VkImageView` where this is the
    /// view's only handle and the view its image's only holder (the manager's
    /// defragmentation, which re-creates a moved texture in place): `Ok` with the old image
    /// and view, for the caller to destroy (view first); `Err` with the new ones back
    /// otherwise. The tracked layout stays: the caller leaves the new image in it.
    ///
    /// # Safety
    /// `image` is an image of this device created as this view's image was, bound to the memory
    /// its allocation names once the move is done, with the contents copied there and in the
    /// tracked layout; `view` is a view of `image` made as this one was (type, format, range).
    pub(crate) unsafe fn relocate(
        &mut self,
        image: vk::Image,
        view: vk::ImageView,
    ) -> std::result::Result<(vk::Image, vk::ImageView), (vk::Image, vk::ImageView)> {
        let Some(shared) = self.shared.get_mut() else { return Err((image, view)) };
        let Some(img) = shared.image.shared.get_mut().filter(|i| i.owned) else {
            return Err((image, view));
        };
        // Written by the move's copy on the main queue (as a moved buffer): a later
        // transfer-queue upload is not its first use.
        img.fresh.set_used();
        let old_image = std::mem::replace(&mut img.handle, image);
        Ok((old_image, std::mem::replace(&mut shared.handle, view)))
    }

    /// How many handles share this view (textures hold one each).
    pub(crate) fn holders(&self) -> usize {
        Arc::strong_count(self.shared.arc())
    }

    /// The image it views.
    pub fn image(&self) -> &Image {
        &self.shared.image
    }

    /// A type-erased handle that keeps the view (and its image) alive (recorders hold these).
    pub(crate) fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        Arc::<Option<ImageViewShared>>::clone(self.shared.arc())
    }

    /// The subresources it covers.
    pub fn subresource_range(&self) -> vk::ImageSubresourceRange {
        self.shared.range
    }

    /// Its view type.
    pub fn view_type(&self) -> vk::ImageViewType {
        self.shared.view_type
    }

    /// Drops this handle's reference to the view (and the view's to its image), leaving a
    /// placeholder with null handles: the ordered drop of derived bundles releases fields
    /// through this before the struct's fields drop. Destroying null handles is a no-op.
    pub(crate) fn release(&mut self) {
        if self.shared.handle == vk::ImageView::null() {
            return;
        }
        // The only handle (the usual case): the view destroyed and its image released in place,
        // no placeholder allocated (issue 20 item 3: a derived bundle's drop allocated one per
        // field).
        if let Some(state) = self.shared.get_mut() {
            let handle = std::mem::replace(&mut state.handle, vk::ImageView::null());
            // SAFETY: no other handle or batch holds the view (`get_mut`: batches hold clones
            // until their work finished); the image outlives the call.
            unsafe { state.image.context().device().destroy_image_view(handle, None) };
            state.range = vk::ImageSubresourceRange::default();
            state.format = vk::Format::UNDEFINED;
            state.image.release();
            return;
        }
        let image = Image::placeholder(self.shared.image.context());
        let placeholder = ImageViewShared {
            handle: vk::ImageView::null(),
            range: vk::ImageSubresourceRange::default(),
            view_type: self.shared.view_type,
            format: vk::Format::UNDEFINED,
            image,
        };
        // The placeholder's slot filled first, then this handle's reference retired.
        self.shared = Shared::new(placeholder);
    }
}

fn default_view_type(d: &ImageDesc, layers: u32) -> vk::ImageViewType {
    match d.ty {
        vk::ImageType::TYPE_1D if layers > 1 => vk::ImageViewType::TYPE_1D_ARRAY,
        vk::ImageType::TYPE_1D => vk::ImageViewType::TYPE_1D,
        vk::ImageType::TYPE_3D => vk::ImageViewType::TYPE_3D,
        _ if d.flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE) && layers == 6 => vk::ImageViewType::CUBE,
        _ if d.flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE) && layers % 6 == 0 => {
            vk::ImageViewType::CUBE_ARRAY
        }
        _ if layers > 1 => vk::ImageViewType::TYPE_2D_ARRAY,
        _ => vk::ImageViewType::TYPE_2D,
    }
}

/// Creates a view of `image`, checking the range against it.
pub(crate) fn create_view(image: &Image, desc: &ImageViewDesc) -> Result<ImageView> {
    let d = image.desc();
    // Built only where it is used: in an error, or to name the view when debug utils are on.
    let name = || desc.name.clone().unwrap_or_else(|| format!("{}/view", d.name));
    let mips = desc.mip_levels.unwrap_or(d.mip_levels.saturating_sub(desc.base_mip_level));
    let layers = desc.array_layers.unwrap_or(d.array_layers.saturating_sub(desc.base_array_layer));
    let view_type = desc.view_type.unwrap_or_else(|| default_view_type(d, layers));
    let format = desc.format.unwrap_or(d.format);
    let aspect = desc.aspect.unwrap_or_else(|| {
        let a = format_aspects(format);
        // A view for sampling a depth-stencil image shows depth.
        if a.contains(vk::ImageAspectFlags::DEPTH) { vk::ImageAspectFlags::DEPTH } else { a }
    });
    let range = vk::ImageSubresourceRange {
        aspect_mask: aspect,
        base_mip_level: desc.base_mip_level,
        level_count: mips,
        base_array_layer: desc.base_array_layer,
        layer_count: layers,
    };
    let info = vk::ImageViewCreateInfo::default()
        .image(image.handle())
        .view_type(view_type)
        .format(format)
        .subresource_range(range);
    let ctx = image.context();
    let features = ctx.format_properties(format).optimal_tiling_features;
    // vkres enables no imageCubeArray: cube-array views are refused.
    crate::valid::view::check(&name, &d.create_info(), &info, features, false)?;
    let name = if ctx.names_objects() { name() } else { String::new() };
    // SAFETY: the image is live; `valid::view` checked the range, type, format and aspects; the
    // view's owner destroys it and holds the image until then.
    let handle = unsafe { ctx.create_image_view(&info, &name) }?;
    Ok(ImageView { shared: Shared::new(ImageViewShared { handle, range, view_type, format, image: image.clone() }) })
}

/// A recording's entry for an image in its layout table (`Tables::layouts`): it writes the
/// image or changes its layout, and the recording is not handed off yet. Counted on the image
/// while it lives ([`Image::pending_layout_holds`]), so that a download recorded by another
/// recording meanwhile is refused: the two could be submitted in either order (issue 16,
/// helper "sound3"). Where the recording leaves the image in another layout than the one it
/// found (`start`), it is also counted as changing it ([`Image::pending_layout_changes`]):
/// another recording's barrier would then name the image's tracked layout as its old layout,
/// which the image is no longer in once this work ran (VUID-VkImageMemoryBarrier2-oldLayout-01197).
///
/// At hand-off the image's tracked layout becomes the one the recording leaves it in and the
/// hold is dropped (`Recorder::hand_off_layouts`): later recordings start from that layout,
/// submitted after it (the recording-order assumption, as for transient memory), so work in
/// flight blocks nothing. A recording whose first command found the image in a layout that
/// another recording handed off since has changed is refused at its own hand-off
/// ([`check_start`](Self::check_start)).
///
/// A recording that only reads the image (a download, whose barriers go back to the layout it
/// found) holds it as a reader ([`read`](Self::read)): not counted in `pending_layouts` (two
/// downloads in two recordings do not refuse each other), but checked at hand-off all the same
/// (session 9, helper "mend10": its barrier names the layout it found as its old layout).
pub(crate) struct LayoutHold {
    image: Image,
    /// The layout the recording found the image in (its first command's old layout; for a
    /// first command that discarded the contents, the image's tracked layout then).
    start: vk::ImageLayout,
    /// Whether the first command discarded the contents (its barrier's old layout
    /// `UNDEFINED`): any layout the image is in when it runs is fine
    /// ([`check_start`](Self::check_start)).
    discarded: bool,
    /// Whether it is counted in the image's `pending_changes` (its tracked layout is not
    /// `start`, or was not before a [`rebase`](Self::rebase)).
    changing: bool,
    /// Counted before a [`rebase`](Self::rebase): stays counted until the hold is dropped.
    sticky: bool,
    /// Only read so far ([`read`](Self::read)): not counted in `pending_layouts`; the first
    /// command that writes the image or changes its layout ([`track`](Self::track)) counts it.
    reader: bool,
}

impl LayoutHold {
    /// Counts one more pending recording of `image`, whose first command's barrier named `old`
    /// as the image's old layout (`UNDEFINED`: it discarded the contents, found in the image's
    /// tracked layout) and which leaves it in `layout` so far.
    pub(crate) fn new(image: &Image, old: vk::ImageLayout, layout: vk::ImageLayout) -> Self {
        image.shared.pending_layouts.fetch_add(1, Ordering::AcqRel);
        let discarded = old == vk::ImageLayout::UNDEFINED;
        let start = if discarded { image.layout() } else { old };
        let mut hold = Self { image: image.clone(), start, discarded, changing: false, sticky: false, reader: false };
        hold.track(layout);
        hold
    }

    /// A hold of a recording whose first command on `image` reads it in `layout` and leaves it
    /// there (a download): checked at hand-off ([`check_start`](Self::check_start)), not counted
    /// as a writer.
    pub(crate) fn read(image: &Image, layout: vk::ImageLayout) -> Self {
        Self { image: image.clone(), start: layout, discarded: false, changing: false, sticky: false, reader: true }
    }

    /// The recording now leaves the image in `layout`, by a command that writes it or changes
    /// its layout (a reader's hold is counted from here on).
    pub(crate) fn track(&mut self, layout: vk::ImageLayout) {
        if self.reader {
            self.image.shared.pending_layouts.fetch_add(1, Ordering::AcqRel);
            self.reader = false;
        }
        let changing = layout != self.start || self.sticky;
        if changing != self.changing {
            let counter = &self.image.shared.pending_changes;
            if changing {
                counter.fetch_add(1, Ordering::AcqRel);
            } else {
                counter.fetch_sub(1, Ordering::AcqRel);
            }
            self.changing = changing;
        }
    }

    /// A round of the recording was submitted and the image's tracked layout set to `layout`,
    /// the one that round leaves it in: the rest of the recording starts from there (its next
    /// round's check is against `layout`). A hold counted as changing stays counted until the
    /// recording is handed off: another recording is still refused when it records a change of
    /// this image, not later when this batch's next round would find the layout moved (its
    /// earlier rounds already ran).
    pub(crate) fn rebase(&mut self, layout: vk::ImageLayout) {
        self.start = layout;
        self.discarded = false;
        self.sticky = self.changing;
    }

    /// Whether the image is still in the layout this recording's first command found it in
    /// (or that command discarded the contents, old layout `UNDEFINED`): else another recording
    /// handed off after this one started changed it, and this one's first barrier names a
    /// layout the image is no longer in when it runs (VUID-VkImageMemoryBarrier2-oldLayout-01197):
    /// [`Error::InUseByRecordedWork`].
    pub(crate) fn check_start(&self) -> Result<()> {
        let now = self.image.layout();
        if self.discarded || self.start == now {
            return Ok(());
        }
        Err(Error::InUseByRecordedWork {
            name: format!(
                "{} (another recording handed off before this one changed its layout from {:?} to {now:?})",
                self.image.desc().name,
                self.start
            ),
            holds: 1,
        })
    }

    /// Whether the recording only read the image so far ([`read`](Self::read)).
    pub(crate) fn is_reader(&self) -> bool {
        self.reader
    }

    /// The image held.
    pub(crate) fn image(&self) -> &Image {
        &self.image
    }
}

impl std::borrow::Borrow<Image> for LayoutHold {
    fn borrow(&self) -> &Image {
        &self.image
    }
}

impl Drop for LayoutHold {
    fn drop(&mut self) {
        // After the work's layout was applied (`recorder::finish` sets it before dropping, at
        // hand-off).
        if self.changing {
            self.image.shared.pending_changes.fetch_sub(1, Ordering::AcqRel);
        }
        if !self.reader {
            self.image.shared.pending_layouts.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AllocationFit, allocation_fit, padded_size_bound};
    use crate::format::texel_block;
    use ash::vk;

    const RGBA8: vk::Format = vk::Format::R8G8B8A8_UNORM;
    const RGBA32F: vk::Format = vk::Format::R32G32B32A32_SFLOAT;

    fn bound(format: vk::Format, (w, h, d): (u32, u32, u32), levels: u32, layers: u32, samples: u64) -> Option<u64> {
        let extent = vk::Extent3D { width: w, height: h, depth: d };
        texel_block(format).map(|block| padded_size_bound(block, extent, levels, layers, samples))
    }

    #[test]
    fn an_image_past_max_memory_allocation_size_is_refused_before_any_query() {
        // The H100's maxMemoryAllocationSize (4 GiB - 2 MiB) and the review's input: a
        // 16384x16384 R32G32B32A32_SFLOAT image, 4 GiB, within its maxResourceSize.
        let limit = (4 << 30) - (2 << 20);
        let bytes = 16384 * 16384 * 16;
        let huge = bound(RGBA32F, (16384, 16384, 1), 1, 1, 1);
        assert_eq!(allocation_fit(Some(bytes), huge, limit), AllocationFit::Over(bytes));
        // Near the limit, or not estimated: the driver's requirements decide (padding).
        assert_eq!(allocation_fit(Some(limit), Some(limit), limit), AllocationFit::Ask);
        assert_eq!(allocation_fit(Some(limit / 4), Some(limit / 2 + 1), limit), AllocationFit::Ask);
        assert_eq!(allocation_fit(None, None, limit), AllocationFit::Ask);
        // Ordinary images: no query.
        assert_eq!(allocation_fit(Some(limit / 4), Some(limit / 2), limit), AllocationFit::Fits);
        assert_eq!(allocation_fit(Some(64), Some(64 << 10), u64::MAX), AllocationFit::Fits);
    }

    #[test]
    fn samples_and_thin_dimensions_are_asked_of_the_driver() {
        let limit = (4 << 30) - (2 << 20);
        // review10 #1: 8 samples of 16384x16384 RGBA8 (1 GiB a sample).
        let tight = 16384 * 16384 * 4 * 8;
        let msaa = bound(RGBA8, (16384, 16384, 1), 1, 1, 8);
        assert_eq!(allocation_fit(Some(tight), msaa, limit), AllocationFit::Over(tight));
        // 2 samples of 8192x8192 RGBA8 (256 MiB a sample): whole tiles already, so the bound
        // is 512 MiB and two 64 KiB alignments, under half the limit: no query.
        let two = bound(RGBA8, (8192, 8192, 1), 1, 1, 2);
        assert_eq!(two, Some(((8192 * 8192 * 4) + (64 << 10)) * 2));
        assert_eq!(allocation_fit(Some(8192 * 8192 * 4 * 2), two, limit), AllocationFit::Fits);
        // A 16384x1x16384 3D image (1 GiB tight) whose rows a tiled layout pads: the bound
        // pads the one row to a tile (256 GiB), so the driver is asked.
        let thin = bound(RGBA8, (16384, 1, 16384), 1, 1, 1);
        assert!(thin.is_some_and(|b| b >= 256 * (16384 * 16384 * 4)));
        assert_eq!(allocation_fit(Some(16384 * 16384 * 4), thin, limit), AllocationFit::Ask);
        // Ordinary textures stay unasked: 4096x4096 RGBA8 with its 13 levels (each counted as
        // level 0: 13 x 64 MiB), 256 layers of 1024x1024.
        let mips = bound(RGBA8, (4096, 4096, 1), 13, 1, 1);
        assert_eq!(mips, Some(13 * ((64 << 20) + (64 << 10))));
        assert_eq!(allocation_fit(Some(1), mips, limit), AllocationFit::Fits);
        let layers = bound(RGBA8, (1024, 1024, 1), 1, 256, 1);
        assert_eq!(allocation_fit(Some(1), layers, limit), AllocationFit::Fits);
    }

    #[test]
    fn the_padded_bound_saturates() {
        assert_eq!(bound(RGBA32F, (u32::MAX, u32::MAX, u32::MAX), 32, u32::MAX, 64), Some(u64::MAX));
    }
}
