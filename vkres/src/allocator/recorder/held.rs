//! [`Held`]: resources a [`Recorder`] can hold for the caller's own commands.

use std::sync::Arc;

use super::Recorder;
use crate::accel::{Blas, Tlas};
use crate::resources::{AccelerationStructure, Buffer, Image, ImageView, Sampler, SubBuffer, Texture};

mod sealed {
    /// What makes a resource holdable: type-erased handles that keep it alive.
    pub trait Sealed {
        /// Pushes the handles that keep the resource (and what it needs) alive onto `into`.
        fn hold(&self, into: &mut Vec<std::sync::Arc<dyn Send + Sync>>) {
            into.push(self.keep_alive());
        }
        fn keep_alive(&self) -> std::sync::Arc<dyn Send + Sync>;
        /// [`hold`](Self::hold) for commands that only read the resource: a mapped buffer's
        /// host reads are then not refused (the same hold for every other resource).
        fn hold_read_only(&self, into: &mut Vec<std::sync::Arc<dyn Send + Sync>>) {
            self.hold(into);
        }
        /// The `VkDevice` the resource belongs to, where it has memory of a context (`None`:
        /// not told, or a placeholder).
        fn device(&self) -> Option<ash::vk::Device> {
            None
        }
    }
}

/// A resource that a [`Recorder`] can keep alive until the caller's fence has signalled
/// ([`Recorder::keep_alive`]): buffers, sub-buffers, images, views, samplers, textures,
/// acceleration structures.
pub trait Held: sealed::Sealed {}

impl<T> sealed::Sealed for Buffer<T> {
    /// Held as written: the caller's commands may write it (a shader store vkres cannot see),
    /// so host reads through its mapping are refused until the work has finished (issue 16).
    fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        Buffer::keep_alive_written(self)
    }

    fn hold_read_only(&self, into: &mut Vec<Arc<dyn Send + Sync>>) {
        into.push(Buffer::keep_alive(self));
    }

    fn device(&self) -> Option<ash::vk::Device> {
        Some(self.context().device().handle())
    }
}
impl<T> Held for Buffer<T> {}

impl<T> sealed::Sealed for SubBuffer<T> {
    /// The range, which holds its arena's buffer.
    fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        SubBuffer::keep_alive(self)
    }

    /// Counted as a use that only reads the range: its host reads stay allowed.
    fn hold_read_only(&self, into: &mut Vec<Arc<dyn Send + Sync>>) {
        into.push(SubBuffer::keep_alive_read_only(self));
    }
}
impl<T> Held for SubBuffer<T> {}

impl sealed::Sealed for Image {
    fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        Image::keep_alive(self)
    }
}
impl Held for Image {}

impl sealed::Sealed for ImageView {
    /// The view, which holds its image; the image counts as used by recorded work from now
    /// on (a batch's transfer lane leaves it to the main queue).
    fn hold(&self, into: &mut Vec<Arc<dyn Send + Sync>>) {
        if self.image().in_transient_memory() {
            // The image's hold carries its transient memory's, which host writes into a
            // mapped member check (and marks the image used).
            into.push(self.image().keep_alive());
        } else {
            self.image().first_use().mark_used();
        }
        into.push(ImageView::keep_alive(self));
    }

    fn device(&self) -> Option<ash::vk::Device> {
        Some(self.image().context().device().handle())
    }

    fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        if self.image().in_transient_memory() {
            Arc::new((self.image().keep_alive(), ImageView::keep_alive(self)))
        } else {
            self.image().first_use().mark_used();
            ImageView::keep_alive(self)
        }
    }
}
impl Held for ImageView {}

impl sealed::Sealed for Sampler {
    fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        Sampler::keep_alive(self)
    }
}
impl Held for Sampler {}

impl sealed::Sealed for Texture {
    /// The view (and its image) and the sampler: a pool holds its samplers weakly, so the
    /// texture's handle may be the last one.
    fn hold(&self, into: &mut Vec<Arc<dyn Send + Sync>>) {
        sealed::Sealed::hold(&self.view, into);
        into.push(self.sampler.keep_alive());
    }

    fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        self.view.keep_alive()
    }

    fn device(&self) -> Option<ash::vk::Device> {
        sealed::Sealed::device(&self.view)
    }
}
impl Held for Texture {}

impl sealed::Sealed for AccelerationStructure {
    fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        AccelerationStructure::keep_alive(self)
    }
}
impl Held for AccelerationStructure {}

impl sealed::Sealed for Blas {
    fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        self.0.keep_alive()
    }
}
impl Held for Blas {}

impl sealed::Sealed for Tlas {
    /// The TLAS, which holds the BLASes its instances refer to.
    fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        self.0.keep_alive()
    }
}
impl Held for Tlas {}

/// The `VkDevice` of `resource`, where it tells (buffers, views, textures).
pub(crate) fn device_of<R: Held>(resource: &R) -> Option<ash::vk::Device> {
    sealed::Sealed::device(resource)
}

impl Recorder<'_> {
    /// Keeps `resource` alive until the recorded work has finished: for resources the
    /// caller's own commands in the same command buffer use (a draw's vertex buffer, a traced
    /// TLAS), so that dropping their handles mid-frame destroys nothing the frame reads.
    ///
    /// vkres cannot tell whether those commands write the resource, so it counts them as
    /// writes: a host read of a held mapped buffer ([`Buffer::read`], a read through
    /// [`Buffer::map`]) or of a held range ([`SubBuffer::read`]) is
    /// [`Error::InUseByRecordedWork`](crate::Error::InUseByRecordedWork) until the work has
    /// finished (its [`InFlight`](crate::InFlight) waited for and dropped), as a host write is.
    /// Where the commands only read a buffer, [`keep_alive_read_only`](Self::keep_alive_read_only)
    /// leaves its host reads allowed.
    pub fn keep_alive<R: Held>(&mut self, resource: &R) {
        sealed::Sealed::hold(resource, &mut self.tables.keep_alive);
    }

    /// Keeps `buffer` alive until the work has finished without counting it as used by the
    /// work: no command recorded uses it (a buffer `resize` made, held only so that its frame
    /// releases it in order), so host writes into it (`write_<field>`) stay allowed.
    pub(crate) fn hold_unused<T>(&mut self, buffer: &Buffer<T>) {
        self.tables.keep_alive.push(buffer.alive_handle());
    }

    /// [`keep_alive`](Self::keep_alive) for a resource the caller's commands only read (a
    /// vertex buffer a draw reads): host reads of a mapped buffer or of a range of an arena
    /// ([`SubBuffer`]) held this way are not refused while the work runs (host writes still
    /// are). Every other resource is held as by `keep_alive`.
    ///
    /// # Safety
    /// No command that the caller records with this hold (until its work has finished)
    /// writes `resource`: a host read would race that write (a data race with the device, and
    /// bytes from before the write).
    pub unsafe fn keep_alive_read_only<R: Held>(&mut self, resource: &R) {
        sealed::Sealed::hold_read_only(resource, &mut self.tables.keep_alive);
    }
}
