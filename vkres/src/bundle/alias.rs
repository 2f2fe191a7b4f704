//! What the expansion of `alias = field` calls: one [`TransientMemory`] for an alias group,
//! made when its first field is created and sized for every field of the group, each field
//! bound to its start; a texture of the group after the first is preceded by the alias barrier
//! in the batch (its layout transition must not race the earlier member's), and the generated
//! `begin_<field>(recorder)` records that barrier (and the transition back to the field's
//! layout) when the caller switches from one member to another.

use ash::vk;

use crate::allocator::{Batch, Recorder};
use crate::bundle::private::{
    BufferField, BufferSpec, SampledTextureField, TextureField, TextureSpec, buffer_desc, image_desc, size_of_spec,
};
use crate::error::Result;
use crate::memory::TransientMemory;
use crate::resources::{Image, ImageView, Sampler, image};

/// The memory of an alias group named `name`, sized for its `buffers` (each spec with its
/// element size) and `textures`: the largest size and alignment, a memory type all of them
/// can use ([`Error::InvalidDescription`](crate::Error::InvalidDescription) if none).
pub fn alias_memory(
    batch: &Batch<'_>,
    name: &str,
    buffers: &[(&BufferSpec, u64)],
    textures: &[&TextureSpec],
) -> Result<TransientMemory> {
    let mut buffer_descs = Vec::with_capacity(buffers.len());
    for (spec, elem) in buffers {
        buffer_descs.push(buffer_desc(spec, size_of_spec(spec, *elem, 0)?));
    }
    let image_descs: Vec<_> = textures.iter().map(|spec| image_desc(spec).0).collect();
    batch.allocator().create_transient_memory(
        &buffer_descs.iter().collect::<Vec<_>>(),
        &image_descs.iter().collect::<Vec<_>>(),
        name,
    )
}

/// The buffer of an aliased `buffer` field, bound to the start of `memory`.
pub fn aliased_buffer<B: BufferField>(batch: &Batch<'_>, memory: &TransientMemory, spec: &BufferSpec) -> Result<B> {
    let size = size_of_spec(spec, size_of::<B::Elem>() as u64, 0)?;
    let desc = buffer_desc(spec, size).name(spec.name);
    let bytes = batch.allocator().create_aliased_buffer(memory, &desc)?;
    Ok(B::from_buffer(bytes.cast()))
}

/// The image and view of an aliased texture, bound to the start of `memory`, its transition to
/// the field's layout recorded after the alias barrier where it is not the group's first.
fn aliased_view(batch: &mut Batch<'_>, memory: &TransientMemory, spec: &TextureSpec, first: bool) -> Result<ImageView> {
    let (desc, view_desc) = image_desc(spec);
    let image = batch.allocator().create_aliased_image(memory, &desc)?;
    let view = image::create_view(&image, &view_desc)?;
    if !first {
        batch.alias_barrier(&[&image])?;
    }
    batch.transition_image(&image, spec.layout)?;
    Ok(view)
}

/// An aliased `texture` field without a sampler.
pub fn aliased_image<F: TextureField>(
    batch: &mut Batch<'_>,
    memory: &TransientMemory,
    spec: &TextureSpec,
    first: bool,
) -> Result<F> {
    aliased_view(batch, memory, spec, first).map(F::from_view)
}

/// An aliased `texture` field with a sampler.
pub fn aliased_texture<F: SampledTextureField>(
    batch: &mut Batch<'_>,
    memory: &TransientMemory,
    spec: &TextureSpec,
    first: bool,
    sampler: &Sampler,
) -> Result<F> {
    let view = aliased_view(batch, memory, spec, first)?;
    Ok(F::from_parts(view, sampler.clone()))
}

/// Aliased field types: what `begin_<field>` discards and where it puts it back.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot share memory",
    label = "an `alias` field is a `Buffer<T>`, an `ImageView` or a `Texture`"
)]
pub trait AliasField {
    /// The image whose contents the alias barrier discards, for a texture.
    fn alias_image(&self) -> Option<&Image>;
}

impl<T> AliasField for crate::resources::Buffer<T> {
    fn alias_image(&self) -> Option<&Image> {
        None
    }
}

impl AliasField for ImageView {
    fn alias_image(&self) -> Option<&Image> {
        Some(self.image())
    }
}

impl AliasField for crate::resources::Texture {
    fn alias_image(&self) -> Option<&Image> {
        Some(self.view.image())
    }
}

/// Records, into the caller's command buffer, the barrier that makes `field` the live member
/// of its alias group (every earlier access, through any member, before every later one) and,
/// for a texture, its transition back to `layout` (its contents are undefined).
pub fn begin_alias<F: AliasField>(recorder: &mut Recorder<'_>, field: &F, layout: vk::ImageLayout) -> Result<()> {
    match field.alias_image() {
        Some(image) => {
            recorder.alias_barrier(&[image])?;
            recorder.transition_image(image, layout)
        }
        None => recorder.alias_barrier(&[]),
    }
}
