//! The resources a [`Recorder`] records on belong to its allocator's device (issue 16, item 4):
//! a resource of another context is [`Error::WrongDevice`](crate::Error::WrongDevice) before
//! anything is recorded (`valid/device.rs` cites the VUIDs); a resource in transient memory is
//! its memory's active member ([`Error::AliasNotActive`](crate::Error::AliasNotActive), issue
//! 16: `recorder/alias.rs` tells the order semantics); a resource another batch's transfer
//! lane claimed is [`Error::OnTransferQueue`] until that batch's work has finished
//! (`allocator/lane.rs`).

use super::Recorder;
use crate::error::{Error, Result};
use crate::memory::AliasMember;
use crate::resources::{Buffer, FirstUse, Image};
use crate::staging::Fence;
use crate::valid::device::same_device;

impl Recorder<'_> {
    /// `buffer` is of this recorder's device and, in transient memory, its memory's active
    /// member (or becomes it: see `recorder/alias.rs`).
    pub(super) fn own_buffer<T>(&self, buffer: &Buffer<T>) -> Result<()> {
        self.own_buffer_as(buffer, true)
    }

    /// [`own_buffer`](Self::own_buffer) for both sides of a copy whose devices the caller
    /// checked (`same_device`): both, or (where either is refused) neither is claimed as its
    /// transient memory's active member.
    pub(super) fn own_buffers<T, U>(&self, src: &Buffer<T>, dst: &Buffer<U>) -> Result<()> {
        // Marking a first use (off the transfer lane) refuses nothing later: both first.
        self.off_other_lanes(src, true)?;
        self.off_other_lanes(dst, true)?;
        AliasMember::claim_both(
            src.memory().alias_member().map(|m| (m, src.name())),
            dst.memory().alias_member().map(|m| (m, dst.name())),
        )
    }

    /// [`own_buffer`](Self::own_buffer) for an upload, which may claim `buffer` for the
    /// transfer lane (`Lane::takes`): its first use is not marked here, but by
    /// [`off_other_lanes`](Self::off_other_lanes) where the lane does not take it.
    #[inline]
    pub(super) fn own_buffer_before_upload<T>(&self, buffer: &Buffer<T>) -> Result<()> {
        self.own_buffer_as(buffer, false)
    }

    fn own_buffer_as<T>(&self, buffer: &Buffer<T>, first_use: bool) -> Result<()> {
        same_device(self.alloc.context(), buffer.context(), || buffer.name().to_owned())?;
        self.off_other_lanes(buffer, first_use)?;
        match buffer.memory().alias_member() {
            Some(member) => member.claim(buffer.name()),
            None => Ok(()),
        }
    }

    /// `image` is of this recorder's device and, in transient memory, its memory's active
    /// member (or becomes it: see `recorder/alias.rs`).
    pub(super) fn own_image(&self, image: &Image) -> Result<()> {
        self.own_image_as(image, true)
    }

    /// [`own_image`](Self::own_image) for an upload of every level, which may claim `image`
    /// for the transfer lane (`Lane::takes_image`): its first use is marked by
    /// [`image_off_other_lanes`](Self::image_off_other_lanes) where the lane does not take it.
    pub(super) fn own_image_before_upload(&self, image: &Image) -> Result<()> {
        self.own_image_as(image, false)
    }

    fn own_image_as(&self, image: &Image, first_use: bool) -> Result<()> {
        same_device(self.alloc.context(), image.context(), || image.desc().name.clone())?;
        self.image_off_other_lanes(image, first_use)?;
        match image.memory().alias_member() {
            Some(member) => member.claim(&image.desc().name),
            None => Ok(()),
        }
    }

    /// [`Error::OnTransferQueue`] where another batch's transfer lane claimed `buffer` and the
    /// claim has not ended (its main submission, which waits for the lane's copy, is not
    /// submitted yet: work recorded here could be submitted before it, unordered with the
    /// copy). With `first_use`, marks it used in the same atomic step (a claim cannot slip in
    /// between the test and this recording's hold).
    #[inline]
    pub(super) fn off_other_lanes<T>(&self, buffer: &Buffer<T>, first_use: bool) -> Result<()> {
        off_lanes(
            buffer.first_use(),
            first_use,
            || self.lane.claimed_buffer(buffer.handle()),
            || buffer.name().to_owned(),
        )
    }

    /// [`off_other_lanes`](Self::off_other_lanes) for `image`.
    pub(super) fn image_off_other_lanes(&self, image: &Image, first_use: bool) -> Result<()> {
        off_lanes(
            image.first_use(),
            first_use,
            || self.lane.claimed_image(image.handle()),
            || image.desc().name.clone(),
        )
    }

    /// `fence` is of this recorder's device (the work's submission signals it).
    pub(in crate::allocator) fn own_fence(&self, fence: &Fence) -> Result<()> {
        same_device(self.alloc.context(), fence.context(), || format!("fence {:?}", fence.raw()))
    }
}

/// The lane test of a buffer or image: the atomic first-use state decides alone unless a lane
/// claimed the resource (the common "used before" case costs one atomic operation); then only
/// this recorder's own lane's claim (`claimed_here`) lets it through.
#[inline]
fn off_lanes(
    state: &FirstUse,
    first_use: bool,
    claimed_here: impl FnOnce() -> bool,
    name: impl FnOnce() -> String,
) -> Result<()> {
    let free = if first_use { state.use_now() } else { !state.on_lane() };
    if free || claimed_here() { Ok(()) } else { Err(Error::OnTransferQueue { name: name() }) }
}
