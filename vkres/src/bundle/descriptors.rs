//! Descriptor bindings of a bundle: the `VkDescriptorSetLayoutBinding`s its `binding = N`
//! fields declare ([`DescriptorBinding`]) and the writes that point a descriptor set at its
//! resources ([`DescriptorWrites`]).

use ash::vk;

use crate::accel::Tlas;
use crate::error::Result;
use crate::resources::{Buffer, ImageView, Sampler, Texture};
use crate::valid::{self, Violation};

/// What a bound field is to a shader; the derive picks it from the field's kind and usage.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DescriptorKind {
    /// A buffer with `UNIFORM_BUFFER` usage.
    UniformBuffer,
    /// A buffer with `STORAGE_BUFFER` usage.
    StorageBuffer,
    /// A texture with a sampler.
    CombinedImageSampler,
    /// A texture without a sampler, sampled.
    SampledImage,
    /// A texture without a sampler, with `STORAGE` usage.
    StorageImage,
    /// A sampler field.
    Sampler,
    /// A top-level acceleration structure.
    AccelerationStructure,
}

impl DescriptorKind {
    /// The Vulkan descriptor type.
    pub fn descriptor_type(self) -> vk::DescriptorType {
        match self {
            Self::UniformBuffer => vk::DescriptorType::UNIFORM_BUFFER,
            Self::StorageBuffer => vk::DescriptorType::STORAGE_BUFFER,
            Self::CombinedImageSampler => vk::DescriptorType::COMBINED_IMAGE_SAMPLER,
            Self::SampledImage => vk::DescriptorType::SAMPLED_IMAGE,
            Self::StorageImage => vk::DescriptorType::STORAGE_IMAGE,
            Self::Sampler => vk::DescriptorType::SAMPLER,
            Self::AccelerationStructure => vk::DescriptorType::ACCELERATION_STRUCTURE_KHR,
        }
    }
}

/// One binding of a bundle's descriptor set layout.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DescriptorBinding {
    /// The binding number (`binding = N`).
    pub binding: u32,
    /// The descriptor type.
    pub kind: DescriptorKind,
    /// The stages that see it (`stages = ...`).
    pub stages: vk::ShaderStageFlags,
    /// The field it binds.
    pub field: &'static str,
    /// Descriptors in the binding: 1, or the length of a bound collection (a binding array).
    pub count: u32,
    /// Binding flags: empty, or for a binding array `PARTIALLY_BOUND` (and `UPDATE_AFTER_BIND`
    /// for storage buffers), for a `VkDescriptorSetLayoutBindingFlagsCreateInfo`.
    pub flags: vk::DescriptorBindingFlags,
}

impl DescriptorBinding {
    /// One descriptor of `kind` at `binding`, seen by `stages`, binding `field`.
    pub const fn single(binding: u32, kind: DescriptorKind, stages: vk::ShaderStageFlags, field: &'static str) -> Self {
        Self { binding, kind, stages, field, count: 1, flags: vk::DescriptorBindingFlags::empty() }
    }

    /// A binding array of `count` descriptors (a bound collection): partially bound, and
    /// updatable after bind where the kind allows it (storage buffers).
    pub fn array(
        binding: u32,
        kind: DescriptorKind,
        stages: vk::ShaderStageFlags,
        field: &'static str,
        count: u32,
    ) -> Self {
        let mut flags = vk::DescriptorBindingFlags::PARTIALLY_BOUND;
        if matches!(
            kind,
            DescriptorKind::StorageBuffer | DescriptorKind::SampledImage | DescriptorKind::CombinedImageSampler
        ) {
            flags |= vk::DescriptorBindingFlags::UPDATE_AFTER_BIND;
        }
        Self { binding, kind, stages, field, count, flags }
    }

