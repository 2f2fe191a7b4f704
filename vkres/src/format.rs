//! Texel blocks of the formats vkres uploads and downloads, and the byte size of image data.
//!
//! Image data is tightly packed in the order KTX2 uses: mip level 0 first, then level 1, ...;
//! within a level, array layer 0 first (cube faces are layers +X, -X, +Y, -Y, +Z, -Z); within a
//! layer, depth slice 0 first, then rows top to bottom of whole texel blocks.

use ash::vk;

/// The texel block of a format: `bytes` per block of `width` x `height` texels.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TexelBlock {
    /// Bytes per block.
    pub bytes: u32,
    /// Block width in texels (1 for uncompressed formats).
    pub width: u32,
    /// Block height in texels (1 for uncompressed formats).
    pub height: u32,
}

impl TexelBlock {
    const fn plain(bytes: u32) -> Self {
        Self { bytes, width: 1, height: 1 }
    }
    const fn compressed(bytes: u32, width: u32, height: u32) -> Self {
        Self { bytes, width, height }
    }

    /// Whether it is a block-compressed format.
    pub fn is_compressed(&self) -> bool {
        self.width > 1 || self.height > 1
    }
}

/// The aspects a format has: depth and/or stencil, else color.
pub fn aspects(format: vk::Format) -> vk::ImageAspectFlags {
    match format {
        vk::Format::D16_UNORM | vk::Format::X8_D24_UNORM_PACK32 | vk::Format::D32_SFLOAT => vk::ImageAspectFlags::DEPTH,
        vk::Format::S8_UINT => vk::ImageAspectFlags::STENCIL,
        vk::Format::D16_UNORM_S8_UINT | vk::Format::D24_UNORM_S8_UINT | vk::Format::D32_SFLOAT_S8_UINT => {
            vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL
        }
        _ => vk::ImageAspectFlags::COLOR,
    }
}

