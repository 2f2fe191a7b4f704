//! [`Recorder::alias_barrier`]: the barrier between resources that share transient memory.

use std::sync::Arc;

use ash::vk;

use super::Recorder;
use crate::error::{Error, Result};
use crate::resources::Image;

impl Recorder<'_> {
    /// Orders every access recorded so far before every access recorded after, and discards
    /// the contents of `images` (their layout becomes `UNDEFINED`): the barrier a resource in
    /// [`TransientMemory`](crate::memory::TransientMemory) needs before the device uses it
    /// after another resource of the same memory (Vulkan's memory aliasing rules: the later
    /// resource's contents are undefined, and accesses through the earlier one must be
    /// complete). One global memory barrier, all commands to all commands.
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
        // Everything before is ordered: no transfer needs another barrier for it.
        self.tables.written.clear();
        self.tables.read.clear();
        for image in images {
            self.hold(image.keep_alive());
            self.tables.layouts.insert(image.handle(), ((*image).clone(), vk::ImageLayout::UNDEFINED));
        }
        Ok(())
    }
}
