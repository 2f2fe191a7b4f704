//! [`Recorder::refit_tlas`]: the per-frame refit of a TLAS, its records written in blocks
//! straight into the TLAS's own mapped instance buffer (the frame loop's hot path: the loop
//! per instance is kept small, its checks' errors and a new BLAS's checks out of line), and
//! what a build's instance loop (`accel.rs::tlas_records`) shares with it.

use std::sync::Arc;

use ash::vk;
use bytemuck::Zeroable;

use super::Recorder;
use super::accel::{GeometryRecord, Scratch, TOP};
use crate::accel::{Blas, InstanceOf, InstanceRecord, Tlas, geometry};
use crate::error::{Error, Result};
use crate::handle_map::HandleSet;
use crate::resources::AccelerationStructure;
use crate::valid::extension_bits;

impl Recorder<'_> {
    /// Records a refit of `tlas` with `instances` (exactly as many as its build had; new
    /// transforms, masks, custom indices or BLASes), written straight into the TLAS's own
    /// persistent instance buffer as they come: the per-frame refit of an animated scene. The
    /// TLAS must have been built with [`TlasDesc::allow_update`](crate::accel::TlasDesc::allow_update); it keeps the BLASes of its
    /// earlier build alive too.
    ///
    /// The instance buffer (host-visible, mapped) and the update scratch are made at the first
    /// refit and reused by every later refit whose earlier use has finished; a TLAS keeps one
    /// set per refit in flight (three frames in flight: three sets). So a refit per frame
    /// allocates nothing, stages nothing and copies nothing once each frame in flight has
    /// refitted once.
    ///
    /// [`Error::InvalidDescription`] for more or fewer instances than the build's, a custom
    /// index or SBT offset past 24 bits, or a TLAS without `allow_update`; [`Error::NotReady`]
    /// for a BLAS not built yet; [`Error::WrongDevice`] for one of another device. Nothing is
    /// recorded then.
    ///
    /// Instances are taken from the iterator in blocks of 64, so with too many instances up to
    /// 63 past the build's count are pulled from it (never written) before the refit is
    /// refused; such an extra instance's own checks run first, so the error may then be its
    /// [`Error::NotReady`], [`Error::WrongDevice`] or placement error rather than the count's
    /// [`Error::InvalidDescription`].
    pub fn refit_tlas<'b>(
        &mut self,
        tlas: &Tlas,
        instances: impl IntoIterator<Item = InstanceOf<&'b Blas>>,
    ) -> Result<()> {
        let ctx = self.alloc.context().clone();
        let allowed_flags = extension_bits::instance_flags_allowed(ctx.capabilities());
        ctx.acceleration_structure_fns("update a TLAS")?;
        self.own_buffer(tlas.0.buffer())?;
        self.check_updatable(tlas, "TLAS")?;
        let count = tlas.shape().first().map_or(0, |e| e.0);
        let scratch = match tlas.update_scratch_size() {
            0 => {
                let record = GeometryRecord::Instances { data: 0, count };
                self.build_sizes(tlas.name(), TOP, tlas.build_flags(), &[record])?.update_scratch_size
            }
            known => known,
        };
        let name = tlas.name();
        let (data, scratch_address) = self.refit_set(&tlas.0, scratch, u64::from(count), |rec, set| {
            let Some(buffer) = set.instances.as_ref() else {
                return Err(geometry::invalid(name, "a TLAS refit without an instance buffer"));
            };
            let mapping = buffer.map_unchecked()?;
            let records = mapping.as_ptr().cast::<InstanceRecord>();
            set.seen.clear();
            set.referenced.clear();
            // The BLAS of the previous instance and its address: instances that place the same
            // BLAS one after another (the common case) skip the checks and the set.
            let mut last: Option<&AccelerationStructure> = None;
            let mut last_ref: *const Blas = std::ptr::null();
            let mut last_address: vk::DeviceAddress = 0;
            let mut written = 0u32;
            let mut instances = instances.into_iter();
            // Records are built in a cache-resident block and copied a block at a time: the
            // mapping may be write-combined memory, which takes whole, sequential blocks best
            // and must never be read back. The loop per instance is kept small (the checks of
            // a new BLAS and the errors are out of line): it is the refit's whole host cost.
            let mut block = [InstanceRecord::zeroed(); BLOCK];
            loop {
                let mut filled = 0usize;
                // `zip` asks for an instance only while the block has room.
                for (slot, instance) in block.iter_mut().zip(instances.by_ref()) {
                    let InstanceOf { blas, transform, custom_index, mask, sbt_offset, flags } = instance;
                    let index = written as usize + filled;
                    // One test for the three checks of a placement; which one failed is found
                    // out of line.
                    let bad = (flags.as_raw() & !allowed_flags) | ((custom_index | sbt_offset) >> 24);
                    if bad != 0 {
                        return Err(placement_error(name, index, flags, allowed_flags));
                    }
                    // The same `&Blas` as the instance before (one compare), else the same
                    // structure through another handle, else a new BLAS (out of line).
                    let blas_address = if std::ptr::eq(blas, last_ref) {
                        last_address
                    } else {
                        let blas_ref = blas;
                        let blas = &blas.0;
                        let address = match last {
                            Some(previous) if previous.same(blas) => last_address,
                            _ => rec.instance_blas(&mut set.seen, &mut set.referenced, &ctx, name, index, blas)?,
                        };
                        (last, last_ref, last_address) = (Some(blas), blas_ref, address);
                        address
                    };
                    *slot = InstanceRecord::from_parts(transform, custom_index, mask, sbt_offset, flags, blas_address);
                    filled += 1;
                }
                if u64::from(written) + filled as u64 > u64::from(count) {
                    return Err(geometry::invalid(name, format!("an update must keep {count} instances, not more")));
                }
                // SAFETY: the mapping (alive until the end of this closure) holds `capacity`
                // (at least `count`) records; this block's `filled` records end at
                // `written + filled <= count` (checked above); no recorded work holds the set
                // (its `Arc` is unique), so no command reads the buffer now.
                unsafe { copy_block(&block[..filled], records, written as usize) };
                // At most `count` (a `u32`), checked above.
                written += filled as u32;
                if filled < BLOCK {
                    break;
                }
            }
            if written != count {
                return Err(geometry::invalid(name, format!("an update must keep {count} instances, not {written}")));
            }
            // Made visible to the device by the caller's submission.
            buffer.memory().flush(0, u64::from(count) * size_of::<InstanceRecord>() as u64)?;
            // Until the update has run, the structure may still point at the old BLASes: the
            // TLAS keeps both. The usual refit places the BLASes of the build in the same
            // order, which the references start with: nothing to add then.
            let mut references = tlas.references();
            let same = set.referenced.len() <= references.len()
                && set.referenced.iter().zip(references.iter()).all(|(a, b)| a.same(b));
            if !same {
                // All of this device (checked above), so a handle names a structure.
                let mut held: HandleSet<vk::AccelerationStructureKHR> = references.iter().map(|r| r.handle()).collect();
                references.extend(set.referenced.drain(..).filter(|blas| held.insert(blas.handle())));
            }
            set.referenced.clear();
            Ok((buffer.device_address().unwrap_or_default(), set.scratch_address))
        })?;
        let first = self.tables.geometries.len();
        self.tables.geometries.push(GeometryRecord::Instances { data, count });
        self.push_build(tlas.0.clone(), true, first, Scratch::Own(scratch_address));
        Ok(())
    }

    /// The address of `blas`, placed by instance `index` of a build or refit of the TLAS
    /// `name`, after its checks (of this device, built), recorded once per build in `seen` and
    /// `referenced` (the BLASes the TLAS must hold). Out of line: called only where an instance
    /// places another BLAS than the one before it.
    #[cold]
    #[inline(never)]
    pub(super) fn instance_blas(
        &self,
        seen: &mut HandleSet<vk::AccelerationStructureKHR>,
        referenced: &mut Vec<AccelerationStructure>,
        ctx: &Arc<crate::context::Context>,
        name: &str,
        index: usize,
        blas: &AccelerationStructure,
    ) -> Result<vk::DeviceAddress> {
        if !Arc::ptr_eq(blas.buffer().context(), ctx) {
            return Err(Error::WrongDevice { name: format!("{name}: instance {index} ({})", blas.name()) });
        }
        if seen.insert(blas.handle()) {
            self.check_built(blas)?;
            referenced.push(blas.clone());
        }
        Ok(blas.device_address())
    }
}

