//! [`MappedMemory`]: a mapping of an allocation, unmapped when dropped.

use std::ptr::NonNull;

use ash::vk;

use super::MemoryAllocation;
use crate::error::{Error, Result, check_range};

/// What a mapping asks before each host write ([`MappedMemory::write_bytes`]): the resource
/// behind it (a buffer) refuses the write while work recorded on it is not known to be
/// finished, and keeps new work from being recorded on it while the write runs.
///
/// Implemented by the resource layer; the memory layer only calls it.
pub(crate) trait HostWriteGuard {
    /// Runs `write` unless recorded work that is not known to be finished holds the resource
    /// (then its typed error, and `write` is not run), such that no work is recorded on the
    /// resource while `write` runs, and no other host thread copies into or out of it.
    fn guarded_write(&self, write: &mut dyn FnMut() -> Result<()>) -> Result<()>;

    /// Runs `read` unless recorded work that writes the resource (a copy or a staged upload
    /// vkres recorded into it) is not known to be finished (then its typed error: the read
    /// would return the bytes from before that work), under the lock of
    /// [`locked`](Self::locked).
    fn guarded_read(&self, read: &mut dyn FnMut() -> Result<()>) -> Result<()>;

    /// Runs `access` (a read, or a write whose order vkres keeps itself) under the lock that
    /// [`guarded_write`](Self::guarded_write) takes: no two host threads copy into, or into
    /// and out of, the mapping at once (a data race in Rust's memory model).
    fn locked(&self, access: &mut dyn FnMut() -> Result<()>) -> Result<()>;
}

/// What a mapping's guard is asked for each write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WriteCheck {
    /// Refused while recorded work holds the resource ([`Buffer::map`](crate::Buffer::map)).
    Pending,
    /// The lock only: vkres orders the write against the GPU itself (a range of an arena).
    LockOnly,
}

/// A host mapping of an allocation's first `len` bytes (the resource's size), with bounds-
/// checked copies in and out. Dropping it unmaps.
///
/// Writes are flushed and reads invalidated, so they work on non-coherent memory too. A
/// mapping made by [`Buffer::map`](crate::Buffer::map) checks every
/// [`write_bytes`](Self::write_bytes) against the work vkres recorded on the buffer: while a
/// batch or recorder still records it, or its [`InFlight`](crate::InFlight) is not waited
/// for and dropped, the write is [`Error::InUseByRecordedWork`] (it would race that work, or
/// be overwritten by a copy recorded before it, against program order). Reads are refused the
/// same way while a copy or staged upload vkres recorded *into* the buffer is not known to be
/// finished (they would return old bytes); work that only reads it, and the caller's own
/// commands (held by [`Recorder::keep_alive`](crate::Recorder::keep_alive), which vkres cannot
/// tell writes from reads), do not stop a read. Writes through
/// [`as_ptr`](Self::as_ptr) are the caller's `unsafe` to order.
///
/// Neither `Send` nor `Sync`: it holds the raw pointer of a mapping. The allocation is `Send +
/// Sync`, so each thread maps it for itself.
pub struct MappedMemory<'a> {
    allocation: &'a dyn MemoryAllocation,
    ptr: NonNull<u8>,
    len: usize,
    name: &'a str,
    /// Asked around each copy (`None`: vkres's own writes, to bytes no other thread copies).
    guard: Option<(&'a dyn HostWriteGuard, WriteCheck)>,
}

impl std::fmt::Debug for MappedMemory<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedMemory")
            .field("name", &self.name)
            .field("ptr", &self.ptr)
            .field("len", &self.len)
            .field("checked", &self.guard.is_some())
            .finish()
    }
}

impl<'a> MappedMemory<'a> {
    /// Maps `allocation`, whose resource is `len` bytes long.
    pub(crate) fn new(allocation: &'a dyn MemoryAllocation, len: u64, name: &'a str) -> Result<Self> {
        let len = usize::try_from(len).map_err(|_| Error::Overflow {
            name: name.to_owned(),
            what: format!("mapping {len} bytes in this address space"),
        })?;
        let ptr = allocation.map()?;
        Ok(Self { allocation, ptr, len, name, guard: None })
    }

