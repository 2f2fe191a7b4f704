//! Image transfers of a [`Recorder`]: uploads of every mip level and layer, mip generation by
//! blits, downloads, and layout transitions with synchronization2 barriers.

use ash::vk;

use super::{OneRound, Recorder, Rounds};
use crate::allocator::tables::{PendingMips, PendingUploads};
use crate::error::{Error, Result};
use crate::format::{self, TexelBlock};
use crate::resources::image::LayoutHold;
use crate::resources::{Image, format_aspects};
use crate::staging::Download;

/// Where the mip levels of an image upload come from.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MipSource {
    /// The data holds every mip level of the image.
    #[default]
    Provided,
    /// The data holds level 0; the other levels are generated with linear blits (box filter).
    /// Needs a format whose optimal tiling supports blits and linear filtering, and an image
    /// with `TRANSFER_SRC` usage.
    Generate,
}

/// How an image upload is done.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageUpload {
    /// Where the mip levels come from.
    pub mips: MipSource,
    /// The layout the image is left in (default: shader read-only).
    pub final_layout: vk::ImageLayout,
}

impl Default for ImageUpload {
    fn default() -> Self {
        Self { mips: MipSource::Provided, final_layout: vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL }
    }
}

impl ImageUpload {
    /// Level 0 given, the rest generated.
    pub fn generate_mips() -> Self {
        Self { mips: MipSource::Generate, ..Self::default() }
    }
}

/// Whole-image subresource range.
pub(super) fn full_range(image: &Image) -> vk::ImageSubresourceRange {
    let d = image.desc();
    vk::ImageSubresourceRange {
        aspect_mask: format_aspects(d.format),
        base_mip_level: 0,
        level_count: d.mip_levels,
        base_array_layer: 0,
        layer_count: d.array_layers,
    }
}

/// Any earlier or later access: the scope of barriers around whatever else uses an image.
pub(super) const ANY: (vk::PipelineStageFlags2, vk::AccessFlags2) = (
    vk::PipelineStageFlags2::ALL_COMMANDS,
    vk::AccessFlags2::from_raw(vk::AccessFlags2::MEMORY_READ.as_raw() | vk::AccessFlags2::MEMORY_WRITE.as_raw()),
);
/// Transfer writes (copies and blits into the image).
pub(super) const TRANSFER_WRITE: (vk::PipelineStageFlags2, vk::AccessFlags2) =
    (vk::PipelineStageFlags2::ALL_TRANSFER, vk::AccessFlags2::TRANSFER_WRITE);

/// A barrier of every subresource in `range` of `image`.
fn image_barrier2(
    image: vk::Image,
    range: vk::ImageSubresourceRange,
    (src_stage, src_access): (vk::PipelineStageFlags2, vk::AccessFlags2),
    (dst_stage, dst_access): (vk::PipelineStageFlags2, vk::AccessFlags2),
    old: vk::ImageLayout,
    new: vk::ImageLayout,
) -> vk::ImageMemoryBarrier2<'static> {
    vk::ImageMemoryBarrier2::default()
        .src_stage_mask(src_stage)
        .src_access_mask(src_access)
        .dst_stage_mask(dst_stage)
        .dst_access_mask(dst_access)
        .old_layout(old)
        .new_layout(new)
        .src_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
        .dst_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
        .image(image)
        .subresource_range(range)
}

fn offset3d(e: vk::Extent3D) -> vk::Offset3D {
    vk::Offset3D { x: e.width as i32, y: e.height as i32, z: e.depth as i32 }
}

/// The blit of mip generation that fills `level` (from `level - 1`) of an image of `extent`,
/// every layer of `range` (its aspect and layer count).
fn mip_blit(range: &vk::ImageSubresourceRange, extent: vk::Extent3D, level: u32) -> vk::ImageBlit {
    let layers = |mip_level| vk::ImageSubresourceLayers {
        aspect_mask: range.aspect_mask,
        mip_level,
        base_array_layer: 0,
        layer_count: range.layer_count,
    };
    vk::ImageBlit {
        src_subresource: layers(level - 1),
        src_offsets: [vk::Offset3D::default(), offset3d(format::mip_extent(extent, level - 1))],
        dst_subresource: layers(level),
        dst_offsets: [vk::Offset3D::default(), offset3d(format::mip_extent(extent, level))],
    }
}