    /// The layout binding (`count` descriptors), unchecked: the stages and the kind are
    /// handed on as they are. [`checked_layout_binding`](Self::checked_layout_binding) checks
    /// them against a context's device first.
    pub fn layout_binding(&self) -> vk::DescriptorSetLayoutBinding<'static> {
        vk::DescriptorSetLayoutBinding::default()
            .binding(self.binding)
            .descriptor_type(self.kind.descriptor_type())
            .descriptor_count(self.count)
            .stage_flags(self.stages)
    }

    /// [`layout_binding`](Self::layout_binding), checked for `ctx`'s device first (issue 16):
    /// stage bits no Vulkan version or extension defines are [`Error::ValidUsage`](crate::Error::ValidUsage)
    /// (VUID-VkDescriptorSetLayoutBinding-descriptorCount-00283); a stage of an extension
    /// the device did not enable (ray-tracing stages without `VK_KHR_ray_tracing_pipeline`,
    /// task and mesh without `VK_EXT_mesh_shader`, ...) and an acceleration-structure binding
    /// without `VK_KHR_acceleration_structure` (VUID-VkDescriptorSetLayoutBinding-descriptorType-parameter)
    /// are [`Error::MissingFeature`](crate::Error::MissingFeature). `ALL` is always accepted.
    pub fn checked_layout_binding(
        &self,
        ctx: &crate::Context,
    ) -> crate::Result<vk::DescriptorSetLayoutBinding<'static>> {
        crate::valid::known::shader_stages(self.field, self.stages)?;
        let caps = ctx.capabilities();
        crate::valid::extension_bits::shader_stages(caps, self.stages)?;
        if self.kind == DescriptorKind::AccelerationStructure && !caps.enabled.acceleration_structure {
            return Err(crate::Error::MissingFeature {
                feature: "VK_KHR_acceleration_structure",
                operation: "make a descriptor binding of acceleration structures",
            });
        }
        Ok(self.layout_binding())
    }

    /// The flags of the set layout (and of its pool) that `bindings` need:
    /// `UPDATE_AFTER_BIND_POOL` where one of them is updatable after bind.
    pub fn layout_flags(bindings: &[Self]) -> vk::DescriptorSetLayoutCreateFlags {
        if bindings.iter().any(|b| b.flags.contains(vk::DescriptorBindingFlags::UPDATE_AFTER_BIND)) {
            vk::DescriptorSetLayoutCreateFlags::UPDATE_AFTER_BIND_POOL
        } else {
            vk::DescriptorSetLayoutCreateFlags::empty()
        }
    }
}

/// Where one write's descriptor comes from, as an index into the writes' info arrays.
#[derive(Debug, Clone, Copy)]
enum Info {
    Buffer(usize),
    /// `count` buffer infos from the index.
    Buffers(usize, usize),
    /// `count` image infos from the index.
    Images(usize, usize),
    Image(usize),
    Accel(usize),
}

/// The descriptor writes that point one descriptor set at a bundle's resources (from the
/// generated `write_descriptors(set)`): owned data, turned into `VkWriteDescriptorSet`s by
/// [`with_writes`](Self::with_writes) for `vkUpdateDescriptorSets`.
///
/// The writes hold handles only: keep the bundle alive while the set is in use (a recorder
/// that records work reading the set keeps each resource alive with
/// [`keep_alive`](crate::Recorder::keep_alive)). Each resource is checked as it is added
/// (usage, range limits, layout, device: see `docs/VALID_USAGE.md`); the first problem is
/// returned by [`with_writes`](Self::with_writes), which then writes nothing.
///
/// `Send + Sync`: plain Vulkan info structs with handles, no pointers (the `VkWriteDescriptorSet`s
/// that point into them are made inside `with_writes`).
#[derive(Debug, Clone, Default)]
pub struct DescriptorWrites {
    set: vk::DescriptorSet,
    entries: Vec<(u32, DescriptorKind, Info)>,
    buffers: Vec<vk::DescriptorBufferInfo>,
    images: Vec<vk::DescriptorImageInfo>,
    accels: Vec<vk::AccelerationStructureKHR>,
    /// The first write that breaks a rule.
    problem: Option<Violation>,
    /// The `VkDevice` of the first resource written (null before), and the name of the first
    /// resource of another one (VUID-VkWriteDescriptorSet-commonparent: every object a write
    /// names comes from one device).
    device: vk::Device,
    /// The name of that first resource (for [`update`](Self::update)'s `WrongDevice`).
    first: String,
    foreign: Option<String>,
}

