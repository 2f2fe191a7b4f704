//! Defragmentation: VMA's passes ([`MemoryAllocator::defragment`](super::MemoryAllocator::defragment)), each a list of
//! [`DefragMove`]s that the caller carries out (re-creating each moved buffer or image bound
//! to the move's destination, and copying its contents on the device) or declines.
//!
//! VMA keeps the identity of a moved allocation: after a pass, the same allocation (the same
//! [`MemoryAllocation`](super::MemoryAllocation)) lives at its new place, and its old place is
//! freed. What the caller must change is the Vulkan object bound to it. The
//! [`ResourceManager`](crate::manager::ResourceManager) does all of that behind its handles
//! (`ResourceManager::defragment`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ash::vk;

use super::MemoryPool;
use super::pool::PoolShared;
use super::vma::VmaAllocator;
use crate::error::{Error, Result, VkContext};

/// An allocation's identity in a defragmentation: what [`DefragMove::allocation`] names and
/// [`MemoryAllocation::allocation_id`](super::MemoryAllocation::allocation_id) answers.
///
/// `Send + Sync`: plain data (VMA's handle of the allocation, as a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AllocationId(pub(crate) usize);

/// What one defragmentation moves and how far it goes. Build with [`new`](Self::new) and the
/// setters.
///
/// `Send + Sync`: plain data and a shared pool handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefragOptions {
    /// The custom pool to defragment ([`pool`](Self::pool)); `None`: the default pools (every
    /// allocation made without a pool). One run moves within one of the two, never across.
    pub pool: Option<MemoryPool>,
    /// Bytes moved in one pass at most (0: no limit). A pass's copies are submitted and
    /// waited for together, so this bounds the memory held twice and the length of a wait.
    pub max_bytes_per_pass: u64,
    /// Allocations moved in one pass at most (0: no limit). VMA plans each pass without
    /// knowing which moves the caller will decline, and ends its run at a pass that moves
    /// nothing: with limits, a heap shared with allocations the caller cannot move (the
    /// manager: anything outside its table) may end the run early.
    pub max_allocations_per_pass: u32,
    /// Passes at most (0: until VMA has nothing more to move).
    pub max_passes: u32,
    /// VMA's full algorithm (fewest blocks, most copies) instead of its balanced one.
    pub full: bool,
}

impl Default for DefragOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl DefragOptions {
    /// The default pools, no limits, VMA's balanced algorithm.
    pub fn new() -> Self {
        Self { pool: None, max_bytes_per_pass: 0, max_allocations_per_pass: 0, max_passes: 0, full: false }
    }

    /// Defragments `pool` (a pool of the allocator that runs the defragmentation) instead of
    /// the default pools. A pool with VMA's linear algorithm cannot be defragmented
    /// ([`Error::DefragmentationUnsupported`]); a pool of another allocator is
    /// [`Error::InvalidDescription`].
    pub fn pool(mut self, pool: &MemoryPool) -> Self {
        self.pool = Some(pool.clone());
        self
    }

    /// At most `bytes` moved per pass.
    pub fn max_bytes_per_pass(mut self, bytes: u64) -> Self {
        self.max_bytes_per_pass = bytes;
        self
    }

    /// At most `count` allocations moved per pass.
    pub fn max_allocations_per_pass(mut self, count: u32) -> Self {
        self.max_allocations_per_pass = count;
        self
    }

    /// At most `passes` passes.
    pub fn max_passes(mut self, passes: u32) -> Self {
        self.max_passes = passes;
        self
    }

    /// VMA's full algorithm (`VMA_DEFRAGMENTATION_FLAG_ALGORITHM_FULL_BIT`).
    pub fn full(mut self, on: bool) -> Self {
        self.full = on;
        self
    }
}

/// What a defragmentation did (VMA's `VmaDefragmentationStats`, and the passes).
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefragStats {
    /// Bytes copied to new places.
    pub bytes_moved: u64,
    /// Bytes of `VkDeviceMemory` freed.
    pub bytes_freed: u64,
    /// Allocations moved.
    pub allocations_moved: u32,
    /// `VkDeviceMemory` blocks freed.
    pub blocks_freed: u32,
    /// Passes in which VMA proposed moves.
    pub passes: u32,
}

