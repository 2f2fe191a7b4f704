//! The data path between host and device: the [`StagingMemoryManager`] with resource sets,
//! [`Fence`]s and [`RingFences`], and [`Download`]s.

mod download;
mod fence;
mod manager;
mod ring;

pub use download::Download;
pub use fence::{Fence, FenceSubmitGuard};
pub(crate) use manager::Cursor;
pub use manager::{SetId, StagingConfig, StagingMemoryManager, StagingSpace};
pub use ring::{RingFences, RingSlot};
