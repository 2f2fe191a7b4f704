//! The `mint` feature (on for this suite through the root package's dev-dependency): vkres's
//! vector and matrix types from and to mint's, as a program with glam, nalgebra or cgmath
//! converts them.

use vkres::manager::MaterialParam;
use vkres::{Aabb, Transform3x4};

/// A column-major affine 4x4 matrix, as `glam::Mat4::from_cols` lays it out: a rotation of 90
/// degrees about z, then a translation by (10, 20, 30).
fn rotate_then_translate() -> mint::ColumnMatrix4<f32> {
    mint::ColumnMatrix4::from([
        [0.0, 1.0, 0.0, 0.0],    // x axis goes to +y
        [-1.0, 0.0, 0.0, 0.0],   // y axis goes to -x
        [0.0, 0.0, 1.0, 0.0],    // z stays
        [10.0, 20.0, 30.0, 1.0], // translation
    ])
}

#[test]
fn transforms_convert_from_and_to_mint_matrices() {
    let t = Transform3x4::from(rotate_then_translate());
    assert_eq!(t.apply([1.0, 0.0, 0.0]), [10.0, 21.0, 30.0]);
    assert_eq!(t.apply([0.0, 1.0, 0.0]), [9.0, 20.0, 30.0]);
    assert_eq!(t.0, [[0.0, -1.0, 0.0, 10.0], [1.0, 0.0, 0.0, 20.0], [0.0, 0.0, 1.0, 30.0]]);
    // Back to 4x4 with the affine row, and through the 3x4 forms, unchanged.
    assert_eq!(mint::ColumnMatrix4::from(t), rotate_then_translate());
    let rows = mint::RowMatrix3x4::from(t);
    assert_eq!(rows.y, mint::Vector4 { x: 1.0, y: 0.0, z: 0.0, w: 20.0 });
    assert_eq!(Transform3x4::from(rows), t);
    let columns = mint::ColumnMatrix3x4::from(t);
    assert_eq!(columns.w, mint::Vector3 { x: 10.0, y: 20.0, z: 30.0 }, "the last column is the translation");
    assert_eq!(Transform3x4::from(columns), t);
    // A translation from a mint vector.
    let v = mint::Vector3 { x: 1.0, y: 2.0, z: 3.0 };
    assert_eq!(Transform3x4::translation(v.into()).apply([0.0; 3]), [1.0, 2.0, 3.0]);
}

#[test]
fn boxes_and_material_parameters_convert_from_mint() {
    let (min, max) = (mint::Vector3 { x: -1.0, y: -2.0, z: -3.0 }, mint::Vector3 { x: 1.0, y: 2.0, z: 3.0 });
    let aabb = Aabb::from((min, max));
    assert_eq!((aabb.min, aabb.max), ([-1.0, -2.0, -3.0], [1.0, 2.0, 3.0]));
    assert_eq!(<(mint::Vector3<f32>, mint::Vector3<f32>)>::from(aabb), (min, max));

    assert_eq!(MaterialParam::from(mint::Vector2 { x: 1.0, y: 2.0 }), MaterialParam::Vec2([1.0, 2.0]));
    assert_eq!(MaterialParam::from(min), MaterialParam::Vec3([-1.0, -2.0, -3.0]));
    assert_eq!(
        MaterialParam::from(mint::Vector4 { x: 1.0, y: 2.0, z: 3.0, w: 4.0 }),
        MaterialParam::Vec4([1.0, 2.0, 3.0, 4.0])
    );
    let m3 = mint::ColumnMatrix3::from([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]);
    assert_eq!(MaterialParam::from(m3), MaterialParam::Mat3([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]));
    match MaterialParam::from(rotate_then_translate()) {
        MaterialParam::Mat4(columns) => assert_eq!(columns[3], [10.0, 20.0, 30.0, 1.0], "columns stay columns"),
        other => panic!("not a mat4: {other:?}"),
    }
}
