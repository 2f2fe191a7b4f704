//! [`Recorder::refit_tlas`]: the per-frame refit of a TLAS, its records written one by one
//! straight into the TLAS's own mapped instance buffer (the frame loop's hot path: the loop
//! per instance has no call, its checks' errors and a new BLAS's checks out of it), and
//! what a build's instance loop (`accel.rs::tlas_records`) shares with it.

use std::sync::Arc;

use ash::vk;

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
    /// TLAS must have been built with [`TlasDesc::allow_update`](crate::accel::TlasDesc::allow_update).
    /// The TLAS keeps alive the BLASes its content may point to: those of its last update
    /// (build or refit) known to have run, and those of each refit recorded since (until a
    /// later one that ran supersedes them); a BLAS no refit places any more is freed once a
    /// later refit has run (session 10, helper "mend13", review13 #3).
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
    /// An iterator whose [`size_hint`](Iterator::size_hint) says it has at most the build's
    /// count (an `iter().map(..)` over a slice or range of that many) is taken by value and
    /// zipped with the records: one counted loop. Any other gives at most the count and is then
    /// asked for one more (pulled, never written): with too many the refit is refused. An
    /// iterator whose upper bound lies (a bug `Iterator::size_hint` allows) has its first
    /// `count` instances refitted, never more records written. An instance's record is written
    /// into the mapping before its checks; a refused refit records nothing and holds nothing,
    /// and the next refit of that frame's set writes every record again.
    pub fn refit_tlas<'b>(
        &mut self,
        tlas: &Tlas,
        instances: impl IntoIterator<Item = InstanceOf<&'b Blas>>,
    ) -> Result<()> {
        // Borrowed from the allocator, not from `self`: no reference count touched per refit.
        let alloc = self.alloc;
        let ctx = alloc.context();
        let allowed_flags = extension_bits::instance_flags_allowed(ctx.capabilities());
        ctx.acceleration_structure_fns("update a TLAS")?;
        self.own_buffer(tlas.0.buffer())?;
        self.sync_built_here();
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
            let mut instances = instances.into_iter();
            if !records.is_aligned() {
                return Err(geometry::invalid(name, "the instance buffer's mapping is not aligned for its records"));
            }
            // SAFETY: the mapping (alive until the end of this closure) holds `capacity` (at
            // least `count`) records and `records` is aligned for them (checked above); no
            // recorded work holds the set (its `Arc` is unique), so no command reads the buffer
            // now, and nothing else refers to this memory while the slice lives.
            let out = unsafe { std::slice::from_raw_parts_mut(records, count as usize) };
            // The BLAS of the previous new-BLAS instance and its address: an instance that
            // places the same structure through another `&Blas` skips the checks and the set.
            let mut last: Option<&'b AccelerationStructure> = None;
            let mut last_address: vk::DeviceAddress = 0;
            let mut new_blas = |index: usize, blas: &'b Blas| -> Result<vk::DeviceAddress> {
                let blas = &blas.0;
                last_address = match last {
                    Some(previous) if previous.same(blas) => last_address,
                    _ => rec.instance_blas(&mut set.seen, &mut set.referenced, ctx, name, index, blas)?,
                };
                last = Some(blas);
                Ok(last_address)
            };
            // An iterator that says it has at most `count` instances (its `size_hint`'s upper
            // bound: a slice's `iter().map(..)`, the usual caller) is zipped with the records by
            // value, which for the standard library's slice-based iterators is one counted loop
            // with one test per instance, as a hand-written zip of two slices. Any other is
            // zipped by reference and asked for one more instance after `count` (never written):
            // more than `count` is refused. The bound only chooses the loop: a wrong one is the
            // caller's iterator's bug (`Iterator::size_hint`), never more records written.
            let written = if instances.size_hint().1.is_some_and(|upper| upper <= out.len()) {
                write_records(out.iter_mut().zip(instances), allowed_flags, name, &mut new_blas)?
            } else {
                let written =
                    write_records(out.iter_mut().zip(instances.by_ref()), allowed_flags, name, &mut new_blas)?;
                if written == out.len() && instances.next().is_some() {
                    return Err(too_many(name, count));
                }
                written
            };
            // At most `count` (a `u32`).
            let written = written as u32;
            if written != count {
                return Err(geometry::invalid(name, format!("an update must keep {count} instances, not {written}")));
            }
            // Made visible to the device by the caller's submission.
            buffer.memory().flush(0, u64::from(count) * size_of::<InstanceRecord>() as u64)?;
            // Until the update has run, the structure may still point at the old BLASes: the
            // TLAS keeps those (its references, or another set's list), and the set keeps the
            // BLASes this refit places (`set.referenced`) until a later refit settles them
            // (`accel.rs::settle`, review13 #3: the references no longer only grow).
            Ok((buffer.device_address().unwrap_or_default(), set.scratch_address))
        })?;
        let first = self.tables.geometries.len();
        self.tables.geometries.push(GeometryRecord::Instances { data, count });
        self.push_build(&tlas.0, true, first, Scratch::Own(scratch_address));
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

/// The error of a refit given more instances than the TLAS was built with (out of line).
#[cold]
#[inline(never)]
fn too_many(name: &str, count: u32) -> Error {
    geometry::invalid(name, format!("an update must keep {count} instances, not more"))
}

/// Writes each instance's record into its slot, whole and in order, straight into the mapping
/// (it may be write-combined memory, which takes whole sequential writes best and must never
/// be read back); returns how many were written. The record is written with the address of
/// the instance before's BLAS; an instance placing another `&Blas`, or breaking a placement
/// rule, leaves the loop with its slot and what the checks need (nothing is kept aside per
/// instance: the loop has no call, so its values stay in registers), is checked out of it
/// (`new_blas`: the structure's checks and address; the error names the instance's index)
/// and has its address written after. One test for the three checks of a placement; which
/// one failed is found out of line ([`placement_error`]).
#[inline(always)]
fn write_records<'r, 'b>(
    mut pairs: impl Iterator<Item = (&'r mut InstanceRecord, InstanceOf<&'b Blas>)>,
    allowed_flags: u32,
    name: &str,
    new_blas: &mut impl FnMut(usize, &'b Blas) -> Result<vk::DeviceAddress>,
) -> Result<usize> {
    let mut last_ref: *const Blas = std::ptr::null();
    let mut last_address: vk::DeviceAddress = 0;
    let mut written = 0usize;
    loop {
        let mut odd = None;
        for (slot, instance) in pairs.by_ref() {
            let InstanceOf { blas, transform, custom_index, mask, sbt_offset, flags } = instance;
            *slot = InstanceRecord::from_parts(transform, custom_index, mask, sbt_offset, flags, last_address);
            written += 1;
            let bad = (flags.as_raw() & !allowed_flags) | ((custom_index | sbt_offset) >> 24);
            if bad != 0 || !std::ptr::eq(blas, last_ref) {
                odd = Some((slot, blas, flags, bad));
                break;
            }
        }
        let Some((slot, blas, flags, bad)) = odd else { return Ok(written) };
        let index = written - 1;
        if bad != 0 {
            return Err(placement_error(name, index, flags, allowed_flags));
        }
        last_address = new_blas(index, blas)?;
        last_ref = blas;
        slot.blas_address = last_address;
    }
}
