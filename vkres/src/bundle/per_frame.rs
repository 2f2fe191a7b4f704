//! [`PerFrame`]: the type of a derived field marked `per_frame`, one copy of the resource per
//! frame in flight, and what the expansion of such fields calls.

use bytemuck::Pod;

use crate::allocator::Batch;
use crate::bundle::private::{
    BufferSpec, Release, SampledTextureField, TextureField, TextureSpec, create_spec_buffer, image, size_of_spec,
    texture,
};
use crate::error::{Error, Result, check_range};
use crate::resources::{Buffer, Sampler};

/// One copy of a resource per frame in flight: the type of a field marked `per_frame` in a
/// `#[derive(GpuResources)]` struct (`#[gpu(buffer(usage = UNIFORM, len = 1, mapping =
/// sequential_write, per_frame))] camera: PerFrame<Buffer<Camera>>`).
///
/// Frame `i` of a loop with `n` frames in flight uses copy `i % n`: while the GPU still reads
/// the copies of the frames before it, the host writes the one of the frame it records.
/// Every access names the frame and is checked: a frame index past the copies is
/// [`Error::IndexOutOfRange`], never a panic.
#[derive(Debug, Clone)]
pub struct PerFrame<T> {
    copies: Vec<T>,
    name: &'static str,
}

impl<T> PerFrame<T> {
    /// The copies `copies`, one per frame, of the field named `name` (`Bundle.field`).
    pub fn new(name: &'static str, copies: Vec<T>) -> Self {
        Self { copies, name }
    }

    /// The number of frames (copies).
    pub fn len(&self) -> usize {
        self.copies.len()
    }

    /// Whether there is no copy (a released bundle's field).
    pub fn is_empty(&self) -> bool {
        self.copies.is_empty()
    }

    /// The field's debug name, `Bundle.field`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The copy of `frame`; [`Error::IndexOutOfRange`] past the last.
    pub fn get(&self, frame: usize) -> Result<&T> {
        self.copies.get(frame).ok_or_else(|| Error::IndexOutOfRange {
            name: self.name.into(),
            what: "frame".into(),
            index: frame as u64,
            len: self.copies.len() as u64,
        })
    }

    /// Every copy, frame 0 first.
    pub fn as_slice(&self) -> &[T] {
        &self.copies
    }

    /// Every copy, frame 0 first.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.copies.iter()
    }
}

impl<'a, T> IntoIterator for &'a PerFrame<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.copies.iter()
    }
}

impl<T: Pod> PerFrame<Buffer<T>> {
    /// Writes `data` at element `offset` of `frame`'s copy, directly into its mapped memory:
    /// no staging, no command, no submission. The copy must be host-visible (a field with
    /// `mapping = ...`; [`Error::NotHostVisible`] otherwise). Work vkres recorded on that copy
    /// (a batch or recorder using it, its [`InFlight`](crate::InFlight) not yet waited for and
    /// dropped, the bundle's own initial upload not yet submitted) must be finished:
    /// [`Error::InUseByRecordedWork`] otherwise, since the write would race it. Command
    /// buffers the caller records with the copy's raw handle (a descriptor set it wrote) are
    /// the caller's `unsafe` to order: wait for the frame's fence first, as a frame loop does.
    pub fn write(&self, frame: usize, offset: u64, data: &[T]) -> Result<()> {
        self.get(frame)?.write(offset, data)
    }
}

/// Releases the copies last to first.
impl<T: Release> Release for PerFrame<T> {
    fn __vkres_release(&mut self) {
        for copy in self.copies.iter_mut().rev() {
            copy.__vkres_release();
        }
    }
}

