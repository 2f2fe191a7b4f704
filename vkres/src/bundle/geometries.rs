//! BLASes of several geometries from run time: a `blases(geometries = input, ...)` field takes
//! one list of [`GeometryInput`] per BLAS, each naming buffers of the `buffers` collections the
//! field reads by index, with its own transform and flags.

use ash::vk;

use super::accel_fields::{AabbField, IndexField, TransformField};
use super::private::BufferField;
use crate::accel::{AabbGeometry, BlasDesc, TriangleGeometry};
use crate::error::{Error, Result};

/// One geometry of a BLAS of a `blases(geometries = input, ...)` field: triangles from buffer
/// `buffer` of its `vertices` collection (boxes from its `aabbs` collection), optionally indexed
/// by buffer `indices` of its `indices` collection and transformed by element `.1` of buffer
/// `.0` of its `transform` collection. Indices are checked when `create` runs.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeometryInput {
    /// Index of the vertex (or box) buffer in its collection.
    pub buffer: u32,
    /// Index of the index buffer in the `indices` collection.
    pub indices: Option<u32>,
    /// Index of a transform buffer in the `transform` collection, and of the transform in it.
    pub transform: Option<(u32, u32)>,
    /// Geometry flags: `OPAQUE` (the default), `NO_DUPLICATE_ANY_HIT_INVOCATION`.
    pub flags: vk::GeometryFlagsKHR,
    /// The material index written to the geometry's [`GeometryRecord`] (default 0).
    pub material: u32,
}

impl GeometryInput {
    /// Buffer `buffer` of the collection, opaque, not indexed, not transformed.
    pub fn new(buffer: u32) -> Self {
        Self { buffer, indices: None, transform: None, flags: vk::GeometryFlagsKHR::OPAQUE, material: 0 }
    }

    /// The material index of its [`GeometryRecord`].
    pub fn material(mut self, material: u32) -> Self {
        self.material = material;
        self
    }

    /// The index of the first record of each BLAS in a geometry table of `lists` (one list per
    /// BLAS): the custom index to give an instance of BLAS `i`, so that a hit shader finds its
    /// record at `InstanceCustomIndex + GeometryIndex`. Saturates at `u32::MAX`.
    pub fn offsets(lists: &[Vec<GeometryInput>]) -> Vec<u32> {
        let mut next = 0u32;
        lists
            .iter()
            .map(|list| {
                let first = next;
                next = next.saturating_add(u32::try_from(list.len()).unwrap_or(u32::MAX));
                first
            })
            .collect()
    }

    /// Indexed by buffer `indices` of the `indices` collection.
    pub fn indexed(mut self, indices: u32) -> Self {
        self.indices = Some(indices);
        self
    }

    /// Transformed by transform `element` of buffer `buffer` of the `transform` collection.
    pub fn transformed(mut self, buffer: u32, element: u32) -> Self {
        self.transform = Some((buffer, element));
        self
    }

    /// Geometry flags (replacing `OPAQUE`).
    pub fn flags(mut self, flags: vk::GeometryFlagsKHR) -> Self {
        self.flags = flags;
        self
    }
}

/// One entry of a geometry table (`buffer(geometry_table = blases_field)`): what a hit shader
/// needs to fetch a hit's vertex attributes and material in a bindless renderer. One record per
/// geometry, BLAS by BLAS, in list order; an instance's custom index from
/// [`GeometryInput::offsets`] locates its BLAS's first record.
///
/// `Send + Sync`: plain data.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GeometryRecord {
    /// Device address of the vertex buffer.
    pub vertices: u64,
    /// Device address of the index buffer, 0 for a geometry without indices.
    pub indices: u64,
    /// The geometry's material index.
    pub material: u32,
    /// Padding to 8-byte alignment (0).
    pub pad: u32,
}

/// The device address of `buffer`, or why there is none.
fn address<B: BufferField>(name: &str, buffer: &B) -> Result<u64> {
    buffer.buffer().device_address().ok_or_else(|| Error::InvalidDescription {
        name: name.into(),
        reason: format!("`{}` has no device address (it needs SHADER_DEVICE_ADDRESS usage)", buffer.buffer().name()),
    })
}

