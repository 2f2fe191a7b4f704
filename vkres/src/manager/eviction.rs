//! Eviction under a memory budget: least-recently-used buffers and textures that only the
//! [`ResourceManager`] holds are read back to host memory and destroyed, and made anew, with
//! their contents, on the next lookup of their handle (which stays valid throughout).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use ash::vk;

use super::{BufferType, Entry, Error, ResourceHandle, ResourceManager, Result};
use crate::resources::{Buffer, BufferDesc, Texture};
use crate::{ImageUpload, MappingType, MipSource, Sampler};

/// A resource the manager evicted: what re-creates it, and its contents.
#[derive(Debug)]
pub(super) struct Evicted {
    kind: EvictedKind,
}

#[derive(Debug)]
enum EvictedKind {
    Buffer { ty: BufferType, desc: BufferDesc, data: Vec<u8> },
    Texture { image: crate::ImageDesc, sampler: Sampler, data: Vec<u8> },
}

impl Evicted {
    /// The entry's type, as it was resident.
    pub(super) fn ty(&self) -> super::ResourceType {
        match &self.kind {
            EvictedKind::Buffer { ty, .. } => super::ResourceType::Buffer(*ty),
            EvictedKind::Texture { .. } => super::ResourceType::Texture,
        }
    }
}

/// What [`ResourceManager::evict_to_budget`] did.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvictionStats {
    /// Resources evicted.
    pub evicted: usize,
    /// Bytes of device memory they held.
    pub bytes_freed: u64,
    /// Bytes the resident buffers and textures hold afterwards.
    pub resident_bytes: u64,
}

/// A candidate for eviction: its handle, last use, bytes and a clone of the resource.
struct Candidate {
    handle: ResourceHandle,
    last_use: u64,
    bytes: u64,
    entry: Entry,
}

