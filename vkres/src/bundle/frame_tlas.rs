//! What the expansion of a `tlas(..., allow_update, per_frame)` field calls: one TLAS per
//! frame in flight, built in the bundle's batch, refitted by the generated `refit_<field>`
//! into the caller's command buffer ([`Recorder::refit_tlas`]) while the other frames'
//! TLASes may still be traced.

use super::accel_fields::BlasField;
use super::collections::CollectionField;
use super::instances::{BlasInstance, check_instances, placed};
use super::per_frame::{PerFrame, frames_checked};
use super::private::Release;
use crate::accel::{Blas, Tlas, TlasDesc, TlasInstanceRef, Transform3x4};
use crate::allocator::{Batch, Recorder};
use crate::error::{Error, Result};

/// Field types a `tlas(..., per_frame)` attribute may annotate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a per-frame TLAS type",
    label = "a `tlas(per_frame)` field must have type `vkres::PerFrame<vkres::Tlas>`"
)]
pub trait PerFrameTlasField: Sized + Release {
    /// Wraps the copies.
    fn from_copies(name: &'static str, copies: Vec<Tlas>) -> Self;
    /// The copies.
    fn copies(&self) -> &PerFrame<Tlas>;
}

impl PerFrameTlasField for PerFrame<Tlas> {
    fn from_copies(name: &'static str, copies: Vec<Tlas>) -> Self {
        PerFrame::new(name, copies)
    }
    fn copies(&self) -> &PerFrame<Tlas> {
        self
    }
}

/// Any per-frame field: how many frames it has.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a per-frame type",
    label = "a `per_frame` field must have type `vkres::PerFrame<...>`"
)]
pub trait PerFrameField {
    /// The number of copies.
    fn frame_count(&self) -> usize;
}

impl<T> PerFrameField for PerFrame<T> {
    fn frame_count(&self) -> usize {
        self.len()
    }
}

/// Records the builds of the `frames` TLASes of a `tlas(per_frame)` field with fixed instances.
/// On error the TLASes made so far are released.
pub fn per_frame_tlases<F: PerFrameTlasField>(
    batch: &mut Batch<'_>,
    name: &'static str,
    desc: &TlasDesc,
    frames: usize,
) -> Result<F> {
    let frames = frames_checked(name, frames)?;
    let mut copies = Vec::new();
    for _ in 0..frames {
        copies.push(batch.build_tlas(desc)?);
    }
    Ok(F::from_copies(name, copies))
}

/// [`per_frame_tlases`] for a TLAS with `instances = input`: each instance placing the BLAS it
/// names in `blases` (checked once, typed errors).
pub fn per_frame_tlases_from_inputs<F, C>(
    batch: &mut Batch<'_>,
    name: &'static str,
    desc: TlasDesc,
    blases: &C,
    instances: &[BlasInstance],
    frames: usize,
) -> Result<F>
where
    F: PerFrameTlasField,
    C: CollectionField,
    C::Item: BlasField,
{
    let desc = desc.instances(placed(name, blases, instances)?);
    per_frame_tlases(batch, name, &desc, frames)
}

/// The `N` transforms of a refit of a TLAS with `N` fixed instances, or
/// [`Error::LengthMismatch`].
pub fn transforms_for<'t, const N: usize>(name: &str, transforms: &'t [Transform3x4]) -> Result<&'t [Transform3x4; N]> {
    transforms.try_into().map_err(|_| Error::LengthMismatch {
        name: name.into(),
        what: "transforms".into(),
        expected: N as u64,
        given: transforms.len() as u64,
    })
}

/// Records the refit of frame `frame`'s TLAS of `field` with `instances` into `recorder`
/// ([`Recorder::refit_tlas`]: written into the TLAS's persistent instance buffer, no
/// allocation once each frame has refitted once).
pub fn refit_frame_tlas<F: PerFrameTlasField>(
    recorder: &mut Recorder<'_>,
    field: &F,
    frame: usize,
    instances: &[TlasInstanceRef<'_>],
) -> Result<()> {
    recorder.refit_tlas(field.copies().get(frame)?, instances.iter().copied())
}

/// [`refit_frame_tlas`] for a TLAS with `instances = input`: the new instances name BLASes of
/// `blases` by index, checked as at `create`.
pub fn refit_frame_tlas_from_inputs<F, C>(
    recorder: &mut Recorder<'_>,
    field: &F,
    frame: usize,
    blases: &C,
    instances: &[BlasInstance],
) -> Result<()>
where
    F: PerFrameTlasField,
    C: CollectionField,
    C::Item: BlasField,
{
    refit_frame_tlas_by(recorder, field, frame, blases.items(), BlasField::blas, instances)
}

/// [`refit_frame_tlas_from_inputs`] for instances that index `items` (the elements of a
/// `bundles` collection), the BLAS of each given by `blas`. The instances are checked first
/// (typed errors, nothing recorded), then written one by one: nothing is collected.
pub fn refit_frame_tlas_by<F, T>(
    recorder: &mut Recorder<'_>,
    field: &F,
    frame: usize,
    items: &[T],
    blas: impl Fn(&T) -> &Blas,
    instances: &[BlasInstance],
) -> Result<()>
where
    F: PerFrameTlasField,
{
    let tlas = field.copies().get(frame)?;
    check_instances(tlas.name(), items.len(), instances)?;
    // Checked: every index is in range (one out of range would leave the count short, which
    // `refit_tlas` refuses, typed).
    let placed = instances.iter().filter_map(|i| items.get(i.blas as usize).map(|item| i.with_blas(blas(item))));
    recorder.refit_tlas(tlas, placed)
}

/// Frame `frame`'s TLAS, for its descriptor (checked for its device by the writes).
pub fn frame_tlas_handle<F: PerFrameTlasField>(field: &F, frame: usize) -> Result<&Tlas> {
    field.copies().get(frame)
}