impl DescriptorWrites {
    /// No writes yet, into `set`.
    pub fn new(set: vk::DescriptorSet) -> Self {
        Self { set, ..Self::default() }
    }

    /// The whole of `buffer` at `binding`.
    pub fn buffer<T>(&mut self, binding: u32, kind: DescriptorKind, buffer: &Buffer<T>) -> &mut Self {
        self.note_buffer(kind, buffer);
        self.buffers.push(vk::DescriptorBufferInfo { buffer: buffer.handle(), offset: 0, range: vk::WHOLE_SIZE });
        self.entries.push((binding, kind, Info::Buffer(self.buffers.len() - 1)));
        self
    }

    /// The whole of each of `buffers` at `binding`, elements `0..buffers.len()` of a binding
    /// array (nothing for an empty collection: a partially bound array may stay unwritten).
    pub fn buffer_array<T>(&mut self, binding: u32, kind: DescriptorKind, buffers: &[Buffer<T>]) -> &mut Self {
        if buffers.is_empty() {
            return self;
        }
        for buffer in buffers {
            // Each element as a single buffer's (usage, range limit): a binding array's
            // elements obey the same VUIDs.
            self.note_buffer(kind, buffer);
        }
        let start = self.buffers.len();
        self.buffers.extend(buffers.iter().map(|b| vk::DescriptorBufferInfo {
            buffer: b.handle(),
            offset: 0,
            range: vk::WHOLE_SIZE,
        }));
        self.entries.push((binding, kind, Info::Buffers(start, buffers.len())));
        self
    }

    /// Each of `textures` (views and samplers) at `binding`, elements `0..textures.len()` of a
    /// binding array, in `layout` (nothing for an empty collection).
    pub fn texture_array(&mut self, binding: u32, textures: &[Texture], layout: vk::ImageLayout) -> &mut Self {
        for t in textures {
            self.note_device(t.sampler().device_handle(), || &t.view().image().desc().name);
            // Each element as a single texture's (usage, aspect, layout).
            self.note_image(DescriptorKind::CombinedImageSampler, t.view(), layout, true);
        }
        let infos: Vec<_> = textures.iter().map(|t| t.descriptor_info(layout)).collect();
        self.image_infos(binding, DescriptorKind::CombinedImageSampler, infos)
    }

    /// Each of `views` (sampled or storage images) at `binding`, elements `0..views.len()` of a
    /// binding array, in `layout` (nothing for an empty collection).
    pub fn image_array(
        &mut self,
        binding: u32,
        kind: DescriptorKind,
        views: &[ImageView],
        layout: vk::ImageLayout,
    ) -> &mut Self {
        for view in views {
            // Each element as a single view's (usage, aspect, layout).
            self.note_image(kind, view, layout, false);
        }
        let infos: Vec<_> = views
            .iter()
            .map(|v| vk::DescriptorImageInfo {
                sampler: vk::Sampler::null(),
                image_view: v.handle(),
                image_layout: layout,
            })
            .collect();
        self.image_infos(binding, kind, infos)
    }

    fn image_infos(&mut self, binding: u32, kind: DescriptorKind, infos: Vec<vk::DescriptorImageInfo>) -> &mut Self {
        if infos.is_empty() {
            return self;
        }
        let (start, n) = (self.images.len(), infos.len());
        self.images.extend(infos);
        self.entries.push((binding, kind, Info::Images(start, n)));
        self
    }

    /// `texture` (view and sampler) at `binding`, in `layout`.
    pub fn texture(&mut self, binding: u32, texture: &Texture, layout: vk::ImageLayout) -> &mut Self {
        self.note_device(texture.sampler().device_handle(), || &texture.view().image().desc().name);
        self.note_image(DescriptorKind::CombinedImageSampler, texture.view(), layout, true);
        self.images.push(texture.descriptor_info(layout));
        self.entries.push((binding, DescriptorKind::CombinedImageSampler, Info::Image(self.images.len() - 1)));
        self
    }

