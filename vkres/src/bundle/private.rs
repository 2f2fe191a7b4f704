//! What the code of `#[derive(GpuResources)]` calls. Not public API: names and signatures
//! change without notice. Each helper's bounds carry `on_unimplemented` messages so that a
//! schema error is reported in the user's terms at the user's tokens.

use ash::vk;
use bytemuck::Pod;

use crate::allocator::Batch;
use crate::error::{Error, Result};
use crate::memory::{MappingType, MemoryLocation};
use crate::resources::{Buffer, BufferDesc};

pub use crate::bundle::GpuResources;

/// Everything the attribute of a `buffer` field says.
#[derive(Debug, Clone, Copy)]
pub struct BufferSpec {
    /// `Bundle.field`.
    pub name: &'static str,
    /// `usage = ...`, before the flags the library adds.
    pub usage: vk::BufferUsageFlags,
    /// `mapping = ...`.
    pub mapping: MappingType,
    /// `location = ...`.
    pub location: MemoryLocation,
    /// `len = N`: elements.
    pub len: Option<u64>,
    /// `size = N`: bytes.
    pub size: Option<u64>,
}

/// Field types a `buffer` attribute may annotate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a buffer type",
    label = "a `buffer` field must have type `vkres::Buffer<T>`",
    note = "`T` is the element type: a `bytemuck::Pod` type, or `u8` for raw bytes"
)]
pub trait BufferField: Sized {
    /// The element type.
    type Elem: Pod;
    /// Wraps a created buffer.
    fn from_buffer(buffer: Buffer<Self::Elem>) -> Self;
}

impl<T: Pod> BufferField for Buffer<T> {
    type Elem = T;
    fn from_buffer(buffer: Buffer<T>) -> Self {
        buffer
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

/// Creates the buffer of a `buffer` field without data.
pub fn buffer_empty<B: BufferField>(batch: &mut Batch<'_>, spec: &BufferSpec) -> Result<B> {
    buffer(batch, spec, None)
}

/// Creates the buffer of a `buffer` field and records the upload of `data`.
pub fn buffer_with_data<B: BufferField>(batch: &mut Batch<'_>, spec: &BufferSpec, data: &[B::Elem]) -> Result<B> {
    buffer(batch, spec, Some(data))
}

fn buffer<B: BufferField>(batch: &mut Batch<'_>, spec: &BufferSpec, data: Option<&[B::Elem]>) -> Result<B> {
    let elem = size_of::<B::Elem>() as u64;
    let data_bytes = data.map_or(0, |d| d.len() as u64 * elem);
    let size = match (spec.size, spec.len) {
        (Some(size), _) => size,
        (None, Some(len)) => len.checked_mul(elem).ok_or_else(|| Error::InvalidDescription {
            name: spec.name.into(),
            reason: format!("{len} elements of {elem} bytes overflow a u64"),
        })?,
        (None, None) => data_bytes,
    };
    if data_bytes > size {
        return Err(Error::DataTooLarge { name: spec.name.into(), offset: 0, given: data_bytes, capacity: size });
    }
    let mut usage = spec.usage;
    if data.is_some() {
        usage |= vk::BufferUsageFlags::TRANSFER_DST;
    }
    let desc = BufferDesc::new(size, usage).mapping(spec.mapping).location(spec.location).name(spec.name);
    let buffer: Buffer<B::Elem> = batch.allocator().create_typed_buffer(&desc)?;
    if let Some(data) = data {
        batch.upload(&buffer, 0, data)?;
    }
    Ok(B::from_buffer(buffer))
}

/// What the stub impl of a schema with compile errors returns (it never runs).
pub fn schema_error(bundle: &str) -> Error {
    Error::InvalidDescription { name: bundle.into(), reason: "the GpuResources schema has compile errors".into() }
}