/// One allocation VMA proposes to move in a pass. It starts declined: unless the caller binds
/// a new object to its destination ([`bind_buffer`](Self::bind_buffer),
/// [`bind_image`](Self::bind_image), which carry out the move's contract), the allocation
/// stays where it is. A bound move is done when the pass ends (the allocation at its new
/// place, its old one freed) unless [`ignore`](Self::ignore)d again.
pub struct DefragMove<'a> {
    raw: &'a mut vk_mem::DefragmentationMove,
    vma: &'a vk_mem::Allocator,
}

impl std::fmt::Debug for DefragMove<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DefragMove")
            .field("allocation", &self.allocation())
            .field("ignored", &self.is_ignored())
            .finish()
    }
}

/// `VMA_DEFRAGMENTATION_MOVE_OPERATION_COPY`: the raw value of VMA's `#[repr(u32)]` enum.
const MOVE_COPY: u32 = 0;
/// `VMA_DEFRAGMENTATION_MOVE_OPERATION_IGNORE`.
const MOVE_IGNORE: u32 = 1;

impl DefragMove<'_> {
    /// The allocation to move (compare with
    /// [`MemoryAllocation::allocation_id`](super::MemoryAllocation::allocation_id)).
    pub fn allocation(&self) -> AllocationId {
        AllocationId(self.raw.srcAllocation as usize)
    }

    /// Leaves the allocation where it is: VMA frees the place it reserved.
    pub fn ignore(&mut self) {
        self.set_operation(MOVE_IGNORE);
    }

    /// Sets VMA's operation of the move.
    fn set_operation(&mut self, operation: u32) {
        let op = std::ptr::addr_of_mut!(self.raw.operation).cast::<u32>();
        // SAFETY: `operation` is VMA's `VmaDefragmentationMoveOperation`, a `#[repr(u32)]`
        // enum (vk-mem's ffi.rs) whose values 0 and 1 are `..._COPY` and `..._IGNORE` (the
        // only ones written here): a valid value of the field, written through a pointer to it
        // that the `&mut` makes exclusive.
        unsafe { op.write(operation) };
    }

    /// Whether [`ignore`](Self::ignore) was called.
    pub fn is_ignored(&self) -> bool {
        let op = std::ptr::addr_of!(self.raw.operation).cast::<u32>();
        // SAFETY: as in `ignore`: the field is a `#[repr(u32)]` enum, so its bytes are a `u32`.
        unsafe { op.read() == MOVE_IGNORE }
    }

    /// VMA's temporary allocation at the destination.
    fn destination(&self) -> vk_mem::Allocation {
        // SAFETY: `vk_mem::Allocation` is a struct whose one field is `VmaAllocation`, the
        // pointer type of `dstTmpAllocation`; `transmute` checks at compile time that their
        // sizes are equal, so the field is at offset 0 with no padding: the bytes of the
        // pointer are the bytes of the struct. The allocation is live for the pass.
        unsafe { std::mem::transmute(self.raw.dstTmpAllocation) }
    }

    /// Where the allocation moves: the block, offset and size of the destination.
    pub fn destination_info(&self) -> (vk::DeviceMemory, vk::DeviceSize, vk::DeviceSize) {
        let info = self.vma.get_allocation_info(&self.destination());
        (info.device_memory, info.offset, info.size)
    }

    /// Binds `buffer` to the destination (`vmaBindBufferMemory`) and, on success, marks the
    /// move to be carried out when the pass ends.
    ///
    /// # Safety
    /// `buffer` is a live buffer of the allocator's device, not bound to memory, created as
    /// the buffer bound to the moving allocation was (same size, usage, flags, sharing), so
    /// that its requirements are the ones the destination was chosen for. Unless the move is
    /// [`ignore`](Self::ignore)d before the pass callback returns, the caller, before it
    /// returns: has copied the contents to `buffer` and waited for the copy; no longer uses
    /// the old buffer, which it destroys (its memory is freed when the pass ends); and uses
    /// `buffer` in its place from then on. A move ignored after this call leaves `buffer`
    /// bound to memory that is freed when the pass ends: destroy it unused.
    pub unsafe fn bind_buffer(&mut self, buffer: vk::Buffer) -> Result<()> {
        // SAFETY: the caller's contract; the destination allocation is live for the pass.
        unsafe { self.vma.bind_buffer_memory(&self.destination(), buffer) }.op("vmaBindBufferMemory")?;
        self.set_operation(MOVE_COPY);
        Ok(())
    }

    /// Binds `image` to the destination (`vmaBindImageMemory`) and, on success, marks the move
    /// to be carried out when the pass ends.
    ///
    /// # Safety
    /// As [`bind_buffer`](Self::bind_buffer), for an image created as the moving one was (its
    /// contents copied in every mip and layer, its views made anew).
    pub unsafe fn bind_image(&mut self, image: vk::Image) -> Result<()> {
        // SAFETY: as in `bind_buffer`.
        unsafe { self.vma.bind_image_memory(&self.destination(), image) }.op("vmaBindImageMemory")?;
        self.set_operation(MOVE_COPY);
        Ok(())
    }
}

