//! The work, each way side by side: one module per kind of work.

pub mod accel;
pub mod alias_check;
pub mod bundle;
pub mod defrag;
pub mod frame;
pub mod samplers;
pub mod scene;
pub mod small_buffers;
pub mod small_uploads;
pub mod upload;
pub mod upload_pieces;
