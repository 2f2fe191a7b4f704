//! [`Batch::alias_barrier`]: the recorder's, on a batch.

use super::Batch;
use crate::error::Result;
use crate::resources::Image;

impl Batch<'_> {
    /// [`Recorder::alias_barrier`](crate::Recorder::alias_barrier): the barrier between
    /// resources that share [`TransientMemory`](crate::memory::TransientMemory).
    pub fn alias_barrier(&mut self, images: &[&Image]) -> Result<()> {
        self.check_recording()?;
        self.rec.alias_barrier(images)
    }
}
