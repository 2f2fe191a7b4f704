//! What the code of `#[derive(GpuResources)]` calls. Not public API: names and signatures
//! change without notice. Each helper's bounds carry `on_unimplemented` messages so that a
//! schema error is reported in the user's terms at the user's tokens.

use ash::vk;
use bytemuck::Pod;

use crate::allocator::{Batch, ImageUpload, MipSource, record_image};
use crate::error::{Error, Result, check_range};
use crate::memory::{MappingType, MemoryLocation};
use crate::resources::{
    Buffer, BufferDesc, ImageDesc, ImageView, ImageViewDesc, Sampler, SamplerDesc, ShaderModule, Texture,
};

pub use crate::bundle::GpuResources;
pub use crate::bundle::accel_fields::*;
pub use crate::bundle::alias::{AliasField, alias_memory, aliased_buffer, aliased_image, aliased_texture, begin_alias};
pub use crate::bundle::collections::{
    CollectionField, array_count, binding_array_supported, buffers, bundles, count, items,
};
pub use crate::bundle::compact::{BoundField, bindings_raw, sampler_desc, writes};
pub use crate::bundle::descriptors::{DescriptorBinding, DescriptorKind, DescriptorWrites};
pub use crate::bundle::frame_tlas::{
    PerFrameField, PerFrameTlasField, frame_tlas_handle, per_frame_tlases, per_frame_tlases_from_inputs,
    refit_frame_tlas, refit_frame_tlas_by, refit_frame_tlas_from_inputs, transforms_for,
};
pub use crate::bundle::geometries::{
    TriangleSources, aabb_geometries, geometries_of, geometry_records, triangle_geometries,
};
pub use crate::bundle::instances::{blases, common_len, element, placed, placed_by, tlas_from_inputs, tlases};
pub use crate::bundle::per_frame::{
    PerFrameBufferField, PerFrameCopies, frame_buffer, frame_copy, frames_checked, per_frame_buffers, per_frame_images,
    per_frame_textures,
};
pub use crate::bundle::resize::{
    ResizeField, copies_of, frame_count_of, replace_field, resize_buffer, resize_image, resize_on_device,
    resize_per_frame_buffers, resize_per_frame_images, resize_per_frame_textures, resize_texture, texture_sampler,
};
pub use crate::bundle::texture_collections::{images, textures};

/// Everything the attribute of a `buffer` field says.
#[derive(Debug, Clone, Copy)]
pub struct BufferSpec<'a> {
    /// `Bundle.field`.
    pub name: &'static str,
    /// `usage = ...` and the flags inferred from the schema (`TRANSFER_DST` for data, ...).
    pub usage: vk::BufferUsageFlags,
    /// `mapping = ...`.
    pub mapping: MappingType,
    /// `location = ...`.
    pub location: MemoryLocation,
    /// `len = N`: elements.
    pub len: Option<u64>,
    /// `size = N`: bytes.
    pub size: Option<u64>,
    /// `pool = ...`: the custom pool its memory comes from.
    pub pool: Option<&'a crate::memory::MemoryPool>,
}

/// Releases a field's resources in place (drops its references, leaving placeholders), so
/// that a derived bundle's `Drop` releases its fields in reverse dependency order whatever
/// their declaration order. Implemented by every field type and by the derived bundles that
/// get a `Drop`; a bundle whose declaration order already is a reverse dependency order gets
/// neither (`declaration_order_releases` in the derive): where it is nested, the outer
/// release falls back to [`ReleaseFallback`]'s no-op and Rust drops it with the outer's
/// fields.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `GpuResources` bundle",
    label = "a `bundle` field's type must itself `#[derive(GpuResources)]`"
)]
pub trait Release {
    /// Drops the references; releasing twice is a no-op.
    fn __vkres_release(&mut self);
}

/// The fallback of the expansion's `(&mut field).__vkres_release()`: a field type without
/// [`Release`] is already a compile error where the field is created; this keeps the `Drop`
/// impl from reporting it a second time. (Autoref dispatch: [`Release`] on the field type is
/// found first where it exists.)
pub trait ReleaseFallback {
    /// Nothing to release.
    fn __vkres_release(&mut self) {}
}

