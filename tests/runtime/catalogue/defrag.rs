//! Defragmentation (issue 19, item 4) given what it must refuse: a memory backend that does
//! not move allocations, a move that fails part way, a pool it cannot defragment (linear, or
//! another allocator's) (`docs/VALID_USAGE.md`,
//! "Defragmentation", maps each to its check).

use std::sync::Arc;

use vkres::manager::{Error, ResourceManager};
use vkres::memory::FailingAllocator;
use vkres::{BufferType, DefragOptions, PoolDesc, PoolMemory, ResourceAllocator, StagingConfig, VmaAllocator, vk};

use super::{Case, case};
use crate::manager::defrag::Plain;

/// A manager on `alloc` whose one block has holes: eight small buffers, every other one
/// destroyed, so that VMA moves the rest within the block.
fn holes(alloc: &ResourceAllocator) -> Result<ResourceManager, Error> {
    let manager = ResourceManager::new(alloc)?;
    let mut handles = Vec::new();
    for i in 0..8u32 {
        handles.push(manager.create_buffer_with_data(
            &[i; 16 << 10],
            vk::BufferUsageFlags::empty(),
            BufferType::Vertex,
        )?);
    }
    for h in handles.into_iter().step_by(2) {
        manager.destroy_resource(h)?;
    }
    Ok(manager)
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("defragmentation on a backend that does not move", |gpu| {
            let plain = Arc::new(Plain(VmaAllocator::new(gpu.ctx())?));
            let alloc = ResourceAllocator::with_memory_allocator(plain, StagingConfig::default())?;
            holes(&alloc)?.defragment(&DefragOptions::new())
        } => Error::Vkres(vkres::Error::DefragmentationUnsupported { .. })),
        case!("defragmentation whose backend fails at the start", |gpu| {
            let failing = Arc::new(FailingAllocator::new(Arc::new(VmaAllocator::new(gpu.ctx())?)));
            let alloc = ResourceAllocator::with_memory_allocator(failing.clone(), StagingConfig::default())?;
            let manager = holes(&alloc)?;
            failing.fail_nth(1);
            manager.defragment(&DefragOptions::new())
        } => Error::Vkres(vkres::Error::Vulkan { operation: "vmaBeginDefragmentation", .. })),
        case!("defragmentation whose new buffer cannot be made", |gpu| {
            let alloc = ResourceAllocator::new(gpu.ctx())?;
            let manager = holes(&alloc)?;
            gpu.ctx().fail_nth_object_creation(1);
            let result = manager.defragment(&DefragOptions::new());
            gpu.ctx().fail_nth_object_creation(0);
            result
        } => Error::Vkres(vkres::Error::Vulkan { operation: "vkCreateBuffer", .. })),
        case!("defragmentation of a linear pool", |gpu| {
            let vma = Arc::new(VmaAllocator::new(gpu.ctx())?);
            let alloc = ResourceAllocator::with_memory_allocator(vma.clone(), StagingConfig::default())?;
            let memory = PoolMemory::Index(0);
            let pool = vma.create_pool(&PoolDesc::new("linear", memory).linear(true))?;
            holes(&alloc)?.defragment(&DefragOptions::new().pool(&pool))
        } => Error::Vkres(vkres::Error::DefragmentationUnsupported { .. })),
        case!("defragmentation of another allocator's pool", |gpu| {
            let other = VmaAllocator::new(gpu.ctx())?;
            let pool = other.create_pool(&PoolDesc::new("foreign", PoolMemory::Index(0)))?;
            let alloc = ResourceAllocator::new(gpu.ctx())?;
            holes(&alloc)?.defragment(&DefragOptions::new().pool(&pool))
        } => Error::Vkres(vkres::Error::InvalidDescription { .. })),
    ]
}

#[test]
fn defragmentation_refuses_what_it_cannot_do() {
    super::run("defragmentation", cases);
}
