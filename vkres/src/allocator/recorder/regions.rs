//! Uploads into part of an image: one mip level, a range of array layers, a box of texels,
//! keeping the rest of the image's contents.

use ash::vk;

use super::images::{ANY, TRANSFER_WRITE, full_range};
use super::{OneRound, Recorder, Rounds};
use crate::error::{Error, Result};
use crate::format;
use crate::resources::{Image, format_aspects};

/// A part of an image: a box of texels of one mip level in a range of array layers.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageRegion {
    /// The mip level.
    pub mip_level: u32,
    /// The first array layer.
    pub base_array_layer: u32,
    /// How many layers (at least one).
    pub layer_count: u32,
    /// The box's first texel in the level.
    pub offset: [u32; 3],
    /// The box's size in texels; all zero: the rest of the level from `offset`.
    pub extent: [u32; 3],
}

impl ImageRegion {
    /// All of `mip_level` in layer 0.
    pub fn level(mip_level: u32) -> Self {
        Self { mip_level, base_array_layer: 0, layer_count: 1, offset: [0; 3], extent: [0; 3] }
    }

    /// `count` layers from `base`.
    pub fn layers(mut self, base: u32, count: u32) -> Self {
        self.base_array_layer = base;
        self.layer_count = count;
        self
    }

    /// The box of `extent` texels at `offset`.
    pub fn texels(mut self, offset: [u32; 3], extent: [u32; 3]) -> Self {
        self.offset = offset;
        self.extent = extent;
        self
    }
}

