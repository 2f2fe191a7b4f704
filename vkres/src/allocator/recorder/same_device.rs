//! The resources a [`Recorder`] records on belong to its allocator's device (issue 16, item 4):
//! a resource of another context is [`Error::WrongDevice`](crate::Error::WrongDevice) before
//! anything is recorded (`valid/device.rs` cites the VUIDs).

use super::Recorder;
use crate::error::Result;
use crate::resources::{Buffer, Image};
use crate::staging::Fence;
use crate::valid::device::same_device;

impl Recorder<'_> {
    /// `buffer` is of this recorder's device.
    pub(super) fn own_buffer<T>(&self, buffer: &Buffer<T>) -> Result<()> {
        same_device(self.alloc.context(), buffer.context(), || buffer.name().to_owned())
    }

    /// `image` is of this recorder's device.
    pub(super) fn own_image(&self, image: &Image) -> Result<()> {
        same_device(self.alloc.context(), image.context(), || image.desc().name.clone())
    }

    /// `fence` is of this recorder's device (the work's submission signals it).
    pub(in crate::allocator) fn own_fence(&self, fence: &Fence) -> Result<()> {
        same_device(self.alloc.context(), fence.context(), || format!("fence {:?}", fence.raw()))
    }
}
