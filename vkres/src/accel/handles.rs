//! What builds give: [`Blas`] and [`Tlas`], typed handles to an
//! [`AccelerationStructure`], and [`Compacted`].

use std::ops::Deref;

use crate::resources::AccelerationStructure;

/// A bottom-level acceleration structure built by a batch. A shared handle: TLASes that refer
/// to it and batches that build with it keep it alive.
///
/// `Send + Sync`: a shared handle (an `Arc` of the owner of Vulkan objects that do not change after
/// creation); clones may be used and dropped on any thread.
#[derive(Debug, Clone)]
pub struct Blas(pub(crate) AccelerationStructure);

/// A top-level acceleration structure built by a batch. It holds the [`Blas`]es its instances
/// refer to, so none of them can be destroyed while it exists.
///
/// `Send + Sync`: a shared handle (an `Arc` of the owner of Vulkan objects that do not change after
/// creation); clones may be used and dropped on any thread.
#[derive(Debug, Clone)]
pub struct Tlas(pub(crate) AccelerationStructure);

impl Deref for Blas {
    type Target = AccelerationStructure;
    fn deref(&self) -> &AccelerationStructure {
        &self.0
    }
}

impl Deref for Tlas {
    type Target = AccelerationStructure;
    fn deref(&self) -> &AccelerationStructure {
        &self.0
    }
}

impl Tlas {
    /// The BLASes of its settled content, in instance order, each once: its last build's, or
    /// after refits those of the newest refit found to have run when a later refit was
    /// recorded. (Refits recorded since hold theirs as well: see
    /// [`Recorder::refit_tlas`](crate::Recorder::refit_tlas).)
    pub fn blases(&self) -> Vec<Blas> {
        self.0.references().iter().cloned().map(Blas).collect()
    }
}

/// A compacted copy of a BLAS ([`ResourceAllocator::compact`](crate::ResourceAllocator::compact)).
///
/// `Send + Sync`: it holds shared handles only.
#[derive(Debug, Clone)]
pub struct Compacted {
    /// The copy; use it in place of the original (rebuild TLASes that referred to the original).
    pub blas: Blas,
    /// Storage bytes of the original.
    pub original_size: u64,
    /// Storage bytes of the copy.
    pub compacted_size: u64,
}

impl Compacted {
    /// Bytes saved by the copy.
    pub fn saved(&self) -> u64 {
        self.original_size.saturating_sub(self.compacted_size)
    }
}