impl<T: ?Sized> ReleaseFallback for &mut T {}

/// Creates the buffer of a `buffer` field without data.
pub fn buffer_empty<B: BufferField>(batch: &mut Batch<'_>, spec: &BufferSpec) -> Result<B> {
    buffer(batch, spec, None)
}

impl<T> Release for Buffer<T> {
    fn __vkres_release(&mut self) {
        Buffer::release(self);
    }
}

impl Release for Texture {
    fn __vkres_release(&mut self) {
        Texture::release(self);
    }
}

impl Release for ImageView {
    fn __vkres_release(&mut self) {
        ImageView::release(self);
    }
}

impl Release for Sampler {
    fn __vkres_release(&mut self) {
        Sampler::release(self);
    }
}

impl Release for ShaderModule {
    fn __vkres_release(&mut self) {
        ShaderModule::release(self);
    }
}

/// Field types a `buffer` attribute may annotate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a buffer type",
    label = "a `buffer` field must have type `vkres::Buffer<T>`",
    note = "`T` is the element type: a `bytemuck::Pod` type, or `u8` for raw bytes"
)]
pub trait BufferField: Sized + Release {
    /// The element type.
    type Elem: Pod;
    /// Wraps a created buffer.
    fn from_buffer(buffer: Buffer<Self::Elem>) -> Self;
    /// The buffer.
    fn buffer(&self) -> &Buffer<Self::Elem>;
}

impl<T: Pod> BufferField for Buffer<T> {
    type Elem = T;
    fn from_buffer(buffer: Buffer<T>) -> Self {
        buffer
    }
    fn buffer(&self) -> &Buffer<T> {
        self
    }
}

/// Values that can initialise a buffer of `T`: anything that is a slice of `T` (arrays, slices,
/// `Vec<T>`, references to them).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot initialise a buffer of `{T}`",
    label = "expected a slice, array or `Vec` of `{T}`",
    note = "the element type of `data` must be the `T` of the field's `Buffer<T>`"
)]
pub trait BufferData<T> {
    /// The elements.
    fn elements(&self) -> &[T];
}

impl<T, D: AsRef<[T]> + ?Sized> BufferData<T> for D {
    fn elements(&self) -> &[T] {
        self.as_ref()
    }
}

/// `data = EXPR` of a buffer whose element is `T`.
pub fn data<T, D: BufferData<T> + ?Sized>(data: &D) -> &[T] {
    data.elements()
}

/// Values that can initialise a texture: bytes (arrays, slices, `Vec<u8>`, references to them).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot initialise a texture",
    label = "expected bytes: a slice, array or `Vec` of `u8`",
    note = "texture data is tightly packed texels, mip level by level, each level layer by layer"
)]
pub trait TextureData {
    /// The bytes.
    fn texels(&self) -> &[u8];
}

impl<D: AsRef<[u8]> + ?Sized> TextureData for D {
    fn texels(&self) -> &[u8] {
        self.as_ref()
    }
}

/// `data = EXPR` of a texture.
pub fn texels<D: TextureData + ?Sized>(data: &D) -> &[u8] {
    data.texels()
}

/// Creates the buffer of a `buffer` field, and records the upload of `data` if there is one.
/// The work is `buffer_bytes`', not generic: a crate of derived structs instantiates only
/// this shim and [`Buffer::cast`] per element type, not the creation and upload paths (their
/// instances and dependency-graph nodes are what an incremental rebuild of such a crate
/// reloads; issue 20 item 5).
pub fn buffer<B: BufferField>(batch: &mut Batch<'_>, spec: &BufferSpec, data: Option<&[B::Elem]>) -> Result<B> {
    let elem = size_of::<B::Elem>() as u64;
    let buffer = buffer_bytes(batch, spec, elem, data.map(bytemuck::cast_slice))?;
    Ok(B::from_buffer(buffer.cast()))
}

