//! Staged buffer uploads gathered (issue 20, item 1): the staged uploads a recorder takes go
//! into [`PendingCopies`], and are recorded together at the next flush as one
//! `vkCmdCopyBuffer` per staging chunk and destination buffer, with a region per upload,
//! instead of one command each. A flush comes before anything else is recorded that could
//! touch a buffer (a copy, a download, the builds, an image command) and before the closing
//! barrier, so that the barriers the recorder works out (`order_transfer`) hold as if each
//! copy had been recorded at once. See docs/design-notes.md ("Suballocated buffers at 10x,
//! staged uploads gathered, the method").

use ash::vk;

use super::Recorder;
use crate::handle_map::HandleMap;

/// The bytes of one destination that pending copies write.
#[derive(Debug)]
enum Span {
    /// Regions taken in order of their offsets (the usual case): the lowest offset and the
    /// highest end of them.
    Hull(u64, u64),
    /// Regions taken out of order (ranges of an arena's slabs of several sizes, taken in
    /// turn): the bytes they write as disjoint runs sorted by start, adjacent regions merged
    /// into one run (the slots of one slab: a few runs for a thousand regions). A sorted list
    /// rather than a tree: no allocation per region, a binary search per look-up.
    Runs(Vec<(u64, u64)>),
}

impl Span {
    /// Adds `start..end` if it overlaps no pending region of `dst` (whether it did); `copies`
    /// are the pending copies, from which the regions of `dst` are listed when one falls inside
    /// the hull. One search of the runs for both the test and the insertion (session 11,
    /// helper "xfer11": the test and the insertion were two searches and two look-ups of the
    /// span per region).
    fn try_add(
        &mut self,
        start: u64,
        end: u64,
        dst: vk::Buffer,
        copies: &[(vk::Buffer, vk::Buffer, vk::BufferCopy)],
    ) -> bool {
        if let Span::Hull(lo, hi) = *self {
            if start >= hi || end <= lo {
                *self = Span::Hull(lo.min(start), hi.max(end));
                return true;
            }
            let mut regions: Vec<(u64, u64)> = copies
                .iter()
                .filter(|(_, d, _)| *d == dst)
                .map(|(_, _, r)| (r.dst_offset, r.dst_offset + r.size))
                .collect();
            regions.sort_unstable();
            // Disjoint (each was checked as it was taken): merge the adjacent ones.
            let mut runs: Vec<(u64, u64)> = Vec::with_capacity(regions.len());
            for (s, e) in regions {
                match runs.last_mut() {
                    Some(last) if last.1 == s => last.1 = e,
                    _ => runs.push((s, e)),
                }
            }
            *self = Span::Runs(runs);
        }
        let Span::Runs(runs) = self else { return false };
        // The run starting last before `end` is the only one that can reach past `start` (the
        // runs are disjoint and sorted, so every earlier one ends before it starts).
        let at = runs.partition_point(|&(s, _)| s < end);
        if at > 0 && runs[at - 1].1 > start {
            return false;
        }
        // Disjoint: every run before `at` ends by `start` (so starts before it), every run
        // from `at` on starts at `end` or later; `at` is where `start..end` goes.
        let joins_prev = at > 0 && runs[at - 1].1 == start;
        let joins_next = runs.get(at).is_some_and(|&(s, _)| s == end);
        match (joins_prev, joins_next) {
            (true, true) => {
                runs[at - 1].1 = runs[at].1;
                runs.remove(at);
            }
            (true, false) => runs[at - 1].1 = end,
            (false, true) => runs[at].0 = start,
            (false, false) => runs.insert(at, (start, end)),
        }
        true
    }
}

