//! Many small buffers: 10 000 buffers of 4 KiB created, through vkres, hand-written VMA and
//! wgpu, and as ranges of one vkres `BufferArena` (suballocated, issue 20 item 4); and how many
//! `VkDeviceMemory` objects vkres's allocator holds behind them.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use vkres::ash::vk;
use vkres::{Buffer, BufferDesc, Context, MemoryLocation, ResourceAllocator, SubBuffer};

use crate::BenchResult;
use crate::raw::Raw;
use crate::wgpu_way::WgpuWay;

/// Size of each buffer.
pub const SIZE: u64 = 4096;
const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::STORAGE_BUFFER.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

/// Ways measured.
pub const WAYS: usize = 9;

/// What the section measured.
pub struct SmallBuffers {
    /// vkres, hand-written, wgpu (empty where the way is absent), hand-written on a VMA
    /// configured as vkres's (device addresses, heap size limits at the heaps' sizes), and
    /// hand-written on a VMA configured as `VmaAllocator::with_memory_budget`'s (device
    /// addresses, the memory budget where the device has it, `WITHIN_BUDGET` allocations);
    /// vkres suballocated: the arena's creation and one `allocate_bytes` call per range; the
    /// arena's creation and one `allocate_many` call for all of them; and the arena's creation
    /// and one `allocate_group` (one allocation shared by the ranges); and the hand-written
    /// way once more, in a slot of its own (an A/A control: the ratio of two identical ways
    /// is how far this machine alone moves a ratio in one process).
    pub times: [Vec<Duration>; WAYS],
    /// `VkDeviceMemory` blocks vkres's (fresh) allocator holds with all the buffers alive.
    pub blocks: Option<u64>,
}

