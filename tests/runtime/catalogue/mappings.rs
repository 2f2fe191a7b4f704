//! Host writes through mappings (issue 16, item 1): `Buffer::map`'s `write_bytes` and
//! `Buffer::write` into any mapped buffer while work vkres recorded on it is not known to be
//! finished, writes into a staging chunk outside the caller's space, and the release of a
//! staging set that vkres's own work still reads.

use vkres::{Buffer, BufferDesc, Error, MappingType, vk};

use super::{Case, case};
use crate::recorder::OwnCommands;
use crate::support::Gpu;

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::TRANSFER_SRC.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

/// A device buffer with four `u32`s, the source of the copies below.
fn source(gpu: &Gpu) -> vkres::Result<Buffer<u32>> {
    gpu.alloc().create_buffer_with_data(&BufferDesc::new(16, USAGE).name("source"), &[1u32, 2, 3, 4])
}

/// A 16-byte buffer of `mapping`, named `mapped`.
fn mapped(gpu: &Gpu, mapping: MappingType) -> vkres::Result<Buffer<u32>> {
    gpu.alloc().create_typed_buffer(&BufferDesc::new(16, USAGE).mapping(mapping).name("mapped"))
}

/// A copy into a buffer of `mapping` recorded in a batch not yet submitted, then `write`.
fn write_after_recorded_copy(
    gpu: &Gpu,
    mapping: MappingType,
    write: fn(&Buffer<u32>) -> vkres::Result<()>,
) -> vkres::Result<()> {
    let (src, dst) = (source(gpu)?, mapped(gpu, mapping)?);
    let mut batch = gpu.alloc().batch()?;
    batch.copy_buffer(&src, 0, &dst, 0, 16)?;
    write(&dst)
}

/// `write` while a submitted batch's copy into the buffer is in flight (its `InFlight` not
/// waited for); the same write is accepted once the work was waited for and dropped.
fn write_while_in_flight(gpu: &Gpu, write: fn(&Buffer<u32>) -> vkres::Result<()>) -> vkres::Result<()> {
    let (src, dst) = (source(gpu)?, mapped(gpu, MappingType::HostAccessRandom)?);
    let mut batch = gpu.alloc().batch()?;
    batch.copy_buffer(&src, 0, &dst, 0, 16)?;
    let fence = vkres::Fence::new(gpu.ctx(), false)?;
    let in_flight = batch.submit_with_fence(&fence)?;
    let refused = write(&dst);
    in_flight.wait()?;
    write(&dst)?;
    refused
}

/// `write` while a recorder (the caller's command buffer, never submitted) reads the buffer.
fn write_while_a_recorder_reads(gpu: &Gpu, write: fn(&Buffer<u32>) -> vkres::Result<()>) -> vkres::Result<()> {
    let (src, dst) = (mapped(gpu, MappingType::HostAccessSequentialWrite)?, source(gpu)?);
    let own = OwnCommands::begin(gpu);
    // SAFETY: `own.cmd` is recording, of the context's queue family; the recorder is dropped
    // unfinished and the command buffer never submitted.
    let mut recorder = unsafe { gpu.alloc().recorder(own.cmd) };
    recorder.copy_buffer(&src, 0, &dst, 0, 16)?;
    write(&src)
}

fn map_write(buffer: &Buffer<u32>) -> vkres::Result<()> {
    buffer.map()?.write_bytes(4, &[7; 4])
}

fn typed_write(buffer: &Buffer<u32>) -> vkres::Result<()> {
    buffer.write(1, &[7])
}

/// A host read through `Buffer::map` (refused like a write while a copy into it is pending).
fn map_read(buffer: &Buffer<u32>) -> vkres::Result<()> {
    buffer.map()?.read_bytes(4, &mut [0; 4])
}

fn typed_read(buffer: &Buffer<u32>) -> vkres::Result<()> {
    buffer.read_vec().map(drop)
}

/// A read of a buffer that an unsubmitted batch's copy only reads: accepted (then `NotReady`
/// from the batch's download, to make the case an error of a known kind).
fn read_while_a_copy_reads(gpu: &Gpu) -> vkres::Result<()> {
    let (src, dst) = (mapped(gpu, MappingType::HostAccessRandom)?, source(gpu)?);
    let mut batch = gpu.alloc().batch()?;
    batch.copy_buffer(&src, 0, &dst, 0, 16)?;
    let download = batch.download_buffer(&src)?;
    typed_read(&src)?;
    download.bytes().map(drop)
}

/// Two mapped buffers of 64 bytes in one transient memory (their bytes are each other's):
/// `first` and `second`.
fn transient_pair(gpu: &Gpu) -> vkres::Result<(Buffer, Buffer)> {
    let alloc = gpu.alloc();
    let desc = |name: &str| BufferDesc::new(64, USAGE).mapping(MappingType::HostAccessRandom).name(name);
    let memory = alloc.create_transient_memory(&[&desc("first"), &desc("second")], &[], "mapped pair")?;
    Ok((alloc.create_aliased_buffer(&memory, &desc("first"))?, alloc.create_aliased_buffer(&memory, &desc("second"))?))
}

