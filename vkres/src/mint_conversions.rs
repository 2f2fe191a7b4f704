//! Conversions to and from [`mint`]'s vector and matrix types (feature `mint`), which glam,
//! nalgebra, cgmath and ultraviolet convert to and from: `glam::Mat4` into a
//! [`Transform3x4`] is `Transform3x4::from(mint::ColumnMatrix4::from(m))`.

use crate::accel::{Aabb, Transform3x4};
use crate::manager::MaterialParam;

/// The rows as they are: `Transform3x4` is row-major, 3 rows of `[x, y, z, translation]`.
impl From<mint::RowMatrix3x4<f32>> for Transform3x4 {
    fn from(m: mint::RowMatrix3x4<f32>) -> Self {
        Self(m.into())
    }
}

impl From<Transform3x4> for mint::RowMatrix3x4<f32> {
    fn from(t: Transform3x4) -> Self {
        t.0.into()
    }
}

/// Four columns of three: the last is the translation.
impl From<mint::ColumnMatrix3x4<f32>> for Transform3x4 {
    fn from(m: mint::ColumnMatrix3x4<f32>) -> Self {
        mint::RowMatrix3x4::from(m).into()
    }
}

impl From<Transform3x4> for mint::ColumnMatrix3x4<f32> {
    fn from(t: Transform3x4) -> Self {
        mint::RowMatrix3x4::from(t).into()
    }
}

/// The upper three rows of an affine 4x4 matrix (glam's `Mat4`, nalgebra's `Matrix4`, cgmath's
/// `Matrix4`, all column-major); its last row, `[0, 0, 0, 1]` for an affine transform, is
/// dropped (acceleration structures take no projective part).
impl From<mint::ColumnMatrix4<f32>> for Transform3x4 {
    fn from(m: mint::ColumnMatrix4<f32>) -> Self {
        let rows: [[f32; 4]; 4] = mint::RowMatrix4::from(m).into();
        Self([rows[0], rows[1], rows[2]])
    }
}

/// The affine 4x4 matrix: the three rows and `[0, 0, 0, 1]`.
impl From<Transform3x4> for mint::ColumnMatrix4<f32> {
    fn from(t: Transform3x4) -> Self {
        let [a, b, c] = t.0;
        mint::RowMatrix4::from([a, b, c, [0.0, 0.0, 0.0, 1.0]]).into()
    }
}

/// `(min, max)`.
impl From<(mint::Vector3<f32>, mint::Vector3<f32>)> for Aabb {
    fn from((min, max): (mint::Vector3<f32>, mint::Vector3<f32>)) -> Self {
        Self { min: min.into(), max: max.into() }
    }
}

/// `(min, max)`.
impl From<Aabb> for (mint::Vector3<f32>, mint::Vector3<f32>) {
    fn from(aabb: Aabb) -> Self {
        (aabb.min.into(), aabb.max.into())
    }
}

/// A `vec2`.
impl From<mint::Vector2<f32>> for MaterialParam {
    fn from(v: mint::Vector2<f32>) -> Self {
        Self::Vec2(v.into())
    }
}

/// A `vec3`.
impl From<mint::Vector3<f32>> for MaterialParam {
    fn from(v: mint::Vector3<f32>) -> Self {
        Self::Vec3(v.into())
    }
}

/// A `vec4`.
impl From<mint::Vector4<f32>> for MaterialParam {
    fn from(v: mint::Vector4<f32>) -> Self {
        Self::Vec4(v.into())
    }
}

/// A `mat3`, column-major as GLSL stores it.
impl From<mint::ColumnMatrix3<f32>> for MaterialParam {
    fn from(m: mint::ColumnMatrix3<f32>) -> Self {
        Self::Mat3(m.into())
    }
}

/// A `mat4`, column-major as GLSL stores it.
impl From<mint::ColumnMatrix4<f32>> for MaterialParam {
    fn from(m: mint::ColumnMatrix4<f32>) -> Self {
        Self::Mat4(m.into())
    }
}
