//! [`Tables`]: what a [`Recorder`](super::Recorder) tracks while it records and what its work
//! holds until it has finished; kept (emptied) by the allocator's recycler afterwards, so that
//! the next batch or recorder records without allocating them anew.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use ash::vk;

use super::recorder::{GeometryRecord, PendingBuild};
use crate::handle_map::{HandleMap, HandleSet};
use crate::resources::AccelerationStructure;
use crate::resources::image::LayoutHold;
use crate::resources::suballoc::RangeUse;

/// The tables a recorder fills as it records, which grow with the resources it records on. The
/// work's [`InFlight`](super::InFlight) (or the batch that waited for it) gives them back,
/// emptied, to the recycler, so that the next batch or recorder records without allocating and
/// growing them anew (a bundle of 64 resources grew them about 25 times).
#[derive(Default)]
pub(crate) struct Tables {
    /// Buffers written and read by transfers since the last barrier: a transfer that reads
    /// or writes what an earlier one wrote, or writes what an earlier one read, needs one.
    pub(crate) written: WrittenSet,
    pub(crate) read: HandleSet<vk::Buffer>,
    /// Every buffer a recorded command reads or writes, kept until the recorded work has
    /// finished (never cleared by a barrier): a host write into one of them would race that
    /// work, so uploads into them are staged and ordered instead of written directly.
    pub(crate) touched: HandleSet<vk::Buffer>,
    /// Mapped buffers held as written (`Buffer::keep_alive_written`) by an upload into them:
    /// an upload into a buffer touched before only as a source still takes the write hold.
    pub(crate) write_held: HandleSet<vk::Buffer>,
    /// The layout each image recorded on will have once the work ran; applied to the images
    /// when the recording is handed off (submitted, or finished for the caller's submission;
    /// discarded work changes no layout). Each entry counts on its image until then
    /// (`LayoutHold`): downloads and layout-keeping commands of other recordings are refused
    /// meanwhile, not waited for.
    pub(crate) layouts: HandleMap<vk::Image, (LayoutHold, vk::ImageLayout)>,
    /// Released after the work finished.
    pub(crate) keep_alive: Vec<Arc<dyn Send + Sync>>,
    /// The refit sets the recording uses (held as `keep_alive` is), stamped when it is handed
    /// off (`Recorder::stamp_refits`).
    pub(crate) refit_sets: Vec<Arc<crate::resources::accel::RefitSet>>,
    /// The ranges the recorder's transfers use (`upload_sub`, `download_sub`), released after
    /// the work finished: a handle each without an allocation of its own.
    pub(crate) ranges: Vec<RangeUse>,
    /// Set when the work has finished: its downloads can then be read, and the acceleration
    /// structures it built be referenced.
    pub(crate) completions: Vec<Completion>,
    /// Image uploads whose commands are recorded together at the next flush (`recorder/images.rs`).
    pub(crate) pending_uploads: PendingUploads,
    /// Acceleration-structure builds recorded at the next round's end (`recorder/accel.rs`),
    /// their geometries one after another in `geometries` (each build names its range), and
    /// where each group of builds that go into one build command ends (`group_ends`, filled
    /// while they are recorded): kept here so that a frame's refits allocate no vector.
    pub(crate) builds: Vec<PendingBuild>,
    pub(crate) geometries: Vec<GeometryRecord>,
    pub(crate) group_ends: Vec<usize>,
    /// The structures of the group of builds being formed (`recorder/accel.rs`).
    pub(crate) in_group: HandleSet<vk::AccelerationStructureKHR>,
    /// The buffers the queued builds (`builds`, recorded at the round's end) read: a transfer
    /// that writes one records those builds first (`Recorder::builds_before_write`), so that
    /// each build reads what was uploaded before it, not after (issue 16, session 11 review15).
    pub(crate) build_inputs: HandleSet<vk::Buffer>,
    /// Structures the recorder builds: a TLAS it builds may refer to them. Here rather than
    /// in the recorder so that 1000 BLASes of one batch do not grow a new set each time.
    pub(crate) built_here: HandleSet<vk::AccelerationStructureKHR>,
    /// How many of `completions` `built_here` has seen (`Recorder::sync_built_here`): the set
    /// is filled from them when a TLAS or refit asks, not per build.
    pub(crate) built_synced: usize,
    /// Staged buffer copies recorded together at the next flush (`recorder/gathered.rs`).
    pub(crate) pending_copies: super::recorder::PendingCopies,
    /// The storage name of the last BLAS built (`{name}/storage`), shared by the next one of
    /// the same name (`resources/accel.rs`, `storage_name_reusing`); dropped with the
    /// rest when the tables are emptied.
    pub(crate) last_storage_name: Option<Arc<str>>,
}

impl std::fmt::Debug for Tables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tables")
            .field("touched", &self.touched.len())
            .field("layouts", &self.layouts.len())
            .field("keep_alive", &self.keep_alive.len())
            .field("ranges", &self.ranges.len())
            .finish_non_exhaustive()
    }
}

impl Tables {
    /// Tables with more room than this many entries are not kept: kept tables hold at most
    /// about 0.35 MB (most of it the pending texture uploads' barriers), for each of the
    /// recycler's pools, and one batch of many thousand resources keeps nothing for later ones.
    const KEEP_CAPACITY: usize = 4096;

