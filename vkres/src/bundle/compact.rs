//! The compact forms the derive emits (issue 20 item 5): a field's description as a few
//! literal numbers read here, instead of struct literals full of paths in every expansion.
//!
//! What an incremental rebuild of a crate of derived structs pays for is the expansion's
//! tokens and the paths and expressions of its bodies (docs/design-notes.md, "Derive, round
//! 3"): a `vk::BufferUsageFlags::VERTEX_BUFFER` is a path to resolve, lower and hash in every
//! struct, `0x80` is a literal. The derive computes the raw numbers from its own tables
//! (checked against ash in `vkres-derive`'s `raw.rs` tests); the codes of this crate's enums
//! (mapping, location, descriptor kind) are decoded by the `match`es below, so an unknown code
//! (never emitted) falls back to the default rather than to undefined behaviour.

use ash::vk;

use crate::accel::Tlas;
use crate::bundle::descriptors::{DescriptorBinding, DescriptorKind, DescriptorWrites};
use crate::bundle::private::{BufferSpec, TextureSpec};
use crate::memory::{MappingType, MemoryLocation, MemoryPool};
use crate::resources::{Buffer, ImageView, Sampler, SamplerDesc, Texture};

/// The mapping of a memory code (its low three bits), in the order of the derive's `MAPPINGS`.
const fn mapping(code: u8) -> MappingType {
    match code & 7 {
        1 => MappingType::HostAccessSequentialWrite,
        2 => MappingType::HostAccessRandom,
        3 => MappingType::PreferDirectWrite,
        4 => MappingType::PreferDirectRead,
        _ => MappingType::None,
    }
}

/// The location of a memory code (bits 3 and 4), in the order of the derive's `LOCATIONS`.
const fn location(code: u8) -> MemoryLocation {
    match code >> 3 {
        1 => MemoryLocation::PreferDevice,
        2 => MemoryLocation::PreferHost,
        _ => MemoryLocation::Auto,
    }
}

impl BufferSpec<'static> {
    /// A buffer named `name` (`Bundle.field`) with usage flags `usage` (raw) and memory code
    /// `memory` (mapping index + 8 x location index), no `len`, `size` or `pool`.
    pub const fn raw(name: &'static str, usage: u32, memory: u8) -> Self {
        BufferSpec {
            name,
            usage: vk::BufferUsageFlags::from_raw(usage),
            mapping: mapping(memory),
            location: location(memory),
            len: None,
            size: None,
            pool: None,
        }
    }
}

impl<'a> BufferSpec<'a> {
    /// With `len = n` (elements).
    pub const fn len(mut self, n: u64) -> Self {
        self.len = Some(n);
        self
    }

    /// With `size = n` (bytes).
    pub const fn size(mut self, n: u64) -> Self {
        self.size = Some(n);
        self
    }

    /// With `pool = pool`.
    pub const fn pool<'b>(self, pool: &'b MemoryPool) -> BufferSpec<'b> {
        let BufferSpec { name, usage, mapping, location, len, size, pool: _ } = self;
        BufferSpec { name, usage, mapping, location, len, size, pool: Some(pool) }
    }
}

/// The view type of a raw code; a negative code is no `view = ...`.
const fn view(code: i32) -> Option<vk::ImageViewType> {
    if code < 0 { None } else { Some(vk::ImageViewType::from_raw(code)) }
}

impl TextureSpec<'static> {
    /// A texture named `name` of `format`, `dims` dimensions (1, 2 or 3) and `extent`, with
    /// `mips` levels, `layers` layers, view type `view` (raw; negative: none), usage (raw),
    /// final layout (raw) and memory code `memory` (8 x location index; the mapping bits are
    /// unused). A full mip chain is [`generate_mips`](Self::generate_mips), a pool
    /// [`pool`](Self::pool).
    #[allow(clippy::too_many_arguments)] // the derive's one call per texture: literals in a row
    pub const fn raw(
        name: &'static str,
        format: vk::Format,
        dims: u8,
        extent: [u32; 3],
        mips: u32,
        layers: u32,
        view_type: i32,
        usage: u32,
        layout: i32,
        memory: u8,
    ) -> Self {
        TextureSpec {
            name,
            format,
            dims,
            extent,
            mips: Some(mips),
            layers,
            view: view(view_type),
            usage: vk::ImageUsageFlags::from_raw(usage),
            layout: vk::ImageLayout::from_raw(layout),
            location: location(memory),
            pool: None,
        }
    }
}

