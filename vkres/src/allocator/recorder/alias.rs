//! [`Recorder::alias_barrier`]: the barrier between resources that share transient memory, and
//! which member of a memory is active (issue 16).
//!
//! Each [`TransientMemory`](crate::memory::TransientMemory) keeps its active member: the one
//! that recorded work used since the last alias barrier. Every recorder entry that names a
//! buffer or image (`same_device.rs::own_buffer`/`own_image`) claims it for its memory: the
//! first use after a barrier makes it active, a use of another member before the next barrier
//! is [`Error::AliasNotActive`] and records nothing. An alias barrier starts a new epoch: any
//! member may be claimed again (the derive's `begin_<field>` is the barrier, then the
//! texture's transition, which claims it). At creation nothing is claimed by
//! `create_aliased_*`; the derive's `create` transitions each texture of a group (after the
//! barrier for every texture but the first), so the group's last texture is active after it.
//!
//! The order is the recording order of commands on one device, taken as their submission
//! order: one counter of alias barriers per device (`Context`), shared by every allocator and
//! recorder on it (a barrier recorded in one recorder lets the next use in any recorder switch
//! members). Not caught: recorders submitted in another order than recorded, or on other
//! queues without a semaphore between them; commands the recorder does not see (raw
//! command buffers, descriptor sets bound by the caller: the recorder checks only resources
//! it is handed); host access through `map`.

use std::sync::Arc;

use ash::vk;

use super::Recorder;
use crate::error::{Error, Result};
use crate::memory::advance_alias_epoch;
use crate::resources::Image;

impl Recorder<'_> {
    /// Orders every access recorded so far before every access recorded after, and discards
    /// the contents of `images` (their layout becomes `UNDEFINED`): the barrier a resource in
    /// [`TransientMemory`](crate::memory::TransientMemory) needs before the device uses it
    /// after another resource of the same memory (Vulkan's memory aliasing rules: the later
    /// resource's contents are undefined, and accesses through the earlier one must be
    /// complete). One global memory barrier, all commands to all commands.
    ///
    /// After it, the next use of any member of a transient memory makes that member the active
    /// one (module docs: the order semantics); `images` may be the member left or the one
    /// entered, it does not claim them.
    ///
    /// The transfer queue is not ordered by it: with a transfer queue on the context, upload
    /// aliased buffers below [`LANE_THRESHOLD`](crate::LANE_THRESHOLD) or in separate batches.
    pub fn alias_barrier(&mut self, images: &[&Image]) -> Result<()> {
        if let Some(image) = images.iter().find(|i| !Arc::ptr_eq(i.context(), self.alloc.context())) {
            return Err(Error::WrongDevice { name: image.desc().name.clone() });
        }
        // Deferred image uploads are recorded before the barrier, so that it orders them too.
        self.flush_image_uploads();
        let barrier = vk::MemoryBarrier2::default()
            .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .src_access_mask(vk::AccessFlags2::MEMORY_WRITE | vk::AccessFlags2::MEMORY_READ)
            .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
            .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE);
        self.barrier(barrier);
        self.commands += 1;
        advance_alias_epoch(self.alloc.context());
        // Everything before is ordered: no transfer needs another barrier for it.
        self.tables.written.clear();
        self.tables.read.clear();
        for image in images {
            self.hold(image.keep_alive());
            self.track_layout(image, vk::ImageLayout::UNDEFINED, vk::ImageLayout::UNDEFINED);
        }
        Ok(())
    }
}
