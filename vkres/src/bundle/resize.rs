//! What the generated `resize(recorder, sizes)` calls: the new resources of the fields marked
//! `resize`, made from new sizes with their layout transitions recorded into the caller's
//! command buffer, then swapped in; the old ones held by the recorder (so by the frame's
//! [`InFlight`](crate::InFlight)) until that frame's fence has signalled. A fence of a queue
//! submission also orders every earlier submission of the queue, so the frames in flight
//! that still use the old resources have finished by then.

use ash::vk;

use crate::allocator::{Held, Recorder, held_device as device_of};
use crate::bundle::per_frame::{PerFrame, PerFrameBufferField, PerFrameCopies, frames_checked};
use crate::bundle::private::{
    BufferField, BufferSpec, SampledTextureField, TextureField, TextureSpec, create_spec_buffer, image_desc,
    size_of_spec,
};
use crate::error::{Error, Result};
use crate::resources::{Buffer, ImageView, Sampler, Texture, image};

/// Field types the generated `resize` re-creates: each can hand its resources to a recorder,
/// which keeps them until its work has finished.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be resized",
    label = "a `resize` field is a `Buffer<T>`, a `PerFrame<Buffer<T>>`, an `ImageView` or a `Texture`"
)]
pub trait ResizeField: Sized {
    /// Hands this field's resources to `recorder`, which keeps them alive until its work has
    /// finished.
    fn hold_in(&self, recorder: &mut Recorder<'_>);

    /// The `VkDevice` of this field's resources (`None`: not told).
    fn device(&self) -> Option<vk::Device> {
        None
    }
}

impl<T> ResizeField for Buffer<T> {
    fn hold_in(&self, recorder: &mut Recorder<'_>) {
        recorder.keep_alive(self);
    }

    fn device(&self) -> Option<vk::Device> {
        device_of(self)
    }
}

impl ResizeField for ImageView {
    fn hold_in(&self, recorder: &mut Recorder<'_>) {
        recorder.keep_alive(self);
    }

    fn device(&self) -> Option<vk::Device> {
        device_of(self)
    }
}

/// A `resize` of a bundle through a recorder of another device would make the new resources
/// there and mix them with the bundle's others (issue 16, helper "sound3"): [`Error::WrongDevice`]
/// naming the field, before anything is made.
pub fn resize_on_device<F: ResizeField>(recorder: &Recorder<'_>, field: &F, name: &'static str) -> Result<()> {
    match field.device() {
        Some(device) if device != recorder.allocator().context().device().handle() => {
            Err(Error::WrongDevice { name: format!("{name} (resized through a recorder of another device)") })
        }
        _ => Ok(()),
    }
}

impl ResizeField for Texture {
    fn hold_in(&self, recorder: &mut Recorder<'_>) {
        recorder.keep_alive(self);
    }

    fn device(&self) -> Option<vk::Device> {
        device_of(self)
    }
}

impl<T: Held> ResizeField for PerFrame<T> {
    fn hold_in(&self, recorder: &mut Recorder<'_>) {
        for copy in self {
            recorder.keep_alive(copy);
        }
    }