/// Staged buffer copies recorded since the last flush.
#[derive(Debug, Default)]
pub(crate) struct PendingCopies {
    /// Staging buffer, destination, region, in the order taken.
    copies: Vec<(vk::Buffer, vk::Buffer, vk::BufferCopy)>,
    /// Per destination: the bytes its pending regions write, to find whether a new region
    /// overlaps one (the regions of one `vkCmdCopyBuffer` must not overlap, and a later upload
    /// of the same bytes must land after the earlier one).
    spans: HandleMap<vk::Buffer, Span>,
    /// The regions of one command, reused from flush to flush.
    regions: Vec<vk::BufferCopy>,
    /// Whether the copies of some destination are not next to each other in `copies` (a
    /// destination taken again after another one): the flush then sorts them by destination.
    /// Uploads taken one destination after another (the usual case) need no sort.
    scattered: bool,
    /// How many of `copies`, from the first, have their destination's span in `spans`. The
    /// rest were taken `fresh` (each the only pending region of its destination, which no
    /// region taken since writes): their spans are made only when a destination that is not
    /// fresh is taken, which may be one of theirs (`index_fresh`). 1000 uploads into 1000
    /// buffers then make no span at all: one hash-map insertion less per upload (session 11,
    /// helper "xfer11").
    indexed: usize,
}

impl PendingCopies {
    /// Forgets the copies, keeping the room.
    pub(crate) fn clear(&mut self) {
        self.copies.clear();
        self.spans.clear();
        self.regions.clear();
        self.scattered = false;
        self.indexed = 0;
    }

    /// Makes the spans of the copies taken `fresh` since the last one indexed: each is its
    /// destination's only pending region.
    fn index_fresh(&mut self) {
        for &(_, dst, region) in &self.copies[self.indexed..] {
            let previous = self.spans.insert(dst, Span::Hull(region.dst_offset, region.dst_offset + region.size));
            debug_assert!(previous.is_none(), "a fresh destination had a pending region");
        }
        self.indexed = self.copies.len();
    }

    /// The room of the largest list.
    pub(crate) fn capacity(&self) -> usize {
        self.copies.capacity().max(self.spans.capacity()).max(self.regions.capacity())
    }
}

