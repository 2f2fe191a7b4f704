//! One instance of a BLAS in a TLAS: [`InstanceOf`], generic over how the BLAS is named — a
//! [`Blas`] handle in a [`TlasInstance`], an index into a derived `blases` collection in a
//! [`BlasInstance`](crate::BlasInstance).

use ash::vk;

use super::geometry::Transform3x4;
use super::handles::Blas;

/// One instance of a BLAS in a TLAS: the BLAS it places (`B`) and its placement. The custom
/// index and SBT offset are checked (24 bits) when the TLAS build is recorded.
///
/// `Send + Sync` where `B` is: plain data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InstanceOf<B> {
    /// The BLAS placed: a [`Blas`] in a [`TlasInstance`], an index into the `blases`
    /// collection in a [`BlasInstance`](crate::BlasInstance).
    pub blas: B,
    /// Object-to-world transform.
    pub transform: Transform3x4,
    /// What shaders read as the instance custom index (24 bits).
    pub custom_index: u32,
    /// Visibility mask, ANDed with a ray's cull mask.
    pub mask: u8,
    /// Shader-binding-table record offset (24 bits).
    pub sbt_offset: u32,
    /// Instance flags (culling, opacity overrides).
    pub flags: vk::GeometryInstanceFlagsKHR,
}

/// One instance of a [`Blas`] in a TLAS.
pub type TlasInstance = InstanceOf<Blas>;

impl TlasInstance {
    /// `blas` untransformed, custom index 0, mask `0xFF`, SBT offset 0, no flags.
    #[inline]
    pub fn new(blas: &Blas) -> Self {
        InstanceOf::placing(blas.clone())
    }
}

/// One instance of a borrowed [`Blas`]: what
/// [`Recorder::refit_tlas`](crate::Recorder::refit_tlas) takes, so that a per-frame refit clones
/// no handle per instance.
pub type TlasInstanceRef<'b> = InstanceOf<&'b Blas>;

impl<'b> TlasInstanceRef<'b> {
    /// `blas` untransformed, custom index 0, mask `0xFF`, SBT offset 0, no flags.
    #[inline]
    pub fn new(blas: &'b Blas) -> Self {
        InstanceOf::placing(blas)
    }
}

impl<B> InstanceOf<B> {
    /// `blas` untransformed, custom index 0, mask `0xFF`, SBT offset 0, no flags.
    pub(crate) fn placing(blas: B) -> Self {
        Self {
            blas,
            transform: Transform3x4::IDENTITY,
            custom_index: 0,
            mask: 0xFF,
            sbt_offset: 0,
            flags: vk::GeometryInstanceFlagsKHR::empty(),
        }
    }

    /// The same placement of another BLAS.
    pub(crate) fn with_blas<C>(&self, blas: C) -> InstanceOf<C> {
        InstanceOf {
            blas,
            transform: self.transform,
            custom_index: self.custom_index,
            mask: self.mask,
            sbt_offset: self.sbt_offset,
            flags: self.flags,
        }
    }

    /// Object-to-world transform.
    pub fn transform(mut self, transform: Transform3x4) -> Self {
        self.transform = transform;
        self
    }

    /// What shaders read as the instance custom index (24 bits).
    pub fn custom_index(mut self, index: u32) -> Self {
        self.custom_index = index;
        self
    }

    /// Visibility mask, ANDed with a ray's cull mask.
    pub fn mask(mut self, mask: u8) -> Self {
        self.mask = mask;
        self
    }

    /// Shader-binding-table record offset (24 bits).
    pub fn sbt_offset(mut self, offset: u32) -> Self {
        self.sbt_offset = offset;
        self
    }

    /// Instance flags (culling, opacity overrides).
    pub fn flags(mut self, flags: vk::GeometryInstanceFlagsKHR) -> Self {
        self.flags = flags;
        self
    }
}
