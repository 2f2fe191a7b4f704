//! Buffer transfers of a [`Recorder`]: uploads through staging (or direct writes), copies,
//! downloads.

use ash::vk;
use bytemuck::Pod;

use super::{OneRound, Recorder, Rounds};
use crate::error::{Error, Result, check_range};
use crate::memory::{MappingType, MemoryLocation};
use crate::resources::{Buffer, BufferDesc};
use crate::staging::Download;
use crate::valid::device::same_device;

impl Recorder<'_> {
    /// Records an upload of `data` into `dst` at element `offset`, through staging memory (or
    /// written at once, where `dst` is a direct-write buffer in host-visible memory that no
    /// command recorded before uses). The data is in `dst` once the work has finished.
    ///
    /// Staged uploads are gathered: their copies are recorded at the recorder's next command
    /// on a buffer (a copy, a download, the builds) or at [`finish`](Self::finish), one
    /// `vkCmdCopyBuffer` per destination with a region per upload.
    ///
    /// `dst` needs `TRANSFER_DST` usage. Data that runs past its end is
    /// [`Error::DataTooLarge`], checked before anything is allocated.
    pub fn upload<T: Pod>(&mut self, dst: &Buffer<T>, offset: u64, data: &[T]) -> Result<()> {
        self.upload_in(&mut OneRound, dst, offset, data)
    }

    /// [`upload`](Self::upload) of raw bytes at a byte offset.
    pub fn upload_bytes(&mut self, dst: &Buffer, offset: u64, data: &[u8]) -> Result<()> {
        self.upload_raw(&mut OneRound, dst, offset, data)
    }

    /// [`upload`](Self::upload) with `rounds` deciding what happens when staging runs out.
    pub(in crate::allocator) fn upload_in<R: Rounds, T: Pod>(
        &mut self,
        rounds: &mut R,
        dst: &Buffer<T>,
        offset: u64,
        data: &[T],
    ) -> Result<()> {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let Some(byte_offset) = offset.checked_mul(size_of::<T>() as u64) else {
            return Err(Error::DataTooLarge {
                name: dst.name().into(),
                offset: u64::MAX,
                given: bytes.len() as u64,
                capacity: dst.size(),
            });
        };
        self.upload_raw(rounds, dst, byte_offset, bytes)
    }

    /// [`upload_bytes`](Self::upload_bytes) into a buffer of any element type (no byte handle
    /// made for it: two reference-count changes less per upload).
    pub(in crate::allocator) fn upload_raw<R: Rounds, T>(
        &mut self,
        rounds: &mut R,
        dst: &Buffer<T>,
        offset: u64,
        data: &[u8],
    ) -> Result<()> {
        self.upload_raw_as(rounds, dst, offset, data, Direct::Buffer)
    }

    /// [`upload_raw`](Self::upload_raw), with `direct` saying what the direct path asks of
    /// `dst` (the whole buffer, or a range whose recorded uses are counted by itself).
    pub(super) fn upload_raw_as<R: Rounds, T>(
        &mut self,
        rounds: &mut R,
        dst: &Buffer<T>,
        offset: u64,
        data: &[u8],
        direct: Direct,
    ) -> Result<()> {
        let len = data.len() as u64;
        self.own_buffer_before_upload(dst)?;
        check_range(dst.name(), offset, len, dst.size())?;
        if !dst.usage().contains(vk::BufferUsageFlags::TRANSFER_DST) {
            return Err(Error::MissingUsage {
                name: dst.name().into(),
                operation: "an upload",
                needed: vk::BufferUsageFlags::TRANSFER_DST.into(),
                usage: dst.usage().into(),
            });
        }
        if data.is_empty() {
            return Ok(());
        }
        // A buffer a command recorded here uses is held already (by these tables, until all of
        // the work has finished): another upload into it (a range of an arena, the next piece
        // of a mesh) holds nothing more.
        //
        //
        // Where neither the direct path nor any transfer lane can take it (not a direct-write
        // buffer, on a context without a transfer queue: the common staged upload), it is
        // marked touched here, in the same table operation as the test (one look-up less per
        // upload, session 11, helper "xfer11"); `marked` then. The one refusal between the mark
        // and the hold is another batch's lane owning dst (a context over the same `VkDevice`
        // with a transfer queue: `same_device` accepts its buffers): the unmark below then
        // restores the table exactly (the mark was new, and nothing read it since), so no later
        // upload finds it touched without a hold; marked
        // and held but not recorded, where staging then fails, it only costs later uploads
        // into it the direct path and perhaps a barrier.
        let direct_writable = dst.direct_writable();
        let (touched, marked) = if direct_writable || !self.no_lanes {
            (self.tables.touched.contains(&dst.handle()), false)
        } else {
            let new = self.tables.touched.insert(dst.handle());
            (!new, new)
        };
        if direct_writable && self.write_directly(dst, offset, data, direct, touched)? {
            return Ok(());
        }
        // Large whole-buffer uploads are copied on the transfer queue where a batch has one
        // (`lane.rs`), asked before the recorder holds dst; each piece asks again, as a round in
        // between may have handed dst over.
        let on_lane = self.lane_on && self.lane.takes(self.alloc.context(), dst, offset, len);
        if !on_lane {
            // Its first use, unless another batch's lane claimed it meanwhile.
            if let Err(e) = self.off_other_lanes(dst, true) {
                if marked {
                    self.tables.touched.remove(&dst.handle());
                }
                return Err(e);
            }
        }
        if !touched {
            // Writes it: host reads of it wait for the work (`keep_alive_written`).
            self.hold(dst.keep_alive_written());
            if dst.counts_holds() {
                self.tables.write_held.insert(dst.handle());
            }
        } else if dst.counts_holds() && self.tables.write_held.insert(dst.handle()) {
            // Touched before only as a source (a copy's): held as written now.
            self.hold(dst.keep_alive_written());
        }
        // A queued build that reads dst reads what was uploaded before this, not this.
        self.builds_before_write(dst.handle())?;
        // Pieces of at most one chunk, so that an upload larger than the budget streams.
        let piece = self.alloc.staging().config().chunk_size as usize;
        // No command recorded here uses dst before its first piece.
        let mut fresh = !touched;
        for (i, part) in data.chunks(piece).enumerate() {
            let (staging, staging_offset) = self.stage(rounds, part, 4)?;
            let region = vk::BufferCopy {
                src_offset: staging_offset,
                // Inside dst: the whole range was checked above.
                dst_offset: offset + (i * piece) as u64,
                size: part.len() as u64,
            };
            if on_lane && self.lane.continues(dst.handle()) {
                let ctx = self.alloc.context();
                self.lane.copy(ctx, &self.alloc.recycler, staging, dst.handle(), region, i == 0)?;
                self.tables.touched.insert(dst.handle());
                self.commands += 1;
                fresh = false;
                continue;
            }
            // Recorded with the other staged uploads into dst at the next flush: one command
            // for all of them (`gathered.rs`); later pieces write other bytes of dst. A fresh
            // one is marked touched first (as `gather_copy` asks), unless marked above.
            if fresh && !marked {
                self.tables.touched.insert(dst.handle());
            }
            self.gather_copy(staging, dst.handle(), region, fresh);
            self.commands += 1;
            fresh = false;
        }
        Ok(())
    }

    /// Records a copy of `size` bytes from `src` at `src_offset` to `dst` at `dst_offset`
    /// (for example, a device buffer into a mapped one to read it back). Ordered after every
    /// transfer recorded before on either buffer.
    ///
    /// `src` needs `TRANSFER_SRC` usage and `dst` `TRANSFER_DST`; ranges past either end are
    /// [`Error::DataTooLarge`], overlapping ranges of one buffer [`Error::OverlappingCopy`].
    pub fn copy_buffer<T, U>(
        &mut self,
        src: &Buffer<T>,
        src_offset: u64,
        dst: &Buffer<U>,
        dst_offset: u64,
        size: u64,
    ) -> Result<()> {
        let sides = [
            (src.as_bytes(), src_offset, vk::BufferUsageFlags::TRANSFER_SRC),
            (dst.as_bytes(), dst_offset, vk::BufferUsageFlags::TRANSFER_DST),
        ];
        // Every argument is checked before either buffer is claimed (as its transient memory's
        // active member, or off the transfer lane): a refused copy claims nothing that would
        // refuse a later valid use (issue 16, session 10 audit10 O1).
        for &(ref buffer, offset, usage) in &sides {
            same_device(self.alloc.context(), buffer.context(), || buffer.name().to_owned())?;
            check_range(buffer.name(), offset, size, buffer.size())?;
            if !buffer.usage().contains(usage) {
                return Err(Error::MissingUsage {
                    name: buffer.name().into(),
                    operation: "a copy",
                    needed: usage.into(),
                    usage: buffer.usage().into(),
                });
            }
        }
        // Both ranges fit their buffers (checked above): the sums do not overflow.
        if src.handle() == dst.handle() && src_offset < dst_offset + size && dst_offset < src_offset + size && size > 0
        {
            return Err(Error::OverlappingCopy { name: src.name().into(), src_offset, dst_offset, size });
        }
        self.own_buffers(src, dst)?;
        if size == 0 {
            return Ok(());
        }
        self.hold(src.keep_alive());
        // A direct host write into it would race the copy that reads it.
        self.tables.touched.insert(src.handle());
        // SAFETY: `src` is live, held until the work has finished, TRANSFER_SRC, and
        // holds the range (checked above).
        unsafe { self.copy_from_raw(src.handle(), src_offset, &dst.as_bytes(), dst_offset, size) }
    }

    /// Records a copy of all of `src` into host-visible memory, readable through the returned
    /// [`Download`] once the work has finished. `src` needs `TRANSFER_SRC` usage.
    pub fn download_buffer<T>(&mut self, src: &Buffer<T>) -> Result<Download> {
        let readback = self.readback_buffer(src.size(), src.name())?;
        self.copy_buffer(src, 0, &readback, 0, src.size())?;
        Ok(self.register_download(readback))
    }

    /// The direct path: where `dst` was allocated for direct writes and its memory is
    /// host-visible, and no command recorded before (in this recording, or an earlier round of
    /// its batch) reads or writes it, the host writes the data at once (flushed), which is
    /// visible to the submission. Returns whether it did. A buffer that recorded work uses is
    /// staged instead, so that the upload lands after that work, in program order (a host
    /// write would land before it: issue 16, item 9). So is one that work recorded elsewhere
    /// (another batch's or recorder's, submitted and not known to be finished) still holds:
    /// the host write would race it on the device; the staged copy is ordered after it on the
    /// queue.
    ///
    /// For a range of an arena ([`Direct::Range`]) the test is the range's own: its recorded
    /// uses (every command vkres records on an arena's buffer is recorded through a range,
    /// and counted on it: `upload_sub`, `download_sub`, `keep_alive`), so an upload into one
    /// range is written at once while work on other ranges of the arena is pending. `touched`:
    /// a command recorded here uses `dst`.
    fn write_directly<T>(
        &mut self,
        dst: &Buffer<T>,
        offset: u64,
        data: &[u8],
        direct: Direct,
        touched: bool,
    ) -> Result<bool> {
        if !dst.direct_writable() {
            return Ok(false);
        }
        match direct {
            // The buffer's guarded mapping checks its holds and writes under their lock (no
            // other thread records a use meanwhile): refused, it is staged instead.
            Direct::Buffer if !touched && dst.unused_by_recorded_work() => match dst.map()?.write_bytes(offset, data) {
                Ok(()) => Ok(true),
                Err(Error::InUseByRecordedWork { .. }) => Ok(false),
                Err(e) => Err(e),
            },
            // The range's own uses decide (the arena's buffer counts none of its own).
            Direct::Range { in_use: false } => {
                dst.map_locked()?.write_bytes(offset, data)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// A mapped, host-cached buffer a download is copied into.
    pub(super) fn readback_buffer(&self, size: u64, name: &str) -> Result<Buffer> {
        let desc = BufferDesc::new(size, vk::BufferUsageFlags::TRANSFER_DST)
            .mapping(MappingType::HostAccessRandom)
            .location(MemoryLocation::PreferHost)
            .name(format!("{name}/download"));
        self.alloc.create_buffer(&desc)
    }
}

impl Recorder<'_> {
    /// Records a copy from a buffer the caller keeps alive until the work has finished (the
    /// allocator's own imports), into `dst`; ranges checked by the caller.
    ///
    /// # Safety
    /// `src` must be a live `TRANSFER_SRC` buffer of this device with `size` bytes from
    /// `src_offset`, and stay alive until the work has finished.
    pub(in crate::allocator) unsafe fn copy_from_raw(
        &mut self,
        src: vk::Buffer,
        src_offset: u64,
        dst: &Buffer,
        dst_offset: u64,
        size: u64,
    ) -> Result<()> {
        // A queued build that reads dst reads what was there before this copy.
        self.builds_before_write(dst.handle())?;
        // The staged uploads taken before it are recorded before it.
        self.flush_buffer_uploads();
        self.order_transfer(src, dst.handle());
        let region = vk::BufferCopy { src_offset, dst_offset, size };
        // SAFETY: `src` by the caller's contract; `dst` is live and held until the work finished.
        unsafe { self.device().cmd_copy_buffer(self.cmd, src, dst.handle(), &[region]) };
        self.commands += 1;
        // Writes it: host reads of it wait for the work (`keep_alive_written`).
        self.hold(dst.keep_alive_written());
        if dst.counts_holds() {
            self.tables.write_held.insert(dst.handle());
        }
        Ok(())
    }
}

/// What the direct path of an upload asks of its destination (see `write_directly`).
#[derive(Debug, Clone, Copy)]
pub(super) enum Direct {
    /// A whole buffer: no command of this recording on it, no recorded use elsewhere pending.
    Buffer,
    /// A range of an arena's buffer: `in_use` when recorded work on the range (counted on
    /// the range) is not known to be finished.
    Range {
        /// The range's recorded uses are not all finished.
        in_use: bool,
    },
}
