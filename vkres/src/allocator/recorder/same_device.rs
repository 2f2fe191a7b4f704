//! The resources a [`Recorder`] records on belong to its allocator's device (issue 16, item 4):
//! a resource of another context is [`Error::WrongDevice`](crate::Error::WrongDevice) before
//! anything is recorded (`valid/device.rs` cites the VUIDs); a resource in transient memory is
//! its memory's active member ([`Error::AliasNotActive`](crate::Error::AliasNotActive), issue
//! 16: `recorder/alias.rs` tells the order semantics).

use super::Recorder;
use crate::error::Result;
use crate::resources::{Buffer, Image};
use crate::staging::Fence;
use crate::valid::device::same_device;

impl Recorder<'_> {
    /// `buffer` is of this recorder's device and, in transient memory, its memory's active
    /// member (or becomes it: see `recorder/alias.rs`).
    pub(super) fn own_buffer<T>(&self, buffer: &Buffer<T>) -> Result<()> {
        same_device(self.alloc.context(), buffer.context(), || buffer.name().to_owned())?;
        match buffer.memory().alias_member() {
            Some(member) => member.claim(buffer.name()),
            None => Ok(()),
        }
    }

    /// `image` is of this recorder's device and, in transient memory, its memory's active
    /// member (or becomes it: see `recorder/alias.rs`).
    pub(super) fn own_image(&self, image: &Image) -> Result<()> {
        same_device(self.alloc.context(), image.context(), || image.desc().name.clone())?;
        match image.memory().alias_member() {
            Some(member) => member.claim(&image.desc().name),
            None => Ok(()),
        }
    }

    /// `fence` is of this recorder's device (the work's submission signals it).
    pub(in crate::allocator) fn own_fence(&self, fence: &Fence) -> Result<()> {
        same_device(self.alloc.context(), fence.context(), || format!("fence {:?}", fence.raw()))
    }
}
