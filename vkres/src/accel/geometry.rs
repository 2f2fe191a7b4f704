//! Geometry of a BLAS: triangles in vertex (and index) buffers, or axis-aligned boxes; and the
//! plain-data types the device reads ([`Aabb`], [`Transform3x4`], the instance record).

use ash::vk;
use bytemuck::{Pod, Zeroable};

use crate::error::{Error, Result};
use crate::resources::Buffer;

/// An axis-aligned box, laid out as `VkAabbPositionsKHR` (24 bytes). With the `mint` feature
/// it converts from and to a `(min, max)` pair of `mint::Vector3<f32>`.
///
/// `Send + Sync`: plain data.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default, Pod, Zeroable)]
pub struct Aabb {
    /// Lowest corner.
    pub min: [f32; 3],
    /// Highest corner.
    pub max: [f32; 3],
}

/// A row-major 3x4 affine transform, laid out as `VkTransformMatrixKHR` (48 bytes): each row is
/// `[x, y, z, translation]`. With the `mint` feature it converts from and to `mint`'s
/// `RowMatrix3x4`, `ColumnMatrix3x4` and (affine) `ColumnMatrix4`, and so from glam's,
/// nalgebra's or cgmath's matrices.
///
/// `Send + Sync`: plain data.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct Transform3x4(pub [[f32; 4]; 3]);

impl Transform3x4 {
    /// The identity.
    pub const IDENTITY: Self = Self([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]);

    /// A translation by `t`.
    #[inline]
    pub fn translation(t: [f32; 3]) -> Self {
        Self([[1.0, 0.0, 0.0, t[0]], [0.0, 1.0, 0.0, t[1]], [0.0, 0.0, 1.0, t[2]]])
    }

    /// The transform applied to point `p`.
    pub fn apply(&self, p: [f32; 3]) -> [f32; 3] {
        let r = &self.0;
        [0, 1, 2].map(|i| r[i][0] * p[0] + r[i][1] * p[1] + r[i][2] * p[2] + r[i][3])
    }

    /// `self` after `inner`: the transform that applies `inner` first.
    pub fn then_after(&self, inner: &Transform3x4) -> Transform3x4 {
        let (a, b) = (&self.0, &inner.0);
        let mut out = [[0.0; 4]; 3];
        for (i, row) in out.iter_mut().enumerate() {
            for (j, value) in row.iter_mut().enumerate() {
                *value = (0..3).map(|k| a[i][k] * b[k][j]).sum::<f32>() + if j == 3 { a[i][3] } else { 0.0 };
            }
        }
        Transform3x4(out)
    }
}

impl Default for Transform3x4 {
    fn default() -> Self {
        Self::IDENTITY
    }
}

/// An index type a BLAS can read: `u16` or `u32`.
///
/// Implemented for `u16` and `u32` (`Send + Sync`).
#[diagnostic::on_unimplemented(message = "`{Self}` is not an index type", label = "BLAS indices are `u16` or `u32`")]
pub trait IndexElement: Pod + sealed::Sealed {
    /// The Vulkan index type.
    const INDEX_TYPE: vk::IndexType;
    /// The index as a `u64`.
    fn to_u64(self) -> u64;
}

impl IndexElement for u16 {
    const INDEX_TYPE: vk::IndexType = vk::IndexType::UINT16;
    fn to_u64(self) -> u64 {
        u64::from(self)
    }
}

impl IndexElement for u32 {
    const INDEX_TYPE: vk::IndexType = vk::IndexType::UINT32;
    fn to_u64(self) -> u64 {
        u64::from(self)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u16 {}
    impl Sealed for u32 {}
}

/// Triangles of a BLAS: positions in a vertex buffer (any element type, with a stride), an
/// optional `u16`/`u32` index buffer, and an optional [`Transform3x4`] read from a buffer.
/// Buffers read by builds need `ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR |
/// SHADER_DEVICE_ADDRESS` usage.
///
/// `Send + Sync`: a description holding shared buffer handles.
#[derive(Debug, Clone)]
pub struct TriangleGeometry {
    pub(crate) vertices: Buffer,
    pub(crate) vertex_offset: u64,
    pub(crate) vertex_format: vk::Format,
    pub(crate) vertex_stride: u64,
    pub(crate) vertex_count: u64,
    pub(crate) indices: Option<(Buffer, vk::IndexType)>,
    /// The largest index of the triangles, where the index data is known on the host.
    pub(crate) max_index: Option<u64>,
    /// How many leading indices of the buffer that data holds (`None`: not known on the host).
    /// Fewer than the triangles read: the rest of the buffer was never written by it.
    pub(crate) known_indices: Option<u64>,
    pub(crate) triangles: u64,
    pub(crate) transform: Option<(Buffer, u64)>,
    pub(crate) flags: vk::GeometryFlagsKHR,
}

impl TriangleGeometry {
    /// Every element of `vertices` is a vertex whose position, at the element's start, has
    /// `format` (e.g. `R32G32B32_SFLOAT`); without indices, every three vertices a triangle.
    /// Opaque by default.
    pub fn new<V: Pod>(vertices: &Buffer<V>, format: vk::Format) -> Self {
        let count = vertices.len();
        Self {
            vertices: vertices.as_bytes(),
            vertex_offset: 0,
            vertex_format: format,
            vertex_stride: size_of::<V>() as u64,
            vertex_count: count,
            indices: None,
            max_index: None,
            known_indices: None,
            triangles: count / 3,
            transform: None,
            flags: vk::GeometryFlagsKHR::OPAQUE,
        }
    }

