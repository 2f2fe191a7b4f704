//! [`GpuResources`]: the trait `#[derive(GpuResources)]` implements, and the items its
//! expansion names (`__private`, not part of the API).

#[doc(hidden)]
pub mod private;

use crate::allocator::{Batch, ResourceAllocator};
use crate::error::Result;

/// A typed bundle of GPU resources, created in one batch. Derive it:
///
/// ```
/// use vkres::{Buffer, GpuResources};
///
/// #[derive(GpuResources)]
/// struct Particles {
///     #[gpu(buffer(usage = STORAGE_BUFFER, data = [1.0f32, 2.0, 3.0]))]
///     positions: Buffer<f32>,
///     #[gpu(buffer(usage = STORAGE_BUFFER, len = 3))]
///     velocities: Buffer<f32>,
/// }
/// ```
///
/// and call `Particles::create(&alloc)`: every buffer is created, every upload recorded into
/// one command buffer, submitted once and waited for once, and the bundle returned. On any
/// error the resources made so far are released and the error returned.
pub trait GpuResources: Sized {
    /// Creates every resource of the bundle and records its uploads into `batch`. The data is
    /// in place once the batch was submitted and waited for.
    fn record(batch: &mut Batch<'_>) -> Result<Self>;

    /// Creates the bundle in one batch: one submission, one wait.
    fn create(alloc: &ResourceAllocator) -> Result<Self> {
        let mut batch = alloc.batch()?;
        let bundle = Self::record(&mut batch)?;
        batch.submit_and_wait()?;
        Ok(bundle)
    }
}
