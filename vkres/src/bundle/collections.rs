//! What the expansion of collection fields (`bundles`, `buffers(...)`) calls: a `Vec` of a
//! kind, one element per run-time input, every element recorded into the same batch.

use crate::allocator::Batch;
use crate::bundle::GpuResources;
use crate::bundle::private::{BufferField, BufferSpec, BundleField, Release, buffer};
use crate::error::{Error, Result};

/// Field types a collection attribute (`bundles`, `buffers(...)`) may annotate: `Vec<T>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a collection type",
    label = "a `bundles` or `buffers` field must have type `Vec<T>`",
    note = "e.g. `#[gpu(bundles)] meshes: Vec<Mesh>` or `#[gpu(buffers(...))] data: Vec<vkres::Buffer<f32>>`"
)]
pub trait CollectionField: Sized {
    /// The element type.
    type Item;
    /// Wraps the created elements.
    fn from_items(items: Vec<Self::Item>) -> Self;
    /// The elements.
    fn items(&self) -> &[Self::Item];
}

impl<T> CollectionField for Vec<T> {
    type Item = T;
    fn from_items(items: Vec<T>) -> Self {
        items
    }
    fn items(&self) -> &[T] {
        self
    }
}

/// The elements of a collection field.
pub fn items<C: CollectionField>(collection: &C) -> &[C::Item] {
    collection.items()
}

/// The number of elements of a collection field.
pub fn count<C: CollectionField>(collection: &C) -> usize {
    collection.items().len()
}

/// The descriptor count of a bound collection (its length; saturated, though no device has
/// `u32::MAX` descriptors).
pub fn array_count<C: CollectionField>(collection: &C) -> u32 {
    u32::try_from(collection.items().len()).unwrap_or(u32::MAX)
}

/// A bound collection is a binding array, partially bound and updatable after bind: the
/// device needs the descriptor-indexing features ([`Error::MissingFeature`] otherwise).
pub fn binding_array_supported(batch: &Batch<'_>) -> Result<()> {
    if batch.allocator().context().capabilities().enabled.descriptor_indexing {
        return Ok(());
    }
    Err(Error::MissingFeature { feature: "descriptor indexing (Vulkan 1.2)", operation: "a binding array" })
}

/// Releases the elements last to first (the reverse of their creation). A collection of
/// bundles without [`Release`] (bundles released by declaration order, no `Drop`) is not
/// released here: Rust drops it, elements first to last. Either order is a reverse dependency
/// order: no element names another.
impl<T: Release> Release for Vec<T> {
    fn __vkres_release(&mut self) {
        for item in self.iter_mut().rev() {
            item.__vkres_release();
        }
    }
}

/// Records one nested bundle per element of `inputs` into the same batch. On error, the
/// bundles made so far are released (they drop) and the error returned.
pub fn bundles<C>(batch: &mut Batch<'_>, inputs: Vec<<C::Item as GpuResources>::Inputs<'_>>) -> Result<C>
where
    C: CollectionField,
    C::Item: BundleField,
{
    let mut items = Vec::with_capacity(inputs.len());
    for input in inputs {
        items.push(C::Item::record(batch, input)?);
    }
    Ok(C::from_items(items))
}

/// Creates one buffer per slice of `data`, each as large as its slice (or `spec`'s `len` /
/// `size` where given), and records the uploads into the same batch.
pub fn buffers<C>(batch: &mut Batch<'_>, spec: &BufferSpec, data: &[&[<C::Item as BufferField>::Elem]]) -> Result<C>
where
    C: CollectionField,
    C::Item: BufferField,
{
    let mut items = Vec::with_capacity(data.len());
    for slice in data {
        items.push(buffer::<C::Item>(batch, spec, Some(slice))?);
    }
    Ok(C::from_items(items))
}