/// Records the mip generation of every image of `pending.mips` (each in TRANSFER_DST_OPTIMAL
/// with level 0 copied by the commands just recorded, blits and linear filtering checked for
/// its format): for each level from 1, one barrier command moving the level before it of every
/// image that has the level to TRANSFER_SRC_OPTIMAL, then their blits; and adds each image's
/// transitions to its final layout (levels but the last from TRANSFER_SRC, the last from
/// TRANSFER_DST) to `pending.to_final`.
///
/// # Safety
/// `cmd` must be a command buffer of `device` in the recording state, and every image of
/// `pending.mips` live and held until the work has finished, in TRANSFER_DST_OPTIMAL after the
/// commands recorded before (which wrote its level 0), with TRANSFER_SRC and TRANSFER_DST usage
/// and a format whose optimal tiling blits with linear filtering.
unsafe fn record_pending_mips(device: &ash::Device, cmd: vk::CommandBuffer, pending: &mut PendingUploads) {
    let deepest = pending.mips.iter().map(|m| m.range.level_count).max().unwrap_or(0);
    let blit_read = (vk::PipelineStageFlags2::BLIT, vk::AccessFlags2::TRANSFER_READ);
    let (src, dst) = (vk::ImageLayout::TRANSFER_SRC_OPTIMAL, vk::ImageLayout::TRANSFER_DST_OPTIMAL);
    for level in 1..deepest {
        let deep_enough = || pending.mips.iter().filter(move |m| m.range.level_count > level);
        pending.level_barriers.clear();
        pending.level_barriers.extend(deep_enough().map(|m| {
            let range = vk::ImageSubresourceRange { base_mip_level: level - 1, level_count: 1, ..m.range };
            image_barrier2(m.image, range, TRANSFER_WRITE, blit_read, dst, src)
        }));
        // SAFETY: the caller's contract: the command buffer is recording; each image is live
        // and held until the work finished, level `level - 1` written (copy or blit) before this barrier and in
        // TRANSFER_DST_OPTIMAL until it; after it, each blit reads that level as TRANSFER_SRC and
        // writes level `level`, still TRANSFER_DST since the discard; formats checked for
        // blits with linear filtering, usage for TRANSFER_SRC and TRANSFER_DST.
        unsafe {
            device.cmd_pipeline_barrier2(
                cmd,
                &vk::DependencyInfo::default().image_memory_barriers(&pending.level_barriers),
            );
            for m in deep_enough() {
                let blit = mip_blit(&m.range, m.extent, level);
                device.cmd_blit_image(cmd, m.image, src, m.image, dst, &[blit], vk::Filter::LINEAR);
            }
        }
    }
    for m in &pending.mips {
        let last = m.range.level_count - 1;
        let read_before = (vk::PipelineStageFlags2::ALL_TRANSFER, vk::AccessFlags2::NONE);
        let upper = vk::ImageSubresourceRange { level_count: last, ..m.range };
        pending.to_final.push(image_barrier2(m.image, upper, read_before, ANY, src, m.final_layout));
        let bottom = vk::ImageSubresourceRange { base_mip_level: last, level_count: 1, ..m.range };
        pending.to_final.push(image_barrier2(m.image, bottom, TRANSFER_WRITE, ANY, dst, m.final_layout));
    }
}

