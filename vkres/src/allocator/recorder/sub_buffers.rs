//! Transfers of [`SubBuffer`] ranges: the buffer transfers of `buffers.rs` on the arena's
//! buffer, at the range's offset, holding the range until the work has finished.

use bytemuck::Pod;

use super::buffers::Direct;
use super::{OneRound, Recorder, Rounds};
use crate::error::Result;
use crate::resources::SubBuffer;
use crate::staging::Download;

impl Recorder<'_> {
    /// Records an upload of `data` into the range `dst` at element `offset`: as
    /// [`upload`](Self::upload) (written at once where the arena is a direct-write buffer in
    /// host-visible memory that no command recorded before uses, staged otherwise). Data that
    /// runs past the range's end is [`Error::DataTooLarge`](crate::Error::DataTooLarge), never
    /// written into a neighbour.
    pub fn upload_sub<T: Pod>(&mut self, dst: &SubBuffer<T>, offset: u64, data: &[T]) -> Result<()> {
        self.upload_sub_in(&mut OneRound, dst, offset, data)
    }

    /// [`upload_sub`](Self::upload_sub) with `rounds` deciding what happens when staging runs
    /// out.
    pub(in crate::allocator) fn upload_sub_in<R: Rounds, T: Pod>(
        &mut self,
        rounds: &mut R,
        dst: &SubBuffer<T>,
        offset: u64,
        data: &[T],
    ) -> Result<()> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        // An element offset past `u64` saturates, and is then past the range's end.
        let at = dst.checked_byte_range(offset, bytes.len() as u64)?;
        if bytes.is_empty() {
            return Ok(());
        }
        // Per range (issue 16, item 2): written at once unless recorded work on this range
        // (not another range of the arena) is pending; staged otherwise, after that work.
        // Where the range is written at once, it is taken for that write first (one step with
        // the check: a use another thread records meanwhile waits for the copy to end).
        let direct = dst.arena_buffer().direct_writable();
        let writing = if direct { dst.begin_host_write().ok() } else { None };
        let in_use = if direct { writing.is_none() } else { dst.recorded_uses() > 0 };
        if in_use || !direct {
            // Staged (`write_directly` decides the same): the copy holds the range, and counts
            // a use of it, until it has run; held first, so that a piece recorded before an
            // error is covered too.
            self.tables.ranges.push(dst.hold());
        }
        let result = self.upload_raw_as(rounds, dst.arena_buffer(), at, bytes, Direct::Range { in_use });
        drop(writing);
        result
    }

    /// Records a copy of the range `src` into host-visible memory, readable through the
    /// returned [`Download`] once the work has finished.
    pub fn download_sub<T>(&mut self, src: &SubBuffer<T>) -> Result<Download> {
        let readback = self.readback_buffer(src.size(), src.name())?;
        // Held before the copy is recorded (a host write into the range waits for the claim),
        // given back at once where the copy is refused: a failed call holds nothing.
        let hold = src.hold_read();
        self.copy_buffer(src.arena_buffer(), src.offset(), &readback, 0, src.size())?;
        self.tables.ranges.push(hold);
        Ok(self.register_download(readback))
    }
}
