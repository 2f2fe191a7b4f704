//! [`ResourceHandle`]: a slot index and the generation of that slot, in one `u64`.

/// A handle to a resource of a [`ResourceManager`](super::ResourceManager).
///
/// The low 32 bits are the slot index, which is also the resource's index in the manager's
/// bindless descriptor arrays; the high 32 bits are the slot's generation when the resource
/// was created. Destroying a resource bumps its slot's generation, so every handle to it is
/// stale from then on, also after the slot is reused by a new resource: lookups with it fail
/// instead of reaching the newer resource. Generations start at 1, so `ResourceHandle(0)`
/// (see [`NULL`](Self::NULL)) never names a resource.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceHandle(pub u64);

impl ResourceHandle {
    /// A handle that never names a resource.
    pub const NULL: Self = Self(0);

    /// The handle of slot `index` at `generation`.
    pub const fn new(index: u32, generation: u32) -> Self {
        Self(((generation as u64) << 32) | index as u64)
    }

    /// The slot index: the resource's shader-visible index in the bindless arrays.
    pub const fn index(self) -> u32 {
        self.0 as u32
    }

    /// The generation of the slot the handle was made for.
    pub const fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The raw `u64`.
    pub const fn to_raw(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for ResourceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}v{}", self.index(), self.generation())
    }
}
