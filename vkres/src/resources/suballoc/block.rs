//! [`RangeBlock`]: VMA's virtual block (its TLSF allocator over offsets, no memory of its own),
//! behind a mutex.

use std::sync::{Mutex, PoisonError};

use vk_mem::{VirtualAllocation, VirtualAllocationCreateFlags, VirtualAllocationCreateInfo, VirtualBlock};

use crate::error::{Result, VkContext};

/// The ranges of one arena: which offsets are taken. VMA's virtual block is not thread-safe
/// (vmaVirtualAllocate and vmaVirtualFree need external synchronisation), so every call goes
/// through the mutex.
pub(super) struct RangeBlock(Mutex<Block>);

/// A virtual block, movable between threads.
struct Block(VirtualBlock);

// SAFETY: a VmaVirtualBlock is a heap object with no thread affinity; the mutex around it
// serialises every use, which is the only synchronisation VMA asks for.
unsafe impl Send for Block {}

impl RangeBlock {
    /// A block of `size` offsets, all free.
    pub(super) fn new(size: u64) -> Result<Self> {
        let info = vk_mem::VirtualBlockCreateInfo { size, ..Default::default() };
        let block = VirtualBlock::new(info).op("vmaCreateVirtualBlock")?;
        Ok(Self(Mutex::new(Block(block))))
    }

    /// Takes `count` ranges of `size` bytes aligned to `alignment` under one lock, each passed
    /// to `made` with its offset and the result to `out`. False where the block has no room
    /// for the next one (the ranges taken before it went to `out`).
    ///
    /// The caller checked `size` and `alignment` to be non-zero and at most the block's size,
    /// and `alignment` a power of two (VMA's rules for its arguments).
    pub(super) fn take<R>(
        &self,
        count: usize,
        size: u64,
        alignment: u64,
        mut made: impl FnMut(VirtualAllocation, u64) -> R,
        mut out: impl FnMut(R),
    ) -> bool {
        let info =
            VirtualAllocationCreateInfo { size, alignment, user_data: 0, flags: VirtualAllocationCreateFlags::empty() };
        let mut block = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for _ in 0..count {
            // SAFETY: the block is live and locked; size and alignment follow VMA's rules (by
            // the caller's contract).
            match unsafe { block.0.allocate(info) } {
                Ok((allocation, offset)) => out(made(allocation, offset)),
                Err(_) => return false,
            }
        }
        true
    }

    /// Returns a range to the block.
    pub(super) fn free(&self, allocation: &mut VirtualAllocation) {
        let mut block = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // SAFETY: `allocation` was taken from this block (each range holds its arena, so the
        // block outlives it) and is freed once, by its range's owner as it drops.
        unsafe { block.0.free(allocation) };
    }
}