impl<'a> TextureSpec<'a> {
    /// With `mips = generate`: the full chain, generated from level 0.
    pub const fn generate_mips(mut self) -> Self {
        self.mips = None;
        self
    }

    /// With `pool = pool`.
    pub const fn pool<'b>(self, pool: &'b MemoryPool) -> TextureSpec<'b> {
        let TextureSpec { name, format, dims, extent, mips, layers, view, usage, layout, location, pool: _ } = self;
        TextureSpec { name, format, dims, extent, mips, layers, view, usage, layout, location, pool: Some(pool) }
    }
}

/// A sampler description from raw codes, each negative one keeping the default: filters
/// (`vk::Filter`), mipmap mode (`vk::SamplerMipmapMode`) and the three address modes
/// (`vk::SamplerAddressMode`). The rarer keys (anisotropy, LOD, compare, border) are set on
/// the result by the expansion.
pub const fn sampler_desc(mag: i32, min: i32, mipmap: i32, address: [i32; 3]) -> SamplerDesc {
    let mut d = SamplerDesc::DEFAULT;
    if mag >= 0 {
        d.mag_filter = vk::Filter::from_raw(mag);
    }
    if min >= 0 {
        d.min_filter = vk::Filter::from_raw(min);
    }
    if mipmap >= 0 {
        d.mipmap_mode = vk::SamplerMipmapMode::from_raw(mipmap);
    }
    let mut i = 0;
    while i < 3 {
        if address[i] >= 0 {
            d.address_mode[i] = vk::SamplerAddressMode::from_raw(address[i]);
        }
        i += 1;
    }
    d
}

/// The descriptor kind of a code: the index of its variant in the derive's list (the order
/// of [`DescriptorKind`]'s declaration).
const fn descriptor_kind(code: u8) -> DescriptorKind {
    match code {
        1 => DescriptorKind::StorageBuffer,
        2 => DescriptorKind::CombinedImageSampler,
        3 => DescriptorKind::SampledImage,
        4 => DescriptorKind::StorageImage,
        5 => DescriptorKind::Sampler,
        6 => DescriptorKind::AccelerationStructure,
        _ => DescriptorKind::UniformBuffer,
    }
}

