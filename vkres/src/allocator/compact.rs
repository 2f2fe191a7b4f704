//! Compaction of BLASes: the compacted size of each is queried on the device, then each is
//! copied into storage of that size.

use ash::vk;

use super::ResourceAllocator;
use crate::accel::{Blas, Compacted};
use crate::error::{Error, Result, VkContext};
use crate::resources::accel;

/// Destroys the query pool however `compact` ends.
struct QueryPool<'a> {
    device: &'a ash::Device,
    pool: vk::QueryPool,
}

impl Drop for QueryPool<'_> {
    fn drop(&mut self) {
        // SAFETY: every submission that used the pool was waited for (or never made).
        unsafe { self.device.destroy_query_pool(self.pool, None) };
    }
}

impl ResourceAllocator {
    /// Compacts BLASes built with [`BlasDesc::allow_compaction`](crate::BlasDesc::allow_compaction)
    /// by a finished batch: two submissions (a query of the compacted sizes, then the copies),
    /// waited for. Each [`Compacted`] holds the copy and the bytes saved; the originals are
    /// untouched (drop them, and rebuild TLASes with the copies, to free their memory).
    pub fn compact(&self, blases: &[Blas]) -> Result<Vec<Compacted>> {
        let ctx = self.context().clone();
        let fns = ctx.acceleration_structure_fns("compact acceleration structures")?;
        for blas in blases {
            crate::valid::device::same_device(&ctx, blas.0.buffer().context(), || blas.name().to_owned())?;
            if !blas.build_flags().contains(vk::BuildAccelerationStructureFlagsKHR::ALLOW_COMPACTION) {
                return Err(Error::ValidUsage {
                    name: blas.name().into(),
                    vuid: "VUID-VkCopyAccelerationStructureInfoKHR-src-03411",
                    detail: "compaction needs a BLAS built with allow_compaction".into(),
                });
            }
            if !blas.is_built() {
                return Err(Error::NotReady { name: blas.name().into() });
            }
        }
        if blases.is_empty() {
            return Ok(Vec::new());
        }
        let count = blases.len() as u32;
        let info = vk::QueryPoolCreateInfo::default()
            .query_type(vk::QueryType::ACCELERATION_STRUCTURE_COMPACTED_SIZE_KHR)
            .query_count(count);
        let device = ctx.device();
        // SAFETY: the extension is enabled (checked above); `QueryPool`'s drop destroys it.
        let pool = QueryPool { device, pool: unsafe { ctx.create_query_pool(&info, "vkres compaction queries") }? };
        let handles: Vec<_> = blases.iter().map(|b| b.handle()).collect();

        let mut batch = self.batch()?;
        for blas in blases {
            batch.rec.hold_structure(blas, false);
        }
        batch.rec.record_accel_commands(false, |cmd| {
            // SAFETY: recording; the pool has `count` queries; every structure was built by a
            // finished batch with ALLOW_COMPACTION, and the batch holds it.
            unsafe {
                device.cmd_reset_query_pool(cmd, pool.pool, 0, count);
                fns.cmd_write_acceleration_structures_properties(
                    cmd,
                    &handles,
                    vk::QueryType::ACCELERATION_STRUCTURE_COMPACTED_SIZE_KHR,
                    pool.pool,
                    0,
                );
            }
        });
        batch.submit_and_wait()?;
        let mut sizes = vec![0u64; blases.len()];
        // SAFETY: the queries were written by the finished submission above.
        unsafe {
            device.get_query_pool_results(
                pool.pool,
                0,
                &mut sizes,
                // No WAIT (an unbounded wait): the submission was waited for, so the results
                // are available; were they not, NOT_READY is an error.
                vk::QueryResultFlags::TYPE_64,
            )
        }
        .op("vkGetQueryPoolResults")?;

        let mut batch = self.batch()?;
        let mut out = Vec::with_capacity(blases.len());
        for (blas, &size) in blases.iter().zip(&sizes) {
            let name = format!("{}/compacted", blas.name());
            let copy = accel::create(&**self.memory_allocator(), blas.ty(), blas.build_flags(), size, &name)?;
            *copy.shape() = blas.shape().clone();
            batch.rec.hold_structure(blas, false);
            batch.rec.hold_structure(&copy, true);
            let info = vk::CopyAccelerationStructureInfoKHR::default()
                .src(blas.handle())
                .dst(copy.handle())
                .mode(vk::CopyAccelerationStructureModeKHR::COMPACT);
            // SAFETY: recording; `src` is built, `dst` was created with the queried compacted
            // size; the batch holds both.
            batch.rec.record_accel_commands(true, |cmd| unsafe { fns.cmd_copy_acceleration_structure(cmd, &info) });
            out.push(Compacted { blas: Blas(copy), original_size: blas.buffer().size(), compacted_size: size });
        }
        batch.submit_and_wait()?;
        Ok(out)
    }
}
