//! Suballocated buffers (`BufferArena`, `SubBuffer`): hostile sizes, alignments, offsets and
//! element counts, each refused before VMA's virtual allocator or Vulkan sees it.

use vkres::{BufferArena, BufferDesc, Error, MappingType, vk};

use super::{Case, case};
use crate::support::Gpu;

const STORAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::STORAGE_BUFFER;

fn arena(gpu: &Gpu, mapping: MappingType) -> vkres::Result<BufferArena> {
    gpu.alloc().create_buffer_arena(&BufferDesc::new(1 << 16, STORAGE).mapping(mapping).name("arena"))
}

/// A host write into a range that an upload recorded into an unsubmitted batch still writes
/// (issue 16, item 9): refused; a range of the same arena that no work uses is written. With
/// `slab`, the ranges come from a slab (more than 16 of one size were asked for first).
fn write_while_uploading(gpu: &Gpu, mapping: MappingType, slab: bool) -> vkres::Result<()> {
    write_while_pending(gpu, mapping, slab, |batch, range| batch.upload_sub(range, 0, &[1, 2, 3, 4]))
}

/// As [`write_while_uploading`], with `pending` recording the work on the range.
fn write_while_pending(
    gpu: &Gpu,
    mapping: MappingType,
    slab: bool,
    pending: fn(&mut vkres::Batch<'_>, &vkres::SubBuffer<u32>) -> vkres::Result<()>,
) -> vkres::Result<()> {
    let arena = gpu.alloc().create_buffer_arena(
        &BufferDesc::new(1 << 16, STORAGE | vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC)
            .mapping(mapping)
            .name("arena"),
    )?;
    let warm: Vec<_> = (0..if slab { 40 } else { 0 }).map(|_| arena.allocate::<u32>(4)).collect::<Result<_, _>>()?;
    let (range, other) = (arena.allocate::<u32>(4)?, arena.allocate::<u32>(4)?);
    let mut batch = gpu.alloc().batch()?;
    pending(&mut batch, &range)?;
    let refused = range.write(0, &[9]);
    other.write(0, &[5, 6, 7, 8]).map_err(|e| Error::InvalidDescription {
        name: "other range".into(),
        reason: format!("a range no work uses was refused: {e}"),
    })?;
    batch.submit_and_wait()?;
    drop(warm);
    refused
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("arena of size zero", |gpu| gpu.alloc().create_buffer_arena(&BufferDesc::new(0, STORAGE)).map(drop)
            => Error::ZeroSize { .. }),
        case!("alignment 48", |gpu| arena(gpu, MappingType::None)?.allocate_aligned(16, 48).map(drop)
            => Error::InvalidAlignment { alignment: 48, .. }),
        case!("arena of u64::MAX bytes", |gpu| gpu.alloc().create_buffer_arena(&BufferDesc::new(u64::MAX, STORAGE)).map(drop)
            => Error::LimitExceeded { .. }),
        case!("range of zero bytes", |gpu| arena(gpu, MappingType::None)?.allocate_bytes(0).map(drop)
            => Error::ZeroSize { kind: "sub-buffer", .. }),
        case!("range of zero elements", |gpu| arena(gpu, MappingType::None)?.allocate::<u32>(0).map(drop)
            => Error::ZeroSize { .. }),
        case!("range one byte larger than the arena", |gpu| arena(gpu, MappingType::None)?.allocate_bytes((1 << 16) + 1).map(drop)
            => Error::ArenaExhausted { requested: 65_537, .. }),
        case!("range of u64::MAX bytes", |gpu| arena(gpu, MappingType::None)?.allocate_bytes(u64::MAX).map(drop)
            => Error::ArenaExhausted { .. }),
        case!("alignment 3", |gpu| arena(gpu, MappingType::None)?.allocate_aligned(16, 3).map(drop)
            => Error::InvalidAlignment { alignment: 3, .. }),
        case!("alignment larger than the arena", |gpu| arena(gpu, MappingType::None)?.allocate_aligned(16, 1 << 17).map(drop)
            => Error::InvalidAlignment { alignment: 131_072, .. }),
        case!("alignment 2^63", |gpu| arena(gpu, MappingType::None)?.allocate_aligned(16, 1 << 63).map(drop)
            => Error::InvalidAlignment { .. }),
        case!("u64::MAX / 4 elements of u64", |gpu| arena(gpu, MappingType::None)?.allocate::<u64>(u64::MAX / 4).map(drop)
            => Error::Overflow { .. }),
        case!("allocate_many of u64::MAX pages", |gpu| arena(gpu, MappingType::None)?.allocate_many::<[u8; 4096]>(1, u64::MAX).map(drop)
            => Error::Overflow { .. }),
        case!("allocate_group past the arena", |gpu| arena(gpu, MappingType::None)?.allocate_group::<u8>(17, 4096).map(drop)
            => Error::ArenaExhausted { .. }),
        case!("upload past the range's end", |gpu| {
            let arena = arena(gpu, MappingType::None)?;
            let range = arena.allocate::<u32>(4)?;
            gpu.alloc().batch()?.upload_sub(&range, 2, &[1u32, 2, 3])
        } => Error::DataTooLarge { .. }),
        case!("upload at element offset u64::MAX", |gpu| {
            let arena = arena(gpu, MappingType::None)?;
            let range = arena.allocate::<u32>(4)?;
            gpu.alloc().batch()?.upload_sub(&range, u64::MAX, &[1u32])
        } => Error::DataTooLarge { .. }),
        case!("write through the mapping of a device-only arena", |gpu| {
            let arena = arena(gpu, MappingType::None)?;
            let range = arena.allocate::<u32>(4)?;
            if arena.memory().properties().contains(vk::MemoryPropertyFlags::HOST_VISIBLE) && arena.memory().mapping() != MappingType::None {
                return Ok(());
            }
            range.write(0, &[1u32])
        } => Error::NotHostVisible { .. }),
        case!("write past a host-visible range's end", |gpu| {
            let arena = arena(gpu, MappingType::HostAccessRandom)?;
            let range = arena.allocate::<u32>(4)?;
            range.write(3, &[1u32, 2])
        } => Error::DataTooLarge { .. }),
        case!("read past a host-visible range's end", |gpu| {
            let arena = arena(gpu, MappingType::HostAccessRandom)?;
            let range = arena.allocate::<u32>(4)?;
            range.read(1, &mut [0u32; 4])
        } => Error::DataTooLarge { .. }),
        case!("host write into a range an unsubmitted upload writes", |gpu| {
            write_while_uploading(gpu, MappingType::HostAccessSequentialWrite, false)
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("host write into a slab slot an unsubmitted upload writes", |gpu| {
            write_while_uploading(gpu, MappingType::HostAccessSequentialWrite, true)
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("host write into a direct-write range an unsubmitted download reads", |gpu| {
            write_while_pending(gpu, MappingType::PreferDirectWrite, true, |batch, range| batch.download_sub(range).map(drop))
        } => Error::InUseByRecordedWork { .. } | Error::NotHostVisible { .. }),
    ]
}

#[test]
fn suballoc_cases() {
    super::run("suballoc", cases);
}