/// The `VmaDefragmentationInfo` of VMA 3 (vk-mem 0.5's `ffi::VmaDefragmentationInfo`, which
/// vk-mem does not export), field for field.
#[repr(C)]
struct RawDefragInfo {
    flags: u32,
    pool: *mut std::ffi::c_void,
    max_bytes_per_pass: u64,
    max_allocations_per_pass: u32,
    break_callback: Option<unsafe extern "C" fn(*mut std::ffi::c_void) -> u32>,
    break_callback_user_data: *mut std::ffi::c_void,
}

/// The size of the `VmaDefragmentationInfo` that `begin_defragmentation` takes (a type vk-mem
/// does not export, named here through the method's signature).
const fn info_size<T>(
    _: for<'a, 'b> unsafe fn(
        &'a vk_mem::Allocator,
        &'b T,
    ) -> ash::prelude::VkResult<vk_mem::DefragmentationContext<'a>>,
) -> (usize, usize) {
    (std::mem::size_of::<T>(), std::mem::align_of::<T>())
}

// The layouts this module relies on, checked at compile time (Cargo.toml pins vk-mem to 0.5.0):
// `RawDefragInfo` is VMA's info; a move's operation is a `u32`; an `Allocation` is one pointer.
const _: () = {
    use std::mem::{align_of, size_of};
    let (size, align) = info_size(vk_mem::Allocator::begin_defragmentation);
    assert!(size == size_of::<RawDefragInfo>() && align == align_of::<RawDefragInfo>());
    assert!(size_of::<vk_mem::Allocation>() == size_of::<*mut std::ffi::c_void>());
    assert!(align_of::<vk_mem::Allocation>() == align_of::<*mut std::ffi::c_void>());
    assert!(size_of::<vk_mem::DefragmentationMove>() == 3 * size_of::<*mut std::ffi::c_void>());
};

/// VMA defragmentations one call runs at most (each plans every block once).
const MAX_RUNS: u32 = 8;

/// Passes in a row that carry out no move, after which a VMA defragmentation ends.
const MAX_IDLE_PASSES: u32 = 8;

/// `VMA_DEFRAGMENTATION_FLAG_ALGORITHM_FULL_BIT`.
const ALGORITHM_FULL: u32 = 4;
/// `VMA_DEFRAGMENTATION_FLAG_ALGORITHM_BALANCED_BIT`.
const ALGORITHM_BALANCED: u32 = 2;

/// Frees of default-pool allocations while a defragmentation runs wait until it ends: VMA must
/// not free an allocation that a pass's moves name (ignored ones included) before the pass
/// ends, and other threads may drop resources of the same allocator meanwhile. Outside a run a
/// free costs two atomic additions more.
#[derive(Default)]
pub(crate) struct DefragGate {
    /// Held for a whole run: runs on one allocator one at a time.
    run: Mutex<()>,
    /// A run is on: frees go to `deferred`.
    active: AtomicBool,
    /// Frees between their check of `active` and their end: a run starts (and ends) only when
    /// none is in that window, so a free either sees the run or is done before it begins.
    freeing: AtomicUsize,
    /// Allocations whose free waits for the run's end, each with its custom pool (kept alive:
    /// VMA frees an allocation before its pool is destroyed).
    deferred: Mutex<Vec<(vk_mem::Allocation, Option<Arc<PoolShared>>)>>,
}

