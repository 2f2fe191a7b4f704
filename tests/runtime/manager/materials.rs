//! Materials: std140 layout, read back from the device byte for byte, updates that upload
//! only the changed bytes, typed errors for unknown names and wrong types.

use vkres::ResourceType;
use vkres::manager::Error;
use vkres::manager::{MaterialDescriptor, MaterialParam, ResourceManager};

use super::shaders::bindless_sum;
use crate::support::Gpu;

/// The std140 bytes of the test material, written out by hand from the rules (not from the
/// library's layout): offset and value of every 4-byte word that is not zero.
fn expected(words: &[(usize, [u8; 4])]) -> Vec<u8> {
    let mut bytes = vec![0u8; 192];
    for (offset, word) in words {
        bytes[*offset..offset + 4].copy_from_slice(word);
    }
    bytes
}

fn f(v: f32) -> [u8; 4] {
    v.to_le_bytes()
}

/// The initial values of the test material at their std140 offsets:
/// `vec3 albedo` at 0, `float roughness` at 12 (in the vec3's last word), `vec2 uv_scale` at
/// 16, `vec4 tint` at 32, `mat3 normal` at 48 (three columns of 16 bytes), `int layer` at 96,
/// `mat4 model` at 112, `uint flags` at 176; 180 bytes, rounded up to 192.
fn initial_words() -> Vec<(usize, [u8; 4])> {
    let mut w = vec![
        (0, f(0.2)),
        (4, f(0.3)),
        (8, f(0.4)),
        (12, f(0.9)),
        (16, f(2.0)),
        (20, f(3.0)),
        (32, f(0.1)),
        (36, f(0.2)),
        (40, f(0.3)),
        (44, f(1.0)),
    ];
    for c in 0..3 {
        for r in 0..3 {
            w.push((48 + c * 16 + r * 4, f((c * 3 + r + 1) as f32)));
        }
    }
    w.push((96, (-3i32).to_le_bytes()));
    for c in 0..4 {
        for r in 0..4 {
            w.push((112 + c * 16 + r * 4, f((10 + c * 4 + r) as f32)));
        }
    }
    w.push((176, 0xdead_beefu32.to_le_bytes()));
    w
}

fn parameters() -> Vec<(String, MaterialParam)> {
    let mat3 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]];
    let mut mat4 = [[0.0f32; 4]; 4];
    for (c, col) in mat4.iter_mut().enumerate() {
        for (r, v) in col.iter_mut().enumerate() {
            *v = (10 + c * 4 + r) as f32;
        }
    }
    vec![
        ("albedo".into(), MaterialParam::Vec3([0.2, 0.3, 0.4])),
        ("roughness".into(), MaterialParam::Float(0.9)),
        ("uv_scale".into(), MaterialParam::Vec2([2.0, 3.0])),
        ("tint".into(), MaterialParam::Vec4([0.1, 0.2, 0.3, 1.0])),
        ("normal".into(), MaterialParam::Mat3(mat3)),
        ("layer".into(), MaterialParam::Int(-3)),
        ("model".into(), MaterialParam::Mat4(mat4)),
        ("flags".into(), MaterialParam::UInt(0xdead_beef)),
    ]
}