    /// The distance in bytes between two vertices (default: the element size).
    pub fn stride(mut self, bytes: u64) -> Self {
        self.vertex_stride = bytes;
        self
    }

    /// Reads `count` vertices from byte `offset` of the buffer (default: all of it).
    pub fn vertex_range(mut self, offset: u64, count: u64) -> Self {
        self.vertex_offset = offset;
        self.vertex_count = count;
        if self.indices.is_none() {
            self.triangles = count / 3;
        }
        self
    }

    /// Triangles from every three indices of `indices`.
    pub fn indices<I: IndexElement>(mut self, indices: &Buffer<I>) -> Self {
        self.triangles = indices.len() / 3;
        self.indices = Some((indices.as_bytes(), I::INDEX_TYPE));
        self.max_index = None;
        self.known_indices = None;
        self
    }

    /// As [`indices`](Self::indices), where `data` is what was uploaded at the start of
    /// `indices`: the build then checks that every index of the triangles addresses a vertex
    /// of the geometry (an index past the last vertex is undefined behaviour in the build),
    /// and that `data` covers every index the triangles read (the buffer's every whole
    /// triangle): indices past its end are ones the host never wrote, of undefined value.
    pub fn indices_with_data<I: IndexElement>(self, indices: &Buffer<I>, data: &[I]) -> Self {
        let mut geometry = self.indices(indices);
        let used = usize::try_from(geometry.triangles.saturating_mul(3)).unwrap_or(usize::MAX).min(data.len());
        geometry.max_index = data[..used].iter().map(|i| i.to_u64()).max();
        geometry.known_indices = Some(data.len() as u64);
        geometry
    }

    /// Transforms the vertices by the `index`-th transform of `transforms` before the build.
    pub fn transform(mut self, transforms: &Buffer<Transform3x4>, index: u64) -> Self {
        // An index past every buffer saturates: the build's range check refuses it.
        self.transform = Some((transforms.as_bytes(), index.saturating_mul(size_of::<Transform3x4>() as u64)));
        self
    }

    /// Geometry flags (default `OPAQUE`).
    pub fn flags(mut self, flags: vk::GeometryFlagsKHR) -> Self {
        self.flags = flags;
        self
    }