/// The records of a geometry table of `lists` over the `vertices` and `indices` collections.
pub fn geometry_records<V: BufferField, I: IndexField>(
    name: &str,
    lists: &[Vec<GeometryInput>],
    vertices: &[V],
    indices: Option<&[I]>,
) -> Result<Vec<GeometryRecord>> {
    let mut records = Vec::new();
    for (b, list) in lists.iter().enumerate() {
        for (g, input) in list.iter().enumerate() {
            let what = |key: &'static str| move || format!("BLAS {b} geometry {g}: `{key}` buffer");
            let vertices = address(name, pick(name, &what("vertices"), Some(vertices), input.buffer)?)?;
            let indices = match input.indices {
                Some(i) => address(name, pick(name, &what("indices"), indices, i)?)?,
                None => 0,
            };
            records.push(GeometryRecord { vertices, indices, material: input.material, pad: 0 });
        }
    }
    Ok(records)
}

/// Element `index` of `items`, or [`Error::IndexOutOfRange`] naming `what`.
fn pick<'a, T>(name: &str, what: &dyn Fn() -> String, items: Option<&'a [T]>, index: u32) -> Result<&'a T> {
    let len = items.map_or(0, <[T]>::len);
    items.and_then(|items| items.get(index as usize)).ok_or_else(|| Error::IndexOutOfRange {
        name: name.into(),
        what: what(),
        index: u64::from(index),
        len: len as u64,
    })
}

/// The list of geometries of BLAS `i`.
pub fn geometries_of(lists: &[Vec<GeometryInput>], i: usize) -> &[GeometryInput] {
    lists.get(i).map_or(&[], Vec::as_slice)
}

/// The buffers a triangle BLAS of run-time geometries reads, as the schema names them (a
/// collection the schema does not name is `None`: a geometry that uses it is an error).
pub struct TriangleSources<'a, V, I: IndexField, T> {
    /// `vertices = field`.
    pub vertices: &'a [V],
    /// `format = ...` of the positions.
    pub format: vk::Format,
    /// `stride = N`.
    pub stride: Option<u64>,
    /// `indices = field`.
    pub indices: Option<&'a [I]>,
    /// The host data of each buffer of `indices` (the collection's input): every index of a
    /// geometry is checked against its vertex buffer.
    pub index_data: Option<&'a [&'a [<I as IndexField>::Index]]>,
    /// `transform = field`.
    pub transform: Option<&'a [T]>,
}

/// `desc` with one triangle geometry per element of `geometries`.
pub fn triangle_geometries<V, I, T>(
    mut desc: BlasDesc,
    sources: &TriangleSources<'_, V, I, T>,
    geometries: &[GeometryInput],
) -> Result<BlasDesc>
where
    V: BufferField,
    I: IndexField,
    T: TransformField,
{
    let name = desc.name().to_owned();
    for (g, input) in geometries.iter().enumerate() {
        let what = |key: &'static str| move || format!("geometry {g}: `{key}` buffer");
        let vertices = pick(&name, &what("vertices"), Some(sources.vertices), input.buffer)?;
        let mut geometry = TriangleGeometry::new(vertices.buffer(), sources.format).flags(input.flags);
        if let Some(stride) = sources.stride {
            geometry = geometry.stride(stride);
        }
        if let Some(i) = input.indices {
            let buffer = pick(&name, &what("indices"), sources.indices, i)?.buffer();
            geometry = match sources.index_data {
                Some(data) => geometry.indices_with_data(buffer, super::accel_fields::element_data(data, i as usize)),
                None => geometry.indices(buffer),
            };
        }
        if let Some((t, element)) = input.transform {
            geometry =
                geometry.transform(pick(&name, &what("transform"), sources.transform, t)?.buffer(), element.into());
        }
        desc = desc.triangles(geometry);
    }
    Ok(desc)
}

/// `desc` with one box geometry per element of `geometries` (which have no indices or
/// transforms: [`Error::InvalidDescription`] otherwise).
pub fn aabb_geometries<A: AabbField>(
    mut desc: BlasDesc,
    boxes: &[A],
    geometries: &[GeometryInput],
) -> Result<BlasDesc> {
    let name = desc.name().to_owned();
    for (g, input) in geometries.iter().enumerate() {
        if input.indices.is_some() || input.transform.is_some() {
            return Err(Error::InvalidDescription {
                name,
                reason: format!("geometry {g}: boxes have no indices or transform"),
            });
        }
        let what = || format!("geometry {g}: `aabbs` buffer");
        let boxes = pick(&name, &what, Some(boxes), input.buffer)?;
        desc = desc.aabbs(AabbGeometry::new(boxes.buffer()).flags(input.flags));
    }
    Ok(desc)
}