impl Recorder<'_> {
    /// [`current_layout`](Self::current_layout) for a command whose barrier keeps the contents
    /// (old layout not `UNDEFINED`): where this recording has not used the image yet and
    /// another recording not yet handed off leaves it in another layout than the one tracked,
    /// that layout is not known here (either may be submitted first), so the command is
    /// [`Error::InUseByRecordedWork`] (issue 16, helper "sound3": the barrier's old layout would
    /// be wrong, VUID-VkImageMemoryBarrier2-oldLayout-01197). Handed-off work, in flight or
    /// not, is no obstacle: the tracked layout is the one it leaves (session 8, "mend8").
    pub(super) fn known_layout(&self, image: &Image) -> Result<vk::ImageLayout> {
        if let Some((_, layout)) = self.tables.layouts.get(&image.handle()) {
            return Ok(*layout);
        }
        match image.pending_layout_changes() {
            0 => Ok(image.layout()),
            changes => Err(Error::InUseByRecordedWork {
                name: format!("{} (its layout is changed by another recording)", image.desc().name),
                holds: u64::from(changes),
            }),
        }
    }

    /// The layout `image` will have when the work recorded so far has run.
    pub(super) fn current_layout(&self, image: &Image) -> vk::ImageLayout {
        self.tables.layouts.get(&image.handle()).map_or_else(|| image.layout(), |(_, l)| *l)
    }

    /// Records that `image` is in `layout` after the work recorded so far, by a command whose
    /// barrier named `old` as its old layout (`UNDEFINED` where it discarded the contents). For
    /// the recording's first command on it, `old` is the layout it found the image in
    /// ([`LayoutHold`]): the one the barrier used, not read again (another thread may hand off
    /// a change in between).
    pub(super) fn track_layout(&mut self, image: &Image, old: vk::ImageLayout, layout: vk::ImageLayout) {
        match self.tables.layouts.get_mut(&image.handle()) {
            Some((hold, tracked)) => {
                hold.track(layout);
                *tracked = layout;
            }
            None => {
                // The recording's first command on it found it in `old`.
                let hold = LayoutHold::new(image, old, layout);
                self.tables.layouts.insert(image.handle(), (hold, layout));
            }
        }
    }

    /// Records that this recording's command reads `image` in `layout` and leaves it there (a
    /// download): where it is the recording's first command on the image, a reader's
    /// [`LayoutHold`], so that the hand-off checks the image is still in `layout` (session 9,
    /// helper "mend10": a download's barrier names it as its old layout).
    pub(super) fn track_read(&mut self, image: &Image, layout: vk::ImageLayout) {
        self.tables.layouts.entry(image.handle()).or_insert_with(|| (LayoutHold::read(image, layout), layout));
    }

    /// Before the recording is handed off: every image it found in a layout must still be in
    /// it ([`LayoutHold::check_start`]), else [`Error::InUseByRecordedWork`] and nothing may be
    /// submitted.
    pub(in crate::allocator) fn check_layout_starts(&self) -> Result<()> {
        self.tables.layouts.values().try_for_each(|(hold, _)| hold.check_start())
    }

    /// At hand-off (submitted, or finished for the caller's submission): each image's tracked
    /// layout becomes the one this recording leaves it in, and its holds go (later recordings
    /// start from that layout, submitted after this one).
    pub(in crate::allocator) fn hand_off_layouts(&mut self) {
        super::finish(self.tables.layouts.drain().map(|(_, v)| v), std::iter::empty());
    }

    /// [`check_layout_starts`](Self::check_layout_starts), then
    /// [`hand_off_layouts`](Self::hand_off_layouts), under the context's queue lock (as a batch
    /// does around its submission): no other hand-off comes between the two. Nothing to do
    /// (no lock) where the recording touched no image's layout.
    pub(super) fn check_and_hand_off_layouts(&mut self) -> Result<()> {
        if self.tables.layouts.is_empty() {
            return Ok(());
        }
        let ctx = self.alloc.context().clone();
        let _guard = ctx.lock_queue();
        self.check_layout_starts()?;
        self.hand_off_layouts();
        Ok(())
    }

    /// After a batch's partial round was submitted (under the queue's lock): each image's
    /// tracked layout becomes the one the submitted work leaves it in, at once (another
    /// recording handed off later is submitted after that round and starts from there), and
    /// the recording's holds start from it ([`LayoutHold::rebase`]).
    pub(in crate::allocator) fn apply_round_layouts(&mut self) {
        for (hold, layout) in self.tables.layouts.values_mut() {
            hold.image().set_layout(*layout);
            hold.rebase(*layout);
        }
    }

    /// One image barrier.
    pub(super) fn image_barrier(
        &mut self,
        image: &Image,
        range: vk::ImageSubresourceRange,
        (src_stage, src_access): (vk::PipelineStageFlags2, vk::AccessFlags2),
        (dst_stage, dst_access): (vk::PipelineStageFlags2, vk::AccessFlags2),
        old: vk::ImageLayout,
        new: vk::ImageLayout,
    ) {
        let barriers =
            [image_barrier2(image.handle(), range, (src_stage, src_access), (dst_stage, dst_access), old, new)];
        let dependency = vk::DependencyInfo::default().image_memory_barriers(&barriers);
        // SAFETY: the command buffer is recording, the image is live and held until the work finished,
        // `old` is the layout the recorded work leaves it in.
        unsafe { self.device().cmd_pipeline_barrier2(self.cmd, &dependency) };
    }

    /// Records the pending single-copy image uploads (see [`PendingUploads`]): one barrier
    /// command, the copies, one barrier command. Called before anything else is recorded that
    /// could touch an image, and before the closing barrier.
    pub(in crate::allocator) fn flush_image_uploads(&mut self) {
        // The gathered buffer copies first: every flush point of one is one of the other.
        self.flush_buffer_uploads();
        let pending = &mut self.tables.pending_uploads;
        if pending.copies.is_empty() {
            return;
        }
        let device = self.alloc.context().device();
        // SAFETY: the command buffer is recording; every image is live and held until the work finished,
        // in UNDEFINED or, after earlier recorded work, in a layout that the discard
        // (UNDEFINED as old layout) may leave; each copy reads staging space written for it
        // (held by the staging set until the work finished) into an image with TRANSFER_DST
        // usage, in TRANSFER_DST_OPTIMAL after the first barrier command.
        unsafe {
            device
                .cmd_pipeline_barrier2(self.cmd, &vk::DependencyInfo::default().image_memory_barriers(&pending.to_dst));
            for (staging, image, region) in &pending.copies {
                device.cmd_copy_buffer_to_image(
                    self.cmd,
                    *staging,
                    *image,
                    vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                    std::slice::from_ref(region),
                );
            }
        }
        // SAFETY: the command buffer is recording; each image of `mips` was checked for blits
        // and usage when it was queued, is held, and was discarded to TRANSFER_DST_OPTIMAL and
        // had its level 0 copied by the commands just recorded.
        unsafe { record_pending_mips(device, self.cmd, pending) };
        // SAFETY: as above; the mips' images are in the layouts their barriers name (after
        // `record_pending_mips`: levels but the last TRANSFER_SRC, the last TRANSFER_DST).
        unsafe {
            device.cmd_pipeline_barrier2(
                self.cmd,
                &vk::DependencyInfo::default().image_memory_barriers(&pending.to_final),
            );
        }
        pending.clear();
    }

    /// The texel block of `image`'s format, if its data can be copied (one aspect, known size).
    pub(super) fn transferable(image: &Image) -> Result<TexelBlock> {
        let d = image.desc();
        let single_aspect = format_aspects(d.format).as_raw().count_ones() == 1;
        match format::texel_block(d.format) {
            Some(block) if single_aspect && d.samples == vk::SampleCountFlags::TYPE_1 => Ok(block),
            _ => Err(Error::FormatNotTransferable { name: d.name.clone(), format: d.format }),
        }
    }

    pub(super) fn require_usage(image: &Image, usage: vk::ImageUsageFlags, what: &'static str) -> Result<()> {
        if image.desc().usage.contains(usage) {
            Ok(())
        } else {
            Err(Error::MissingUsage {
                name: image.desc().name.clone(),
                operation: what,
                needed: usage.into(),
                usage: image.desc().usage.into(),
            })
        }
    }

    /// The copy region of mip `level`, all layers, at buffer offset 0.
    fn level_region(image: &Image, level: u32) -> vk::BufferImageCopy {
        let d = image.desc();
        vk::BufferImageCopy {
            buffer_offset: 0,
            buffer_row_length: 0,
            buffer_image_height: 0,
            image_subresource: vk::ImageSubresourceLayers {
                aspect_mask: format_aspects(d.format),
                mip_level: level,
                base_array_layer: 0,
                layer_count: d.array_layers,
            },
            image_offset: vk::Offset3D::default(),
            image_extent: format::mip_extent(d.extent, level),
        }
    }

    /// One copy region per mip level in `levels`, all layers, tightly packed from offset 0.
    fn level_regions(image: &Image, block: TexelBlock, levels: u32) -> Vec<vk::BufferImageCopy> {
        let d = image.desc();
        let mut offset = 0;
        (0..levels)
            .map(|level| {
                let region = vk::BufferImageCopy { buffer_offset: offset, ..Self::level_region(image, level) };
                offset += format::level_layer_size(block, d.extent, level) * d.array_layers as u64;
                region
            })
            .collect()
    }

    /// Records an upload of `data` into `image`: every mip level and array layer (or level 0
    /// and generated mips), tightly packed in the order of [`crate::format`], then a transition
    /// to `upload.final_layout`. The previous contents are discarded.
    ///
    /// The data size is checked against format, extent, layers and mips first
    /// ([`Error::ImageDataSize`] names both counts); mip generation on a format without linear
    /// blits is [`Error::MipGenerationUnsupported`].
    pub fn upload_image(&mut self, image: &Image, data: &[u8], upload: &ImageUpload) -> Result<()> {
        self.upload_image_in(&mut OneRound, image, data, upload)
    }

    /// [`upload_image`](Self::upload_image) with `rounds` deciding what happens when staging
    /// runs out.
    pub(in crate::allocator) fn upload_image_in<R: Rounds>(
        &mut self,
        rounds: &mut R,
        image: &Image,
        data: &[u8],
        upload: &ImageUpload,
    ) -> Result<()> {
        self.own_image_before_upload(image)?;
        let d = image.desc();
        let block = Self::transferable(image)?;
        Self::require_usage(image, vk::ImageUsageFlags::TRANSFER_DST, "an upload")?;
        let generate = upload.mips == MipSource::Generate && d.mip_levels > 1;
        let data_levels = if upload.mips == MipSource::Generate { 1 } else { d.mip_levels };
        let expected = format::image_data_size(block, d.extent, data_levels, d.array_layers);
        if data.len() as u64 != expected {
            return Err(Error::ImageDataSize { name: d.name.clone(), expected, given: data.len() as u64 });
        }
        let swapchain = self.alloc.context().capabilities().enabled.swapchain;
        crate::valid::layout::check(&d.name, d.format, d.usage, upload.final_layout, swapchain)?;
        if generate {
            self.check_blits(image)?;
        }

        let all = full_range(image);
        // Offsets in staging must be multiples of the texel block size and of 4: their lcm.
        let bytes = block.bytes as u64;
        let align = bytes * 4 / [4, 1, 2, 1][(bytes % 4) as usize];
        let chunk = self.alloc.staging().config().chunk_size;
        // Large uploads of every level into an image no work uses yet go to a batch's transfer
        // queue (`lane.rs`), asked before the recorder holds the image.
        if self.lane_on && !generate && self.lane.takes_image(self.alloc.context(), image, expected) {
            let pieces = Self::staging_pieces(image, block, data_levels, chunk);
            self.hold(image.keep_alive());
            let copied = self.upload_image_on_lane(rounds, image, data, pieces, align, upload.final_layout);
            // Handed over even after a failure part way (in its final layout, contents
            // undefined): the batch's last round leaves nothing on the transfer family.
            if self.lane.complete_image(image.handle()) {
                self.track_layout(image, vk::ImageLayout::UNDEFINED, upload.final_layout);
            }
            return copied;
        }
        // Its first use, unless another batch's lane claimed it meanwhile.
        self.image_off_other_lanes(image, true)?;
        // One level whose layers fit a staging chunk (or one layer): one copy, deferred with
        // the other pending uploads (after those of this image, if an earlier command of the
        // batch touched it, have been recorded), and its generated mips with theirs.
        let one_copy = data_levels == 1
            && (d.array_layers == 1 || format::level_layer_size(block, d.extent, 0) * d.array_layers as u64 <= chunk);
        if one_copy {
            if self.tables.layouts.contains_key(&image.handle()) {
                self.flush_image_uploads();
            }
            // Staging first: if it submits what the batch recorded, the pending uploads go with
            // that submission, whose staging they read; this one joins the next.
            let (staging, offset) = self.stage(rounds, data, align)?;
            let region = vk::BufferImageCopy { buffer_offset: offset, ..Self::level_region(image, 0) };
            let handle = image.handle();
            let discard = vk::ImageLayout::UNDEFINED;
            let dst = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
            let pending = &mut self.tables.pending_uploads;
            pending.to_dst.push(image_barrier2(handle, all, ANY, TRANSFER_WRITE, discard, dst));
            pending.copies.push((staging, handle, region));
            if generate {
                let (extent, final_layout) = (d.extent, upload.final_layout);
                pending.mips.push(PendingMips { image: handle, range: all, extent, final_layout });
            } else {
                pending.to_final.push(image_barrier2(handle, all, TRANSFER_WRITE, ANY, dst, upload.final_layout));
            }
            self.commands += 1;
            self.hold(image.keep_alive());
            self.track_layout(image, vk::ImageLayout::UNDEFINED, upload.final_layout);
            return Ok(());
        }
        self.flush_image_uploads();
        let pieces = Self::staging_pieces(image, block, data_levels, chunk);
        // Old contents are discarded (UNDEFINED), after whatever used the image before.
        self.image_barrier(
            image,
            all,
            ANY,
            TRANSFER_WRITE,
            vk::ImageLayout::UNDEFINED,
            vk::ImageLayout::TRANSFER_DST_OPTIMAL,
        );
        // Tracked now: if staging runs out mid-upload, the batch runs what it has, and the
        // image is in this layout in between.
        self.track_layout(image, vk::ImageLayout::UNDEFINED, vk::ImageLayout::TRANSFER_DST_OPTIMAL);
        self.hold(image.keep_alive());
        for (region, bytes) in pieces {
            let part = &data[bytes];
            let (staging, offset) = self.stage(rounds, part, align)?;
            let region = vk::BufferImageCopy { buffer_offset: offset, ..region };
            // SAFETY: the staging space holds exactly the bytes the region addresses (sizes
            // checked above), the image is in TRANSFER_DST_OPTIMAL with TRANSFER_DST usage, and
            // both are held until the work has finished.
            unsafe {
                self.device().cmd_copy_buffer_to_image(
                    self.cmd,
                    staging,
                    image.handle(),
                    vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                    &[region],
                )
            };
            self.commands += 1;
        }
        if generate {
            self.record_mip_chain(image);
            // Levels 0..n-1 are TRANSFER_SRC, the last TRANSFER_DST.
            let last = d.mip_levels - 1;
            self.image_barrier(
                image,
                vk::ImageSubresourceRange { level_count: last, ..all },
                (vk::PipelineStageFlags2::ALL_TRANSFER, vk::AccessFlags2::NONE),
                ANY,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                upload.final_layout,
            );
            self.image_barrier(
                image,
                vk::ImageSubresourceRange { base_mip_level: last, level_count: 1, ..all },
                TRANSFER_WRITE,
                ANY,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                upload.final_layout,
            );
        } else {
            self.image_barrier(
                image,
                all,
                TRANSFER_WRITE,
                ANY,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                upload.final_layout,
            );
        }
        self.track_layout(image, vk::ImageLayout::UNDEFINED, upload.final_layout);
        Ok(())
    }

    /// The copies of an image upload on the transfer lane, each piece staged, then copied
    /// there (the first after the lane's transition of the image).
    fn upload_image_on_lane<R: Rounds>(
        &mut self,
        rounds: &mut R,
        image: &Image,
        data: &[u8],
        pieces: Vec<(vk::BufferImageCopy, std::ops::Range<usize>)>,
        align: u64,
        final_layout: vk::ImageLayout,
    ) -> Result<()> {
        let all = full_range(image);
        for (i, (region, bytes)) in pieces.into_iter().enumerate() {
            let (staging, offset) = self.stage(rounds, &data[bytes], align)?;
            let region = vk::BufferImageCopy { buffer_offset: offset, ..region };
            let ctx = self.alloc.context();
            self.lane.copy_image(
                ctx,
                &self.alloc.recycler,
                staging,
                image.handle(),
                all,
                region,
                final_layout,
                i == 0,
            )?;
            self.commands += 1;
        }
        Ok(())
    }

    /// The copies of an upload and the bytes of the data each takes: one per mip level, or one
    /// per layer of a level larger than a staging chunk.
    fn staging_pieces(
        image: &Image,
        block: TexelBlock,
        levels: u32,
        chunk: u64,
    ) -> Vec<(vk::BufferImageCopy, std::ops::Range<usize>)> {
        let layers = image.desc().array_layers;
        let mut pieces = Vec::new();
        for region in Self::level_regions(image, block, levels) {
            let layer_size = format::level_layer_size(block, image.desc().extent, region.image_subresource.mip_level);
            let start = region.buffer_offset;
            if layer_size * layers as u64 <= chunk || layers == 1 {
                pieces.push((region, start as usize..(start + layer_size * layers as u64) as usize));
                continue;
            }
            for layer in 0..layers {
                let from = start + layer as u64 * layer_size;
                let sub =
                    vk::ImageSubresourceLayers { base_array_layer: layer, layer_count: 1, ..region.image_subresource };
                pieces.push((
                    vk::BufferImageCopy { buffer_offset: from, image_subresource: sub, ..region },
                    from as usize..(from + layer_size) as usize,
                ));
            }
        }
        pieces
    }

    /// Checks that mips of `image` can be generated with linear blits.
    fn check_blits(&self, image: &Image) -> Result<()> {
        let d = image.desc();
        let props = self.alloc.context().format_properties(d.format);
        let needed = vk::FormatFeatureFlags::BLIT_SRC
            | vk::FormatFeatureFlags::BLIT_DST
            | vk::FormatFeatureFlags::SAMPLED_IMAGE_FILTER_LINEAR;
        // A depth or stencil format is blitted with nearest filtering only
        // (VUID-vkCmdBlitImage-srcImage-00232), whatever its features say: the chain is linear.
        let depth_stencil =
            format_aspects(d.format).intersects(vk::ImageAspectFlags::DEPTH | vk::ImageAspectFlags::STENCIL);
        if depth_stencil || !props.optimal_tiling_features.contains(needed) {
            return Err(Error::MipGenerationUnsupported { name: d.name.clone(), format: d.format });
        }
        Self::require_usage(image, vk::ImageUsageFlags::TRANSFER_SRC, "mip generation")
    }

    /// Blits level i-1 into level i for every level, leaving 0..n-1 in TRANSFER_SRC_OPTIMAL.
    fn record_mip_chain(&mut self, image: &Image) {
        let d = image.desc();
        let all = full_range(image);
        for level in 1..d.mip_levels {
            let src = vk::ImageSubresourceRange { base_mip_level: level - 1, level_count: 1, ..all };
            self.image_barrier(
                image,
                src,
                TRANSFER_WRITE,
                (vk::PipelineStageFlags2::BLIT, vk::AccessFlags2::TRANSFER_READ),
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            );
            let blit = mip_blit(&all, d.extent, level);
            // SAFETY: source level is TRANSFER_SRC and destination TRANSFER_DST (ordered by the
            // barrier above); blits and linear filtering were checked for the format.
            unsafe {
                self.device().cmd_blit_image(
                    self.cmd,
                    image.handle(),
                    vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                    image.handle(),
                    vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                    &[blit],
                    vk::Filter::LINEAR,
                )
            };
        }
    }

    /// Records a transition of every subresource of `image` to `layout`, keeping its contents,
    /// after everything recorded before (a no-op where it is in `layout` already).
    ///
    /// Refused with [`Error::InUseByRecordedWork`] where this recording has not used `image` yet
    /// and another recording not yet handed off (a batch not submitted, a recorder not
    /// finished) changes its layout: either could be submitted first. Work handed off
    /// (in flight or not) is no obstacle: this recording starts from the layout it leaves,
    /// submitted after it. At hand-off, a recording whose first command found the image in a
    /// layout that another recording handed off since has changed is refused the same way.
    pub fn transition_image(&mut self, image: &Image, layout: vk::ImageLayout) -> Result<()> {
        self.own_image(image)?;
        self.flush_image_uploads();
        let old = self.known_layout(image)?;
        if old == layout {
            return Ok(());
        }
        let (d, swapchain) = (image.desc(), self.alloc.context().capabilities().enabled.swapchain);
        crate::valid::layout::check(&d.name, d.format, d.usage, layout, swapchain)?;
        self.image_barrier(image, full_range(image), ANY, ANY, old, layout);
        self.track_layout(image, old, layout);
        self.commands += 1;
        self.hold(image.keep_alive());
        Ok(())
    }

    /// Records a copy of every mip level and layer of `image` into host memory, readable
    /// through the returned [`Download`] once the work has finished; the image keeps its
    /// layout. `image` needs `TRANSFER_SRC` usage and contents (a layout other than undefined).
    ///
    /// Refused with [`Error::InUseByRecordedWork`] where this recording has not used `image` yet
    /// and another recording not yet handed off (a batch not submitted, a recorder not
    /// finished) changes its layout or writes it: either could be submitted first. Work handed off
    /// (in flight or not) is no obstacle: this recording starts from the layout it leaves,
    /// submitted after it. At hand-off, a recording whose first command found the image in a
    /// layout that another recording handed off since has changed is refused the same way.
    pub fn download_image(&mut self, image: &Image) -> Result<Download> {
        self.own_image(image)?;
        self.flush_image_uploads();
        let d = image.desc();
        let block = Self::transferable(image)?;
        Self::require_usage(image, vk::ImageUsageFlags::TRANSFER_SRC, "a download")?;
        // Another recording that writes the image or changes its layout and is not handed off
        // yet: this download could be submitted before it (and read the old bytes) or after it
        // (with a barrier naming a layout the image is no longer in). Handed-off work runs
        // before this download (submitted earlier on the queue; the barrier's source is ANY). Where this recording
        // wrote or transitioned the image itself, the download reads what it left (ordered by
        // its own barriers), and the layout was taken by that earlier command.
        if self.tables.layouts.get(&image.handle()).is_none_or(|(hold, _)| hold.is_reader()) {
            let pending = image.pending_layout_holds();
            if pending > 0 {
                return Err(Error::InUseByRecordedWork {
                    name: format!("{} (written or transitioned by another recording)", d.name),
                    holds: u64::from(pending),
                });
            }
        }
        let layout = self.known_layout(image)?;
        if layout == vk::ImageLayout::UNDEFINED {
            return Err(Error::Uninitialized { name: d.name.clone() });
        }
        let size = format::image_data_size(block, d.extent, d.mip_levels, d.array_layers);
        let readback = self.readback_buffer(size, &d.name)?;
        let all = full_range(image);
        let read = (vk::PipelineStageFlags2::ALL_TRANSFER, vk::AccessFlags2::TRANSFER_READ);
        self.image_barrier(image, all, ANY, read, layout, vk::ImageLayout::TRANSFER_SRC_OPTIMAL);
        let regions = Self::level_regions(image, block, d.mip_levels);
        // SAFETY: the readback buffer holds exactly the bytes the regions address; the image is
        // in TRANSFER_SRC_OPTIMAL with TRANSFER_SRC usage; both are held until the fence.
        unsafe {
            self.device().cmd_copy_image_to_buffer(
                self.cmd,
                image.handle(),
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                readback.handle(),
                &regions,
            )
        };
        self.image_barrier(
            image,
            all,
            (vk::PipelineStageFlags2::ALL_TRANSFER, vk::AccessFlags2::NONE),
            ANY,
            vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
            layout,
        );
        // The host reads the readback buffer after the closing barrier.
        self.track_read(image, layout);
        self.commands += 1;
        self.hold(image.keep_alive());
        // Written by the copy: its mapping refuses reads until the work has finished (the
        // `Download` reads it only after its flag).
        self.hold(readback.keep_alive_written());
        Ok(self.register_download(readback))
    }
}
