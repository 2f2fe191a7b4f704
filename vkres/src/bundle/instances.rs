//! Collections of acceleration structures in a derived schema: `blases(...)` fields (one BLAS
//! per element of the `buffers` collections they read) and TLASes whose instances come from run
//! time ([`BlasInstance`], naming BLASes of a `blases` field by index).

use super::accel_fields::{BlasField, TlasField};
use super::collections::CollectionField;
use crate::accel::{Blas, BlasDesc, InstanceOf, TlasDesc};
use crate::allocator::Batch;
use crate::error::{Error, Result};

/// One instance of a TLAS with `instances = input`: the BLAS it places, by index into the
/// `blases` collection the TLAS names, and its placement. Checked when `create` runs: the index
/// in range, the custom index and SBT offset within 24 bits.
///
/// `Send + Sync`: plain data.
pub type BlasInstance = InstanceOf<u32>;

impl BlasInstance {
    /// BLAS number `blas`, untransformed, custom index 0, mask `0xFF`, SBT offset 0, no flags.
    pub fn new(blas: u32) -> Self {
        InstanceOf::placing(blas)
    }
}

/// The largest custom index and SBT offset: 24 bits.
const MAX_24: u32 = (1 << 24) - 1;

/// The common length of the collections a `blases` field reads (`(key, length)` pairs, the
/// first one's length is the expected one), or [`Error::LengthMismatch`].
pub fn common_len(name: &str, lens: &[(&'static str, usize)]) -> Result<usize> {
    let Some(&(_, expected)) = lens.first() else { return Ok(0) };
    for &(what, given) in lens {
        if given != expected {
            return Err(Error::LengthMismatch {
                name: name.into(),
                what: what.into(),
                expected: expected as u64,
                given: given as u64,
            });
        }
    }
    Ok(expected)
}

/// Element `i` of a collection field (within [`common_len`], so never out of range; an
/// [`Error::IndexOutOfRange`] rather than a panic all the same).
pub fn element<'c, C: CollectionField>(name: &str, collection: &'c C, i: usize) -> Result<&'c C::Item> {
    let items = collection.items();
    items.get(i).ok_or_else(|| Error::IndexOutOfRange {
        name: name.into(),
        what: "element".into(),
        index: i as u64,
        len: items.len() as u64,
    })
}

/// Records the builds of a `blases` field: `count` BLASes, the `i`-th described by `desc(i)`.
/// On error the BLASes made so far are released.
pub fn blases<C>(batch: &mut Batch<'_>, count: usize, desc: impl Fn(usize) -> Result<BlasDesc>) -> Result<C>
where
    C: CollectionField,
    C::Item: BlasField,
{
    let mut items = Vec::with_capacity(count);
    for i in 0..count {
        let desc = desc(i)?;
        items.push(batch.build_blas(&desc).map(C::Item::from_blas)?);
    }
    Ok(C::from_items(items))
}

/// Records the build of a TLAS with `instances = input`: `desc` (name and options) with one
/// instance per element of `instances`, each placing the BLAS it names in `blases`.
pub fn tlas_from_inputs<F, C>(
    batch: &mut Batch<'_>,
    desc: TlasDesc,
    blases: &C,
    instances: &[BlasInstance],
) -> Result<F>
where
    F: TlasField,
    C: CollectionField,
    C::Item: BlasField,
{
    let placed = placed(&desc.name, blases, instances)?;
    batch.build_tlas(&desc.instances(placed)).map(F::from_tlas)
}

/// The instances of a TLAS with `instances = input`, each placing the BLAS of `blases` it
/// names: checked (index in range, 24-bit fields) with typed errors naming `name`.
pub fn placed<C>(name: &str, blases: &C, instances: &[BlasInstance]) -> Result<Vec<crate::accel::TlasInstance>>
where
    C: CollectionField,
    C::Item: BlasField,
{
    placed_by(name, blases.items(), |b| b.blas(), instances)
}

/// [`placed`] for instances that index `items` (the elements of a `bundles` collection, ...),
/// the BLAS of each given by `blas` (its BLAS field).
pub fn placed_by<T>(
    name: &str,
    items: &[T],
    blas: impl Fn(&T) -> &Blas,
    instances: &[BlasInstance],
) -> Result<Vec<crate::accel::TlasInstance>> {
    check_instances(name, items.len(), instances)?;
    Ok(instances
        .iter()
        .filter_map(|i| items.get(i.blas as usize).map(|item| i.with_blas(blas(item).clone())))
        .collect())
}

/// Checks `instances` against a collection of `len` BLASes (index in range, 24-bit fields),
/// with typed errors naming `name`; allocates nothing unless it fails.
pub fn check_instances(name: &str, len: usize, instances: &[BlasInstance]) -> Result<()> {
    for (i, instance) in instances.iter().enumerate() {
        if instance.blas as usize >= len {
            return Err(Error::IndexOutOfRange {
                name: name.into(),
                what: format!("instance {i}: BLAS"),
                index: u64::from(instance.blas),
                len: len as u64,
            });
        }
        for (what, value) in [("custom index", instance.custom_index), ("SBT offset", instance.sbt_offset)] {
            if value > MAX_24 {
                return Err(Error::ValueOutOfRange {
                    name: name.into(),
                    what: format!("instance {i}: {what}"),
                    value: u64::from(value),
                    max: u64::from(MAX_24),
                });
            }
        }
    }
    Ok(())
}

/// Records the builds of a `tlases` collection: one TLAS per list of `lists`, each `desc`
/// (name and options) with the instances `place` makes of its list (checked, typed errors).
/// On error the TLASes made so far are released.
pub fn tlases<C>(
    batch: &mut Batch<'_>,
    desc: &TlasDesc,
    lists: &[&[BlasInstance]],
    place: impl Fn(&[BlasInstance]) -> Result<Vec<crate::accel::TlasInstance>>,
) -> Result<C>
where
    C: CollectionField,
    C::Item: TlasField,
{
    let mut items = Vec::with_capacity(lists.len());
    for list in lists {
        let desc = desc.clone().instances(place(list)?);
        items.push(batch.build_tlas(&desc).map(C::Item::from_tlas)?);
    }
    Ok(C::from_items(items))
}