/// `descriptor_bindings()` of a bundle without binding arrays, from its table of single
/// bindings: `(binding, kind code, stages (raw), field)`.
pub fn bindings_raw(table: &[(u32, u8, u32, &'static str)]) -> Vec<DescriptorBinding> {
    table
        .iter()
        .map(|&(binding, kind, stages, field)| {
            DescriptorBinding::single(binding, descriptor_kind(kind), vk::ShaderStageFlags::from_raw(stages), field)
        })
        .collect()
}

/// A field type that a `binding = N` may bind: its write into a descriptor set. The derive's
/// `write_descriptors` passes every bound field as `&dyn BoundField` in one table, instead of a
/// call per field; each field's type was checked where the field was created.
pub trait BoundField {
    /// Adds the field's write at `binding`: a descriptor of `kind`, an image in `layout`.
    fn write_to(&self, writes: &mut DescriptorWrites, binding: u32, kind: DescriptorKind, layout: vk::ImageLayout);
}

impl<T: bytemuck::Pod> BoundField for Buffer<T> {
    fn write_to(&self, writes: &mut DescriptorWrites, binding: u32, kind: DescriptorKind, _: vk::ImageLayout) {
        // Through the byte handle and a non-generic function: no instance of the write in
        // the user's crate.
        write_buffer_bytes(writes, binding, kind, &self.cast::<u8>());
    }
}

/// [`DescriptorWrites::buffer`] of a byte handle, instantiated here once.
fn write_buffer_bytes(writes: &mut DescriptorWrites, binding: u32, kind: DescriptorKind, buffer: &Buffer) {
    writes.buffer(binding, kind, buffer);
}

impl BoundField for Texture {
    fn write_to(&self, writes: &mut DescriptorWrites, binding: u32, _: DescriptorKind, layout: vk::ImageLayout) {
        writes.texture(binding, self, layout);
    }
}

impl BoundField for ImageView {
    fn write_to(&self, writes: &mut DescriptorWrites, binding: u32, kind: DescriptorKind, layout: vk::ImageLayout) {
        writes.image(binding, kind, self, layout);
    }
}

impl BoundField for Sampler {
    fn write_to(&self, writes: &mut DescriptorWrites, binding: u32, _: DescriptorKind, _: vk::ImageLayout) {
        writes.sampler(binding, self);
    }
}

impl BoundField for Tlas {
    fn write_to(&self, writes: &mut DescriptorWrites, binding: u32, _: DescriptorKind, _: vk::ImageLayout) {
        writes.acceleration_structure(binding, self);
    }
}

/// `write_descriptors()` of a bundle without binding arrays or per-frame fields: one write per
/// `(binding, kind code, layout (raw), field)` of `table`.
pub fn writes(set: vk::DescriptorSet, table: &[(u32, u8, i32, &dyn BoundField)]) -> DescriptorWrites {
    let mut writes = DescriptorWrites::new(set);
    for &(binding, kind, layout, field) in table {
        field.write_to(&mut writes, binding, descriptor_kind(kind), vk::ImageLayout::from_raw(layout));
    }
    writes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_codes_decode_in_the_derives_order() {
        let mappings = [
            MappingType::None,
            MappingType::HostAccessSequentialWrite,
            MappingType::HostAccessRandom,
            MappingType::PreferDirectWrite,
            MappingType::PreferDirectRead,
        ];
        let locations = [MemoryLocation::Auto, MemoryLocation::PreferDevice, MemoryLocation::PreferHost];
        for (m, want_m) in mappings.iter().enumerate() {
            for (l, want_l) in locations.iter().enumerate() {
                let spec = BufferSpec::raw("B.f", 0x82, m as u8 + 8 * l as u8);
                assert_eq!((spec.mapping, spec.location), (*want_m, *want_l));
            }
        }
        assert_eq!(
            BufferSpec::raw("B.f", 0x82, 0).usage,
            vk::BufferUsageFlags::VERTEX_BUFFER | vk::BufferUsageFlags::TRANSFER_DST
        );
    }

    #[test]
    fn descriptor_kind_codes_follow_the_declaration() {
        let kinds = [
            DescriptorKind::UniformBuffer,
            DescriptorKind::StorageBuffer,
            DescriptorKind::CombinedImageSampler,
            DescriptorKind::SampledImage,
            DescriptorKind::StorageImage,
            DescriptorKind::Sampler,
            DescriptorKind::AccelerationStructure,
        ];
        for (code, kind) in kinds.iter().enumerate() {
            assert_eq!(descriptor_kind(code as u8), *kind);
        }
        let b = bindings_raw(&[(3, 2, 0x10, "albedo")]);
        assert_eq!(
            b,
            [DescriptorBinding::single(
                3,
                DescriptorKind::CombinedImageSampler,
                vk::ShaderStageFlags::FRAGMENT,
                "albedo"
            )]
        );
    }

    #[test]
    fn sampler_codes_keep_the_default_where_negative() {
        let d = sampler_desc(-1, -1, -1, [-1; 3]);
        assert_eq!(d, SamplerDesc::DEFAULT);
        let d = sampler_desc(0, 1, 0, [2, -1, 4]);
        assert_eq!(
            (d.mag_filter, d.min_filter, d.mipmap_mode),
            (vk::Filter::NEAREST, vk::Filter::LINEAR, vk::SamplerMipmapMode::NEAREST)
        );
        assert_eq!(
            d.address_mode,
            [
                vk::SamplerAddressMode::CLAMP_TO_EDGE,
                vk::SamplerAddressMode::REPEAT,
                vk::SamplerAddressMode::MIRROR_CLAMP_TO_EDGE
            ]
        );
    }

    #[test]
    fn texture_specs_take_their_codes() {
        let t = TextureSpec::raw("B.t", vk::Format::R8G8B8A8_UNORM, 2, [2, 2, 1], 1, 1, -1, 6, 5, 8);
        assert_eq!(t.view, None);
        assert_eq!(t.usage, vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST);
        assert_eq!(t.layout, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
        assert_eq!(t.location, MemoryLocation::PreferDevice);
        assert_eq!(t.mips, Some(1));
        assert_eq!(t.generate_mips().mips, None);
        let t = TextureSpec::raw("B.t", vk::Format::R8G8B8A8_UNORM, 2, [2, 2, 1], 1, 6, 3, 4, 5, 0);
        assert_eq!(t.view, Some(vk::ImageViewType::CUBE));
    }
}