    /// Checks that every range lies in its buffer and every buffer can be read by a build.
    pub(crate) fn check(&self, name: &str) -> Result<()> {
        crate::valid::known::geometry_flags(name, self.flags)?;
        let stride = self.vertex_stride;
        if self.vertex_count == 0 || self.triangles == 0 {
            return Err(invalid(name, "a triangle geometry needs at least one triangle"));
        }
        // VUID-VkAccelerationStructureGeometryTrianglesDataKHR-vertexFormat-03797: a format
        // builds read.
        let (vertex_size, smallest_component) =
            vertex_format_size(self.vertex_format).ok_or_else(|| Error::ValidUsage {
                name: name.into(),
                vuid: "VUID-VkAccelerationStructureGeometryTrianglesDataKHR-vertexFormat-03797",
                detail: format!("{:?} is not a vertex format builds read", self.vertex_format),
            })?;
        // The component sizes are 1, 2 or 4 bytes: a mask, not a division (issue 20 item 3).
        let misaligned = |bytes: u64| bytes & (smallest_component - 1) != 0;
        if stride < vertex_size || misaligned(stride) {
            return Err(invalid(name, format!("vertex stride {stride} does not fit {:?}", self.vertex_format)));
        }
        let span = (self.vertex_count - 1).checked_mul(stride).and_then(|b| b.checked_add(vertex_size));
        let span = span.ok_or_else(|| overflow(name, format!("{} vertices of stride {stride}", self.vertex_count)))?;
        fits(name, &self.vertices, self.vertex_offset, span)?;
        u32::try_from(self.vertex_count - 1).map_err(|_| overflow(name, "more than 2^32 vertices".to_string()))?;
        if misaligned(self.vertex_offset) {
            return Err(invalid(name, format!("vertex offset {} is not component-aligned", self.vertex_offset)));
        }
        build_input(name, &self.vertices)?;
        match &self.indices {
            Some((indices, ty)) => {
                // The spec's rule on maxVertex (`vertex_count - 1` here): no index addresses a
                // vertex past it. Checked where the index data is known on the host.
                if let Some(max) = self.max_index.filter(|max| *max >= self.vertex_count) {
                    return Err(Error::ValidUsage {
                        name: name.into(),
                        vuid: "VkAccelerationStructureGeometryTrianglesDataKHR::maxVertex",
                        detail: format!(
                            "index {max} addresses a vertex past the last of {} vertices",
                            self.vertex_count
                        ),
                    });
                }
                // Indices the host data does not cover hold whatever the memory held.
                let read = self.triangles.saturating_mul(3);
                if let Some(known) = self.known_indices.filter(|known| *known < read) {
                    return Err(Error::ValidUsage {
                        name: name.into(),
                        vuid: "VkAccelerationStructureGeometryTrianglesDataKHR::maxVertex",
                        detail: format!(
                            "the build reads {read} indices ({} triangles) but only the first {known} were \
                             written: the rest are undefined and may address any vertex",
                            self.triangles
                        ),
                    });
                }
                let size = if *ty == vk::IndexType::UINT16 { 2 } else { 4 };
                let bytes = self.triangles.checked_mul(3 * size);
                let bytes = bytes.ok_or_else(|| overflow(name, format!("{} triangles of indices", self.triangles)))?;
                fits(name, indices, 0, bytes)?;
                build_input(name, indices)?;
            }
            None if self.triangles.checked_mul(3).is_none_or(|n| n > self.vertex_count) => {
                return Err(invalid(
                    name,
                    format!("{} triangles need more than {} vertices", self.triangles, self.vertex_count),
                ));
            }
            None => {}
        }
        if let Some((transforms, offset)) = &self.transform {
            fits(name, transforms, *offset, size_of::<Transform3x4>() as u64)?;
            build_input(name, transforms)?;
        }
        u32::try_from(self.triangles).map_err(|_| invalid(name, "more than 2^32 triangles"))?;
        Ok(())
    }
}

/// Axis-aligned boxes of a BLAS, for procedural geometry that shaders intersect themselves.
///
/// `Send + Sync`: a description holding shared buffer handles.
#[derive(Debug, Clone)]
pub struct AabbGeometry {
    pub(crate) boxes: Buffer,
    pub(crate) offset: u64,
    pub(crate) stride: u64,
    pub(crate) count: u64,
    pub(crate) flags: vk::GeometryFlagsKHR,
}

impl AabbGeometry {
    /// Every element of `boxes` is one primitive. Opaque by default.
    pub fn new(boxes: &Buffer<Aabb>) -> Self {
        Self {
            boxes: boxes.as_bytes(),
            offset: 0,
            stride: size_of::<Aabb>() as u64,
            count: boxes.len(),
            flags: vk::GeometryFlagsKHR::OPAQUE,
        }
    }

    /// Boxes read from `buffer` with a stride of `stride` bytes (a multiple of 8), `count` of
    /// them from byte `offset`.
    pub fn strided(buffer: &Buffer, offset: u64, stride: u64, count: u64) -> Self {
        Self { boxes: buffer.clone(), offset, stride, count, flags: vk::GeometryFlagsKHR::OPAQUE }
    }

    /// Geometry flags (default `OPAQUE`).
    pub fn flags(mut self, flags: vk::GeometryFlagsKHR) -> Self {
        self.flags = flags;
        self
    }

