//! Memory budgets and statistics: [`HeapBudget`] (cheap, for every frame) and
//! [`MemoryStatistics`] (per memory type, per heap and per pool, with free ranges).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use ash::vk;

use crate::Context;

/// Counts of one part of an allocator's memory (VMA's `VmaStatistics`).
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockStats {
    /// `VkDeviceMemory` blocks held (a dedicated allocation is one block).
    pub blocks: u32,
    /// Live allocations in them.
    pub allocations: u32,
    /// Bytes of those blocks.
    pub block_bytes: u64,
    /// Bytes the allocations take (never more than `block_bytes`).
    pub allocation_bytes: u64,
}

impl BlockStats {
    /// Bytes held in blocks but not allocated: `block_bytes - allocation_bytes`.
    pub fn unused_bytes(&self) -> u64 {
        self.block_bytes.saturating_sub(self.allocation_bytes)
    }
}

/// [`BlockStats`] of a `VmaStatistics` (a type vk-mem returns but does not export, so a
/// macro: the field accesses are typed where it is used).
macro_rules! block_stats {
    ($s:expr) => {{
        let s = &$s;
        $crate::memory::BlockStats {
            blocks: s.blockCount,
            allocations: s.allocationCount,
            block_bytes: s.blockBytes,
            allocation_bytes: s.allocationBytes,
        }
    }};
}
pub(crate) use block_stats;

/// [`DetailedStats`] of a `VmaDetailedStatistics` (see [`block_stats`]).
macro_rules! detailed_stats {
    ($s:expr) => {{
        let s = &$s;
        $crate::memory::DetailedStats {
            totals: $crate::memory::stats::block_stats!(s.statistics),
            free_ranges: s.unusedRangeCount,
            largest_free_range: s.unusedRangeSizeMax,
            smallest_allocation: (s.statistics.allocationCount > 0).then_some(s.allocationSizeMin),
            largest_allocation: s.allocationSizeMax,
        }
    }};
}
pub(crate) use detailed_stats;

/// [`BlockStats`] with the free ranges between allocations (VMA's `VmaDetailedStatistics`).
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetailedStats {
    /// Blocks, allocations and their bytes.
    pub totals: BlockStats,
    /// Free ranges between allocations in the blocks.
    pub free_ranges: u32,
    /// The largest free range: the largest allocation that fits without a new block (0 when
    /// none is free).
    pub largest_free_range: u64,
    /// The smallest allocation (`None` when there is none).
    pub smallest_allocation: Option<u64>,
    /// The largest allocation (0 when there is none).
    pub largest_allocation: u64,
}

/// Usage and budget of one memory heap.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapBudget {
    /// Index of the heap.
    pub heap: u32,
    /// The heap's size.
    pub size: u64,
    /// Its flags (`DEVICE_LOCAL`).
    pub flags: vk::MemoryHeapFlags,
    /// What this allocator holds in the heap; `None` where the backend cannot say.
    pub allocator: Option<BlockStats>,
    /// Bytes of the heap in use: by the whole process, as the driver reports it, where
    /// [`from_driver`](Self::from_driver); else this allocator's block bytes (0 where the
    /// backend cannot say).
    pub usage: u64,
    /// Bytes the process may use: the driver's budget where [`from_driver`](Self::from_driver)
    /// (other processes' use lowers it), else an estimate of 80% of the heap.
    pub budget: u64,
    /// Whether `usage` and `budget` are the driver's (`VK_EXT_memory_budget`).
    pub from_driver: bool,
}

impl HeapBudget {
    /// What the budget has left: `budget - usage`, 0 when over.
    pub fn available(&self) -> u64 {
        self.budget.saturating_sub(self.usage)
    }
}

/// Statistics of one memory type.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeStatistics {
    /// Index of the memory type.
    pub memory_type: u32,
    /// The heap it is of.
    pub heap: u32,
    /// Its property flags.
    pub properties: vk::MemoryPropertyFlags,
    /// What the allocator holds in it.
    pub stats: DetailedStats,
}

/// Statistics of one custom pool ([`MemoryPool`](super::MemoryPool)).
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolStatistics {
    /// The pool's name.
    pub name: String,
    /// Its memory type.
    pub memory_type: u32,
    /// What it holds.
    pub stats: DetailedStats,
}