/// [`buffer`] on bytes: the buffer for elements of `elem` bytes, sized by `spec` or by `data`,
/// and the upload of `data`.
fn buffer_bytes(batch: &mut Batch<'_>, spec: &BufferSpec, elem: u64, data: Option<&[u8]>) -> Result<Buffer> {
    let data_bytes = data.map_or(0, |d| d.len() as u64);
    let size = size_of_spec(spec, elem, data_bytes)?;
    check_range(spec.name, 0, data_bytes, size)?;
    let buffer: Buffer = create_buffer(batch, spec, size)?;
    if let Some(data) = data {
        batch.upload_bytes(&buffer, 0, data)?;
    }
    Ok(buffer)
}

/// Creates the buffer of a `buffer(data = ...)` field and records the upload of `data` (the
/// expansion passes an expression through [`data`], whose bound checks its element type).
pub fn buffer_data<B: BufferField>(batch: &mut Batch<'_>, spec: &BufferSpec, data: &[B::Elem]) -> Result<B> {
    buffer(batch, spec, Some(data))
}

/// Creates the buffer of a `buffer(copy = src)` field (as large as `src` unless `len` or
/// `size` say otherwise) and records the copy of all of `src` into its start.
pub fn buffer_copy<B: BufferField, S: BufferField>(batch: &mut Batch<'_>, spec: &BufferSpec, src: &S) -> Result<B> {
    let src = src.buffer();
    let elem = size_of::<B::Elem>() as u64;
    let size = size_of_spec(spec, elem, src.size())?;
    check_range(spec.name, 0, src.size(), size)?;
    let buffer: Buffer<B::Elem> = create_buffer(batch, spec, size)?;
    batch.copy_buffer(src, 0, &buffer, 0, src.size())?;
    Ok(B::from_buffer(buffer))
}

/// The size in bytes `spec` gives a buffer of `elem`-byte elements (`default` without one).
pub(crate) fn size_of_spec(spec: &BufferSpec, elem: u64, default: u64) -> Result<u64> {
    Ok(match (spec.size, spec.len) {
        (Some(size), _) => size,
        (None, Some(len)) => len.checked_mul(elem).ok_or_else(|| Error::Overflow {
            name: spec.name.into(),
            what: format!("the size of {len} elements of {elem} bytes"),
        })?,
        (None, None) => default,
    })
}

/// The buffer of a field, named `spec.name` without a copy of the name.
fn create_buffer<T: Pod>(batch: &Batch<'_>, spec: &BufferSpec, size: u64) -> Result<Buffer<T>> {
    create_spec_buffer(batch.allocator(), spec, size)
}

/// The buffer of `spec`, `size` bytes, named `spec.name` without a copy of the name.
pub(crate) fn create_spec_buffer<T: Pod>(
    alloc: &crate::allocator::ResourceAllocator,
    spec: &BufferSpec,
    size: u64,
) -> Result<Buffer<T>> {
    crate::resources::buffer::create_static(&**alloc.memory_allocator(), &buffer_desc(spec, size), spec.name)
}

/// The description of `spec`'s buffer of `size` bytes (unnamed: the caller names it).
pub(crate) fn buffer_desc(spec: &BufferSpec, size: u64) -> BufferDesc {
    let mut desc = BufferDesc::new(size, spec.usage).mapping(spec.mapping).location(spec.location);
    desc.pool = spec.pool.cloned();
    desc
}

/// Everything the attribute of a `texture` field says (usage includes what the schema implies).
#[derive(Debug, Clone, Copy)]
pub struct TextureSpec<'a> {
    /// `Bundle.field`.
    pub name: &'static str,
    /// `format = ...`.
    pub format: vk::Format,
    /// `extent = [w]`, `[w, h]` or `[w, h, d]`: 1D, 2D or 3D.
    pub dims: u8,
    /// The extent's numbers.
    pub extent: [u32; 3],
    /// `mips = N`; `None` for `mips = generate` (a full chain).
    pub mips: Option<u32>,
    /// `layers = N`.
    pub layers: u32,
    /// `view = ...`.
    pub view: Option<vk::ImageViewType>,
    /// `usage = ...` and the flags inferred from the schema.
    pub usage: vk::ImageUsageFlags,
    /// `layout = ...`: the layout the texture is left in.
    pub layout: vk::ImageLayout,
    /// `location = ...`.
    pub location: MemoryLocation,
    /// `pool = ...`: the custom pool its memory comes from.
    pub pool: Option<&'a crate::memory::MemoryPool>,
}

