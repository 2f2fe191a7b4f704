//! [`Download`]: data copied from the device, readable once the work that copies it finished.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytemuck::Pod;

use crate::error::{Error, Result};
use crate::resources::Buffer;

/// The destination of a recorded download. Reading it before the batch that records the copy
/// has finished is [`Error::NotReady`]; afterwards it returns the bytes as the device had
/// them. Image downloads are tightly packed in the order of [`crate::format`].
///
/// `Send + Sync`: a shared buffer handle and an atomic completion flag.
#[derive(Debug)]
pub struct Download {
    buffer: Buffer,
    done: Arc<AtomicBool>,
}

impl Download {
    /// A download into `buffer` whose batch sets `done` when finished.
    pub(crate) fn new(buffer: Buffer, done: Arc<AtomicBool>) -> Self {
        Self { buffer, done }
    }

    /// Whether the copy has finished.
    pub fn is_ready(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Size in bytes.
    pub fn len(&self) -> u64 {
        self.buffer.size()
    }

    /// Whether it holds no byte (never: zero-size downloads are not recorded).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes.
    pub fn bytes(&self) -> Result<Vec<u8>> {
        if !self.is_ready() {
            return Err(Error::NotReady { name: self.buffer.name().into() });
        }
        // Under the mapping's lock only: the copy into it is finished (`done`), although the
        // batch may still hold the buffer as written.
        let mut out = vec![0u8; self.buffer.size() as usize];
        self.buffer.map_locked()?.read_bytes(0, &mut out)?;
        Ok(out)
    }

    /// The data as elements of `T`; its size must be a multiple of `T`'s (a zero-sized `T`:
    /// one per byte, as [`Buffer::len`](crate::Buffer::len) counts them).
    pub fn read<T: Pod>(&self) -> Result<Vec<T>> {
        let bytes = self.bytes()?;
        if bytes.len() % size_of::<T>().max(1) != 0 {
            return Err(Error::NotWholeElements {
                name: self.buffer.name().into(),
                bytes: bytes.len() as u64,
                element: size_of::<T>() as u64,
            });
        }
        // A zero-sized `T` counts one element per byte, as `Buffer::len` does (bytemuck's
        // collect divides by the size: a panic, issue 16, helper "sound4").
        if size_of::<T>() == 0 {
            return Ok(vec![T::zeroed(); bytes.len()]);
        }
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    }
}