/// An allocator's whole memory: budgets, and detailed statistics per heap, per memory type
/// and per custom pool. Walks every block: meant for tools and occasional logging rather
/// than every frame (see [`MemoryAllocator::heap_budgets`](super::MemoryAllocator::heap_budgets)
/// for that).
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryStatistics {
    /// Usage and budget of each heap.
    pub budgets: Vec<HeapBudget>,
    /// Detailed statistics of each heap (same order).
    pub heaps: Vec<DetailedStats>,
    /// Each memory type of the device.
    pub types: Vec<TypeStatistics>,
    /// Each live custom pool.
    pub pools: Vec<PoolStatistics>,
    /// Everything together.
    pub total: DetailedStats,
}

/// How long the driver's usage and budget are reused by [`BudgetCache`]: a 60 Hz frame reads
/// them anew about every other frame.
const BUDGET_REFRESH: Duration = Duration::from_millis(30);

/// The driver's usage and budget per heap (`vkGetPhysicalDeviceMemoryProperties2`, some tens
/// of microseconds on lavapipe, which reads `/proc/meminfo`), kept for [`BUDGET_REFRESH`];
/// meanwhile the usage follows the allocator's own block bytes, as VMA's budget does.
#[derive(Default)]
pub(crate) struct BudgetCache {
    last: Mutex<Option<Fetched>>,
}

struct Fetched {
    at: Instant,
    /// `(usage, budget, the allocator's block bytes then)` per heap.
    heaps: Vec<(u64, u64, u64)>,
}

impl BudgetCache {
    /// [`heap_budgets`] with the driver's numbers reused while fresh.
    pub(crate) fn heap_budgets(&self, ctx: &Context, allocated: &[BlockStats]) -> Vec<HeapBudget> {
        if !ctx.capabilities().enabled.memory_budget {
            return heap_budgets(ctx, Some(allocated));
        }
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let stale = last.as_ref().is_none_or(|f| now.duration_since(f.at) >= BUDGET_REFRESH);
        if stale {
            let fresh = heap_budgets(ctx, Some(allocated));
            let heaps = fresh.iter().map(|h| (h.usage, h.budget, h.allocator.map_or(0, |a| a.block_bytes))).collect();
            *last = Some(Fetched { at: now, heaps });
            return fresh;
        }
        let Some(fetched) = last.as_ref() else { return heap_budgets(ctx, Some(allocated)) };
        let caps = ctx.capabilities();
        let heaps = &caps.memory_properties.memory_heaps[..caps.memory_properties.memory_heap_count as usize];
        heaps
            .iter()
            .zip(&fetched.heaps)
            .enumerate()
            .map(|(i, (heap, &(usage, budget, blocks_then)))| {
                let mine = allocated.get(i).copied();
                let blocks_now = mine.map_or(0, |m| m.block_bytes);
                HeapBudget {
                    heap: i as u32,
                    size: heap.size,
                    flags: heap.flags,
                    allocator: mine,
                    usage: (usage + blocks_now).saturating_sub(blocks_then),
                    budget,
                    from_driver: true,
                }
            })
            .collect()
    }
}

/// The heaps of `ctx`'s device with the driver's usage and budget where the context enabled
/// `VK_EXT_memory_budget`, else an estimate (80% of each heap, usage from `allocated`, a
/// backend's own count per heap where it has one). `allocated[i]` is also reported as
/// [`HeapBudget::allocator`].
pub(crate) fn heap_budgets(ctx: &Context, allocated: Option<&[BlockStats]>) -> Vec<HeapBudget> {
    let caps = ctx.capabilities();
    let heaps = &caps.memory_properties.memory_heaps[..caps.memory_properties.memory_heap_count as usize];
    let mut driver = vk::PhysicalDeviceMemoryBudgetPropertiesEXT::default();
    let from_driver = caps.enabled.memory_budget;
    if from_driver {
        let mut props = vk::PhysicalDeviceMemoryProperties2::default().push_next(&mut driver);
        // SAFETY: the physical device is the context's; the chained struct is of an extension
        // the context enabled.
        unsafe { ctx.instance().get_physical_device_memory_properties2(ctx.physical_device(), &mut props) };
    }
    heaps
        .iter()
        .enumerate()
        .map(|(i, heap)| {
            let mine = allocated.and_then(|a| a.get(i)).copied();
            let (usage, budget) = match from_driver {
                true => (driver.heap_usage[i], driver.heap_budget[i]),
                false => (mine.map_or(0, |m| m.block_bytes), heap.size / 10 * 8),
            };
            HeapBudget {
                heap: i as u32,
                size: heap.size,
                flags: heap.flags,
                allocator: mine,
                usage,
                budget,
                from_driver,
            }
        })
        .collect()
}