/// The error of instance `index` of the TLAS `name`, whose flags, custom index or SBT offset
/// do not fit (`allowed_flags`: [`extension_bits::instance_flags_allowed`]).
#[cold]
#[inline(never)]
pub(super) fn placement_error(
    name: &str,
    index: usize,
    flags: vk::GeometryInstanceFlagsKHR,
    allowed_flags: u32,
) -> Error {
    if flags.as_raw() & !allowed_flags != 0 {
        extension_bits::instance_flags_error(name, index, flags)
    } else {
        geometry::invalid(name, format!("instance {index}: custom index and SBT offset have 24 bits"))
    }
}

/// Instance records gathered before each copy into a refit's mapped instance buffer.
const BLOCK: usize = 64;

/// Copies `block` into `records` from record `at`.
///
/// # Safety
/// `records` must be valid for writes of `at + block.len()` records (any alignment), and not
/// read by the device meanwhile.
unsafe fn copy_block(block: &[InstanceRecord], records: *mut InstanceRecord, at: usize) {
    // SAFETY: by the caller's contract; `block` is host memory of its own, not overlapping.
    unsafe {
        std::ptr::copy_nonoverlapping(block.as_ptr().cast::<u8>(), records.add(at).cast::<u8>(), size_of_val(block))
    };
}
