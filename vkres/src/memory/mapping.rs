//! [`MappedMemory`]: a mapping of an allocation, unmapped when dropped.

use std::ptr::NonNull;

use ash::vk;

use super::MemoryAllocation;
use crate::error::{Error, Result, check_range};

/// A host mapping of an allocation's first `len` bytes (the resource's size), with bounds-
/// checked copies in and out. Dropping it unmaps.
///
/// Writes are flushed and reads invalidated, so they work on non-coherent memory too. The
/// device must not write the range while the host reads it, nor read it while the host
/// writes: vkres waits for its own submissions before handing resources out, so this only
/// concerns work the caller submits.
///
/// Neither `Send` nor `Sync`: it holds the raw pointer of a mapping. The allocation is `Send +
/// Sync`, so each thread maps it for itself.
#[derive(Debug)]
pub struct MappedMemory<'a> {
    allocation: &'a dyn MemoryAllocation,
    ptr: NonNull<u8>,
    len: usize,
    name: &'a str,
}

impl<'a> MappedMemory<'a> {
    /// Maps `allocation`, whose resource is `len` bytes long.
    pub(crate) fn new(allocation: &'a dyn MemoryAllocation, len: u64, name: &'a str) -> Result<Self> {
        let len = usize::try_from(len).map_err(|_| Error::Overflow {
            name: name.to_owned(),
            what: format!("mapping {len} bytes in this address space"),
        })?;
        let ptr = allocation.map()?;
        Ok(Self { allocation, ptr, len, name })
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

    /// Copies `data` to `offset` and flushes the range.
    pub fn write_bytes(&mut self, offset: u64, data: &[u8]) -> Result<()> {
        self.check(offset, data.len())?;
        // SAFETY: the range was checked to lie inside the mapping, which is valid while `self`
        // lives and is borrowed mutably here, so no other slice of it exists; the device does
        // not touch it meanwhile (see the type's docs); `data` is a distinct host allocation.
        let dst = unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().add(offset as usize), data.len()) };
        super::copy::copy(dst, data);
        self.allocation.flush(offset, data.len() as vk::DeviceSize)
    }

    /// Invalidates the range and copies it from `offset` into `out`.
    pub fn read_bytes(&self, offset: u64, out: &mut [u8]) -> Result<()> {
        self.check(offset, out.len())?;
        self.allocation.invalidate(offset, out.len() as vk::DeviceSize)?;
        // SAFETY: the range lies inside the mapping, valid while `self` lives; the device does
        // not write it meanwhile (see the type's docs); `out` is a distinct host buffer.
        let src = unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(offset as usize), out.len()) };
        super::copy::copy(out, src);
        Ok(())
    }
}

impl Drop for MappedMemory<'_> {
    fn drop(&mut self) {
        // SAFETY: `new` mapped once; the pointer is not handed out beyond `self`'s lifetime
        // except through `as_ptr`, whose docs bound its use to that lifetime.
        unsafe { self.allocation.unmap() }
    }
}