    pub(crate) fn check(&self, name: &str) -> Result<()> {
        crate::valid::known::geometry_flags(name, self.flags)?;
        if self.count == 0 {
            return Err(invalid(name, "an AABB geometry needs at least one box"));
        }
        if self.stride < size_of::<Aabb>() as u64 || self.stride % 8 != 0 || self.offset % 8 != 0 {
            return Err(invalid(
                name,
                format!("AABB stride {} / offset {} must be multiples of 8, stride >= 24", self.stride, self.offset),
            ));
        }
        let span = (self.count - 1).checked_mul(self.stride).and_then(|b| b.checked_add(size_of::<Aabb>() as u64));
        let span = span.ok_or_else(|| overflow(name, format!("{} boxes of stride {}", self.count, self.stride)))?;
        fits(name, &self.boxes, self.offset, span)?;
        build_input(name, &self.boxes)?;
        u32::try_from(self.count).map_err(|_| invalid(name, "more than 2^32 boxes"))?;
        Ok(())
    }
}

/// Size and component size in bytes of the vertex formats acceleration-structure builds read
/// (the formats the Vulkan spec requires or commonly offers for
/// `ACCELERATION_STRUCTURE_VERTEX_BUFFER_BIT_KHR`).
pub(crate) fn vertex_format_size(format: vk::Format) -> Option<(u64, u64)> {
    use vk::Format as F;
    Some(match format {
        F::R32G32_SFLOAT => (8, 4),
        F::R32G32B32_SFLOAT => (12, 4),
        F::R32G32B32A32_SFLOAT => (16, 4),
        F::R16G16_SFLOAT | F::R16G16_SNORM | F::R16G16_UNORM => (4, 2),
        F::R16G16B16A16_SFLOAT | F::R16G16B16A16_SNORM | F::R16G16B16A16_UNORM => (8, 2),
        F::R8G8_SNORM | F::R8G8_UNORM => (2, 1),
        F::R8G8B8A8_SNORM | F::R8G8B8A8_UNORM => (4, 1),
        F::A2B10G10R10_UNORM_PACK32 => (4, 4),
        _ => return None,
    })
}

/// One TLAS instance as the device reads it (`VkAccelerationStructureInstanceKHR`, 64 bytes):
/// the 24-bit fields share a word with their 8-bit neighbours, low bits first.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(crate) struct InstanceRecord {
    pub transform: Transform3x4,
    pub custom_index_and_mask: u32,
    pub sbt_offset_and_flags: u32,
    pub blas_address: u64,
}

impl InstanceRecord {
    /// The record of `instance` placing the BLAS at `blas_address` (mask and flags in the top
    /// 8 bits of their words; the 24-bit fields are checked by the callers).
    pub(crate) fn new<B>(instance: &super::InstanceOf<B>, blas_address: u64) -> Self {
        let i = instance;
        Self::from_parts(i.transform, i.custom_index, i.mask, i.sbt_offset, i.flags, blas_address)
    }

    /// The record of an instance given by its fields (the refit's loop, which has them moved
    /// out of the instance already).
    #[inline]
    pub(crate) fn from_parts(
        transform: Transform3x4,
        custom_index: u32,
        mask: u8,
        sbt_offset: u32,
        flags: vk::GeometryInstanceFlagsKHR,
        blas_address: u64,
    ) -> Self {
        InstanceRecord {
            transform,
            custom_index_and_mask: custom_index | (u32::from(mask) << 24),
            sbt_offset_and_flags: sbt_offset | (flags.as_raw() << 24),
            blas_address,
        }
    }
}

pub(crate) fn invalid(name: &str, reason: impl Into<String>) -> Error {
    Error::InvalidDescription { name: name.into(), reason: reason.into() }
}

/// [`Error::Overflow`] of `what` in the geometry of `name`.
fn overflow(name: &str, what: String) -> Error {
    Error::Overflow { name: name.into(), what }
}

/// `len` bytes from `offset` lie inside `buffer` (the test inlined into each check, the error
/// out of line: issue 20 item 3).
#[inline]
fn fits(name: &str, buffer: &Buffer, offset: u64, len: u64) -> Result<()> {
    if offset.checked_add(len).is_none_or(|end| end > buffer.size()) {
        return Err(does_not_fit(name, buffer, offset, len));
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn does_not_fit(name: &str, buffer: &Buffer, offset: u64, len: u64) -> Error {
    Error::DataTooLarge { name: format!("{name}: {}", buffer.name()), offset, given: len, capacity: buffer.size() }
}

/// The usage a buffer read by a build needs.
pub(crate) const BUILD_INPUT: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR.as_raw()
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS.as_raw(),
);

#[inline]
fn build_input(name: &str, buffer: &Buffer) -> Result<()> {
    // VUID-vkCmdBuildAccelerationStructuresKHR-geometry-03673 and its siblings: build inputs
    // have ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR usage (and a device address).
    if !buffer.usage().contains(BUILD_INPUT) {
        return Err(not_build_input(name, buffer));
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn not_build_input(name: &str, buffer: &Buffer) -> Error {
    Error::MissingUsage {
        name: format!("{name}: {}", buffer.name()),
        operation: "an acceleration-structure build input",
        needed: BUILD_INPUT.into(),
        usage: buffer.usage().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `TriangleGeometry::check` tests a vertex stride's and offset's alignment with a mask:
    /// every component size of the table must be a power of two, at most the vertex size.
    #[test]
    fn component_sizes_are_powers_of_two() {
        for raw in 0..200 {
            if let Some((size, component)) = vertex_format_size(vk::Format::from_raw(raw)) {
                assert!(component.is_power_of_two() && component <= size, "format {raw}: {size} / {component}");
            }
        }
    }
}
