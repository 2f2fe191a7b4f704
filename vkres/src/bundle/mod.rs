//! [`GpuResources`]: the trait `#[derive(GpuResources)]` implements, the descriptor types its
//! bindings produce, and the items its expansion names (`__private`, not part of the API).

mod accel_fields;
mod alias;
mod collections;
mod compact;
mod descriptors;
mod frame_tlas;
mod geometries;
mod instances;
mod per_frame;
#[doc(hidden)]
pub mod private;
mod resize;
mod texture_collections;

pub use descriptors::{DescriptorBinding, DescriptorKind, DescriptorWrites};
pub use geometries::{GeometryInput, GeometryRecord};
pub use instances::BlasInstance;
pub use per_frame::{MAX_FRAMES_IN_FLIGHT, PerFrame};
pub use texture_collections::TextureInput;

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
/// and call `Particles::create(&alloc)`: every resource is created in dependency order, every
/// upload recorded into one command buffer, submitted once and waited for once, and the bundle
/// returned. On any error the resources made so far are released and the error returned.
///
/// The derive also generates inherent `Particles::create(&alloc)` and
/// `Particles::record(&mut batch)` (with a second argument, the inputs, where the bundle has
/// run-time inputs). Several bundles share one submission through `record`:
///
/// ```no_run
/// # use vkres::{Buffer, GpuResources, ResourceAllocator};
/// # #[derive(GpuResources)]
/// # struct Particles { #[gpu(buffer(usage = STORAGE, data = [1.0f32]))] positions: Buffer<f32> }
/// # fn f(alloc: &ResourceAllocator) -> vkres::Result<()> {
/// let mut batch = alloc.batch()?;
/// let a = Particles::record(&mut batch)?;
/// let b = Particles::record(&mut batch)?;
/// batch.submit_and_wait()?; // one submission for both
/// # Ok(()) }
/// ```
///
/// A derived bundle is `Send + Sync` when its fields are, as every vkres resource handle is: it can
/// be created on one thread and used or dropped on another.
pub trait GpuResources: Sized {
    /// What `create` needs at run time: `()` for a bundle whose data is all known to its
    /// schema, else the generated `<Name>Inputs<'a>` struct (one slice per `data = input`).
    type Inputs<'a>;

    /// Creates every resource of the bundle and records its uploads into `batch`. The data is
    /// in place once the batch was submitted and waited for. On error, what was created is
    /// released (the batch should then be dropped).
    fn record(batch: &mut Batch<'_>, inputs: Self::Inputs<'_>) -> Result<Self>;

    /// Creates the bundle in one batch: one submission (none if nothing is uploaded), one wait.
    // `?` would instantiate `FromResidual` for each bundle type.
    #[allow(clippy::question_mark)]
    fn create(alloc: &ResourceAllocator, inputs: Self::Inputs<'_>) -> Result<Self> {
        // Instantiated once per bundle type: `match`es rather than `?` (no `Try` calls), the
        // rest in non-generic functions.
        let mut batch = match alloc.batch() {
            Ok(batch) => batch,
            Err(e) => return Err(e),
        };
        match Self::record(&mut batch, inputs) {
            Ok(bundle) => match batch.submit_and_wait() {
                Ok(()) => Ok(bundle),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        }
    }
}
