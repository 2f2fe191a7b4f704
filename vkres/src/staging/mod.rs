//! The data path between host and device: downloads (and, as it grows, the staging memory
//! manager with resource sets and ring fences).

mod download;

pub use download::Download;