/// Field types a `texture` with a sampler may annotate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold a texture with a sampler",
    label = "a `texture` field with `sampler = ...` must have type `vkres::Texture`"
)]
pub trait SampledTextureField: Sized + Release {
    /// Wraps the view and sampler.
    fn from_parts(view: ImageView, sampler: Sampler) -> Self;
    /// The texture.
    fn texture(&self) -> &Texture;
}

impl SampledTextureField for Texture {
    fn from_parts(view: ImageView, sampler: Sampler) -> Self {
        Texture { view, sampler }
    }
    fn texture(&self) -> &Texture {
        self
    }
}

/// Field types a `texture` without a sampler may annotate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold a texture without a sampler",
    label = "a `texture` field without `sampler = ...` must have type `vkres::ImageView`",
    note = "a `vkres::Texture` pairs an image with a sampler: give the texture `sampler = ...`"
)]
pub trait TextureField: Sized + Release {
    /// Wraps the view.
    fn from_view(view: ImageView) -> Self;
    /// The view.
    fn view(&self) -> &ImageView;
}

impl TextureField for ImageView {
    fn from_view(view: ImageView) -> Self {
        view
    }
    fn view(&self) -> &ImageView {
        self
    }
}

fn image_view(batch: &mut Batch<'_>, spec: &TextureSpec, data: Option<&[u8]>) -> Result<ImageView> {
    let (desc, view) = image_desc(spec);
    let mips = if spec.mips.is_none() { MipSource::Generate } else { MipSource::Provided };
    // The image keeps `desc` (moved, not copied); the leak report keeps the static name.
    record_image(batch, desc, Some(spec.name), &view, data, &ImageUpload { mips, final_layout: spec.layout })
}

/// The image and view descriptions of a texture field.
pub(crate) fn image_desc(spec: &TextureSpec) -> (ImageDesc, ImageViewDesc) {
    let [w, h, d] = spec.extent;
    let mut desc = ImageDesc::new_2d(spec.format, w, h, spec.usage).array_layers(spec.layers).name(spec.name);
    desc.location = spec.location;
    desc.pool = spec.pool.cloned();
    desc.ty = match spec.dims {
        1 => vk::ImageType::TYPE_1D,
        3 => vk::ImageType::TYPE_3D,
        _ => vk::ImageType::TYPE_2D,
    };
    desc.extent.depth = d;
    desc = match spec.mips {
        Some(n) => desc.mip_levels(n),
        None => desc.full_mip_chain(),
    };
    if matches!(spec.view, Some(vk::ImageViewType::CUBE | vk::ImageViewType::CUBE_ARRAY)) {
        desc.flags |= vk::ImageCreateFlags::CUBE_COMPATIBLE;
    }
    (desc, ImageViewDesc { view_type: spec.view, ..Default::default() })
}

/// Creates the image and view of a `texture` field with a sampler and records its upload (or
/// its transition to its final layout).
pub fn texture<F: SampledTextureField>(
    batch: &mut Batch<'_>,
    spec: &TextureSpec,
    data: Option<&[u8]>,
    sampler: &Sampler,
) -> Result<F> {
    let view = image_view(batch, spec, data)?;
    Ok(F::from_parts(view, sampler.clone()))
}

/// As [`texture`], for a texture without a sampler.
pub fn image<F: TextureField>(batch: &mut Batch<'_>, spec: &TextureSpec, data: Option<&[u8]>) -> Result<F> {
    image_view(batch, spec, data).map(F::from_view)
}

/// Field types a `sampler` attribute may annotate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sampler type",
    label = "a `sampler` field must have type `vkres::Sampler`"
)]
pub trait SamplerField: Sized + Release {
    /// Wraps the pooled sampler.
    fn from_sampler(sampler: Sampler) -> Self;
    /// The sampler.
    fn sampler(&self) -> &Sampler;
}