impl Recorder<'_> {
    /// Takes a staged copy of `region` from `staging` into `dst` (both held by the caller until
    /// the work has finished), recorded at the next flush. A region that may overlap a pending
    /// one of `dst` flushes those first; the first region of a destination is ordered after
    /// the work recorded before it, as an immediate copy would be. `fresh`: no command recorded
    /// here uses `dst` (the caller found it in no table), so nothing orders it and it has no
    /// pending region (two table operations instead of about ten: issue 20, item 1); the
    /// caller marked it touched already (`Tables::touched`), in the look-up that found it fresh.
    pub(super) fn gather_copy(&mut self, staging: vk::Buffer, dst: vk::Buffer, region: vk::BufferCopy, fresh: bool) {
        // Inside dst (checked by the caller): no overflow.
        let end = region.dst_offset + region.size;
        if fresh {
            self.order_staged(staging, dst, true);
            // Its span is made when a destination that is not fresh is taken (`indexed`).
            self.tables.pending_copies.copies.push((staging, dst, region));
            return;
        }
        let pending = &mut self.tables.pending_copies;
        pending.index_fresh();
        let added = pending.spans.get_mut(&dst).map(|span| span.try_add(region.dst_offset, end, dst, &pending.copies));
        match added {
            // Pending copies of dst, and the last one taken is of another destination.
            Some(true) => pending.scattered |= pending.copies.last().is_some_and(|&(_, d, _)| d != dst),
            overlap_or_none => {
                if overlap_or_none.is_some() {
                    // It overlaps a pending region: those are recorded first.
                    self.flush_buffer_uploads();
                }
                self.order_staged(staging, dst, false);
                self.tables.pending_copies.spans.insert(dst, Span::Hull(region.dst_offset, end));
            }
        }
        let pending = &mut self.tables.pending_copies;
        pending.copies.push((staging, dst, region));
        pending.indexed = pending.copies.len();
    }

    /// [`order_transfer`](Recorder::order_transfer) for a gathered copy from a staging chunk,
    /// which no transfer writes: a barrier if a transfer recorded since the last one wrote or
    /// read `dst`. The copy counts as a transfer that writes `dst` and reads `staging` only
    /// once recorded (`flush_buffer_uploads`), as every command that could race it flushes the
    /// pending copies first. `fresh`: no command recorded here uses `dst` (nor can a transfer
    /// since the last barrier have, then), which the caller marked touched already.
    fn order_staged(&mut self, staging: vk::Buffer, dst: vk::Buffer, fresh: bool) {
        if self.lane_on {
            self.lane.touch(staging);
            self.lane.touch(dst);
        }
        let known = if fresh {
            debug_assert!(self.tables.touched.contains(&dst), "a fresh destination was not marked touched");
            false
        } else {
            !self.tables.touched.insert(dst)
        };
        if known && (self.tables.written.contains(&dst) || self.tables.read.contains(&dst)) {
            self.barrier(
                vk::MemoryBarrier2::default()
                    .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                    .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                    .dst_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                    .dst_access_mask(vk::AccessFlags2::TRANSFER_READ | vk::AccessFlags2::TRANSFER_WRITE),
            );
            self.tables.written.clear();
            self.tables.read.clear();
        }
    }

    /// Records the pending staged copies: one `vkCmdCopyBuffer` per staging buffer and
    /// destination, with all their regions. Their destinations count as written by transfers
    /// since the last barrier again (a barrier recorded while they were pending cleared that).
    pub(in crate::allocator) fn flush_buffer_uploads(&mut self) {
        let alloc = self.alloc;
        let pending = &mut self.tables.pending_copies;
        if pending.copies.is_empty() {
            return;
        }
        // Each destination's copies next to each other, those of one staging buffer too (a
        // staging buffer's copies into dst taken one after another are already). The order of
        // one destination's regions does not matter: they do not overlap (`gather_copy`). An
        // unstable sort: no scratch allocation (a stable sort of 1000 copies allocated its
        // buffer at every flush).
        if pending.scattered {
            pending.copies.sort_unstable_by_key(|(staging, dst, region)| (*dst, *staging, region.dst_offset));
        }
        let mut rest = &pending.copies[..];
        let mut last_staging = vk::Buffer::null();
        while let Some(&(staging, dst, _)) = rest.first() {
            let run = rest.iter().take_while(|(s, d, _)| (*s, *d) == (staging, dst)).count();
            // One region (an upload per destination: the usual case) is passed as it is.
            let one;
            let regions: &[vk::BufferCopy] = if run == 1 {
                one = [rest[0].2];
                &one
            } else {
                pending.regions.clear();
                pending.regions.extend(rest[..run].iter().map(|(_, _, region)| *region));
                &pending.regions
            };
            debug_assert!(disjoint(regions), "overlapping regions gathered into one copy");
            // SAFETY: the command buffer is recording; `staging` holds each region's bytes
            // (staged for it, held by the staging set until the work has finished) and has
            // TRANSFER_SRC usage; `dst` is live, held until the work has finished, has
            // TRANSFER_DST usage and holds each region (checked as each was taken); the regions
            // of one destination do not overlap (`gather_copy`), nor can source and destination
            // (a staging chunk is never a destination).
            unsafe { alloc.context().device().cmd_copy_buffer(self.cmd, staging, dst, regions) };
            self.tables.written.note(dst);
            if staging != last_staging {
                self.tables.read.insert(staging);
                last_staging = staging;
            }
            rest = &rest[run..];
        }
        let pending = &mut self.tables.pending_copies;
        pending.copies.clear();
        pending.spans.clear();
        pending.scattered = false;
        pending.indexed = 0;
    }
}

/// Whether no two of `regions` overlap in their destination (checked in debug builds: the
/// tests' uploads in every order then find a gathering that breaks the rule).
fn disjoint(regions: &[vk::BufferCopy]) -> bool {
    let mut spans: Vec<(u64, u64)> = regions.iter().map(|r| (r.dst_offset, r.dst_offset + r.size)).collect();
    spans.sort_unstable();
    spans.windows(2).all(|w| w[0].1 <= w[1].0)
}
