//! Staging: configurations that cannot work, requests larger than the budget.

use vkres::{Error, ResourceAllocator, StagingConfig, StagingMemoryManager};

use super::{Case, case};

pub fn cases() -> Vec<Case> {
    vec![
        case!("budget zero", |gpu| gpu.alloc().with_staging(StagingConfig { budget: 0, chunk_size: 0 })
            => Error::InvalidDescription { .. }),
        case!("chunk size zero", |gpu| gpu.alloc().with_staging(StagingConfig { budget: 1 << 20, chunk_size: 0 })
            => Error::InvalidDescription { .. }),
        case!("chunk larger than the budget", |gpu| gpu.alloc().with_staging(StagingConfig { budget: 1 << 20, chunk_size: 2 << 20 })
            => Error::InvalidDescription { .. }),
        case!("allocator with a bad staging config", |gpu| ResourceAllocator::with_memory_allocator(
            gpu.alloc().memory_allocator().clone(), StagingConfig { budget: 4, chunk_size: 8 })
            => Error::InvalidDescription { .. }),
        case!("staging manager with a bad config", |gpu| StagingMemoryManager::new(
            gpu.alloc().memory_allocator().clone(), StagingConfig { budget: 0, chunk_size: 1 })
            => Error::InvalidDescription { .. }),
        case!("a request over the budget", |gpu| {
            let alloc = gpu.alloc().with_staging(StagingConfig { budget: 1 << 16, chunk_size: 1 << 16 })?;
            let staging = alloc.staging();
            staging.stage(staging.current_set(), (1 << 16) + 1, 4).map(drop)
        } => Error::StagingBudgetExceeded { .. }),
    ]
}

#[test]
fn staging_cases() {
    super::run("staging", cases);
}
