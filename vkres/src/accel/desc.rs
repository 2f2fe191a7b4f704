//! What to build: [`BlasDesc`] (geometries) and [`TlasDesc`] (instances of BLASes).

use ash::vk;

use super::geometry::{AabbGeometry, TriangleGeometry};
use super::instance::TlasInstance;

/// What the builder optimises for.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BuildPreference {
    /// `PREFER_FAST_TRACE`: slower builds, faster rays (static geometry).
    #[default]
    FastTrace,
    /// `PREFER_FAST_BUILD`: faster builds (geometry rebuilt often).
    FastBuild,
    /// Neither flag: the driver's default trade-off.
    Balanced,
}

/// Build options shared by BLAS and TLAS descriptions.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BuildOptions {
    pub preference: BuildPreference,
    pub allow_update: bool,
    pub allow_compaction: bool,
}

impl BuildOptions {
    pub fn flags(&self) -> vk::BuildAccelerationStructureFlagsKHR {
        let mut flags = match self.preference {
            BuildPreference::FastTrace => vk::BuildAccelerationStructureFlagsKHR::PREFER_FAST_TRACE,
            BuildPreference::FastBuild => vk::BuildAccelerationStructureFlagsKHR::PREFER_FAST_BUILD,
            BuildPreference::Balanced => vk::BuildAccelerationStructureFlagsKHR::empty(),
        };
        if self.allow_update {
            flags |= vk::BuildAccelerationStructureFlagsKHR::ALLOW_UPDATE;
        }
        if self.allow_compaction {
            flags |= vk::BuildAccelerationStructureFlagsKHR::ALLOW_COMPACTION;
        }
        flags
    }
}

/// One geometry of a BLAS.
#[derive(Debug, Clone)]
pub(crate) enum Geometry {
    Triangles(TriangleGeometry),
    Aabbs(AabbGeometry),
}

/// A bottom-level acceleration structure: one or more geometries, all triangles or all boxes.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone)]
pub struct BlasDesc {
    pub(crate) name: String,
    pub(crate) geometries: Vec<Geometry>,
    pub(crate) options: BuildOptions,
}

impl BlasDesc {
    /// An empty description named `name` (a BLAS needs at least one geometry), built for fast
    /// tracing, without update or compaction.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), geometries: Vec::new(), options: BuildOptions::default() }
    }

    /// Adds a triangle geometry (geometry index = order of addition).
    pub fn triangles(mut self, geometry: TriangleGeometry) -> Self {
        self.geometries.push(Geometry::Triangles(geometry));
        self
    }

    /// Adds a box geometry.
    pub fn aabbs(mut self, geometry: AabbGeometry) -> Self {
        self.geometries.push(Geometry::Aabbs(geometry));
        self
    }

    /// Fast trace (default) or fast build.
    pub fn prefer(mut self, preference: BuildPreference) -> Self {
        self.options.preference = preference;
        self
    }

    /// Allows refits with [`Batch::update_blas`](crate::Batch::update_blas).
    pub fn allow_update(mut self) -> Self {
        self.options.allow_update = true;
        self
    }

    /// Allows [`ResourceAllocator::compact`](crate::ResourceAllocator::compact).
    pub fn allow_compaction(mut self) -> Self {
        self.options.allow_compaction = true;
        self
    }

    /// The debug name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A top-level acceleration structure: instances of BLASes.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone)]
pub struct TlasDesc {
    pub(crate) name: String,
    pub(crate) instances: Vec<TlasInstance>,
    pub(crate) options: BuildOptions,
}

impl TlasDesc {
    /// An empty description named `name`, built for fast tracing.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), instances: Vec::new(), options: BuildOptions::default() }
    }

    /// Adds an instance (instance index = order of addition).
    pub fn instance(mut self, instance: TlasInstance) -> Self {
        self.instances.push(instance);
        self
    }

    /// Adds instances.
    pub fn instances(mut self, instances: impl IntoIterator<Item = TlasInstance>) -> Self {
        self.instances.extend(instances);
        self
    }

    /// Fast trace (default) or fast build.
    pub fn prefer(mut self, preference: BuildPreference) -> Self {
        self.options.preference = preference;
        self
    }

    /// Allows refits with [`Batch::update_tlas`](crate::Batch::update_tlas) (new transforms).
    pub fn allow_update(mut self) -> Self {
        self.options.allow_update = true;
        self
    }

    /// The debug name.
    pub fn name(&self) -> &str {
        &self.name
    }
}