impl Recorder<'_> {
    /// Records an upload of `data` into `region` of `image` (tightly packed, layer after
    /// layer, rows of texel blocks), keeping the rest of its contents, then a transition of
    /// the whole image to `final_layout`.
    ///
    /// A region outside the image (level, layers, box; compressed formats: a box not on block
    /// edges) is [`Error::InvalidDescription`] naming the numbers; data of another size is
    /// [`Error::ImageDataSize`]; all checked before anything is recorded.
    ///
    /// Refused with [`Error::InUseByRecordedWork`] where this recording has not used `image` yet
    /// and another recording not yet handed off (a batch not submitted, a recorder not
    /// finished) changes its layout: either could be submitted first. Work handed off (in
    /// flight or not) is no obstacle: this recording starts from the layout it leaves,
    /// submitted after it. At hand-off, a recording whose first command found the image in a
    /// layout that another recording handed off since has changed is refused the same way.
    pub fn upload_image_region(
        &mut self,
        image: &Image,
        region: &ImageRegion,
        data: &[u8],
        final_layout: vk::ImageLayout,
    ) -> Result<()> {
        self.upload_image_region_in(&mut OneRound, image, region, data, final_layout)
    }

    /// [`upload_image_region`](Self::upload_image_region) with `rounds` deciding what happens
    /// when staging runs out.
    pub(in crate::allocator) fn upload_image_region_in<R: Rounds>(
        &mut self,
        rounds: &mut R,
        image: &Image,
        region: &ImageRegion,
        data: &[u8],
        final_layout: vk::ImageLayout,
    ) -> Result<()> {
        self.own_image(image)?;
        let d = image.desc();
        let block = Self::transferable(image)?;
        Self::require_usage(image, vk::ImageUsageFlags::TRANSFER_DST, "an upload")?;
        let invalid = |reason: String| Error::InvalidDescription { name: d.name.clone(), reason };
        if matches!(final_layout, vk::ImageLayout::UNDEFINED | vk::ImageLayout::PREINITIALIZED) {
            return Err(invalid("an image cannot end in an undefined layout".into()));
        }
        // The final transition's new layout fits the image's format and usage, as an upload's
        // (VUID-VkImageMemoryBarrier2-oldLayout-01208 to -01213, -01658/01659 and kin).
        let swapchain = self.alloc.context().capabilities().enabled.swapchain;
        crate::valid::layout::check(&d.name, d.format, d.usage, final_layout, swapchain)?;
        if region.mip_level >= d.mip_levels {
            return Err(invalid(format!("mip level {} of an image of {} levels", region.mip_level, d.mip_levels)));
        }
        let layers_end = region.base_array_layer.checked_add(region.layer_count);
        if region.layer_count == 0 || layers_end.is_none_or(|end| end > d.array_layers) {
            return Err(invalid(format!(
                "layers {}..+{} of an image of {} layers",
                region.base_array_layer, region.layer_count, d.array_layers
            )));
        }
        let level = format::mip_extent(d.extent, region.mip_level);
        let level = [level.width, level.height, level.depth];
        let mut extent = region.extent;
        if extent == [0; 3] {
            for i in 0..3 {
                extent[i] = level[i].saturating_sub(region.offset[i]);
            }
        }
        let block_dims = [block.width, block.height, 1];
        for i in 0..3 {
            let end = region.offset[i].checked_add(extent[i]);
            // On block edges: a box that starts on one and ends on one or at the level's edge.
            let on_edges =
                region.offset[i] % block_dims[i] == 0 && end.is_some_and(|e| e % block_dims[i] == 0 || e == level[i]);
            if extent[i] == 0 || end.is_none_or(|e| e > level[i]) || !on_edges {
                return Err(invalid(format!(
                    "texels {:?}+{:?} do not fit level {} ({:?}, blocks of {}x{})",
                    region.offset, extent, region.mip_level, level, block.width, block.height
                )));
            }
        }
        // Each factor fits a u32 and there are at most four of them and a layer count: no
        // overflow in u64 beyond what `checked_mul` reports.
        let expected = u64::from(extent[0].div_ceil(block.width))
            .checked_mul(u64::from(extent[1].div_ceil(block.height)))
            .and_then(|n| n.checked_mul(u64::from(extent[2])))
            .and_then(|n| n.checked_mul(u64::from(block.bytes)))
            .and_then(|n| n.checked_mul(u64::from(region.layer_count)))
            .unwrap_or(u64::MAX);
        if data.len() as u64 != expected {
            return Err(Error::ImageDataSize { name: d.name.clone(), expected, given: data.len() as u64 });
        }
        // Offsets in staging must be multiples of the texel block size and of 4: their lcm.
        let bytes = u64::from(block.bytes);
        let align = bytes * 4 / [4, 1, 2, 1][(bytes % 4) as usize];
        // The old layout must be known (no other recording changes it meanwhile), checked
        // before anything is staged.
        self.known_layout(image)?;
        // Staged first: if that submits a batch's round, the commands below go to the next.
        let (staging, staging_offset) = self.stage(rounds, data, align)?;
        self.flush_image_uploads();
        let old = self.current_layout(image);
        let all = full_range(image);
        let dst = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
        // Keeps the contents (old layout as tracked), after whatever used the image before.
        self.image_barrier(image, all, ANY, TRANSFER_WRITE, old, dst);
        let copy = vk::BufferImageCopy {
            buffer_offset: staging_offset,
            buffer_row_length: 0,
            buffer_image_height: 0,
            image_subresource: vk::ImageSubresourceLayers {
                aspect_mask: format_aspects(d.format),
                mip_level: region.mip_level,
                base_array_layer: region.base_array_layer,
                layer_count: region.layer_count,
            },
            // Inside the level (checked above), whose size fits an i32 (device limits).
            image_offset: vk::Offset3D {
                x: region.offset[0] as i32,
                y: region.offset[1] as i32,
                z: region.offset[2] as i32,
            },
            image_extent: vk::Extent3D { width: extent[0], height: extent[1], depth: extent[2] },
        };
        // SAFETY: the staging space holds exactly the bytes the region addresses (checked
        // above), the region lies in the image, which is in TRANSFER_DST_OPTIMAL with
        // TRANSFER_DST usage; both are held until the work has finished.
        unsafe { self.device().cmd_copy_buffer_to_image(self.cmd, staging, image.handle(), dst, &[copy]) };
        self.image_barrier(image, all, TRANSFER_WRITE, ANY, dst, final_layout);
        self.track_layout(image, old, final_layout);
        self.hold(image.keep_alive());
        self.commands += 1;
        Ok(())
    }
}