/// The texel block of `format`, for every format vkres accepts image data for: uncompressed
/// color formats of 8, 16, 32 and 64 bits per channel and packed formats, depth and stencil
/// formats with one aspect, BC1-7, ETC2/EAC and ASTC LDR. `None` for any other format.
pub fn texel_block(format: vk::Format) -> Option<TexelBlock> {
    use vk::Format as F;
    let block = match format {
        F::R4G4_UNORM_PACK8 | F::S8_UINT => TexelBlock::plain(1),
        F::R8_UNORM | F::R8_SNORM | F::R8_USCALED | F::R8_SSCALED | F::R8_UINT | F::R8_SINT | F::R8_SRGB => {
            TexelBlock::plain(1)
        }
        F::R4G4B4A4_UNORM_PACK16
        | F::B4G4R4A4_UNORM_PACK16
        | F::R5G6B5_UNORM_PACK16
        | F::B5G6R5_UNORM_PACK16
        | F::R5G5B5A1_UNORM_PACK16
        | F::B5G5R5A1_UNORM_PACK16
        | F::A1R5G5B5_UNORM_PACK16
        | F::R8G8_UNORM
        | F::R8G8_SNORM
        | F::R8G8_UINT
        | F::R8G8_SINT
        | F::R8G8_SRGB
        | F::R16_UNORM
        | F::R16_SNORM
        | F::R16_UINT
        | F::R16_SINT
        | F::R16_SFLOAT
        | F::D16_UNORM => TexelBlock::plain(2),
        F::R8G8B8_UNORM | F::R8G8B8_SNORM | F::R8G8B8_UINT | F::R8G8B8_SINT | F::R8G8B8_SRGB => TexelBlock::plain(3),
        F::B8G8R8_UNORM | F::B8G8R8_SNORM | F::B8G8R8_UINT | F::B8G8R8_SINT | F::B8G8R8_SRGB => TexelBlock::plain(3),
        F::R8G8B8A8_UNORM
        | F::R8G8B8A8_SNORM
        | F::R8G8B8A8_UINT
        | F::R8G8B8A8_SINT
        | F::R8G8B8A8_SRGB
        | F::B8G8R8A8_UNORM
        | F::B8G8R8A8_SNORM
        | F::B8G8R8A8_UINT
        | F::B8G8R8A8_SINT
        | F::B8G8R8A8_SRGB
        | F::A8B8G8R8_UNORM_PACK32
        | F::A8B8G8R8_SNORM_PACK32
        | F::A8B8G8R8_UINT_PACK32
        | F::A8B8G8R8_SINT_PACK32
        | F::A8B8G8R8_SRGB_PACK32
        | F::A2R10G10B10_UNORM_PACK32
        | F::A2R10G10B10_UINT_PACK32
        | F::A2B10G10R10_UNORM_PACK32
        | F::A2B10G10R10_UINT_PACK32
        | F::B10G11R11_UFLOAT_PACK32
        | F::E5B9G9R9_UFLOAT_PACK32
        | F::R16G16_UNORM
        | F::R16G16_SNORM
        | F::R16G16_UINT
        | F::R16G16_SINT
        | F::R16G16_SFLOAT
        | F::R32_UINT
        | F::R32_SINT
        | F::R32_SFLOAT
        | F::X8_D24_UNORM_PACK32
        | F::D32_SFLOAT => TexelBlock::plain(4),
        F::R16G16B16_UNORM | F::R16G16B16_SNORM | F::R16G16B16_UINT | F::R16G16B16_SINT | F::R16G16B16_SFLOAT => {
            TexelBlock::plain(6)
        }
        F::R16G16B16A16_UNORM
        | F::R16G16B16A16_SNORM
        | F::R16G16B16A16_UINT
        | F::R16G16B16A16_SINT
        | F::R16G16B16A16_SFLOAT
        | F::R32G32_UINT
        | F::R32G32_SINT
        | F::R32G32_SFLOAT
        | F::R64_UINT
        | F::R64_SINT
        | F::R64_SFLOAT => TexelBlock::plain(8),
        F::R32G32B32_UINT | F::R32G32B32_SINT | F::R32G32B32_SFLOAT => TexelBlock::plain(12),
        F::R32G32B32A32_UINT
        | F::R32G32B32A32_SINT
        | F::R32G32B32A32_SFLOAT
        | F::R64G64_UINT
        | F::R64G64_SINT
        | F::R64G64_SFLOAT => TexelBlock::plain(16),
        F::R64G64B64A64_UINT | F::R64G64B64A64_SINT | F::R64G64B64A64_SFLOAT => TexelBlock::plain(32),
        F::BC1_RGB_UNORM_BLOCK
        | F::BC1_RGB_SRGB_BLOCK
        | F::BC1_RGBA_UNORM_BLOCK
        | F::BC1_RGBA_SRGB_BLOCK
        | F::BC4_UNORM_BLOCK
        | F::BC4_SNORM_BLOCK
        | F::ETC2_R8G8B8_UNORM_BLOCK
        | F::ETC2_R8G8B8_SRGB_BLOCK
        | F::ETC2_R8G8B8A1_UNORM_BLOCK
        | F::ETC2_R8G8B8A1_SRGB_BLOCK
        | F::EAC_R11_UNORM_BLOCK
        | F::EAC_R11_SNORM_BLOCK => TexelBlock::compressed(8, 4, 4),
        F::BC2_UNORM_BLOCK
        | F::BC2_SRGB_BLOCK
        | F::BC3_UNORM_BLOCK
        | F::BC3_SRGB_BLOCK
        | F::BC5_UNORM_BLOCK
        | F::BC5_SNORM_BLOCK
        | F::BC6H_UFLOAT_BLOCK
        | F::BC6H_SFLOAT_BLOCK
        | F::BC7_UNORM_BLOCK
        | F::BC7_SRGB_BLOCK
        | F::ETC2_R8G8B8A8_UNORM_BLOCK
        | F::ETC2_R8G8B8A8_SRGB_BLOCK
        | F::EAC_R11G11_UNORM_BLOCK
        | F::EAC_R11G11_SNORM_BLOCK => TexelBlock::compressed(16, 4, 4),
        _ => return astc_block(format),
    };
    Some(block)
}

/// ASTC LDR formats: 16 bytes per block of the format's footprint.
fn astc_block(format: vk::Format) -> Option<TexelBlock> {
    use vk::Format as F;
    let (w, h) = match format {
        F::ASTC_4X4_UNORM_BLOCK | F::ASTC_4X4_SRGB_BLOCK => (4, 4),
        F::ASTC_5X4_UNORM_BLOCK | F::ASTC_5X4_SRGB_BLOCK => (5, 4),
        F::ASTC_5X5_UNORM_BLOCK | F::ASTC_5X5_SRGB_BLOCK => (5, 5),
        F::ASTC_6X5_UNORM_BLOCK | F::ASTC_6X5_SRGB_BLOCK => (6, 5),
        F::ASTC_6X6_UNORM_BLOCK | F::ASTC_6X6_SRGB_BLOCK => (6, 6),
        F::ASTC_8X5_UNORM_BLOCK | F::ASTC_8X5_SRGB_BLOCK => (8, 5),
        F::ASTC_8X6_UNORM_BLOCK | F::ASTC_8X6_SRGB_BLOCK => (8, 6),
        F::ASTC_8X8_UNORM_BLOCK | F::ASTC_8X8_SRGB_BLOCK => (8, 8),
        F::ASTC_10X5_UNORM_BLOCK | F::ASTC_10X5_SRGB_BLOCK => (10, 5),
        F::ASTC_10X6_UNORM_BLOCK | F::ASTC_10X6_SRGB_BLOCK => (10, 6),
        F::ASTC_10X8_UNORM_BLOCK | F::ASTC_10X8_SRGB_BLOCK => (10, 8),
        F::ASTC_10X10_UNORM_BLOCK | F::ASTC_10X10_SRGB_BLOCK => (10, 10),
        F::ASTC_12X10_UNORM_BLOCK | F::ASTC_12X10_SRGB_BLOCK => (12, 10),
        F::ASTC_12X12_UNORM_BLOCK | F::ASTC_12X12_SRGB_BLOCK => (12, 12),
        _ => return None,
    };
    Some(TexelBlock::compressed(16, w, h))
}