impl DefragGate {
    /// Frees `allocation` now, or at the end of the running defragmentation; a deferred free
    /// takes `pool` (the allocation's custom pool, if any) to keep it alive until then.
    ///
    /// # Safety
    /// The caller owns `allocation` (of `vma`, in `pool` where `Some`) and gives it up:
    /// nothing uses it afterwards.
    pub(crate) unsafe fn free_or_defer(
        &self,
        vma: &vk_mem::Allocator,
        mut allocation: vk_mem::Allocation,
        pool: &mut Option<Arc<PoolShared>>,
    ) {
        // SeqCst on both sides (here and in `begin`/`end`): either this sees `active`, or the
        // run's wait for `freeing` to reach 0 sees this free in its window.
        self.freeing.fetch_add(1, Ordering::SeqCst);
        if self.active.load(Ordering::SeqCst) {
            self.deferred.lock().unwrap_or_else(|e| e.into_inner()).push((allocation, pool.take()));
            // A run whose end gave up waiting for this window (a stall past its bound) has
            // drained before this push: then nothing else would free it. A new run cannot
            // begin while this free is in its window, so `active` false means none runs.
            if !self.active.load(Ordering::SeqCst) {
                // SAFETY: no defragmentation runs (above); each deferred allocation was given
                // up by its owner.
                unsafe { self.drain(vma) };
            }
        } else {
            // SAFETY: the caller's contract; no defragmentation runs (it waits for this free).
            unsafe { vma.free_memory(&mut allocation) };
        }
        self.freeing.fetch_sub(1, Ordering::SeqCst);
    }

    /// Frees every deferred allocation (each with its pool alive until after its free).
    ///
    /// # Safety
    /// No defragmentation of `vma` runs (its VMA context ended), and the deferred allocations
    /// are `vma`'s.
    unsafe fn drain(&self, vma: &vk_mem::Allocator) {
        let deferred = std::mem::take(&mut *self.deferred.lock().unwrap_or_else(|e| e.into_inner()));
        for (mut allocation, pool) in deferred {
            // SAFETY: given up by its owner (`free_or_defer`); the caller's contract: no
            // defragmentation runs. Its pool (if any) is alive until after the free.
            unsafe { vma.free_memory(&mut allocation) };
            drop(pool);
        }
    }

    /// Starts a run: frees are deferred from now on. The guard ends it. Waits at most `bound`
    /// (the context's [`wait_timeout`](crate::Context::wait_timeout)) for the frees already in
    /// their window: a thread stalled inside one is [`Error::Timeout`], and no run starts.
    pub(crate) fn begin<'g>(&'g self, vma: &'g vk_mem::Allocator, bound: Duration) -> Result<DefragRun<'g>> {
        let run = self.run.lock().unwrap_or_else(|e| e.into_inner());
        self.active.store(true, Ordering::SeqCst);
        if !self.wait_for_frees(bound) {
            self.active.store(false, Ordering::SeqCst);
            return Err(Error::Timeout { what: STALLED_FREE.into(), waited: bound });
        }
        Ok(DefragRun { gate: self, vma, bound, _run: run })
    }

