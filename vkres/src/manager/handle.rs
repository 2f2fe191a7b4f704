//! [`ResourceHandle`]: a slot index, the generation of that slot, and the identity of the
//! manager that made it.

use std::sync::atomic::{AtomicU64, Ordering};

/// A handle to a resource of a [`ResourceManager`](super::ResourceManager).
///
/// It holds the slot index, which is also the resource's index in the manager's bindless
/// descriptor arrays; the slot's generation when the resource was created; and the identity
/// of the manager that made it. Destroying a resource bumps its slot's generation, so every
/// handle to it is stale from then on, also after the slot is reused by a new resource:
/// lookups with it fail instead of reaching the newer resource. A handle used with another
/// manager than the one that made it names nothing there
/// ([`Error::ForeignHandle`](super::Error::ForeignHandle)), whatever that manager holds at
/// the same index. Generations start at 1, so [`NULL`](Self::NULL) never names a resource.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceHandle {
    /// Generation in the high 32 bits, index in the low 32 bits.
    raw: u64,
    /// The identity of the manager that made it; 0 for none.
    manager: u64,
}

/// Identities of managers: one per [`SlotTable`](super::slots::SlotTable), never reused (a
/// `u64` counted up by one per manager does not wrap in the life of a process).
static NEXT_MANAGER: AtomicU64 = AtomicU64::new(1);

/// A manager identity no other manager of this process has.
pub(crate) fn new_manager_id() -> u64 {
    NEXT_MANAGER.fetch_add(1, Ordering::Relaxed)
}

impl ResourceHandle {
    /// A handle that never names a resource.
    pub const NULL: Self = Self { raw: 0, manager: 0 };

    /// The handle of slot `index` at `generation` in the manager identified by `manager`.
    pub(crate) const fn new(index: u32, generation: u32, manager: u64) -> Self {
        Self { raw: ((generation as u64) << 32) | index as u64, manager }
    }

    /// The slot index: the resource's shader-visible index in the bindless arrays.
    pub const fn index(self) -> u32 {
        self.raw as u32
    }

    /// The generation of the slot the handle was made for.
    pub const fn generation(self) -> u32 {
        (self.raw >> 32) as u32
    }

    /// The index and generation as one `u64` (generation in the high 32 bits), e.g. to hand
    /// to a shader. It does not hold the manager's identity, so no handle is made from it.
    pub const fn to_raw(self) -> u64 {
        self.raw
    }

    /// The identity of the manager that made it (0 for [`NULL`](Self::NULL)).
    pub(crate) const fn manager(self) -> u64 {
        self.manager
    }
}

impl std::fmt::Display for ResourceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}v{} (manager {})", self.index(), self.generation(), self.manager)
    }
}