impl SamplerField for Sampler {
    fn from_sampler(sampler: Sampler) -> Self {
        sampler
    }
    fn sampler(&self) -> &Sampler {
        self
    }
}

/// The pooled sampler for `desc` (shared with every field of the same description).
pub fn sampler(batch: &Batch<'_>, desc: &SamplerDesc) -> Result<Sampler> {
    batch.allocator().create_sampler(desc)
}

/// Creates the sampler of a `sampler` field from the pool.
pub fn sampler_field<F: SamplerField>(batch: &Batch<'_>, desc: &SamplerDesc) -> Result<F> {
    sampler(batch, desc).map(F::from_sampler)
}

/// The sampler of a `sampler` field, for a texture that names it.
pub fn sampler_of<S: SamplerField>(field: &S) -> &Sampler {
    field.sampler()
}

/// Field types a `shader` attribute may annotate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a shader module type",
    label = "a `shader` field must have type `vkres::ShaderModule`"
)]
pub trait ShaderField: Sized + Release {
    /// Wraps the module.
    fn from_module(module: ShaderModule) -> Self;
}

impl ShaderField for ShaderModule {
    fn from_module(module: ShaderModule) -> Self {
        module
    }
}

/// Creates the module of a `shader` field from the SPIR-V the macro included.
pub fn shader<F: ShaderField>(batch: &Batch<'_>, code: &[u8], name: &str) -> Result<F> {
    batch.allocator().create_shader_module(code, name).map(F::from_module)
}

/// Field types a `bundle(inputs)` attribute may annotate: derived bundles.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `GpuResources` bundle",
    label = "a `bundle` field's type must itself `#[derive(GpuResources)]`"
)]
pub trait BundleField: GpuResources {}

// Not `Release`: a hand-written `GpuResources` type may be nested too; it has no ordered
// release of its own and is released when the outer struct's fields drop.
impl<T: GpuResources> BundleField for T {}

/// Field types a `bundle` attribute (without `inputs`) may annotate: derived bundles without
/// run-time inputs.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `GpuResources` bundle without inputs",
    label = "a `bundle` field's type must itself `#[derive(GpuResources)]`",
    note = "a nested bundle with run-time inputs is declared `#[gpu(bundle(inputs))]`"
)]
pub trait PlainBundleField: BundleField {
    /// Records the bundle.
    fn record_plain(batch: &mut Batch<'_>) -> Result<Self>;
}

impl<T> PlainBundleField for T
where
    T: BundleField + for<'a> GpuResources<Inputs<'a> = ()>,
{
    fn record_plain(batch: &mut Batch<'_>) -> Result<Self> {
        T::record(batch, ())
    }
}

/// Records a nested bundle without inputs into the same batch.
pub fn bundle<T: PlainBundleField>(batch: &mut Batch<'_>) -> Result<T> {
    T::record_plain(batch)
}

/// Records a nested bundle with `inputs` into the same batch.
pub fn bundle_with_inputs<T: BundleField>(batch: &mut Batch<'_>, inputs: T::Inputs<'_>) -> Result<T> {
    T::record(batch, inputs)
}

/// What the stub impl of a schema with compile errors returns (it never runs).
pub fn schema_error(bundle: &str) -> Error {
    Error::SchemaHasErrors { bundle: bundle.into() }
}

/// `SamplerDesc::default()` as a constant: the start of a sampler field's description (no
/// call in the expansion).
pub const SAMPLER_DEFAULT: SamplerDesc = SamplerDesc::DEFAULT;

/// The union of `flags` (the expansion's `stages(&[...])` of a binding array: one call over a
/// promoted array instead of a `|` call per flag).
pub const fn stages(flags: &[vk::ShaderStageFlags]) -> vk::ShaderStageFlags {
    let mut raw = 0;
    let mut i = 0;
    while i < flags.len() {
        raw |= flags[i].as_raw();
        i += 1;
    }
    vk::ShaderStageFlags::from_raw(raw)
}
