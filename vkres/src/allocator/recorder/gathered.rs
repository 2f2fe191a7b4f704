//! Staged buffer uploads gathered (issue 20, item 1): the staged uploads a recorder takes go
//! into [`PendingCopies`], and are recorded together at the next flush as one
//! `vkCmdCopyBuffer` per staging chunk and destination buffer, with a region per upload,
//! instead of one command each. A flush comes before anything else is recorded that could
//! touch a buffer (a copy, a download, the builds, an image command) and before the closing
//! barrier, so that the barriers the recorder works out (`order_transfer`) hold as if each
//! copy had been recorded at once.

use ash::vk;

use super::Recorder;
use crate::handle_map::HandleMap;

/// Staged buffer copies recorded since the last flush.
#[derive(Debug, Default)]
pub(crate) struct PendingCopies {
    /// Staging buffer, destination, region, in the order taken.
    copies: Vec<(vk::Buffer, vk::Buffer, vk::BufferCopy)>,
    /// Per destination: the lowest offset and the highest end of its pending regions. A
    /// region that starts at or after the end, or ends at or before the start, overlaps none
    /// (the regions of one `vkCmdCopyBuffer` must not overlap, and a later upload of the same
    /// bytes must land after the earlier one).
    spans: HandleMap<vk::Buffer, (u64, u64)>,
    /// The regions of one command, reused from flush to flush.
    regions: Vec<vk::BufferCopy>,
}

impl PendingCopies {
    /// Forgets the copies, keeping the room.
    pub(crate) fn clear(&mut self) {
        self.copies.clear();
        self.spans.clear();
        self.regions.clear();
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
    /// the work recorded before it, as an immediate copy would be.
    pub(super) fn gather_copy(&mut self, staging: vk::Buffer, dst: vk::Buffer, region: vk::BufferCopy) {
        // Inside dst (checked by the caller): no overflow.
        let end = region.dst_offset + region.size;
        match self.tables.pending_copies.spans.get(&dst).copied() {
            Some((start, last_end)) if region.dst_offset >= last_end || end <= start => {}
            Some(_) => {
                self.flush_buffer_uploads();
                self.order_transfer(staging, dst);
            }
            None => self.order_transfer(staging, dst),
        }
        let pending = &mut self.tables.pending_copies;
        let span = pending.spans.entry(dst).or_insert((region.dst_offset, end));
        *span = (span.0.min(region.dst_offset), span.1.max(end));
        pending.copies.push((staging, dst, region));
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
        // Stable: one destination's regions stay in the order taken (they do not overlap).
        pending.copies.sort_by_key(|(staging, dst, _)| (*dst, *staging));
        let mut rest = &pending.copies[..];
        while let Some(&(staging, dst, _)) = rest.first() {
            let run = rest.iter().take_while(|(s, d, _)| (*s, *d) == (staging, dst)).count();
            pending.regions.clear();
            pending.regions.extend(rest[..run].iter().map(|(_, _, region)| *region));
            debug_assert!(disjoint(&pending.regions), "overlapping regions gathered into one copy");
            // SAFETY: the command buffer is recording; `staging` holds each region's bytes
            // (staged for it, held by the staging set until the work has finished) and has
            // TRANSFER_SRC usage; `dst` is live, held until the work has finished, has
            // TRANSFER_DST usage and holds each region (checked as each was taken); the regions
            // of one destination do not overlap (`gather_copy`), nor can source and destination
            // (a staging chunk is never a destination).
            unsafe { alloc.context().device().cmd_copy_buffer(self.cmd, staging, dst, &pending.regions) };
            self.tables.written.insert(dst);
            self.tables.read.insert(staging);
            rest = &rest[run..];
        }
        let pending = &mut self.tables.pending_copies;
        pending.copies.clear();
        pending.spans.clear();
    }
}

/// Whether no two of `regions` overlap in their destination (checked in debug builds: the
/// tests' uploads in every order then find a gathering that breaks the rule).
fn disjoint(regions: &[vk::BufferCopy]) -> bool {
    let mut spans: Vec<(u64, u64)> = regions.iter().map(|r| (r.dst_offset, r.dst_offset + r.size)).collect();
    spans.sort_unstable();
    spans.windows(2).all(|w| w[0].1 <= w[1].0)
}