/// A staging space of 16 bytes in a set of the allocator's staging manager, released after.
fn staging_write(gpu: &Gpu, write: fn(&vkres::StagingSpace) -> vkres::Result<()>) -> vkres::Result<()> {
    let staging = gpu.alloc().staging();
    let set = staging.finalize_resource_set();
    let result = match staging.stage(set, 16, 4)? {
        Some(space) => write(&space),
        None => Err(Error::StagingExhausted { budget: 0 }),
    };
    staging.release_resource_set(set)?;
    result
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("map write into a host-sequential buffer a recorded copy writes", |gpu| {
            write_after_recorded_copy(gpu, MappingType::HostAccessSequentialWrite, map_write)
        } => Error::InUseByRecordedWork { ref name, holds: 1 } if name == "mapped"),
        case!("map write into a host-random buffer a recorded copy writes", |gpu| {
            write_after_recorded_copy(gpu, MappingType::HostAccessRandom, map_write)
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("map write into a direct-write buffer a recorded copy writes", |gpu| {
            write_after_recorded_copy(gpu, MappingType::PreferDirectWrite, map_write)
        } => Error::InUseByRecordedWork { .. } | Error::NotHostVisible { .. }),
        case!("map write into a direct-read buffer a recorded copy writes", |gpu| {
            write_after_recorded_copy(gpu, MappingType::PreferDirectRead, map_write)
        } => Error::InUseByRecordedWork { .. } | Error::NotHostVisible { .. }),
        case!("Buffer::write into a host-sequential buffer a recorded copy writes", |gpu| {
            write_after_recorded_copy(gpu, MappingType::HostAccessSequentialWrite, typed_write)
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("Buffer::write into a host-random buffer a recorded copy writes", |gpu| {
            write_after_recorded_copy(gpu, MappingType::HostAccessRandom, typed_write)
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("map write while the copy's InFlight is not waited for", |gpu| write_while_in_flight(gpu, map_write)
            => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("Buffer::write while the copy's InFlight is not waited for", |gpu| {
            write_while_in_flight(gpu, typed_write)
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("map write into a buffer a recorder's copy reads", |gpu| write_while_a_recorder_reads(gpu, map_write)
            => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("Buffer::write into a buffer a recorder's copy reads", |gpu| {
            write_while_a_recorder_reads(gpu, typed_write)
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("map write through a mapping made before the copy was recorded", |gpu| {
            let (src, dst) = (source(gpu)?, mapped(gpu, MappingType::HostAccessSequentialWrite)?);
            let mut mapping = dst.map()?;
            let mut batch = gpu.alloc().batch()?;
            batch.copy_buffer(&src, 0, &dst, 0, 16)?;
            mapping.write_bytes(0, &[5; 16])
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("map write into a buffer two recordings hold", |gpu| {
            let (src, dst) = (source(gpu)?, mapped(gpu, MappingType::HostAccessSequentialWrite)?);
            let mut first = gpu.alloc().batch()?;
            first.copy_buffer(&src, 0, &dst, 0, 16)?;
            let mut second = gpu.alloc().batch()?;
            second.copy_buffer(&dst, 0, &src, 0, 16)?;
            map_write(&dst)
        } => Error::InUseByRecordedWork { holds: 2, .. }),
        case!("map write into a staging chunk outside the space", |gpu| staging_write(gpu, |space| {
            space.buffer.map()?.write_bytes(space.offset + space.len, &[1; 4])
        }) => Error::MappingReserved { .. }),
        case!("map write into a staging chunk inside the space", |gpu| staging_write(gpu, |space| {
            space.buffer.map()?.write_bytes(space.offset, &[1; 4])
        }) => Error::MappingReserved { .. }),
        case!("map read of a staging chunk", |gpu| staging_write(gpu, |space| {
            space.buffer.map()?.read_bytes(space.offset, &mut [0; 4])
        }) => Error::MappingReserved { .. }),
        case!("Buffer::write into a staging chunk", |gpu| staging_write(gpu, |space| space.buffer.write(0, &[1u8]))
            => Error::MappingReserved { .. }),
        case!("StagingSpace::write past the space", |gpu| staging_write(gpu, |space| space.write(&[1; 17]))
            => Error::DataTooLarge { given: 17, capacity: 16, .. }),
        case!("map write past the buffer's end", |gpu| {
            mapped(gpu, MappingType::HostAccessSequentialWrite)?.map()?.write_bytes(13, &[1; 4])
        } => Error::DataTooLarge { offset: 13, given: 4, capacity: 16, .. }),
        case!("map write at offset u64::MAX", |gpu| {
            mapped(gpu, MappingType::HostAccessSequentialWrite)?.map()?.write_bytes(u64::MAX, &[1])
        } => Error::DataTooLarge { .. }),
        case!("Buffer::write at element u64::MAX", |gpu| {
            mapped(gpu, MappingType::HostAccessSequentialWrite)?.write(u64::MAX, &[1])
        } => Error::DataTooLarge { .. }),
        case!("StagingSpace::write after its set was released", |gpu| {
            let staging = gpu.alloc().staging();
            let set = staging.open_set();
            let Some(space) = staging.stage(set, 16, 4)? else { return Err(Error::StagingExhausted { budget: 0 }) };
            staging.release_resource_set(set)?;
            space.write(&[1; 16])
        } => Error::StagingReleased { .. }),
        case!("StagingSpace::write into a chunk another set staged into since", |gpu| {
            let staging = gpu.alloc().staging();
            let first = staging.open_set();
            let Some(stale) = staging.stage(first, 16, 4)? else { return Err(Error::StagingExhausted { budget: 0 }) };
            staging.release_resource_set(first)?;
            let second = staging.open_set();
            let fresh = staging.stage(second, 16, 4)?;
            let result = stale.write(&[1; 16]);
            drop(fresh);
            staging.release_resource_set(second)?;
            result
        } => Error::StagingReleased { .. }),
        case!("map write into a transient member while another member's copy is recorded", |gpu| {
            let (first, second) = transient_pair(gpu)?;
            let src = source(gpu)?;
            let mut batch = gpu.alloc().batch()?;
            batch.copy_buffer(&src, 0, &second, 0, 16)?;
            first.map()?.write_bytes(0, &[1; 16])
        } => Error::InUseByRecordedWork { ref name, holds: 1 } if name.contains("mapped pair")),
        case!("Buffer::write into a transient member while another member's copy is in flight", |gpu| {
            let (first, second) = transient_pair(gpu)?;
            let src = source(gpu)?;
            let mut batch = gpu.alloc().batch()?;
            batch.copy_buffer(&src, 0, &second, 0, 16)?;
            let fence = vkres::Fence::new(gpu.ctx(), false)?;
            let in_flight = batch.submit_with_fence(&fence)?;
            let refused = first.cast::<u32>().write(0, &[7]);
            in_flight.wait()?;
            // Waited for and dropped: the same write is accepted now.
            first.cast::<u32>().write(0, &[7])?;
            refused
        } => Error::InUseByRecordedWork { .. }),
        case!("release of a submitted batch's staging set", |gpu| {
            let buffer = gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE))?;
            let mut batch = gpu.alloc().batch()?;
            batch.upload_bytes(&buffer, 0, &[1; 64])?;
            let fence = vkres::Fence::new(gpu.ctx(), false)?;
            let in_flight = batch.submit_with_fence(&fence)?;
            let refused = gpu.alloc().staging().release_resource_set(in_flight.staging_set());
            in_flight.wait()?;
            refused
        } => Error::StagingSetInUse { .. }),
        case!("release on the caller's fence of a batch's staging set", |gpu| {
            let buffer = gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE))?;
            let mut batch = gpu.alloc().batch()?;
            batch.upload_bytes(&buffer, 0, &[1; 64])?;
            let fence = vkres::Fence::new(gpu.ctx(), false)?;
            let in_flight = batch.submit_with_fence(&fence)?;
            let signalled = vkres::Fence::new(gpu.ctx(), true)?;
            let refused = gpu.alloc().staging().release_on_fence(in_flight.staging_set(), &signalled);
            in_flight.wait()?;
            refused
        } => Error::StagingSetInUse { .. }),
        case!("release of a finished batch's staging set", |gpu| {
            let buffer = gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE))?;
            let mut batch = gpu.alloc().batch()?;
            batch.upload_bytes(&buffer, 0, &[1; 64])?;
            let fence = vkres::Fence::new(gpu.ctx(), false)?;
            let in_flight = batch.submit_with_fence(&fence)?;
            let set = in_flight.staging_set();
            in_flight.wait()?;
            gpu.alloc().staging().release_resource_set(set)
        } => Error::StagingSetInUse { .. }),
        case!("map read past the buffer's end", |gpu| {
            mapped(gpu, MappingType::HostAccessRandom)?.map()?.read_bytes(8, &mut [0; 9])
        } => Error::DataTooLarge { offset: 8, given: 9, capacity: 16, .. }),
        case!("map read of a host-random buffer a recorded copy writes", |gpu| {
            write_after_recorded_copy(gpu, MappingType::HostAccessRandom, map_read)
        } => Error::InUseByRecordedWork { ref name, holds: 1 } if name == "mapped"),
        case!("Buffer::read_vec of a host-sequential buffer a recorded copy writes", |gpu| {
            write_after_recorded_copy(gpu, MappingType::HostAccessSequentialWrite, typed_read)
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("Buffer::read_vec of a direct-read buffer a recorded copy writes", |gpu| {
            write_after_recorded_copy(gpu, MappingType::PreferDirectRead, typed_read)
        } => Error::InUseByRecordedWork { .. } | Error::NotHostVisible { .. }),
        case!("Buffer::read_vec while a submitted copy into the buffer is in flight", |gpu| {
            write_while_in_flight(gpu, typed_read)
        } => Error::InUseByRecordedWork { holds: 1, .. }),
        case!("read of a buffer a recorded copy only reads (accepted; its download not ready)", |gpu| {
            read_while_a_copy_reads(gpu)
        } => Error::NotReady { .. }),
    ]
}

#[test]
fn mapping_cases() {
    super::run("mappings", cases);
}