    /// Waits until no free is in its window (issue 16, item 4: never an unbounded spin): a few
    /// yields (a free's window is a VMA free or a push), then sleeps of 100 µs, for at most
    /// `bound`. Whether the window emptied.
    fn wait_for_frees(&self, bound: Duration) -> bool {
        let start = Instant::now();
        let mut yields = 0u32;
        while self.freeing.load(Ordering::SeqCst) != 0 {
            if yields < 64 {
                yields += 1;
                std::thread::yield_now();
                continue;
            }
            if start.elapsed() >= bound {
                return false;
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        true
    }
}

/// What a run waits for when a free stalls in its window.
const STALLED_FREE: &str =
    "another thread's free of this allocator's memory to end (it stalled while a defragmentation began or ended)";

/// A running defragmentation (see [`DefragGate`]); dropping it frees what was deferred.
pub(crate) struct DefragRun<'g> {
    gate: &'g DefragGate,
    vma: &'g vk_mem::Allocator,
    /// How long its end waits for frees in their window.
    bound: Duration,
    _run: MutexGuard<'g, ()>,
}

impl Drop for DefragRun<'_> {
    fn drop(&mut self) {
        self.gate.active.store(false, Ordering::SeqCst);
        // A free that saw `active` pushes before leaving its window: wait (bounded), then
        // drain. A free stalled past the bound drains the list itself after its late push
        // (it sees `active` false), so nothing deferred is left behind either way.
        let _ = self.gate.wait_for_frees(self.bound);
        // SAFETY: the run's VMA defragmentation context has ended (it is dropped before the
        // run's guard); the deferred allocations are of `vma`.
        unsafe { self.gate.drain(self.vma) };
    }
}

/// The pass callback of [`MemoryAllocator::defragment`](super::MemoryAllocator::defragment).
pub type DefragPass<'f> = dyn FnMut(&mut [DefragMove<'_>]) -> Result<()> + 'f;

/// [`Error::DefragmentationUnsupported`] for a backend that moves nothing.
pub(crate) fn unsupported(reason: &str) -> Error {
    Error::DefragmentationUnsupported { reason: reason.into() }
}

impl VmaAllocator {
    /// VMA's defragmentation of the default pools or of the pool `options` names: passes until VMA has nothing more to move
    /// (or `options` stop it), `pass` called with each pass's moves; VMA defragmentations one
    /// after another (at most 8) while the last moved something. A pass where `pass` fails
    /// has every move ignored, ends the defragmentation and returns the error.
    pub(crate) fn defragment_passes(&self, options: &DefragOptions, pass: &mut DefragPass<'_>) -> Result<DefragStats> {
        // One VMA defragmentation plans each block once; a block it filled may now take what
        // it left elsewhere, so runs follow while the last one moved something.
        let pool = match &options.pool {
            Some(pool) => self.pool_to_defragment(pool)?,
            None => std::ptr::null_mut(),
        };
        let bound = super::MemoryAllocator::context(self).wait_timeout();
        let _run = self.defrag_gate().begin(self.vma(), bound)?;
        let mut total = DefragStats::default();
        for _ in 0..MAX_RUNS {
            let passes_left = match options.max_passes {
                0 => 0,
                max if total.passes >= max => break,
                max => max - total.passes,
            };
            let run = self.defragment_run(pool, &DefragOptions { max_passes: passes_left, ..options.clone() }, pass)?;
            total.bytes_moved += run.bytes_moved;
            total.bytes_freed += run.bytes_freed;
            total.allocations_moved += run.allocations_moved;
            total.blocks_freed += run.blocks_freed;
            total.passes += run.passes;
            if run.allocations_moved == 0 {
                break;
            }
        }
        Ok(total)
    }

    /// VMA's handle of `pool`, checked: this allocator's, and not linear (VMA defragments no
    /// linear pool).
    fn pool_to_defragment(&self, pool: &MemoryPool) -> Result<*mut std::ffi::c_void> {
        if !self.owns_pool(pool) {
            return Err(Error::InvalidDescription {
                name: pool.name().to_owned(),
                reason: "defragmentation of a pool that belongs to another allocator".into(),
            });
        }
        if pool.shared.linear {
            return Err(unsupported(&format!(
                "pool `{}` uses VMA's linear algorithm, which VMA does not defragment",
                pool.name()
            )));
        }
        Ok(pool.shared.raw_handle())
    }