/// Each way on a fresh allocator per run (created outside the timed part), buffers destroyed
/// after the clock stops, and the C heap settled after each way ([`settle_heap`]), so that
/// no way's clock pays for sorting the chunks the previous way freed. Every way's buffers are
/// checked to be distinct, live handles.
///
/// [`settle_heap`]: crate::stats::settle_heap
pub fn measure(
    ctx: &std::sync::Arc<Context>,
    wgpu: Option<&WgpuWay>,
    count: usize,
    warmups: usize,
    runs: usize,
) -> BenchResult<SmallBuffers> {
    let mut blocks = None;
    let distinct = |handles: &mut dyn Iterator<Item = u64>, way: &str| -> BenchResult<()> {
        let set: HashSet<u64> = handles.filter(|&h| h != 0).collect();
        match set.len() == count {
            true => Ok(()),
            false => Err(format!("{way}: {count} buffers asked, {} distinct live handles", set.len()).into()),
        }
    };
    // vk-mem's flags are neither `Copy` nor `Clone`: made anew per run.
    let budget_flags = || match ctx.capabilities().enabled.memory_budget {
        true => vk_mem::AllocatorCreateFlags::BUFFER_DEVICE_ADDRESS | vk_mem::AllocatorCreateFlags::EXT_MEMORY_BUDGET,
        false => vk_mem::AllocatorCreateFlags::BUFFER_DEVICE_ADDRESS,
    };
    let mut run_way = |way| -> BenchResult<Option<Duration>> {
        match way {
            0 => {
                let alloc = ResourceAllocator::new(ctx)?;
                let desc = BufferDesc::new(SIZE, USAGE).location(MemoryLocation::PreferDevice);
                // Into a vector made once, as the hand-written way's `collect` (its size known):
                // a `collect` into `Result<Vec<_>>` does not know it and grows the vector.
                let t = Instant::now();
                let mut buffers: Vec<Buffer> = Vec::with_capacity(count);
                for _ in 0..count {
                    buffers.push(alloc.create_buffer(&desc)?);
                }
                let elapsed = t.elapsed();
                distinct(&mut buffers.iter().map(|b| vk::Handle::as_raw(b.handle())), "vkres")?;
                blocks = alloc.memory_allocator().device_memory_blocks().map(|b| b as u64);
                Ok(Some(elapsed))
            }
            1 | 3 | 4 | 8 => {
                let (raw, allocation_flags) = match way {
                    1 | 8 => {
                        (Raw::new(ctx, vk_mem::AllocatorCreateFlags::empty())?, vk_mem::AllocationCreateFlags::empty())
                    }
                    3 => (Raw::like_vkres(ctx)?, vk_mem::AllocationCreateFlags::empty()),
                    _ => (Raw::new(ctx, budget_flags())?, vk_mem::AllocationCreateFlags::WITHIN_BUDGET),
                };
                let create = vk_mem::AllocationCreateInfo {
                    usage: vk_mem::MemoryUsage::AutoPreferDevice,
                    flags: allocation_flags,
                    ..Default::default()
                };
                let t = Instant::now();
                let made: Vec<_> = (0..count).map(|_| raw.buffer(SIZE, USAGE, &create)).collect();
                let elapsed = t.elapsed();
                let mut buffers = Vec::with_capacity(count);
                let mut failed = None;
                for b in made {
                    match b {
                        Ok(b) => buffers.push(b),
                        Err(e) => failed = Some(e),
                    }
                }
                let checked = distinct(&mut buffers.iter().map(|b| vk::Handle::as_raw(b.buffer)), "ash + vk-mem");
                buffers.into_iter().for_each(|b| raw.destroy_buffer(b));
                if let Some(e) = failed {
                    return Err(e);
                }
                checked.map(|()| Some(elapsed))
            }
            2 => match wgpu {
                Some(wgpu) => {
                    let t = Instant::now();
                    let buffers = wgpu.create_buffers(count, SIZE);
                    let elapsed = t.elapsed();
                    if buffers.len() != count {
                        return Err("wgpu: not every buffer was made".into());
                    }
                    drop(buffers);
                    Ok(Some(elapsed))
                }
                None => Ok(None),
            },
            5..=7 => {
                let alloc = ResourceAllocator::new(ctx)?;
                let desc = BufferDesc::new(SIZE * count as u64, USAGE).location(MemoryLocation::PreferDevice);
                let t = Instant::now();
                let arena = alloc.create_buffer_arena(&desc)?;
                let ranges = match way {
                    5 => {
                        // Into a vector made once, as the hand-written way's (see way 0).
                        let mut ranges: Vec<SubBuffer> = Vec::with_capacity(count);
                        for _ in 0..count {
                            ranges.push(arena.allocate_bytes(SIZE)?);
                        }
                        ranges
                    }
                    6 => arena.allocate_many::<u8>(count, SIZE)?,
                    _ => arena.allocate_group::<u8>(count, SIZE)?,
                };
                let elapsed = t.elapsed();
                distinct_ranges(&ranges, arena.size(), count)?;
                Ok(Some(elapsed))
            }
            _ => Ok(None),
        }
    };
    let times = crate::stats::interleaved(warmups, runs, WAYS, |way| {
        let time = run_way(way);
        // The way's objects are gone: their freed chunks are sorted now, not in the next
        // way's clock.
        crate::stats::settle_heap();
        time
    })?;
    let times = <[Vec<Duration>; WAYS]>::try_from(times).map_err(|_| "nine ways")?;
    Ok(SmallBuffers { times, blocks })
}

/// Every range of `SIZE` bytes, inside the arena and overlapping no other.
fn distinct_ranges(ranges: &[SubBuffer], arena_size: u64, count: usize) -> BenchResult<()> {
    let mut offsets: Vec<u64> = ranges.iter().filter(|r| r.size() == SIZE).map(|r| r.offset()).collect();
    offsets.sort_unstable();
    let apart = offsets.windows(2).all(|w| w[1] - w[0] >= SIZE);
    let inside = offsets.last().is_some_and(|&last| last + SIZE <= arena_size);
    match offsets.len() == count && apart && inside {
        true => Ok(()),
        false => {
            Err(format!("suballocated: {count} ranges asked, {} distinct non-overlapping ones", offsets.len()).into())
        }
    }
}