    fn device(&self) -> Option<vk::Device> {
        self.into_iter().next().and_then(device_of)
    }
}

/// A new buffer for a `buffer(..., resize)` field, of the size `spec` gives (its sizes from
/// the new inputs), held by `recorder` until its work has finished, not counted as used by it
/// (no command recorded uses the new buffer: host writes into it stay allowed).
pub fn resize_buffer<B: BufferField + ResizeField>(recorder: &mut Recorder<'_>, spec: &BufferSpec) -> Result<B> {
    let size = size_of_spec(spec, size_of::<B::Elem>() as u64, 0)?;
    let buffer = B::from_buffer(create_spec_buffer(recorder.allocator(), spec, size)?);
    recorder.hold_unused(buffer.buffer());
    Ok(buffer)
}

/// The `frames` new buffers of a `buffer(..., per_frame, resize)` field.
pub fn resize_per_frame_buffers<F: PerFrameBufferField + ResizeField>(
    recorder: &mut Recorder<'_>,
    spec: &BufferSpec,
    frames: usize,
) -> Result<F> {
    let frames = frames_checked(spec.name, frames)?;
    let size = size_of_spec(spec, size_of::<F::Elem>() as u64, 0)?;
    let mut copies = Vec::new();
    for _ in 0..frames {
        let mut copy: Buffer<F::Elem> = create_spec_buffer(recorder.allocator(), spec, size)?;
        // Host-written every frame: recorded uses counted (see `per_frame_buffers`). Held,
        // not used, by the resizing recorder: `write_<field>` into it is allowed at once.
        copy.count_recorded_uses();
        recorder.hold_unused(&copy);
        copies.push(copy);
    }
    Ok(F::from_copies(spec.name, copies))
}

/// The new image and view of a texture, its transition to the field's layout recorded.
fn resize_view(recorder: &mut Recorder<'_>, spec: &TextureSpec) -> Result<ImageView> {
    let (desc, view_desc) = image_desc(spec);
    let memory = recorder.allocator().memory_allocator().clone();
    let image = image::create_owned(&*memory, desc, Some(spec.name))?;
    let view = image::create_view(&image, &view_desc)?;
    recorder.keep_alive(&view);
    recorder.transition_image(view.image(), spec.layout)?;
    Ok(view)
}

/// A new view for a `texture(..., resize)` field without a sampler.
pub fn resize_image<F: TextureField>(recorder: &mut Recorder<'_>, spec: &TextureSpec) -> Result<F> {
    resize_view(recorder, spec).map(F::from_view)
}

/// A new texture for a `texture(..., resize)` field with a sampler: the field's sampler, a new
/// image and view.
pub fn resize_texture<F: SampledTextureField>(
    recorder: &mut Recorder<'_>,
    spec: &TextureSpec,
    sampler: &Sampler,
) -> Result<F> {
    let view = resize_view(recorder, spec)?;
    Ok(F::from_parts(view, sampler.clone()))
}

/// The sampler of a texture field, for its re-created image.
pub fn texture_sampler<F: SampledTextureField>(field: &F) -> &Sampler {
    &field.texture().sampler
}

/// The number of copies of a per-frame field (`resize` makes as many new ones).
pub fn copies_of<F: PerFrameBufferField>(field: &F) -> usize {
    field.copies().len()
}

/// Puts `new` in `slot`; the old value's resources go to `recorder`, released when its work
/// has finished.
pub fn replace_field<F: ResizeField>(recorder: &mut Recorder<'_>, slot: &mut F, new: F) {
    let old = std::mem::replace(slot, new);
    old.hold_in(recorder);
}

/// The `frames` new copies of a `texture(..., per_frame, resize)` field without a sampler.
pub fn resize_per_frame_images<F>(recorder: &mut Recorder<'_>, spec: &TextureSpec, frames: usize) -> Result<F>
where
    F: PerFrameCopies + ResizeField,
    F::Item: TextureField,
{
    let frames = frames_checked(spec.name, frames)?;
    let mut copies = Vec::new();
    for _ in 0..frames {
        copies.push(F::Item::from_view(resize_view(recorder, spec)?));
    }
    Ok(F::from_items(spec.name, copies))
}

/// The `frames` new copies of a `texture(..., per_frame, resize)` field with a sampler.
pub fn resize_per_frame_textures<F>(
    recorder: &mut Recorder<'_>,
    spec: &TextureSpec,
    sampler: &Sampler,
    frames: usize,
) -> Result<F>
where
    F: PerFrameCopies + ResizeField,
    F::Item: SampledTextureField,
{
    let frames = frames_checked(spec.name, frames)?;
    let mut copies = Vec::new();
    for _ in 0..frames {
        copies.push(F::Item::from_parts(resize_view(recorder, spec)?, sampler.clone()));
    }
    Ok(F::from_items(spec.name, copies))
}

/// The number of copies of any per-frame field.
pub fn frame_count_of<F: PerFrameCopies>(field: &F) -> usize {
    field.items().len()
}
