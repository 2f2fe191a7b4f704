//! Memory control (issue 19): custom pools, exported memory and transient memory given input
//! they must refuse (`docs/VALID_USAGE.md`, "Memory control", maps each to its check).

use std::sync::Arc;

use vkres::memory::MemoryRequest;
use vkres::{
    BufferDesc, Error, ImageDesc, MappingType, MemoryAllocator, MemoryLocation, MemoryPool, PoolDesc, PoolMemory,
    ResourceAllocator, StagingConfig, VmaAllocator, vk,
};

use super::{Case, case};
use crate::support::Gpu;

const USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::STORAGE_BUFFER;
const WIN32: vk::ExternalMemoryHandleTypeFlags = vk::ExternalMemoryHandleTypeFlags::OPAQUE_WIN32;

fn vma(gpu: &Gpu) -> vkres::Result<VmaAllocator> {
    VmaAllocator::new(gpu.ctx())
}

/// A VMA allocator, a `ResourceAllocator` on it, and a pool of one 64 KiB block for storage buffers.
fn pooled(gpu: &Gpu) -> vkres::Result<(ResourceAllocator, MemoryPool)> {
    let vma = Arc::new(vma(gpu)?);
    let memory = PoolMemory::Buffers { usage: USAGE, mapping: MappingType::None, location: MemoryLocation::Auto };
    let pool = vma.create_pool(&PoolDesc::new("catalogue pool", memory).block_size(64 << 10).blocks(0, 1))?;
    Ok((ResourceAllocator::with_memory_allocator(vma, StagingConfig::default())?, pool))
}

/// Two buffers (copyable both ways) and an image (`TRANSFER_DST`) in one transient memory.
fn aliased_pair(gpu: &Gpu) -> vkres::Result<(vkres::Buffer, vkres::Buffer, vkres::Image)> {
    let desc = |name: &str| {
        BufferDesc::new(256, USAGE | vk::BufferUsageFlags::TRANSFER_DST | vk::BufferUsageFlags::TRANSFER_SRC).name(name)
    };
    let image_desc =
        ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 8, 8, vk::ImageUsageFlags::TRANSFER_DST).name("third");
    let alloc = gpu.alloc();
    let memory = alloc.create_transient_memory(&[&desc("first"), &desc("second")], &[&image_desc], "pair")?;
    Ok((
        alloc.create_aliased_buffer(&memory, &desc("first"))?,
        alloc.create_aliased_buffer(&memory, &desc("second"))?,
        alloc.create_aliased_image(&memory, &image_desc)?,
    ))
}