/// Field types a `buffer(..., per_frame)` attribute may annotate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a per-frame buffer type",
    label = "a `buffer(per_frame)` field must have type `vkres::PerFrame<vkres::Buffer<T>>`",
    note = "`T` is the element type: a `bytemuck::Pod` type, or `u8` for raw bytes"
)]
pub trait PerFrameBufferField: Sized + Release {
    /// The element type.
    type Elem: Pod;
    /// Wraps the copies.
    fn from_copies(name: &'static str, copies: Vec<Buffer<Self::Elem>>) -> Self;
    /// The copies.
    fn copies(&self) -> &PerFrame<Buffer<Self::Elem>>;
}

impl<T: Pod> PerFrameBufferField for PerFrame<Buffer<T>> {
    type Elem = T;
    fn from_copies(name: &'static str, copies: Vec<Buffer<T>>) -> Self {
        PerFrame::new(name, copies)
    }
    fn copies(&self) -> &PerFrame<Buffer<T>> {
        self
    }
}

/// The most frames in flight a per-frame field is made for: more is a mistaken input (a frame
/// loop keeps two or three), not a reason to create resources until memory runs out.
pub const MAX_FRAMES_IN_FLIGHT: usize = 16;

/// The frame count of a bundle with per-frame fields: at least one
/// ([`Error::InvalidDescription`] for 0), at most [`MAX_FRAMES_IN_FLIGHT`]
/// ([`Error::ValueOutOfRange`]).
pub fn frames_checked(bundle: &str, frames: usize) -> Result<usize> {
    if frames > MAX_FRAMES_IN_FLIGHT {
        return Err(Error::ValueOutOfRange {
            name: bundle.into(),
            what: "`frames_in_flight`".into(),
            value: frames as u64,
            max: MAX_FRAMES_IN_FLIGHT as u64,
        });
    }
    if frames == 0 {
        return Err(Error::InvalidDescription {
            name: bundle.into(),
            reason: "`frames_in_flight` is 0: per-frame fields need at least one frame".into(),
        });
    }
    Ok(frames)
}

/// Creates the `frames` copies of a `buffer(per_frame)` field, each initialised with `data`
/// where given (recorded into the batch). On error, the copies made so far are released.
pub fn per_frame_buffers<F: PerFrameBufferField>(
    batch: &mut Batch<'_>,
    spec: &BufferSpec,
    data: Option<&[F::Elem]>,
    frames: usize,
) -> Result<F> {
    let frames = frames_checked(spec.name, frames)?;
    let mut copies = Vec::new();
    let elem = std::mem::size_of::<F::Elem>() as u64;
    let data_bytes = data.map_or(0, |d| d.len() as u64 * elem);
    let size = size_of_spec(spec, elem, data_bytes)?;
    check_range(spec.name, 0, data_bytes, size)?;
    for _ in 0..frames {
        let mut copy: Buffer<F::Elem> = create_spec_buffer(batch.allocator(), spec, size)?;
        // The host writes these every frame (`write_<field>`): their recorded uses, the
        // initial upload's first, are counted, so that a write racing one is refused. The
        // copy is new: this is its only handle.
        copy.count_recorded_uses();
        if let Some(data) = data {
            batch.upload(&copy, 0, data)?;
        }
        copies.push(copy);
    }
    Ok(F::from_copies(spec.name, copies))
}

/// The buffer of `frame` of a per-frame field, for a descriptor write.
pub fn frame_buffer<F: PerFrameBufferField>(field: &F, frame: usize) -> Result<&Buffer<F::Elem>> {
    field.copies().get(frame)
}

/// Any `PerFrame<T>` field, by its element type: what the expansion of a `texture(per_frame)`
/// field creates and reads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a per-frame type",
    label = "a `texture(per_frame)` field must have type `vkres::PerFrame<vkres::ImageView>` (or `PerFrame<vkres::Texture>` with a sampler)"
)]
pub trait PerFrameCopies: Sized {
    /// The type of one copy.
    type Item;
    /// Wraps the copies.
    fn from_items(name: &'static str, copies: Vec<Self::Item>) -> Self;
    /// The copies.
    fn items(&self) -> &PerFrame<Self::Item>;
}

impl<T> PerFrameCopies for PerFrame<T> {
    type Item = T;
    fn from_items(name: &'static str, copies: Vec<T>) -> Self {
        PerFrame::new(name, copies)
    }
    fn items(&self) -> &PerFrame<T> {
        self
    }
}

/// The copy of `frame` of a per-frame field, for a descriptor write.
pub fn frame_copy<F: PerFrameCopies>(field: &F, frame: usize) -> Result<&F::Item> {
    field.items().get(frame)
}

/// Creates the `frames` copies of a `texture(per_frame)` field without a sampler, each given
/// `data` where there is some. On error, the copies made so far are released.
pub fn per_frame_images<F>(batch: &mut Batch<'_>, spec: &TextureSpec, data: Option<&[u8]>, frames: usize) -> Result<F>
where
    F: PerFrameCopies,
    F::Item: TextureField,
{
    let frames = frames_checked(spec.name, frames)?;
    let mut copies = Vec::new();
    for _ in 0..frames {
        copies.push(image::<F::Item>(batch, spec, data)?);
    }
    Ok(F::from_items(spec.name, copies))
}

/// As [`per_frame_images`], for a texture with a sampler (one sampler for every copy).
pub fn per_frame_textures<F>(
    batch: &mut Batch<'_>,
    spec: &TextureSpec,
    data: Option<&[u8]>,
    sampler: &Sampler,
    frames: usize,
) -> Result<F>
where
    F: PerFrameCopies,
    F::Item: SampledTextureField,
{
    let frames = frames_checked(spec.name, frames)?;
    let mut copies = Vec::new();
    for _ in 0..frames {
        copies.push(texture::<F::Item>(batch, spec, data, sampler)?);
    }
    Ok(F::from_items(spec.name, copies))
}
