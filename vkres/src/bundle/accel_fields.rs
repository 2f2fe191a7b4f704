//! What the derive's `blas` and `tlas` fields call (re-exported through `__private`; not public
//! API). Bounds carry `on_unimplemented` messages in the schema's terms.

use ash::vk;

use super::private::{BufferField, Release};
use crate::accel::{Aabb, AabbGeometry, Blas, BlasDesc, IndexElement, Tlas, TlasDesc, Transform3x4, TriangleGeometry};
use crate::allocator::Batch;
use crate::error::Result;

/// Field types a `blas` attribute may annotate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a BLAS type",
    label = "a `blas` field must have type `vkres::Blas`"
)]
pub trait BlasField: Sized + Release {
    /// Wraps a built BLAS.
    fn from_blas(blas: Blas) -> Self;
    /// The BLAS.
    fn blas(&self) -> &Blas;
}

impl BlasField for Blas {
    fn from_blas(blas: Blas) -> Self {
        blas
    }
    fn blas(&self) -> &Blas {
        self
    }
}

/// Field types a `tlas` attribute may annotate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a TLAS type",
    label = "a `tlas` field must have type `vkres::Tlas`"
)]
pub trait TlasField: Sized + Release {
    /// Wraps a built TLAS.
    fn from_tlas(tlas: Tlas) -> Self;
    /// The TLAS.
    fn tlas(&self) -> &Tlas;
}

impl TlasField for Tlas {
    fn from_tlas(tlas: Tlas) -> Self {
        tlas
    }
    fn tlas(&self) -> &Tlas {
        self
    }
}

impl Release for Blas {
    fn __vkres_release(&mut self) {
        self.0.release();
    }
}

impl Release for Tlas {
    fn __vkres_release(&mut self) {
        self.0.release();
    }
}

/// Index buffers a `blas` may read.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an index buffer",
    label = "`indices = ...` must name a `vkres::Buffer<u16>` or `vkres::Buffer<u32>` field"
)]
pub trait IndexField: BufferField<Elem = Self::Index> {
    /// `u16` or `u32`.
    type Index: IndexElement;
}

impl<I: IndexElement> IndexField for crate::resources::Buffer<I> {
    type Index = I;
}

/// Buffers of geometry transforms.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a buffer of transforms",
    label = "`transform = ...` must name a `vkres::Buffer<vkres::Transform3x4>` field"
)]
pub trait TransformField: BufferField<Elem = Transform3x4> {}

impl TransformField for crate::resources::Buffer<Transform3x4> {}

/// Buffers of boxes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a buffer of boxes",
    label = "`aabbs = ...` must name a `vkres::Buffer<vkres::Aabb>` field"
)]
pub trait AabbField: BufferField<Elem = Aabb> {}

impl AabbField for crate::resources::Buffer<Aabb> {}

/// Triangles from the vertex buffer field `vertices` (positions of `format` at the start of
/// each element).
pub fn triangles<B: BufferField>(vertices: &B, format: vk::Format) -> TriangleGeometry {
    TriangleGeometry::new(vertices.buffer(), format)
}

/// `geometry` indexed by the index buffer field `indices`.
pub fn with_indices<B: IndexField>(geometry: TriangleGeometry, indices: &B) -> TriangleGeometry {
    geometry.indices(indices.buffer())
}

/// `geometry` indexed by the index buffer field `indices`, whose uploaded `data` the macro
/// still has (an `input`, a constant or a static): every index is checked against the vertices.
pub fn with_indices_data<B: IndexField>(
    geometry: TriangleGeometry,
    indices: &B,
    data: &[B::Index],
) -> TriangleGeometry {
    geometry.indices_with_data(indices.buffer(), data)
}

/// Element `i` of the index data of a `buffers` collection (one slice per buffer), for the
/// `i`-th BLAS of a `blases` field; past the end, no data (the build then reports the indices
/// as never written, though the buffer lookup fails first).
pub fn element_data<'d, T>(data: &'d [&'d [T]], i: usize) -> &'d [T] {
    data.get(i).copied().unwrap_or(&[])
}

/// `geometry` transformed by the first transform of the field `transforms`.
pub fn with_transform<B: TransformField>(geometry: TriangleGeometry, transforms: &B) -> TriangleGeometry {
    geometry.transform(transforms.buffer(), 0)
}

/// Boxes from the field `boxes`.
pub fn aabbs<B: AabbField>(boxes: &B) -> AabbGeometry {
    AabbGeometry::new(boxes.buffer())
}

/// Records the build of a `blas` field.
pub fn blas<F: BlasField>(batch: &mut Batch<'_>, desc: &BlasDesc) -> Result<F> {
    batch.build_blas(desc).map(F::from_blas)
}

/// Records the build of a `tlas` field.
pub fn tlas<F: TlasField>(batch: &mut Batch<'_>, desc: &TlasDesc) -> Result<F> {
    batch.build_tlas(desc).map(F::from_tlas)
}

/// The BLAS of a `blas` field, for an instance that names it.
pub fn blas_of<F: BlasField>(field: &F) -> &Blas {
    field.blas()
}

/// The TLAS of a `tlas` field, for its descriptor (checked for its device by the writes).
pub fn tlas_handle<F: TlasField>(field: &F) -> &Tlas {
    field.tlas()
}
