//! Acceleration structures for ray tracing: what to build ([`BlasDesc`], [`TlasDesc`]) and
//! what a build gives ([`Blas`], [`Tlas`]).
//!
//! Builds are recorded into a [`Batch`](crate::Batch) with
//! [`build_blas`](crate::Batch::build_blas) and [`build_tlas`](crate::Batch::build_tlas) and run
//! when the batch is submitted, after the batch's transfers: every BLAS build of the batch in
//! one `vkCmdBuildAccelerationStructuresKHR` with one scratch buffer, a barrier, then the TLAS
//! builds, then a barrier that makes them readable by every later command. So vertex data
//! uploaded by the same batch is in place when the builds read it.
//!
//! Lifetimes are carried by the types: a [`Tlas`] holds the [`Blas`]es its instances refer to,
//! a batch holds everything its builds read or write until its fence signalled, and a TLAS can
//! only refer to a BLAS that a finished batch built, or that the same batch builds.

mod desc;
pub(crate) mod geometry;
mod handles;
mod instance;

pub use desc::{BlasDesc, BuildPreference, TlasDesc};
pub use geometry::{Aabb, AabbGeometry, IndexElement, Transform3x4, TriangleGeometry};
pub use handles::{Blas, Compacted, Tlas};
pub use instance::{InstanceOf, TlasInstance, TlasInstanceRef};

pub(crate) use desc::Geometry;
pub(crate) use geometry::InstanceRecord;