impl ResourceManager {
    /// Records a use of `handle` (for least-recently-used eviction).
    pub(super) fn touch(&self, handle: ResourceHandle) {
        if let Some(slot) = self.uses.get(handle.index() as usize) {
            slot.store(self.tick.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        }
    }

    /// Bytes of device memory the resident buffers and textures hold.
    pub fn resident_bytes(&self) -> u64 {
        self.read().values().map(resident_bytes).sum()
    }

    /// Evicts least-recently-used buffers and textures (a lookup is a use) until the resident
    /// ones hold at most `budget` bytes: each is read back to host memory in one batch and
    /// destroyed; its handle stays valid, and its next lookup makes it anew with its contents
    /// (and rewrites its bindless descriptor). Only resources the manager alone holds are
    /// evicted (a clone held elsewhere, or by work in flight, keeps the memory alive anyway),
    /// and only those with `TRANSFER_SRC` usage (the manager's own buffers and textures have
    /// it). Materials and shaders stay. When nothing more can be evicted the budget may stay
    /// exceeded: [`EvictionStats::resident_bytes`] says how much is left.
    ///
    /// Work of the caller's own: nothing is destroyed before the read-back's fence has
    /// signalled, and a fence's signal covers every earlier submission of its queue, so a
    /// command buffer of the caller's that reads a victim (through the
    /// [`bindless`](Self::bindless) set or a raw handle) and was submitted to the context's
    /// [queue](crate::Context::queue) before this call has finished before the victim is
    /// destroyed (this call waits for it). Not covered, and so the caller's to order: work on
    /// other queues (wait for it first), and command buffers recorded before this call but
    /// submitted after it. An evicted handle's bindless entries are stale (they name the
    /// destroyed objects) until its next lookup: look up, after an eviction, every handle whose
    /// entries a shader will read (a lookup is also the use that keeps it resident), as the
    /// `unsafe` submission of such a command buffer must ensure that what it reads is alive.
    pub fn evict_to_budget(&self, budget: u64) -> Result<EvictionStats> {
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut resident = 0;
        {
            // The write lock, not the read lock lookups take: the holders check, the clone and
            // the use-tick read below are then one step with respect to every lookup (a lookup
            // clones and touches under the read lock). Under the read lock a lookup could clone
            // and touch between `evictable` and the tick read: the candidate would then carry
            // the lookup's own tick, and the check before the swap (tick unchanged, holders 2)
            // would pass after that lookup wrote through its clone and dropped it, undoing its
            // write with the older read-back (issue 16, session 9 review12 finding 1). The scan
            // clones and reads counters only, so lookups wait briefly; lookups stay as cheap.
            let table = self.write();
            for (handle, entry) in table.entries() {
                let bytes = resident_bytes(entry);
                resident += bytes;
                if bytes > 0 && evictable(entry, 1) {
                    let last_use = self.uses.get(handle.index() as usize).map_or(0, |u| u.load(Ordering::Relaxed));
                    candidates.push(Candidate { handle, last_use, bytes, entry: entry.clone() });
                }
            }
        }
        candidates.sort_by_key(|c| c.last_use);
        let mut chosen = Vec::new();
        let mut after = resident;
        for c in candidates {
            if after <= budget {
                break;
            }
            after -= c.bytes;
            chosen.push(c);
        }
        if chosen.is_empty() {
            return Ok(EvictionStats { evicted: 0, bytes_freed: 0, resident_bytes: resident });
        }
        // Read every victim back in one batch.
        let mut batch = self.alloc.batch()?;
        let mut downloads = Vec::with_capacity(chosen.len());
        for c in &chosen {
            downloads.push(match &c.entry {
                Entry::Buffer(b, _) => {
                    let desc = BufferDesc::new(b.size(), vk::BufferUsageFlags::TRANSFER_DST)
                        .mapping(MappingType::HostAccessRandom)
                        .name(format!("{}/eviction", b.name()));
                    let readback = self.alloc.create_buffer(&desc)?;
                    batch.copy_buffer(b, 0, &readback, 0, b.size())?;
                    Download::Buffer(readback)
                }
                Entry::Texture(t) => Download::Image(batch.download_image(t.image())?),
                _ => Download::None,
            });
        }
        batch.submit_and_wait()?;
        let mut stats = EvictionStats::default();
        let mut freed = Vec::with_capacity(chosen.len());
        for (c, download) in chosen.into_iter().zip(downloads) {
            let data = match download {
                Download::Buffer(readback) => readback.read_vec()?,
                Download::Image(download) => download.bytes()?,
                Download::None => continue,
            };
            let kind = match &c.entry {
                Entry::Buffer(b, ty) => {
                    let desc = BufferDesc::new(b.size(), b.usage()).name(b.name().to_owned());
                    EvictedKind::Buffer { ty: *ty, desc, data }
                }
                Entry::Texture(t) => {
                    EvictedKind::Texture { image: t.image().desc().clone(), sampler: t.sampler().clone(), data }
                }
                _ => continue,
            };
            let evicted = Entry::Evicted(Arc::new(Evicted { kind }));
            let mut table = self.write();
            // Still the same resource, held by the table and by `c` only: no lookup holds a
            // clone now (lookups clone under the read lock, which this write lock excludes);
            // and none was made since it was chosen (its use tick is unchanged; lookups touch
            // under the read lock): a lookup that wrote it (`update_buffers`, a host write
            // through the clone) after the read-back was recorded and dropped its clone before
            // this lock would otherwise be undone by the read-back's older contents (issue 16,
            // session 9 audit: `memory::eviction_race`).
            let unused =
                self.uses.get(c.handle.index() as usize).map_or(0, |u| u.load(Ordering::Relaxed)) == c.last_use;
            let same = unused && table.get(c.handle).is_some_and(|e| same_resource(e, &c.entry) && evictable(e, 2));
            if same && let Some(slot) = table.get_mut(c.handle) {
                freed.push(std::mem::replace(slot, evicted));
                stats.evicted += 1;
                stats.bytes_freed += c.bytes;
            }
        }
        // The resources are destroyed here, outside the lock, when the last clones drop.
        drop(freed);
        stats.resident_bytes = self.resident_bytes();
        Ok(stats)
    }

    /// Makes an evicted resource anew (one batch: creation and upload) and puts it back in the
    /// table under its handle, with its bindless descriptor; returns the entry now there.
    pub(super) fn restore(&self, handle: ResourceHandle, evicted: &Arc<Evicted>) -> Result<Entry> {
        let mut batch = self.alloc.batch()?;
        let entry = match &evicted.kind {
            EvictedKind::Buffer { ty, desc, data } => {
                let buffer: Buffer = self.alloc.create_buffer(desc)?;
                batch.upload_bytes(&buffer, 0, data)?;
                Entry::Buffer(buffer, *ty)
            }
            EvictedKind::Texture { image, sampler, data } => {
                let upload = ImageUpload { mips: MipSource::Provided, ..Default::default() };
                let texture: Texture = batch.create_texture(image, sampler.desc(), Some(data), &upload)?;
                Entry::Texture(texture)
            }
        };
        batch.submit_and_wait()?;
        let mut table = self.write();
        let slot = table.get_mut(handle).ok_or_else(|| Error::StaleHandle { handle: handle.to_string() })?;
        match slot {
            // Another thread restored it first (or it was replaced): use what is there.
            Entry::Evicted(e) if Arc::ptr_eq(&*e, evicted) => {}
            other => return Ok(other.clone()),
        }
        if let Some(set) = &self.bindless {
            match &entry {
                Entry::Buffer(b, _) if b.usage().contains(vk::BufferUsageFlags::STORAGE_BUFFER) => {
                    set.write_buffer(handle.index(), b)
                }
                Entry::Texture(t) => set.write_texture(handle.index(), t),
                _ => {}
            }
        }
        *slot = entry.clone();
        Ok(entry)
    }
}

/// A download recorded for a victim.
enum Download {
    Buffer(Buffer),
    Image(crate::Download),
    None,
}

/// Bytes of device memory a resident buffer or texture holds (0 for everything else).
fn resident_bytes(entry: &Entry) -> u64 {
    match entry {
        Entry::Buffer(b, _) => b.memory().info().size,
        Entry::Texture(t) => t.image().memory().info().size,
        _ => 0,
    }
}

/// Whether `entry` may be evicted while `holders` handles to it exist (the table's, and the
/// caller's clone where 2): a buffer or texture that can be read back and that nothing else holds.
fn evictable(entry: &Entry, holders: usize) -> bool {
    match entry {
        Entry::Buffer(b, _) => b.usage().contains(vk::BufferUsageFlags::TRANSFER_SRC) && b.holders() == holders,
        Entry::Texture(t) => {
            let image = t.image();
            image.desc().usage.contains(vk::ImageUsageFlags::TRANSFER_SRC)
                && t.view().holders() == holders
                && image.holders() == 1
        }
        _ => false,
    }
}

/// Whether two entries are the same resource (not merely equal descriptions).
fn same_resource(a: &Entry, b: &Entry) -> bool {
    match (a, b) {
        (Entry::Buffer(x, _), Entry::Buffer(y, _)) => x.handle() == y.handle(),
        (Entry::Texture(x), Entry::Texture(y)) => x.view().handle() == y.view().handle(),
        _ => false,
    }
}
