//! [`MaterialManager`]: materials as named, typed parameters laid out by std140 rules in a GPU
//! uniform buffer, updated by writing only the bytes that changed.

use std::sync::Mutex;

use ash::vk;

use super::handle::ResourceHandle;
use super::{Error, Result};
use crate::{Buffer, BufferDesc, ResourceAllocator};

/// The value of one material parameter. With the `mint` feature, `mint`'s `Vector2/3/4<f32>`
/// and `ColumnMatrix3/4<f32>` convert into it.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaterialParam {
    /// GLSL `float`.
    Float(f32),
    /// GLSL `int`.
    Int(i32),
    /// GLSL `uint`.
    UInt(u32),
    /// GLSL `vec2`.
    Vec2([f32; 2]),
    /// GLSL `vec3`.
    Vec3([f32; 3]),
    /// GLSL `vec4`.
    Vec4([f32; 4]),
    /// GLSL `mat3`, column-major: three columns of three floats.
    Mat3([[f32; 3]; 3]),
    /// GLSL `mat4`, column-major: four columns of four floats.
    Mat4([[f32; 4]; 4]),
}

impl MaterialParam {
    /// The type's name, as in GLSL.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Float(_) => "float",
            Self::Int(_) => "int",
            Self::UInt(_) => "uint",
            Self::Vec2(_) => "vec2",
            Self::Vec3(_) => "vec3",
            Self::Vec4(_) => "vec4",
            Self::Mat3(_) => "mat3",
            Self::Mat4(_) => "mat4",
        }
    }

    /// std140 base alignment in bytes: scalars 4, `vec2` 8, `vec3` and `vec4` 16, matrices 16
    /// (an array of column vectors, each rounded up to a `vec4`).
    pub fn std140_alignment(&self) -> u32 {
        match self {
            Self::Float(_) | Self::Int(_) | Self::UInt(_) => 4,
            Self::Vec2(_) => 8,
            Self::Vec3(_) | Self::Vec4(_) | Self::Mat3(_) | Self::Mat4(_) => 16,
        }
    }

    /// Its bytes as std140 stores them: a `vec3` is 12 bytes (a following scalar may sit in its
    /// last 4), each column of a `mat3` is padded to 16 bytes (48 in all).
    pub fn std140_bytes(&self) -> Vec<u8> {
        let floats = |v: &[f32]| v.iter().flat_map(|f| f.to_le_bytes()).collect::<Vec<u8>>();
        match self {
            Self::Float(v) => v.to_le_bytes().to_vec(),
            Self::Int(v) => v.to_le_bytes().to_vec(),
            Self::UInt(v) => v.to_le_bytes().to_vec(),
            Self::Vec2(v) => floats(v),
            Self::Vec3(v) => floats(v),
            Self::Vec4(v) => floats(v),
            Self::Mat3(m) => m.iter().flat_map(|c| floats(&[c[0], c[1], c[2], 0.0])).collect(),
            Self::Mat4(m) => m.iter().flat_map(|c| floats(c)).collect(),
        }
    }
}

/// One parameter's place in the uniform buffer.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialField {
    /// The parameter's name.
    pub name: String,
    /// Byte offset in the buffer.
    pub offset: u32,
    /// Bytes it occupies (padding inside a `mat3` included).
    pub size: u32,
    /// Its GLSL type name.
    pub type_name: &'static str,
}

/// The std140 layout of a material's parameters, in the order they were declared: what a
/// GLSL `layout(std140) uniform` block with the same members in the same order has.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialLayout {
    /// Each parameter's place, in declaration order.
    pub fields: Vec<MaterialField>,
    /// The block's size: the end of the last member rounded up to 16 (a block is a struct,
    /// whose std140 alignment is that of a `vec4`).
    pub size: u32,
}