    /// `view` without a sampler (sampled or storage image) at `binding`, in `layout`.
    pub fn image(
        &mut self,
        binding: u32,
        kind: DescriptorKind,
        view: &ImageView,
        layout: vk::ImageLayout,
    ) -> &mut Self {
        self.note_image(kind, view, layout, false);
        let info =
            vk::DescriptorImageInfo { sampler: vk::Sampler::null(), image_view: view.handle(), image_layout: layout };
        self.images.push(info);
        self.entries.push((binding, kind, Info::Image(self.images.len() - 1)));
        self
    }

    /// `sampler` at `binding`.
    pub fn sampler(&mut self, binding: u32, sampler: &Sampler) -> &mut Self {
        self.note_device(sampler.device_handle(), || "sampler");
        let info = vk::DescriptorImageInfo { sampler: sampler.handle(), ..Default::default() };
        self.images.push(info);
        self.entries.push((binding, DescriptorKind::Sampler, Info::Image(self.images.len() - 1)));
        self
    }

    /// `tlas` at `binding` (a top-level structure by its type:
    /// VUID-VkWriteDescriptorSetAccelerationStructureKHR-pAccelerationStructures-03579). Of
    /// another device than the other resources written: [`with_writes`](Self::with_writes)
    /// refuses with [`Error::WrongDevice`](crate::Error::WrongDevice).
    pub fn acceleration_structure(&mut self, binding: u32, tlas: &Tlas) -> &mut Self {
        self.note_device(tlas.buffer().context().device().handle(), || tlas.name());
        self.push_accel(binding, tlas.handle())
    }

    /// An acceleration structure the caller made itself, by its raw handle, at `binding`.
    ///
    /// # Safety
    /// `handle` is a top-level (or generic) acceleration structure of the device the writes
    /// are made with ([`device`](Self::device)), live until the set is no longer used.
    pub unsafe fn acceleration_structure_raw(
        &mut self,
        binding: u32,
        handle: vk::AccelerationStructureKHR,
    ) -> &mut Self {
        self.push_accel(binding, handle)
    }

    fn push_accel(&mut self, binding: u32, handle: vk::AccelerationStructureKHR) -> &mut Self {
        self.accels.push(handle);
        self.entries.push((binding, DescriptorKind::AccelerationStructure, Info::Accel(self.accels.len() - 1)));
        self
    }

    /// Keeps the first problem `check` finds (checked only while there is none).
    fn note(&mut self, check: impl FnOnce() -> Option<Violation>) {
        if self.problem.is_none() {
            self.problem = check();
        }
    }