fn any_type(name: &str) -> PoolDesc {
    PoolDesc::new(name, PoolMemory::Index(0))
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("pool of a memory type that does not exist", |gpu| vma(gpu)?.create_pool(&PoolDesc::new("t", PoolMemory::Index(32)))
            => Error::ValidUsage { vuid: "VUID-vkAllocateMemory-pAllocateInfo-01714", .. }),
        case!("pool with more minimum than maximum blocks", |gpu| vma(gpu)?.create_pool(&any_type("m").blocks(3, 2))
            => Error::InvalidDescription { .. }),
        case!("linear pool of two blocks", |gpu| vma(gpu)?.create_pool(&any_type("l").linear(true).blocks(0, 2))
            => Error::InvalidDescription { .. }),
        case!("pool block larger than its heap", |gpu| vma(gpu)?.create_pool(&any_type("b").block_size(u64::MAX))
            => Error::LimitExceeded { .. }),
        case!("pool for buffers of no usage", |gpu| vma(gpu)?.create_pool(&PoolDesc::new("u", PoolMemory::Buffers {
                usage: vk::BufferUsageFlags::empty(), mapping: MappingType::None, location: MemoryLocation::Auto }))
            => Error::InvalidDescription { .. }),
        case!("pool for images of an unsupported class", |gpu| vma(gpu)?.create_pool(&PoolDesc::new("i", PoolMemory::Images {
                format: vk::Format::BC1_RGBA_UNORM_BLOCK, usage: vk::ImageUsageFlags::COLOR_ATTACHMENT }))
            => Error::UnsupportedFormat { .. }),
        case!("dedicated buffer in a pool of fixed blocks", |gpu| {
            let (alloc, pool) = pooled(gpu)?;
            alloc.create_buffer(&BufferDesc::new(64, USAGE).pool(&pool).dedicated(true))
        } => Error::InvalidDescription { .. }),
        case!("buffer in another allocator's pool", |gpu| {
            let (_, pool) = pooled(gpu)?;
            gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE).pool(&pool))
        } => Error::InvalidDescription { .. }),
        case!("buffer larger than its pool's block", |gpu| {
            let (alloc, pool) = pooled(gpu)?;
            alloc.create_buffer(&BufferDesc::new(128 << 10, USAGE).pool(&pool))
        } => Error::PoolExhausted { .. }),
        case!("buffer exported as a Win32 handle", |gpu| gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE).export(WIN32))
            => Error::ExportUnsupported { .. }),
        case!("image exported as a Win32 handle", |gpu| gpu.alloc().create_image(
                &ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, vk::ImageUsageFlags::SAMPLED).export(WIN32))
            => Error::ExportUnsupported { .. }),
        case!("export of memory not made exportable", |gpu| {
            let buffer = gpu.alloc().create_buffer(&BufferDesc::new(64, USAGE))?;
            buffer.memory().export_fd(vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD)
        } => Error::ExportUnsupported { .. }),
        case!("transient memory for nothing", |gpu| gpu.alloc().create_transient_memory(&[], &[], "none")
            => Error::InvalidDescription { .. }),
        case!("transient memory for an empty buffer", |gpu| gpu.alloc().create_transient_memory(&[&BufferDesc::new(0, USAGE)], &[], "z")
            => Error::ZeroSize { .. }),
        case!("aliased buffer larger than its transient memory", |gpu| {
            let small = gpu.alloc().create_transient_memory(&[&BufferDesc::new(256, USAGE)], &[], "small")?;
            gpu.alloc().create_aliased_buffer(&small, &BufferDesc::new(1 << 20, USAGE))
        } => Error::ValidUsage { vuid: "VUID-vkBindBufferMemory-size-01037", .. }),
        case!("aliased buffer used while another member is active", |gpu| {
            let (first, second, _) = aliased_pair(gpu)?;
            let mut batch = gpu.alloc().batch()?;
            batch.upload_bytes(&first, 0, &[1; 16])?;
            batch.upload_bytes(&second, 0, &[2; 16])
        } => Error::AliasNotActive { ref name, ref active, .. } if name == "second" && active == "first"),
        case!("aliased image used while a buffer member is active", |gpu| {
            let (first, _, image) = aliased_pair(gpu)?;
            let mut batch = gpu.alloc().batch()?;
            batch.upload_bytes(&first, 0, &[1; 16])?;
            batch.transition_image(&image, vk::ImageLayout::GENERAL)
        } => Error::AliasNotActive { ref name, ref memory, .. } if name == "third" && memory == "pair"),
        case!("copy between two members of one transient memory", |gpu| {
            let (first, second, _) = aliased_pair(gpu)?;
            gpu.alloc().batch()?.copy_buffer(&first, 0, &second, 0, 16)
        } => Error::AliasNotActive { ref name, .. } if name == "second"),
        case!("aliased buffer used after the alias barrier, then its sibling", |gpu| {
            let (first, second, _) = aliased_pair(gpu)?;
            let mut batch = gpu.alloc().batch()?;
            batch.upload_bytes(&first, 0, &[1; 16])?;
            batch.alias_barrier(&[])?;
            batch.upload_bytes(&second, 0, &[2; 16])?;
            batch.upload_bytes(&first, 0, &[3; 16])
        } => Error::AliasNotActive { ref name, ref active, .. } if name == "first" && active == "second"),
        case!("bare memory of no size", |gpu| vma(gpu)?.allocate_memory(
                &vk::MemoryRequirements { size: 0, alignment: 256, memory_type_bits: !0 }, &MemoryRequest::new("s"))
            => Error::ZeroSize { .. }),
        case!("bare memory of an alignment not a power of two", |gpu| vma(gpu)?.allocate_memory(
                &vk::MemoryRequirements { size: 64, alignment: 3, memory_type_bits: !0 }, &MemoryRequest::new("a"))
            => Error::InvalidDescription { .. }),
        case!("bare memory of no memory type", |gpu| vma(gpu)?.allocate_memory(
                &vk::MemoryRequirements { size: 64, alignment: 256, memory_type_bits: 0 }, &MemoryRequest::new("t"))
            => Error::InvalidDescription { .. }),
    ]
}

#[test]
fn memory_control_cases() {
    super::run("memory control", cases);
}
