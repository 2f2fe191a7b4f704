//! [`Block`]: VMA's virtual block (its TLSF allocator over offsets, no memory of its own),
//! movable between threads. The arena keeps it behind its mutex (`mod.rs`).

use vk_mem::{VirtualAllocation, VirtualAllocationCreateFlags, VirtualAllocationCreateInfo, VirtualBlock};

use crate::error::{Result, VkContext};

/// The offsets of one arena: which are taken. VMA's virtual block is not thread-safe
/// (vmaVirtualAllocate and vmaVirtualFree need external synchronisation): every call takes
/// `&mut self`, which the arena's mutex hands out one at a time.
pub(super) struct Block(VirtualBlock);

// SAFETY: a VmaVirtualBlock is a heap object with no thread affinity; the arena's mutex
// serialises every use, which is the only synchronisation VMA asks for.
unsafe impl Send for Block {}

impl Block {
    /// A block of `size` offsets, all free.
    pub(super) fn new(size: u64) -> Result<Self> {
        let info = vk_mem::VirtualBlockCreateInfo { size, ..Default::default() };
        Ok(Self(VirtualBlock::new(info).op("vmaCreateVirtualBlock")?))
    }

    /// Takes a range of `size` bytes aligned to `alignment`: its allocation and offset, or
    /// `None` where the block has no room.
    ///
    /// The caller checked `size` and `alignment` to be non-zero and at most the block's size,
    /// and `alignment` a power of two (VMA's rules for its arguments).
    pub(super) fn allocate(&mut self, size: u64, alignment: u64) -> Option<(VirtualAllocation, u64)> {
        let info =
            VirtualAllocationCreateInfo { size, alignment, user_data: 0, flags: VirtualAllocationCreateFlags::empty() };
        // SAFETY: the block is live and borrowed mutably (under the arena's lock); size and
        // alignment follow VMA's rules (by the caller's contract).
        unsafe { self.0.allocate(info) }.ok()
    }

    /// Returns a range to the block.
    ///
    /// The caller passes an allocation taken from this block and not freed before.
    pub(super) fn free(&mut self, allocation: &mut VirtualAllocation) {
        // SAFETY: `allocation` was taken from this block (each owner of one holds its arena,
        // so the block outlives it) and is freed once, by its owner as it drops.
        unsafe { self.0.free(allocation) };
    }
}