    /// Empties the tables, dropping what they hold; `None` if one of them grew too large to keep.
    pub(crate) fn emptied(mut self: Box<Self>) -> Option<Box<Self>> {
        self.written.clear();
        self.read.clear();
        self.touched.clear();
        self.write_held.clear();
        self.layouts.clear();
        self.keep_alive.clear();
        self.refit_sets.clear();
        self.ranges.clear();
        self.completions.clear();
        self.pending_uploads.clear();
        self.builds.clear();
        self.geometries.clear();
        self.group_ends.clear();
        self.in_group.clear();
        self.build_inputs.clear();
        self.built_here.clear();
        self.built_synced = 0;
        self.pending_copies.clear();
        self.last_storage_name = None;
        let capacities = [
            self.written.capacity(),
            self.read.capacity(),
            self.touched.capacity(),
            self.write_held.capacity(),
            self.layouts.capacity(),
            self.keep_alive.capacity(),
            self.refit_sets.capacity(),
            self.ranges.capacity(),
            self.completions.capacity(),
            self.pending_uploads.capacity(),
            self.builds.capacity(),
            self.geometries.capacity(),
            self.group_ends.capacity(),
            self.in_group.capacity(),
            self.build_inputs.capacity(),
            self.built_here.capacity(),
            self.pending_copies.capacity(),
        ];
        capacities.iter().all(|&c| c <= Self::KEEP_CAPACITY).then_some(self)
    }
}

/// The buffers transfers wrote since the last barrier: a set, and the destinations of the
/// gathered copies a flush recorded, listed unhashed (`note`) and hashed into the set only when
/// the set is first asked (session 11, helper "xfer11"). 1000 uploads into 1000 buffers then
/// submitted (the usual batch: nothing asks after the last flush) hash none of them: one
/// insertion less per destination.
#[derive(Debug, Default)]
pub(crate) struct WrittenSet {
    set: HandleSet<vk::Buffer>,
    unhashed: Vec<vk::Buffer>,
}

impl WrittenSet {
    /// Adds `buffer`.
    pub(crate) fn insert(&mut self, buffer: vk::Buffer) {
        self.set.insert(buffer);
    }

    /// Adds `buffer`, unhashed until the set is asked.
    pub(crate) fn note(&mut self, buffer: vk::Buffer) {
        self.unhashed.push(buffer);
    }

    /// Whether `buffer` was added since the last `clear`.
    pub(crate) fn contains(&mut self, buffer: &vk::Buffer) -> bool {
        if !self.unhashed.is_empty() {
            self.set.extend(self.unhashed.drain(..));
        }
        self.set.contains(buffer)
    }

    /// Whether nothing was added since the last `clear`.
    pub(crate) fn is_empty(&self) -> bool {
        self.set.is_empty() && self.unhashed.is_empty()
    }

    /// Forgets every buffer, keeping the room.
    pub(crate) fn clear(&mut self) {
        self.set.clear();
        self.unhashed.clear();
    }

    /// The room of the larger part.
    pub(crate) fn capacity(&self) -> usize {
        self.set.capacity().max(self.unhashed.capacity())
    }
}

/// What finished work marks done.
pub(crate) enum Completion {
    /// A download's flag: readable.
    Flag(Arc<AtomicBool>),
    /// A structure it built (held here as by the work: no flag of its own to allocate).
    Built(AccelerationStructure),
}

/// Image uploads of one copy each (a level and its layers within a staging chunk, the usual
/// texture) recorded since the last flush. Their commands go into the command buffer together
/// when the recorder records anything else that could touch an image, or finishes: one barrier
/// command with every image's transition to `TRANSFER_DST_OPTIMAL`, the copies, and one barrier
/// command with every transition to its final layout, as one writes them by hand, rather than
/// two barrier commands per image (each a pipeline drain on some drivers; on lavapipe, a flush
/// of its command stream).
///
/// Images whose mips are generated from the copied level 0 (`mips`) have theirs blitted level
/// by level across all of them: per level one barrier command (every image's previous level to
/// `TRANSFER_SRC_OPTIMAL`) and the blits, as one writes it by hand, rather than a barrier per
/// image and level; their transitions to the final layout join the last barrier command.
#[derive(Debug, Default)]
pub(crate) struct PendingUploads {
    pub(crate) to_dst: Vec<vk::ImageMemoryBarrier2<'static>>,
    /// Staging buffer, image, region.
    pub(crate) copies: Vec<(vk::Buffer, vk::Image, vk::BufferImageCopy)>,
    pub(crate) to_final: Vec<vk::ImageMemoryBarrier2<'static>>,
    /// The images of `copies` whose other levels are generated.
    pub(crate) mips: Vec<PendingMips>,
    /// Room for one level's barriers while the mips are recorded.
    pub(crate) level_barriers: Vec<vk::ImageMemoryBarrier2<'static>>,
}

/// An image of [`PendingUploads::mips`]: what its blits and barriers need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingMips {
    pub(crate) image: vk::Image,
    /// Its aspect, level count and layer count (every level and layer is generated).
    pub(crate) range: vk::ImageSubresourceRange,
    /// Level 0's extent.
    pub(crate) extent: vk::Extent3D,
    /// Where the upload leaves it.
    pub(crate) final_layout: vk::ImageLayout,
}

impl PendingUploads {
    /// Forgets the uploads, keeping the room.
    pub(crate) fn clear(&mut self) {
        self.to_dst.clear();
        self.copies.clear();
        self.to_final.clear();
        self.mips.clear();
        self.level_barriers.clear();
    }

    /// The room of the largest list.
    pub(crate) fn capacity(&self) -> usize {
        self.to_dst
            .capacity()
            .max(self.copies.capacity())
            .max(self.to_final.capacity())
            .max(self.mips.capacity())
            .max(self.level_barriers.capacity())
    }
}
