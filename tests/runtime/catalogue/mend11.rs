//! Session 9's second review mends (issue 16, helper "mend11", findings of the read-only
//! review "review10"): a multisampled image whose samples take it past
//! `maxMemoryAllocationSize`, and a custom pool whose blocks would be. `docs/VALID_USAGE.md`,
//! "Session 9 review mends (2)", maps each to its check.

use vkres::{Error, ImageDesc, MappingType, MemoryLocation, PoolDesc, PoolMemory, vk};

use super::{Case, case};
use crate::support::Gpu;

/// `maxMemoryAllocationSize` plus one byte (the device's limit; `u64::MAX` where it gave none).
fn past_allocation_limit(gpu: &Gpu) -> u64 {
    gpu.ctx().capabilities().max_memory_allocation_size.saturating_add(1)
}

pub fn cases() -> Vec<Case> {
    vec![
        // 4 samples of an 8192-wide R32G32B32A32_SFLOAT image of 3/8 of maxMemoryAllocationSize
        // a sample: 1.5 times the limit in all, its single-sample estimate under half of it, so
        // it passed unasked and reached vkAllocateMemory. On lavapipe (limit 2 GiB) 8192x6144,
        // 3 GiB, within its maxResourceSize (4 GiB - 1); on the H100 (4 GiB - 2 MiB) 8192x12282.
        case!("4-sample R32G32B32A32_SFLOAT colour attachment of 1.5 times maxMemoryAllocationSize", |gpu| {
            let limit = gpu.ctx().capabilities().max_memory_allocation_size;
            let height = u32::try_from(limit / 8 * 3 / (16 * 8192)).unwrap_or(u32::MAX).max(1);
            let desc = ImageDesc {
                samples: vk::SampleCountFlags::TYPE_4,
                ..ImageDesc::new_2d(vk::Format::R32G32B32A32_SFLOAT, 8192, height, vk::ImageUsageFlags::COLOR_ATTACHMENT)
            }
            .name("msaa");
            gpu.alloc().create_image(&desc).map(drop)
        } => Error::LimitExceeded { ref name, requested, limit, .. } if name == "msaa" && requested > limit),
        case!("custom pool of blocks past maxMemoryAllocationSize", |gpu| {
            let memory = PoolMemory::Buffers {
                usage: vk::BufferUsageFlags::STORAGE_BUFFER,
                mapping: MappingType::None,
                location: MemoryLocation::PreferDevice,
            };
            let desc = PoolDesc::new("big", memory).block_size(past_allocation_limit(gpu)).blocks(1, 0);
            vkres::VmaAllocator::new(gpu.ctx())?.create_pool(&desc).map(drop)
        } => Error::LimitExceeded { ref name, what, .. } if name == "big" && what.contains("maxMemoryAllocationSize")),
    ]
}

#[test]
fn mend11_cases() {
    super::run("mend11", cases);
}