/// The extent of mip `level` of an image whose level 0 is `extent`.
pub fn mip_extent(extent: vk::Extent3D, level: u32) -> vk::Extent3D {
    let shrink = |v: u32| v.checked_shr(level).unwrap_or(0).max(1);
    vk::Extent3D { width: shrink(extent.width), height: shrink(extent.height), depth: shrink(extent.depth) }
}

/// Bytes of one array layer of mip `level`, tightly packed in whole blocks (`u64::MAX` where
/// that overflows: no data has that size, so a size check refuses it).
pub fn level_layer_size(block: TexelBlock, extent: vk::Extent3D, level: u32) -> u64 {
    let e = mip_extent(extent, level);
    let blocks_x = u64::from(e.width.div_ceil(block.width.max(1)));
    let blocks_y = u64::from(e.height.div_ceil(block.height.max(1)));
    blocks_x.saturating_mul(blocks_y).saturating_mul(u64::from(e.depth)).saturating_mul(u64::from(block.bytes))
}

/// Bytes of mip levels `0..levels` with `layers` array layers each, tightly packed.
///
/// Saturates at `u64::MAX` (see [`level_layer_size`]).
pub fn image_data_size(block: TexelBlock, extent: vk::Extent3D, levels: u32, layers: u32) -> u64 {
    (0..levels)
        .fold(0u64, |sum, l| sum.saturating_add(level_layer_size(block, extent, l).saturating_mul(u64::from(layers))))
}

/// Whether `format` needs a sampler Y'CbCr conversion for a sampled colour view (the spec's
/// "formats requiring sampler Y'CbCr conversion": every multi-planar format and the packed
/// `_422` ones), with the texel-granularity of its chroma: `(width, height)` divisors that an
/// image's extent must be a multiple of (2 for `_422` in width, 2 for `_420` in both).
pub(crate) fn ycbcr(format: vk::Format) -> Option<(u32, u32)> {
    // All of them are of VK_KHR_sampler_ycbcr_conversion (1000156xxx, core 1.1) or
    // VK_EXT_ycbcr_2plane_444_formats (1000330xxx, core 1.3): every other format answers
    // without the name (image and view creation ask for each).
    let raw = format.as_raw();
    if !(1_000_156_000..=1_000_156_999).contains(&raw) && !(1_000_330_000..=1_000_330_999).contains(&raw) {
        return None;
    }
    // The names the spec gives these formats carry their layout ("_420", "_422", "PLANE");
    // `ash` prints them (an unknown value prints a number, none of these).
    let name = format!("{format:?}");
    let (w, h) = if name.contains("_420") {
        (2, 2)
    } else if name.contains("_422") {
        (2, 1)
    } else if name.contains("PLANE") {
        (1, 1)
    } else {
        return None;
    };
    Some((w, h))
}

#[cfg(test)]
mod ycbcr_tests {
    use ash::vk;

    use super::ycbcr;

    #[test]
    fn the_formats_that_need_a_ycbcr_conversion_are_found_by_name() {
        assert_eq!(ycbcr(vk::Format::G8_B8R8_2PLANE_420_UNORM), Some((2, 2)));
        assert_eq!(ycbcr(vk::Format::G8B8G8R8_422_UNORM), Some((2, 1)));
        assert_eq!(ycbcr(vk::Format::G8_B8_R8_3PLANE_444_UNORM), Some((1, 1)));
        assert_eq!(ycbcr(vk::Format::G8_B8R8_2PLANE_444_UNORM), Some((1, 1)));
        assert_eq!(ycbcr(vk::Format::R10X6_UNORM_PACK16), None, "single-plane, no conversion");
        assert_eq!(ycbcr(vk::Format::R8G8B8A8_UNORM), None);
        assert_eq!(ycbcr(vk::Format::BC1_RGBA_UNORM_BLOCK), None);
    }
}
