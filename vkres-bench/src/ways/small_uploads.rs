//! Many small staged uploads, ready for use (issue 20, item 1): 1000 uploads of 256 B to
//! 4 KiB into device-local buffers that are not written directly (no `PreferDirectWrite`, so
//! vkres stages them even where the memory is host-visible, as on lavapipe), in one batch:
//! vkres gathers them into one `vkCmdCopyBuffer` per destination (`recorder/gathered.rs`).
//!
//! Against the same work hand-written: one persistent mapped staging buffer, a memcpy of each
//! upload and one flush, one copy per destination, one submit, one wait. And into ranges of
//! one buffer: vkres's `upload_sub` into `SubBuffer`s of one arena (gathered into one copy of
//! 1000 regions) against one hand-written copy of 1000 regions.
//!
//! The uploads' sources are 1000 slices, as a loader's 1000 resources are. The bench keeps
//! them back to back in one vector, in the staging layout; a fifth way, reported but not a
//! target, is the hand-written one that uses this: one memcpy of all 1000 (until session 11
//! that was the hand-written way, against its own doc above).

use std::time::{Duration, Instant};

use vkres::ash::vk;
use vkres::{Buffer, BufferDesc, MemoryLocation, ResourceAllocator, SubBuffer};

use crate::BenchResult;
use crate::raw::{Raw, RawBuffer};

/// Uploads per run.
pub const COUNT: usize = 1000;
/// Ways measured: vkres into buffers, ash into buffers, vkres into arena ranges, ash into
/// ranges of one buffer, and ash into buffers with one memcpy of all the sources (they lie
/// back to back in the staging layout; a control, not a target).
pub const WAYS: usize = 5;

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::STORAGE_BUFFER.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw()
        | vk::BufferUsageFlags::TRANSFER_SRC.as_raw(),
);

/// Size of upload `i`: 256 B, 512 B, 1 KiB, 2 KiB, 4 KiB in turn.
fn size_of_upload(i: usize) -> u64 {
    256 << (i % 5)
}

/// The destinations, made once, outside the timed part.
struct Targets<'a> {
    raw: &'a Raw<'a>,
    staging: RawBuffer,
    ash: Vec<RawBuffer>,
    ash_one: RawBuffer,
    vkres: Vec<Buffer>,
    ranges: Vec<SubBuffer>,
    /// Offset of upload `i` in the staging buffer, in `ash_one`, and its size.
    offsets: Vec<u64>,
}

impl<'a> Targets<'a> {
    fn new(alloc: &ResourceAllocator, raw: &'a Raw<'a>) -> BenchResult<Self> {
        let mut offsets = Vec::with_capacity(COUNT);
        let mut total = 0;
        for i in 0..COUNT {
            offsets.push(total);
            // 256-byte steps keep every offset aligned for storage-buffer ranges.
            total += size_of_upload(i);
        }
        let staging = raw.staging_buffer(total)?;
        let ash = (0..COUNT).map(|i| raw.device_buffer(size_of_upload(i), USAGE)).collect::<BenchResult<Vec<_>>>()?;
        let ash_one = raw.device_buffer(total, USAGE)?;
        let vkres = (0..COUNT)
            .map(|i| {
                let desc = BufferDesc::new(size_of_upload(i), USAGE).location(MemoryLocation::PreferDevice);
                alloc.create_buffer(&desc.name("small upload"))
            })
            .collect::<vkres::Result<Vec<_>>>()?;
        // Room for one partly used slab per size beside the ranges (the arena's slabs: at most
        // 1/64 of it each).
        let desc = BufferDesc::new(total + total / 8, USAGE)
            .location(MemoryLocation::PreferDevice)
            .name("small uploads arena");
        let arena = alloc.create_buffer_arena(&desc)?;
        let ranges = (0..COUNT).map(|i| arena.allocate_bytes(size_of_upload(i))).collect::<vkres::Result<Vec<_>>>()?;
        Ok(Targets { raw, staging, ash, ash_one, vkres, ranges, offsets })
    }