impl MaterialLayout {
    /// Lays out `parameters` by std140 rules: each member at the next offset that is a
    /// multiple of its base alignment. Duplicate names are [`Error::DuplicateMaterialParameter`].
    pub fn std140(material: &str, parameters: &[(String, MaterialParam)]) -> Result<Self> {
        let mut fields: Vec<MaterialField> = Vec::with_capacity(parameters.len());
        let mut offset = 0u32;
        for (name, value) in parameters {
            if fields.iter().any(|f| &f.name == name) {
                return Err(Error::DuplicateMaterialParameter { material: material.into(), parameter: name.clone() });
            }
            let align = value.std140_alignment();
            offset = offset.div_ceil(align) * align;
            let size = value.std140_bytes().len() as u32;
            fields.push(MaterialField { name: name.clone(), offset, size, type_name: value.type_name() });
            offset += size;
        }
        Ok(Self { fields, size: offset.div_ceil(16).max(1) * 16 })
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&MaterialField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// What material to create: a name, the shader it is for, and its parameters with their
/// initial values (which also fix their types).
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialDescriptor {
    /// The material's name (also the debug name of its buffer).
    pub name: String,
    /// The handle of the shader it is for.
    pub shader_handle: ResourceHandle,
    /// Parameter names and initial values, in layout order.
    pub parameters: Vec<(String, MaterialParam)>,
}

/// A material: its layout, its uniform buffer, and the host copy of the buffer's contents
/// that updates are compared against.
///
/// `Send + Sync`: its host copy is behind a lock; updates go through the manager.
#[derive(Debug)]
pub struct Material {
    name: String,
    shader: ResourceHandle,
    layout: MaterialLayout,
    buffer: Buffer,
    /// The buffer's contents as last written. Held locked through an update's upload, so that
    /// concurrent updates of one material reach the device in the order they change this copy.
    shadow: Mutex<Vec<u8>>,
}

impl Material {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The handle of its shader.
    pub fn shader_handle(&self) -> ResourceHandle {
        self.shader
    }

    /// Its std140 layout.
    pub fn layout(&self) -> &MaterialLayout {
        &self.layout
    }

    /// Its uniform buffer (`UNIFORM_BUFFER | TRANSFER_DST | TRANSFER_SRC`).
    pub fn buffer(&self) -> &Buffer {
        &self.buffer
    }

    /// The bytes the buffer holds, as last written.
    pub fn contents(&self) -> Vec<u8> {
        self.shadow.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
    /// Its uniform buffer, to re-create in place: the manager's defragmentation moves a
    /// material only it holds (`defrag.rs`).
    pub(super) fn buffer_mut(&mut self) -> &mut Buffer {
        &mut self.buffer
    }
}

/// Creates and updates [`Material`]s on a [`ResourceAllocator`].
///
/// `Send + Sync`: it holds the allocator and its own state behind locks.
#[derive(Debug, Clone)]
pub struct MaterialManager {
    alloc: ResourceAllocator,
}

impl MaterialManager {
    /// A material manager on `alloc`.
    pub fn new(alloc: &ResourceAllocator) -> Self {
        Self { alloc: alloc.clone() }
    }

    /// Lays out `desc`'s parameters (std140) and creates its uniform buffer with their initial
    /// values. The caller has checked that `desc.shader_handle` names a shader.
    pub fn create_material(&self, desc: &MaterialDescriptor) -> Result<Material> {
        let layout = MaterialLayout::std140(&desc.name, &desc.parameters)?;
        let mut bytes = vec![0u8; layout.size as usize];
        for (field, (_, value)) in layout.fields.iter().zip(&desc.parameters) {
            let at = field.offset as usize;
            bytes[at..at + field.size as usize].copy_from_slice(&value.std140_bytes());
        }
        let usage = vk::BufferUsageFlags::UNIFORM_BUFFER
            | vk::BufferUsageFlags::TRANSFER_DST
            | vk::BufferUsageFlags::TRANSFER_SRC;
        let buffer = self
            .alloc
            .create_buffer_with_data(&BufferDesc::new(u64::from(layout.size), usage).name(&desc.name), &bytes)?;
        Ok(Material { name: desc.name.clone(), shader: desc.shader_handle, layout, buffer, shadow: Mutex::new(bytes) })
    }

    /// Sets `updates` (parameter name and new value) and uploads, through staging in one
    /// batch, only the bytes that differ from what the buffer holds. Every name and type is
    /// checked before anything is written: an unknown name is
    /// [`Error::UnknownMaterialParameter`], a value of another type
    /// [`Error::MaterialParameterType`], and then nothing changes. Returns the number of bytes
    /// uploaded (0 when every value was already set: nothing is submitted then).
    pub fn update_material(&self, material: &Material, updates: &[(&str, MaterialParam)]) -> Result<u64> {
        let mut writes = Vec::with_capacity(updates.len());
        for (name, value) in updates {
            let field = material.layout.field(name).ok_or_else(|| Error::UnknownMaterialParameter {
                material: material.name.clone(),
                parameter: (*name).into(),
            })?;
            if field.type_name != value.type_name() {
                return Err(Error::MaterialParameterType {
                    material: material.name.clone(),
                    parameter: (*name).into(),
                    expected: field.type_name,
                    given: value.type_name(),
                });
            }
            writes.push((field.offset as usize, value.std140_bytes()));
        }
        let mut shadow = material.shadow.lock().unwrap_or_else(|e| e.into_inner());
        let mut next = shadow.clone();
        for (offset, bytes) in &writes {
            next[*offset..offset + bytes.len()].copy_from_slice(bytes);
        }
        let ranges = changed_ranges(&shadow, &next);
        if ranges.is_empty() {
            return Ok(0);
        }
        let mut batch = self.alloc.batch()?;
        for (start, end) in &ranges {
            batch.upload_bytes(&material.buffer, *start as u64, &next[*start..*end])?;
        }
        batch.submit_and_wait()?;
        *shadow = next;
        Ok(ranges.iter().map(|(s, e)| (e - s) as u64).sum())
    }
}

/// The byte ranges in which `old` and `new` differ, widened to whole 4-byte words (every
/// std140 member is made of 4-byte scalars, and staging copies are 4-byte aligned).
fn changed_ranges(old: &[u8], new: &[u8]) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for (w, (a, b)) in old.chunks(4).zip(new.chunks(4)).enumerate() {
        if a == b {
            continue;
        }
        let (start, end) = (w * 4, w * 4 + a.len());
        match ranges.last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => ranges.push((start, end)),
        }
    }
    ranges
}