#[test]
fn material_updates_are_read_back_from_the_device() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let shader = manager.create_shader(&bindless_sum()).expect("shader");
    let handle = manager
        .create_material(&MaterialDescriptor { name: "Metal".into(), shader_handle: shader, parameters: parameters() })
        .expect("material");
    assert_eq!(manager.get_resource_type(handle), Some(ResourceType::Material));
    let material = manager.get_material(handle).expect("material");
    assert_eq!(material.shader_handle(), shader);
    let offsets: Vec<_> = material.layout().fields.iter().map(|f| (f.name.as_str(), f.offset, f.size)).collect();
    assert_eq!(
        offsets,
        [
            ("albedo", 0, 12),
            ("roughness", 12, 4),
            ("uv_scale", 16, 8),
            ("tint", 32, 16),
            ("normal", 48, 48),
            ("layer", 96, 4),
            ("model", 112, 64),
            ("flags", 176, 4)
        ]
    );
    assert_eq!(material.layout().size, 192);
    let mut words = initial_words();
    assert_eq!(gpu.read_back(material.buffer()), expected(&words), "initial values, std140");

    // The seed document's update: albedo and roughness, 16 contiguous changed bytes, one copy.
    let before = gpu.ctx().submission_count();
    let written = manager
        .update_material(
            handle,
            &[("albedo", MaterialParam::Vec3([1.0, 0.0, 0.0])), ("roughness", MaterialParam::Float(0.5))],
        )
        .expect("update");
    assert_eq!(written, 16);
    assert_eq!(gpu.ctx().submission_count() - before, 1);
    words.extend([(0, f(1.0)), (4, f(0.0)), (8, f(0.0)), (12, f(0.5))]);
    words.retain(|(o, _)| ![4, 8].contains(o)); // those words are zero now
    assert_eq!(gpu.read_back(material.buffer()), expected(&words), "after the update");

    // Only what changed is written: the same values again write nothing and submit nothing.
    let before = gpu.ctx().submission_count();
    let same = [("albedo", MaterialParam::Vec3([1.0, 0.0, 0.0])), ("roughness", MaterialParam::Float(0.5))];
    assert_eq!(manager.update_material(handle, &same).expect("update"), 0);
    assert_eq!(gpu.ctx().submission_count(), before);
    // One element of a mat3 and one of a mat4: two words in two places.
    let mut mat3 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]];
    mat3[2][1] = 80.0;
    let MaterialParam::Mat4(mut mat4) = parameters()[6].1 else { unreachable!() };
    mat4[3][3] = -1.0;
    let written = manager
        .update_material(handle, &[("normal", MaterialParam::Mat3(mat3)), ("model", MaterialParam::Mat4(mat4))])
        .expect("update");
    assert_eq!(written, 8);
    words.retain(|(o, _)| ![48 + 2 * 16 + 4, 112 + 3 * 16 + 12].contains(o));
    words.extend([(48 + 2 * 16 + 4, f(80.0)), (112 + 3 * 16 + 12, f(-1.0))]);
    assert_eq!(gpu.read_back(material.buffer()), expected(&words), "after the matrix update");

    // Unknown names and wrong types are typed errors, and change nothing, not even the
    // valid parameters of the same call.
    let before = gpu.ctx().submission_count();
    match manager.update_material(handle, &[("layer", MaterialParam::Int(1)), ("albdo", MaterialParam::Vec3([0.0; 3]))])
    {
        Err(Error::UnknownMaterialParameter { material, parameter }) => {
            assert_eq!((material.as_str(), parameter.as_str()), ("Metal", "albdo"))
        }
        other => panic!("expected UnknownMaterialParameter, got {other:?}"),
    }
    match manager.update_material(handle, &[("roughness", MaterialParam::Vec2([0.5, 0.5]))]) {
        Err(Error::MaterialParameterType { expected: "float", given: "vec2", .. }) => {}
        other => panic!("expected MaterialParameterType, got {other:?}"),
    }
    assert!(matches!(
        manager.update_material(handle, &[("layer", MaterialParam::UInt(1))]),
        Err(Error::MaterialParameterType { expected: "int", given: "uint", .. })
    ));
    assert_eq!(gpu.ctx().submission_count(), before);
    assert_eq!(gpu.read_back(material.buffer()), expected(&words), "unchanged by failed updates");
    assert_eq!(material.contents(), expected(&words));

    // Duplicate parameter names are refused; a material handle is not a buffer.
    let twice = vec![("a".into(), MaterialParam::Float(1.0)), ("a".into(), MaterialParam::Float(2.0))];
    let desc = MaterialDescriptor { name: "Twice".into(), shader_handle: shader, parameters: twice };
    assert!(matches!(manager.create_material(&desc), Err(Error::DuplicateMaterialParameter { .. })));
    assert!(manager.get_buffer(handle).is_none());
    assert!(matches!(manager.update_material(shader, &same), Err(Error::WrongResourceKind { .. })));
    drop(material);
}
