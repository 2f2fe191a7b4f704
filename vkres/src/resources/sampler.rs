//! [`Sampler`]s, deduplicated by a [`SamplerPool`]: identical descriptions share one `VkSampler`.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use ash::vk;

use crate::Context;
use crate::error::Result;
use crate::handle_map::HandleMap;

/// A sampler description: hashable, floats compared by their bits, so it keys the pool.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy)]
pub struct SamplerDesc {
    /// Magnification filter.
    pub mag_filter: vk::Filter,
    /// Minification filter.
    pub min_filter: vk::Filter,
    /// Filter between mip levels.
    pub mipmap_mode: vk::SamplerMipmapMode,
    /// Addressing in u, v and w.
    pub address_mode: [vk::SamplerAddressMode; 3],
    /// Bias added to the computed level of detail.
    pub mip_lod_bias: f32,
    /// Anisotropic filtering with this maximum, clamped to the device's limit; needs
    /// `samplerAnisotropy`.
    pub max_anisotropy: Option<f32>,
    /// Depth comparison (shadow samplers).
    pub compare_op: Option<vk::CompareOp>,
    /// Lowest level of detail.
    pub min_lod: f32,
    /// Highest level of detail (`vk::LOD_CLAMP_NONE` for all levels).
    pub max_lod: f32,
    /// Border color for `CLAMP_TO_BORDER`.
    pub border_color: vk::BorderColor,
    /// Texel instead of normalized coordinates.
    pub unnormalized_coordinates: bool,
}

impl Default for SamplerDesc {
    /// Linear filtering, linear mips, repeat, all mip levels.
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl SamplerDesc {
    /// [`Default::default`] as a constant (the derive builds its sampler descriptions from it
    /// at compile time).
    pub(crate) const DEFAULT: Self = Self {
        mag_filter: vk::Filter::LINEAR,
        min_filter: vk::Filter::LINEAR,
        mipmap_mode: vk::SamplerMipmapMode::LINEAR,
        address_mode: [vk::SamplerAddressMode::REPEAT; 3],
        mip_lod_bias: 0.0,
        max_anisotropy: None,
        compare_op: None,
        min_lod: 0.0,
        max_lod: vk::LOD_CLAMP_NONE,
        border_color: vk::BorderColor::FLOAT_TRANSPARENT_BLACK,
        unnormalized_coordinates: false,
    };
}

impl SamplerDesc {
    /// Linear filtering and mips, repeat addressing.
    pub fn linear() -> Self {
        Self::default()
    }

    /// Nearest filtering and mips, clamp-to-edge addressing.
    pub fn nearest() -> Self {
        Self {
            mag_filter: vk::Filter::NEAREST,
            min_filter: vk::Filter::NEAREST,
            mipmap_mode: vk::SamplerMipmapMode::NEAREST,
            address_mode: [vk::SamplerAddressMode::CLAMP_TO_EDGE; 3],
            ..Self::default()
        }
    }

    /// Sets one addressing mode for u, v and w.
    pub fn address(mut self, mode: vk::SamplerAddressMode) -> Self {
        self.address_mode = [mode; 3];
        self
    }

    /// Sets magnification and minification filters.
    pub fn filter(mut self, filter: vk::Filter) -> Self {
        self.mag_filter = filter;
        self.min_filter = filter;
        self
    }

    /// Enables anisotropic filtering up to `max`.
    pub fn anisotropy(mut self, max: f32) -> Self {
        self.max_anisotropy = Some(max);
        self
    }

    /// Every field as comparable bits.
    fn key(&self) -> impl Eq + Hash + use<> {
        (
            (self.mag_filter, self.min_filter, self.mipmap_mode, self.address_mode),
            (self.mip_lod_bias.to_bits(), self.max_anisotropy.map(f32::to_bits), self.compare_op),
            (self.min_lod.to_bits(), self.max_lod.to_bits(), self.border_color, self.unnormalized_coordinates),
        )
    }
}

impl PartialEq for SamplerDesc {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for SamplerDesc {}

impl Hash for SamplerDesc {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

/// The pool's state, shared with every sampler it made.
struct PoolShared {
    ctx: Arc<Context>,
    /// Hashed with the handle hasher: a description is a few small numbers.
    samplers: Mutex<HandleMap<SamplerDesc, Weak<SamplerShared>>>,
    created: AtomicU64,
}

impl PoolShared {
    fn map(&self) -> MutexGuard<'_, HandleMap<SamplerDesc, Weak<SamplerShared>>> {
        self.samplers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The owner of one `VkSampler`.
struct SamplerShared {
    handle: vk::Sampler,
    desc: SamplerDesc,
    pool: Arc<PoolShared>,
}

impl Drop for SamplerShared {
    fn drop(&mut self) {
        let mut map = self.pool.map();
        // Another thread may already have replaced this entry with a new sampler for the same
        // description (after this one's count reached zero): remove the entry only if it is ours.
        if map.get(&self.desc).is_some_and(|w| std::ptr::eq(w.as_ptr(), self)) {
            map.remove(&self.desc);
        }
        drop(map);
        if self.handle == vk::Sampler::null() {
            return; // a placeholder (`release`): no sampler, none counted
        }
        // SAFETY: the last handle is gone, and batches hold handles until their work finished.
        unsafe { self.pool.ctx.device().destroy_sampler(self.handle, None) };
        self.pool.ctx.pooled_samplers.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A `VkSampler` from a [`SamplerPool`]. Clones share it; the last one destroys it.
///
/// `Send + Sync`: a shared handle (an `Arc` of the owner of Vulkan objects that do not change after
/// creation); clones may be used and dropped on any thread.
#[derive(Clone)]
pub struct Sampler {
    shared: Arc<SamplerShared>,
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sampler").field("handle", &self.shared.handle).field("desc", &self.shared.desc).finish()
    }
}

impl Sampler {
    /// The `VkSampler`.
    pub fn handle(&self) -> vk::Sampler {
        self.shared.handle
    }