    /// One VMA defragmentation (`vmaBeginDefragmentation` to `vmaEndDefragmentation`).
    fn defragment_run(
        &self,
        pool: *mut std::ffi::c_void,
        options: &DefragOptions,
        pass: &mut DefragPass<'_>,
    ) -> Result<DefragStats> {
        let vma = self.vma();
        let info = RawDefragInfo {
            flags: if options.full { ALGORITHM_FULL } else { ALGORITHM_BALANCED },
            pool,
            max_bytes_per_pass: options.max_bytes_per_pass,
            max_allocations_per_pass: options.max_allocations_per_pass,
            break_callback: None,
            break_callback_user_data: std::ptr::null_mut(),
        };
        // SAFETY: `RawDefragInfo` is `#[repr(C)]` with the fields of VMA 3.1's
        // `VmaDefragmentationInfo` in order and of the same types (flags: `uint32_t`; pool: a
        // handle, a pointer; maxBytesPerPass: `VkDeviceSize`, `u64`; maxAllocationsPerPass:
        // `uint32_t`; pfnBreakCallback: `VkBool32 (*)(void*)` or null, an `Option` of an
        // `extern "C" fn` of that signature; pBreakCallbackUserData: `void*`), which is the
        // `#[repr(C)]` struct vk-mem's ffi.rs declares: the same layout, so the pointer cast to
        // the parameter's (inferred) type reads the same bytes (sizes and alignments checked at
        // compile time below). Null pool: the default pools; else a live pool of this allocator
        // (`pool_to_defragment`; `options` holds it).
        let context = unsafe { vma.begin_defragmentation(&*(&info as *const RawDefragInfo).cast()) }
            .op("vmaBeginDefragmentation")?;
        let mut stats = DefragStats::default();
        let mut failure = None;
        let mut idle_passes = 0;
        loop {
            let mut outcome = Ok(());
            let (mut proposed, mut carried_out) = (false, false);
            let more = context.begin_pass(|moves| {
                proposed = !moves.is_empty();
                // Every move starts declined: only an (unsafe) bind carries one out, so a
                // pass callback that does nothing moves nothing under a live object.
                let mut wrapped: Vec<DefragMove<'_>> = moves
                    .iter_mut()
                    .map(|raw| {
                        let mut m = DefragMove { raw, vma };
                        m.ignore();
                        m
                    })
                    .collect();
                outcome = pass(&mut wrapped);
                if outcome.is_err() {
                    wrapped.iter_mut().for_each(DefragMove::ignore);
                }
                carried_out = wrapped.iter().any(|m| !m.is_ignored());
            });
            stats.passes += u32::from(proposed);
            if let Err(e) = outcome {
                failure = Some(e);
                break;
            }
            // VMA marks the block of a declined move immovable and plans around it next pass
            // (moves of other owners' allocations come first, so a pass may carry out none);
            // within one block it may propose the same declined move again: a few passes in a
            // row that carry out nothing end the run.
            idle_passes = if carried_out { 0 } else { idle_passes + 1 };
            if !more
                || !proposed
                || idle_passes >= MAX_IDLE_PASSES
                || (options.max_passes != 0 && stats.passes >= options.max_passes)
            {
                break;
            }
        }
        let raw = context.end();
        stats.bytes_moved = raw.bytesMoved;
        stats.bytes_freed = raw.bytesFreed;
        stats.allocations_moved = raw.allocationsMoved;
        stats.blocks_freed = raw.deviceMemoryBlocksFreed;
        match failure {
            Some(e) => Err(e),
            None => Ok(stats),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    use super::DefragGate;

    /// A free stalled in its window (its count never drops) ends the wait at the bound, and a
    /// window that empties meanwhile ends it at once (issue 16, item 4: no unbounded spin).
    #[test]
    fn the_wait_for_frees_is_bounded() {
        let gate = DefragGate::default();
        assert!(gate.wait_for_frees(Duration::ZERO), "no free in its window: no wait");
        gate.freeing.fetch_add(1, Ordering::SeqCst);
        let start = Instant::now();
        assert!(!gate.wait_for_frees(Duration::from_millis(20)), "a stalled free ends the wait at the bound");
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(20) && waited < Duration::from_secs(5), "{waited:?}");
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(5));
                gate.freeing.fetch_sub(1, Ordering::SeqCst);
            });
            assert!(gate.wait_for_frees(Duration::from_secs(5)), "the window emptied");
        });
    }
}