    /// [`new`](Self::new), asking `guard` around each copy: writes as `check` says, reads
    /// under its lock.
    pub(crate) fn guarded(
        allocation: &'a dyn MemoryAllocation,
        len: u64,
        name: &'a str,
        guard: &'a dyn HostWriteGuard,
        check: WriteCheck,
    ) -> Result<Self> {
        let mut mapping = Self::new(allocation, len, name)?;
        mapping.guard = Some((guard, check));
        Ok(mapping)
    }

    /// Length of the mapped range in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the range is empty (never, for a live resource).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first mapped byte. Valid while `self` lives; see the type's docs for when the
    /// device may touch the memory.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    fn check(&self, offset: u64, len: usize) -> Result<()> {
        check_range(self.name, offset, len as u64, self.len as u64)
    }

    /// Copies `data` to `offset` and flushes the range. A buffer's mapping refuses the write
    /// with [`Error::InUseByRecordedWork`] while work vkres recorded on the buffer is not
    /// known to be finished (see the type's docs); out of range is [`Error::DataTooLarge`].
    pub fn write_bytes(&mut self, offset: u64, data: &[u8]) -> Result<()> {
        self.check(offset, data.len())?;
        let (ptr, allocation) = (self.ptr, self.allocation);
        let mut write = || {
            // SAFETY: the range was checked to lie inside the mapping, which is valid while
            // `self` lives and is borrowed mutably here, so no other slice of it exists; no
            // recorded work that is not finished uses the buffer and none is recorded while
            // this runs (the guard; vkres's unguarded writes order their own); `data` is a
            // distinct host allocation.
            let dst = unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr().add(offset as usize), data.len()) };
            super::copy::copy(dst, data);
            allocation.flush(offset, data.len() as vk::DeviceSize)
        };
        match self.guard {
            Some((guard, WriteCheck::Pending)) => guard.guarded_write(&mut write),
            Some((guard, WriteCheck::LockOnly)) => guard.locked(&mut write),
            None => write(),
        }
    }

    /// Invalidates the range and copies it from `offset` into `out` (under the guard's lock
    /// for a buffer's mapping: no other host thread writes the bytes meanwhile). A buffer's
    /// mapping refuses the read with [`Error::InUseByRecordedWork`] while a copy or staged
    /// upload vkres recorded into the buffer is not known to be finished (it would return the
    /// bytes from before it); work that only reads the buffer does not stop a read.
    pub fn read_bytes(&self, offset: u64, out: &mut [u8]) -> Result<()> {
        self.check(offset, out.len())?;
        let (ptr, allocation) = (self.ptr, self.allocation);
        let mut read = || {
            allocation.invalidate(offset, out.len() as vk::DeviceSize)?;
            // SAFETY: the range lies inside the mapping, valid while `self` lives; no other
            // host thread writes it meanwhile (the guard's lock; vkres's unguarded mappings
            // are of bytes only their writer touches); `out` is a distinct host buffer.
            let src = unsafe { std::slice::from_raw_parts(ptr.as_ptr().add(offset as usize), out.len()) };
            super::copy::copy(out, src);
            Ok(())
        };
        match self.guard {
            Some((guard, WriteCheck::Pending)) => guard.guarded_read(&mut read),
            Some((guard, WriteCheck::LockOnly)) => guard.locked(&mut read),
            None => read(),
        }
    }
}

impl Drop for MappedMemory<'_> {
    fn drop(&mut self) {
        // SAFETY: `new` mapped once; the pointer is not handed out beyond `self`'s lifetime
        // except through `as_ptr`, whose docs bound its use to that lifetime.
        unsafe { self.allocation.unmap() }
    }
}