    /// Its description.
    pub fn desc(&self) -> &SamplerDesc {
        &self.shared.desc
    }

    /// The `VkDevice` it was made on (for the device checks of descriptor writes).
    pub(crate) fn device_handle(&self) -> vk::Device {
        self.shared.pool.ctx.device().handle()
    }

    /// A type-erased handle that keeps the `VkSampler` alive (for work that uses it).
    pub(crate) fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        self.shared.clone()
    }

    /// Drops this handle's reference to the sampler, leaving a placeholder with a null handle
    /// that is in no pool (for the ordered drop of derived bundles).
    pub(crate) fn release(&mut self) {
        if self.shared.handle == vk::Sampler::null() {
            return;
        }
        let pool = self.shared.pool.clone();
        self.shared = Arc::new(SamplerShared { handle: vk::Sampler::null(), desc: SamplerDesc::default(), pool });
    }
}

/// Hands out [`Sampler`]s so that identical descriptions share one `VkSampler`, which lives
/// while any user holds it. Thread-safe; cloning shares the pool.
///
/// `Send + Sync`: the pool's map is behind a lock; clones share it.
#[derive(Clone)]
pub struct SamplerPool {
    shared: Arc<PoolShared>,
}

impl std::fmt::Debug for SamplerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamplerPool").field("live", &self.live()).field("created", &self.created()).finish()
    }
}

impl SamplerPool {
    /// An empty pool for `ctx`'s device.
    pub fn new(ctx: &Arc<Context>) -> Self {
        Self {
            shared: Arc::new(PoolShared { ctx: ctx.clone(), samplers: Mutex::default(), created: AtomicU64::new(0) }),
        }
    }

    /// The sampler for `desc`: the live one if there is one, else a new one.
    pub fn get(&self, desc: &SamplerDesc) -> Result<Sampler> {
        let mut map = self.shared.map();
        // One hash of the description, for the look-up and the insert.
        let entry = map.entry(*desc).or_default();
        if let Some(shared) = entry.upgrade() {
            return Ok(Sampler { shared });
        }
        match self.create(desc) {
            Ok(handle) => {
                let shared = Arc::new(SamplerShared { handle, desc: *desc, pool: self.shared.clone() });
                *entry = Arc::downgrade(&shared);
                Ok(Sampler { shared })
            }
            Err(e) => {
                // No entry is left for a sampler that was not made.
                map.remove(desc);
                Err(e)
            }
        }
    }

    /// `VkSampler`s alive now.
    pub fn live(&self) -> usize {
        self.shared.map().values().filter(|w| w.strong_count() > 0).count()
    }

    /// `VkSampler`s created so far.
    pub fn created(&self) -> u64 {
        self.shared.created.load(Ordering::Relaxed)
    }

    fn create(&self, d: &SamplerDesc) -> Result<vk::Sampler> {
        let ctx = &self.shared.ctx;
        let caps = ctx.capabilities();
        let mut info = vk::SamplerCreateInfo::default()
            .mag_filter(d.mag_filter)
            .min_filter(d.min_filter)
            .mipmap_mode(d.mipmap_mode)
            .address_mode_u(d.address_mode[0])
            .address_mode_v(d.address_mode[1])
            .address_mode_w(d.address_mode[2])
            .mip_lod_bias(d.mip_lod_bias)
            .anisotropy_enable(d.max_anisotropy.is_some())
            .max_anisotropy(d.max_anisotropy.unwrap_or(1.0))
            .compare_enable(d.compare_op.is_some())
            .compare_op(d.compare_op.unwrap_or(vk::CompareOp::NEVER))
            .min_lod(d.min_lod)
            .max_lod(d.max_lod)
            .border_color(d.border_color)
            .unnormalized_coordinates(d.unnormalized_coordinates);
        crate::valid::sampler::check(&info, caps)?;
        // VUID-vkCreateSampler-maxSamplerAllocationCount-04110: fewer live samplers on the
        // device than the limit when one is created. The pools of one context share its
        // count (samplers the caller makes through `Context::create_sampler` are the caller's).
        let limit = u64::from(caps.limits.max_sampler_allocation_count);
        let live = &ctx.pooled_samplers;
        if let Err(live) = live.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < limit).then_some(n + 1)) {
            return Err(crate::Error::LimitExceeded {
                name: format!("sampler ({live} live on the device)"),
                what: "samplers alive at once (maxSamplerAllocationCount)",
                requested: live + 1,
                limit,
            });
        }
        // Finite values past the device's limits are clamped to them (see `SamplerDesc`).
        let bias_limit = caps.limits.max_sampler_lod_bias;
        info.mip_lod_bias = info.mip_lod_bias.clamp(-bias_limit, bias_limit);
        info.max_anisotropy = info.max_anisotropy.min(caps.limits.max_sampler_anisotropy);
        // Built only where debug utils name it.
        let name = match ctx.names_objects() {
            true => format!("sampler({:?}/{:?}, {:?})", d.mag_filter, d.mipmap_mode, d.address_mode[0]),
            false => String::new(),
        };
        // SAFETY: `valid::sampler` checked the description; values are clamped to the limits;
        // the pool destroys its samplers when its last user drops.
        let handle = unsafe { ctx.create_sampler(&info, &name) }.inspect_err(|_| {
            live.fetch_sub(1, Ordering::Relaxed);
        })?;
        self.shared.created.fetch_add(1, Ordering::Relaxed);
        Ok(handle)
    }
}
