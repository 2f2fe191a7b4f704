//! [`StagingStream`]: the staging part of a recorder. One resource set of the allocator's
//! [`StagingMemoryManager`] at a time, the bytes staged in it, and a cursor into the chunk the
//! manager gave last, so that most stagings take no lock (see [`Cursor`]).
//!
//! It knows nothing of command buffers or submissions: the recorder decides what to do when
//! the budget is used up (a batch submits a round and waits; a recorder on a caller's command
//! buffer cannot), and hands the set over to whatever releases it when the work has finished.

use ash::vk;

use crate::error::Result;
use crate::staging::{Cursor, SetId, StagingMemoryManager};

/// The staging a recorder uses for the work it records now.
pub(crate) struct StagingStream<'a> {
    staging: &'a StagingMemoryManager,
    /// The set of the work being recorded.
    set: SetId,
    /// Whether `set` was taken (the stream stages nothing more, and releases nothing on drop).
    taken: bool,
    /// Bytes staged in `set`.
    staged: u64,
    /// Where the next staging in `set` goes without asking the manager (dropped whenever `set`
    /// is released or handed over).
    cursor: Option<Cursor>,
}

impl<'a> StagingStream<'a> {
    /// A stream with a new set of `staging`.
    pub(crate) fn new(staging: &'a StagingMemoryManager) -> Self {
        Self { set: staging.open_work_set(), taken: false, staging, staged: 0, cursor: None }
    }

    /// The manager.
    pub(crate) fn manager(&self) -> &'a StagingMemoryManager {
        self.staging
    }

    /// Bytes staged in the current set.
    pub(crate) fn staged(&self) -> u64 {
        self.staged
    }

    /// Copies `data` into staging space aligned to `align` in the rest of the chunk the
    /// manager gave last, without its lock; `None` if it has no room.
    #[inline]
    pub(crate) fn stage_in_chunk(&mut self, data: &[u8], align: u64) -> Result<Option<(vk::Buffer, u64)>> {
        let offset = match self.cursor.as_mut() {
            Some(cursor) if !self.taken => cursor.carve(data.len() as u64, align),
            _ => None,
        };
        match offset {
            Some(offset) => self.write(data, offset).map(Some),
            None => Ok(None),
        }
    }

    /// Copies `data` into staging space aligned to `align` that the manager gives (a chunk the
    /// set owns, a free one, or a new one); `None` when the budget is used up.
    pub(crate) fn stage_in_new_chunk(&mut self, data: &[u8], align: u64) -> Result<Option<(vk::Buffer, u64)>> {
        if self.taken {
            return Ok(None);
        }
        // The chunk stays alive without a hold: the manager keeps chunks a set owns, and the
        // set is released only after the work that reads it has finished.
        match self.staging.stage_with_cursor(self.set, data.len() as u64, align, &mut self.cursor)? {
            Some((cursor, offset)) => {
                self.cursor = Some(cursor);
                self.write(data, offset).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Counts `data` as staged and writes it at `offset` of the cursor's chunk.
    #[inline]
    fn write(&mut self, data: &[u8], offset: u64) -> Result<(vk::Buffer, u64)> {
        self.staged += data.len() as u64;
        let Some(cursor) = self.cursor.as_mut() else {
            return Err(crate::Error::StagingExhausted { budget: self.staging.config().budget });
        };
        cursor.write(offset, data)?;
        Ok((cursor.buffer().handle(), offset))
    }

    /// Releases the staging of the current set at once (nothing reads it: its commands were
    /// never recorded, or the work reading it has finished) and goes on staging into it.
    pub(crate) fn release_now(&mut self) {
        self.cursor = None;
        self.staged = 0;
        if !self.taken {
            self.staging.release_work_set(self.set);
        }
    }

    /// Hands the current set over to the caller, who releases it once the work that reads it
    /// has finished, and goes on in a new one.
    pub(crate) fn hand_over(&mut self) -> SetId {
        let set = self.take();
        self.set = self.staging.open_work_set();
        self.taken = false;
        set
    }

    /// Takes the current set: the stream stages nothing more and releases nothing.
    pub(crate) fn take(&mut self) -> SetId {
        self.cursor = None;
        self.staged = 0;
        self.taken = true;
        self.set
    }
}

impl Drop for StagingStream<'_> {
    /// Releases a set nobody took: its work finished, or was never submitted.
    fn drop(&mut self) {
        self.cursor = None;
        if !self.taken {
            self.staging.release_work_set(self.set);
        }
    }
}