    /// Upload `i`'s bytes in `data` (all uploads back to back).
    fn piece<'d>(&self, data: &'d [u8], i: usize) -> &'d [u8] {
        let at = self.offsets[i] as usize;
        &data[at..at + size_of_upload(i) as usize]
    }

    /// Runs `way` once: every upload ready for use when it returns.
    fn run(&self, alloc: &ResourceAllocator, way: usize, data: &[u8]) -> BenchResult<()> {
        match way {
            0 | 2 => {
                let mut batch = alloc.batch()?;
                for i in 0..COUNT {
                    match way {
                        0 => batch.upload_bytes(&self.vkres[i], 0, self.piece(data, i))?,
                        _ => batch.upload_sub(&self.ranges[i], 0, self.piece(data, i))?,
                    }
                }
                batch.submit_and_wait()?;
            }
            _ => {
                let raw = self.raw;
                assert!(data.len() as u64 <= self.staging.size && !self.staging.mapped.is_null());
                if way == 4 {
                    // SAFETY: the mapping holds the staging buffer's size (checked above), which
                    // the device does not read now (every submission was waited for).
                    unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.staging.mapped, data.len()) };
                } else {
                    for i in 0..COUNT {
                        let piece = self.piece(data, i);
                        // SAFETY: `offsets[i] + piece.len()` is at most `data.len()` (the pieces
                        // lie back to back in it), inside the mapping (checked above), which the
                        // device does not read now (every submission was waited for).
                        unsafe {
                            let at = self.staging.mapped.add(self.offsets[i] as usize);
                            std::ptr::copy_nonoverlapping(piece.as_ptr(), at, piece.len());
                        }
                    }
                }
                raw.vma.flush_allocation(&self.staging.allocation, 0, data.len() as u64)?;
                let device = raw.ctx.device();
                raw.submit(|cmd| {
                    if way != 3 {
                        for (i, dst) in self.ash.iter().enumerate() {
                            let region = vk::BufferCopy { src_offset: self.offsets[i], dst_offset: 0, size: dst.size };
                            // SAFETY: both buffers are live; the region lies in both.
                            unsafe { device.cmd_copy_buffer(cmd, self.staging.buffer, dst.buffer, &[region]) };
                        }
                    } else {
                        let regions: Vec<vk::BufferCopy> = (0..COUNT)
                            .map(|i| vk::BufferCopy {
                                src_offset: self.offsets[i],
                                dst_offset: self.offsets[i],
                                size: size_of_upload(i),
                            })
                            .collect();
                        // SAFETY: both buffers are live and of the total size; the regions are
                        // disjoint.
                        unsafe { device.cmd_copy_buffer(cmd, self.staging.buffer, self.ash_one.buffer, &regions) };
                    }
                })?;
            }
        }
        Ok(())
    }

    /// What the device holds for upload `i` after `way` ran.
    fn read_back(&self, way: usize, i: usize) -> BenchResult<Vec<u8>> {
        let size = size_of_upload(i);
        let raw = self.raw;
        match way {
            0 => raw.read_buffer(self.vkres[i].handle(), size),
            1 | 4 => raw.read_buffer(self.ash[i].buffer, size),
            2 => {
                let whole = raw.read_buffer(self.ranges[i].handle(), self.ranges[i].offset() + size)?;
                Ok(whole[self.ranges[i].offset() as usize..].to_vec())
            }
            _ => {
                let whole = raw.read_buffer(self.ash_one.buffer, self.offsets[i] + size)?;
                Ok(whole[self.offsets[i] as usize..].to_vec())
            }
        }
    }
}

impl Drop for Targets<'_> {
    fn drop(&mut self) {
        for buffer in self.ash.iter().chain([&self.staging, &self.ash_one]) {
            // SAFETY: nothing is in flight (every way waits before it returns); each buffer is
            // destroyed once, here.
            unsafe { self.raw.destroy_in_place(buffer) };
        }
    }
}

/// Times the ways (interleaved, after warm-ups), then checks each way's result: every way once
/// more on changed data, a sample of its uploads read back byte for byte.
pub fn measure(alloc: &ResourceAllocator, warmups: usize, runs: usize) -> BenchResult<[Vec<Duration>; WAYS]> {
    let raw = Raw::new(alloc.context(), vk_mem::AllocatorCreateFlags::empty())?;
    let targets = Targets::new(alloc, &raw)?;
    let total = (0..COUNT).map(size_of_upload).sum::<u64>();
    let mut data = vkres_bench::upload_input(total);
    let times = crate::stats::interleaved(warmups, runs, WAYS, |way| -> BenchResult<Option<Duration>> {
        let t = Instant::now();
        targets.run(alloc, way, &data)?;
        Ok(Some(t.elapsed()))
    })?;
    for way in 0..WAYS {
        for byte in data.iter_mut().step_by(97) {
            *byte ^= 0x5A;
        }
        targets.run(alloc, way, &data)?;
        for i in (0..COUNT).step_by(37).chain([COUNT - 1]) {
            if targets.read_back(way, i)? != targets.piece(&data, i) {
                return Err(format!("small uploads, way {way}: upload {i} does not hold its bytes").into());
            }
        }
    }
    <[Vec<Duration>; WAYS]>::try_from(times).map_err(|_| "five ways".into())
}
