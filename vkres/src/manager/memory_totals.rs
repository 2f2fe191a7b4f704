//! [`ResourceTotals`]: what the [`ResourceManager`]'s resources hold, by resource type.

use std::collections::HashMap;

use super::{Entry, ResourceManager, ResourceType};

/// The resources of one type in a [`ResourceManager`] and the device memory they hold.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceTotals {
    /// The type (buffers by their [`BufferType`](super::BufferType)).
    pub ty: ResourceType,
    /// How many live resources of the type the table holds.
    pub count: usize,
    /// Bytes of device memory allocated for them (a material's uniform buffer; a shader's
    /// module holds none).
    pub bytes: u64,
}

impl ResourceManager {
    /// What its resources hold, by type, in a stable order (buffers, textures, materials,
    /// shaders): one entry per type that has live resources. Reads each resource's allocation
    /// under the table's read lock: a walk over every resource, for tools and logs.
    pub fn memory_by_type(&self) -> Vec<ResourceTotals> {
        let mut totals: HashMap<ResourceType, ResourceTotals> = HashMap::new();
        for entry in self.read().values() {
            let bytes = match entry {
                Entry::Buffer(b, _) => b.memory().info().size,
                Entry::Texture(t) => t.image().memory().info().size,
                Entry::Material(m) => m.buffer().memory().info().size,
                Entry::Shader(_) => 0,
                // Evicted: counted by type, holding no device memory until its next lookup.
                Entry::Evicted(_) => 0,
            };
            let ty = entry.ty();
            let t = totals.entry(ty).or_insert(ResourceTotals { ty, count: 0, bytes: 0 });
            t.count += 1;
            t.bytes += bytes;
        }
        let mut totals: Vec<ResourceTotals> = totals.into_values().collect();
        totals.sort_by_key(|t| order(t.ty));
        totals
    }
}

/// The report's order of a type.
fn order(ty: ResourceType) -> (u8, u8) {
    match ty {
        ResourceType::Buffer(b) => (0, b as u8),
        ResourceType::Texture => (1, 0),
        ResourceType::Material => (2, 0),
        ResourceType::Shader => (3, 0),
    }
}