    /// Keeps the name of the first resource of a device other than the first resource's.
    fn note_device<'n>(&mut self, device: vk::Device, name: impl FnOnce() -> &'n str) {
        if self.device == vk::Device::null() {
            self.device = device;
            self.first = name().to_owned();
        } else if self.device != device && self.foreign.is_none() {
            self.foreign = Some(name().to_owned());
        }
    }

    /// Checks `buffer` written whole as `kind`, and notes its device.
    fn note_buffer<T>(&mut self, kind: DescriptorKind, buffer: &Buffer<T>) {
        self.note_device(buffer.context().device().handle(), || buffer.name());
        let limits = &buffer.context().capabilities().limits;
        self.note(|| {
            valid::descriptor::buffer(buffer.name(), kind.descriptor_type(), buffer.usage(), buffer.size(), limits)
        });
    }

    /// [`note_device`](Self::note_device) for `view`.
    fn note_view_device(&mut self, view: &ImageView) {
        let image = view.image();
        self.note_device(image.context().device().handle(), || &image.desc().name);
    }

    /// Checks `view` written as `kind` in `layout`.
    fn note_image(&mut self, kind: DescriptorKind, view: &ImageView, layout: vk::ImageLayout, sampler: bool) {
        self.note_view_device(view);
        self.note(|| {
            let d = view.image().desc();
            let aspects = view.subresource_range().aspect_mask;
            valid::descriptor::image(&d.name, kind.descriptor_type(), d.usage, aspects, layout, sampler)
        });
    }

    /// The `VkDevice` of the resources written (of the first one where they are of several:
    /// [`with_writes`](Self::with_writes) refuses that); `None` before any resource is written
    /// (a raw acceleration structure is of no known device).
    pub fn device(&self) -> Option<vk::Device> {
        (self.device != vk::Device::null()).then_some(self.device)
    }

    /// The set written to.
    pub fn set(&self) -> vk::DescriptorSet {
        self.set
    }

    /// The bindings written, in order.
    pub fn bindings(&self) -> Vec<(u32, DescriptorKind)> {
        self.entries.iter().map(|&(b, k, _)| (b, k)).collect()
    }

    /// Calls `f` with one `VkWriteDescriptorSet` per binding (pointing into `self`), e.g.
    /// `writes.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) })?`; or, if a
    /// resource does not fit its binding (usage, range limit, layout), returns
    /// [`Error::ValidUsage`](crate::Error::ValidUsage) without calling `f`; if the resources
    /// come from more than one device (VUID-VkWriteDescriptorSet-commonparent), returns
    /// [`Error::WrongDevice`](crate::Error::WrongDevice) naming the first of another device
    /// than the first resource's, without calling `f`. The set and the device `f` updates it
    /// with are the caller's (`unsafe` in `f`): that of [`device`](Self::device).
    pub fn with_writes<R>(&self, f: impl FnOnce(&[vk::WriteDescriptorSet<'_>]) -> R) -> Result<R> {
        if let Some(name) = &self.foreign {
            return Err(crate::Error::WrongDevice { name: name.clone() });
        }
        if let Some(problem) = &self.problem {
            return Err(problem.clone().into_error());
        }
        let mut accel_infos: Vec<vk::WriteDescriptorSetAccelerationStructureKHR<'_>> = self
            .accels
            .iter()
            .map(|a| {
                vk::WriteDescriptorSetAccelerationStructureKHR::default()
                    .acceleration_structures(std::slice::from_ref(a))
            })
            .collect();
        let mut accel_infos = accel_infos.iter_mut().map(Some).collect::<Vec<_>>();
        let writes: Vec<vk::WriteDescriptorSet<'_>> = self
            .entries
            .iter()
            .map(|&(binding, kind, info)| {
                let write = vk::WriteDescriptorSet::default()
                    .dst_set(self.set)
                    .dst_binding(binding)
                    .descriptor_type(kind.descriptor_type());
                match info {
                    Info::Buffer(i) => write.buffer_info(std::slice::from_ref(&self.buffers[i])),
                    Info::Buffers(start, n) => write.buffer_info(&self.buffers[start..start + n]),
                    Info::Images(start, n) => write.image_info(&self.images[start..start + n]),
                    Info::Image(i) => write.image_info(std::slice::from_ref(&self.images[i])),
                    Info::Accel(i) => match accel_infos[i].take() {
                        Some(next) => write.descriptor_count(1).push_next(next),
                        None => write,
                    },
                }
            })
            .collect();
        Ok(f(&writes))
    }

    /// Writes the descriptors into the set with `ctx`'s device (`vkUpdateDescriptorSets`).
    /// Refused before Vulkan is called, like [`with_writes`](Self::with_writes), and also with
    /// [`Error::WrongDevice`](crate::Error::WrongDevice) naming the first resource when the
    /// resources written are not of `ctx`'s device (VUID-vkUpdateDescriptorSets-pDescriptorWrites-06237
    /// and the write's `commonparent`: the update's device is known here, the set's is not).
    ///
    /// # Safety
    /// The set ([`set`](Self::set)) is a live descriptor set allocated from `ctx`'s device,
    /// with a layout whose bindings have the types and counts written (vkres cannot tell a
    /// raw `VkDescriptorSet`'s device or layout: a non-dispatchable handle carries neither),
    /// not in use by pending work unless its bindings are update-after-bind, and not updated
    /// by another thread at the same time; the resources stay alive while the set is used.
    pub unsafe fn update(&self, ctx: &crate::Context) -> Result<()> {
        if self.device != vk::Device::null() && self.device != ctx.device().handle() {
            return Err(crate::Error::WrongDevice { name: self.first.clone() });
        }
        // SAFETY: the caller vouches for the set (above); every resource written is of `ctx`'s
        // device (just checked) and fits its binding (`with_writes` checks before calling).
        self.with_writes(|w| unsafe { ctx.device().update_descriptor_sets(w, &[]) })
    }
}
