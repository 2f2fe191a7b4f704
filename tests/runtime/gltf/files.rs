//! The loader on files: every broken sample of `assimp-testmodels` is a typed error, the three
//! encodings of one model (files beside a `.gltf`, a `.glb`, data URIs) load the same data, and
//! a small file written here covers what the samples lack (strips, `u8` indices, non-indexed
//! triangles, lines left out, TRS and matrix nodes, computed normals, infinities).

use std::path::{Path, PathBuf};

use super::load::{LoadError, NO_TEXTURE, SceneData, load};
use super::model;

fn error_of(relative: &str) -> LoadError {
    match load(&model(relative)) {
        Ok(data) => panic!("{relative} loaded: {} meshes", data.meshes.len()),
        Err(e) => {
            println!("{relative}: {e}");
            e
        }
    }
}

fn gltf_error(e: &LoadError) -> &gltf::Error {
    match e {
        LoadError::Gltf { source, .. } => source,
        other => panic!("not a glTF error: {other}"),
    }
}

#[test]
fn indices_past_the_vertices_are_a_typed_error() {
    for file in ["IndexOutOfRange/IndexOutOfRange.gltf", "IndexOutOfRange/AllIndicesOutOfRange.gltf"] {
        let e = error_of(file);
        assert!(
            matches!(e, LoadError::IndexOutOfRange { mesh: 0, primitive: 0, index, vertices: 24, .. } if index >= 24),
            "{file}: {e:?}"
        );
    }
}

#[test]
fn a_missing_buffer_file_is_a_typed_error() {
    let e = error_of("MissingBin/BoxTextured.gltf");
    assert!(matches!(gltf_error(&e), gltf::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound), "{e:?}");
}

#[test]
fn schema_and_type_failures_are_typed_errors() {
    for file in [
        "SchemaFailures/sceneWrongType.gltf",
        "wrongTypes/badArray.gltf",
        "wrongTypes/badNumber.gltf",
        "wrongTypes/badObject.gltf",
        "wrongTypes/badString.gltf",
        "wrongTypes/badUint.gltf",
        "TestNoRootNode/SceneWithoutNodes.gltf",
    ] {
        let e = error_of(file);
        assert!(matches!(gltf_error(&e), gltf::Error::Deserialize(_)), "{file}: {e:?}");
    }
}

#[test]
fn files_against_the_specification_are_typed_errors() {
    // Accessors without the min/max POSITION must have (one of them with infinite values), and
    // a default scene that does not exist.
    for file in [
        "BoxWithInfinites-glTF-Binary/BoxWithInfinites.glb",
        "IncorrectVertexArrays/Cube.gltf",
        "TestNoRootNode/NoScene.gltf",
    ] {
        let e = error_of(file);
        assert!(matches!(gltf_error(&e), gltf::Error::Validation(v) if !v.is_empty()), "{file}: {e:?}");
    }
}

#[test]
fn a_node_that_is_its_own_ancestor_is_a_typed_error() {
    let e = error_of("RecursiveNodes/RecursiveNodes.gltf");
    assert!(matches!(e, LoadError::NodeCycle { node: 0, .. }), "{e:?}");
}

#[test]
fn an_unknown_optional_extension_is_ignored() {
    // `KHR_texture_transform` is used, not required, and malformed: a loader that does not read
    // it may ignore it (glTF 2.0, 3.12), and draws the box as without it.
    let data = load(&model("wrongTypes/badExtension.gltf")).expect("loads");
    let plain = load(&model("BoxTextured-glTF/BoxTextured.gltf")).expect("loads");
    assert_eq!(data.meshes[0].primitives[0].vertices, plain.meshes[0].primitives[0].vertices);
}

/// Every number of two loads, compared.
fn assert_same(a: &SceneData, b: &SceneData) {
    assert_eq!(a.meshes.len(), b.meshes.len());
    for (m, n) in a.meshes.iter().zip(&b.meshes) {
        assert_eq!(m.primitives.len(), n.primitives.len());
        for (p, q) in m.primitives.iter().zip(&n.primitives) {
            assert_eq!((&p.vertices, &p.indices, p.material), (&q.vertices, &q.indices, q.material));
        }
    }
    assert_eq!(a.instances.len(), b.instances.len());
    for (i, j) in a.instances.iter().zip(&b.instances) {
        assert_eq!((i.mesh, i.transform), (j.mesh, j.transform));
    }
    assert_eq!(a.materials, b.materials);
    assert_eq!(a.images.len(), b.images.len());
    for (i, j) in a.images.iter().zip(&b.images) {
        assert_eq!((i.width, i.height), (j.width, j.height));
        assert!(i.rgba == j.rgba, "image texels differ");
    }
}

#[test]
fn files_glb_and_data_uris_load_the_same_box() {
    let files = load(&model("BoxTextured-glTF/BoxTextured.gltf")).expect("files");
    let glb = load(&model("BoxTextured-glTF-Binary/BoxTextured.glb")).expect("glb");
    let embedded = load(&model("BoxTextured-glTF-Embedded/BoxTextured.gltf")).expect("data URIs");
    assert_same(&files, &glb);
    assert_same(&files, &embedded);
    // The box: 24 vertices, 36 u16 indices, its material textured with the Cesium logo.
    let p = &files.meshes[0].primitives[0];
    assert_eq!((p.vertices.len(), p.indices.as_ref().map(Vec::len)), (24, Some(36)));
    let material = files.materials[p.material as usize];
    assert_eq!(material.texture, 0);
    let png = image::image_dimensions(model("BoxTextured-glTF/CesiumLogoFlat.png")).expect("the PNG's header");
    assert_eq!((files.images[0].width, files.images[0].height), png);
    assert_eq!(files.materials.last().map(|m| m.texture), Some(NO_TEXTURE), "the default material");
}

#[test]
fn the_engine_has_many_meshes_and_nodes() {
    let data = load(&model("2CylinderEngine-glTF-Binary/2CylinderEngine.glb")).expect("engine");
    println!(
        "2CylinderEngine: {} meshes, {} primitives, {} triangles, {} instances, {} materials",
        data.meshes.len(),
        data.primitives(),
        data.triangles(),
        data.instances.len(),
        data.materials.len()
    );
    assert!(data.meshes.len() >= 20 && data.instances.len() > data.meshes.len() && data.triangles() > 50_000);
    for instance in &data.instances {
        assert!(instance.transform.0.as_flattened().iter().all(|v| v.is_finite()));
    }
}

/// Standard base64 with padding (the glTF files written here embed their buffers as data URIs).
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A glTF file written here, in a temporary folder removed on drop.
struct Written(PathBuf);

impl Drop for Written {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a file of three meshes: a strip of 4 vertices indexed by `u8`, a non-indexed
/// triangle, and lines; nodes: a TRS parent with a matrix child placing the strip, and a
/// root placing the triangle and the lines. `poison` replaces the strip's first x coordinate.
fn synthetic(name: &str, poison: Option<f32>) -> Written {
    let strip: [[f32; 3]; 4] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]];
    let triangle: [[f32; 3]; 3] = [[0.0, 0.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]];
    let mut bin: Vec<u8> = Vec::new();
    let mut positions = strip;
    if let Some(x) = poison {
        positions[0][0] = x;
    }
    bin.extend_from_slice(bytemuck::cast_slice(&positions)); // 0..48
    bin.extend_from_slice(bytemuck::cast_slice(&triangle)); // 48..84
    bin.extend_from_slice(&[0, 1, 2, 3]); // 84..88
    let json = format!(
        r#"{{
  "asset": {{"version": "2.0"}},
  "scene": 0,
  "scenes": [{{"nodes": [0, 2]}}],
  "nodes": [
    {{"children": [1], "translation": [1, 2, 3], "rotation": [0, 0.70710678, 0, 0.70710678], "scale": [2, 2, 2]}},
    {{"mesh": 0, "matrix": [1,0,0,0, 0,1,0,0, 0,0,1,0, 5,0,0,1]}},
    {{"mesh": 1, "children": [3]}},
    {{"mesh": 2}}
  ],
  "meshes": [
    {{"primitives": [{{"attributes": {{"POSITION": 0}}, "indices": 2, "mode": 5}}]}},
    {{"primitives": [{{"attributes": {{"POSITION": 1}}}}]}},
    {{"primitives": [{{"attributes": {{"POSITION": 1}}, "mode": 1}}]}}
  ],
  "buffers": [{{"byteLength": {len}, "uri": "data:application/octet-stream;base64,{data}"}}],
  "bufferViews": [
    {{"buffer": 0, "byteOffset": 0, "byteLength": 84}},
    {{"buffer": 0, "byteOffset": 84, "byteLength": 4}}
  ],
  "accessors": [
    {{"bufferView": 0, "byteOffset": 0, "componentType": 5126, "count": 4, "type": "VEC3", "min": [0,0,0], "max": [1,1,0]}},
    {{"bufferView": 0, "byteOffset": 48, "componentType": 5126, "count": 3, "type": "VEC3", "min": [0,0,1], "max": [1,1,1]}},
    {{"bufferView": 1, "componentType": 5121, "count": 4, "type": "SCALAR"}}
  ]
}}"#,
        len = bin.len(),
        data = base64(&bin)
    );
    let dir = std::env::temp_dir().join(format!("vkres-gltf-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    std::fs::write(dir.join("scene.gltf"), json).expect("write");
    Written(dir)
}

fn path(w: &Written) -> PathBuf {
    Path::new(&w.0).join("scene.gltf")
}

#[test]
fn strips_u8_indices_triangles_lines_and_node_transforms() {
    assert_eq!(base64(b"any carnal pleas"), "YW55IGNhcm5hbCBwbGVhcw==");
    let file = synthetic("shapes", None);
    let data = load(&path(&file)).expect("loads");
    assert_eq!(data.meshes.len(), 2, "the lines mesh is left out");
    assert_eq!(data.skipped_primitives, 1);
    let strip = &data.meshes[0].primitives[0];
    assert_eq!(strip.indices.as_deref(), Some(&[0, 1, 2, 2, 1, 3][..]), "a strip's odd triangles swap two corners");
    let triangle = &data.meshes[1].primitives[0];
    assert_eq!((triangle.indices.as_ref(), triangle.triangles()), (None, 1), "non-indexed");
    for v in strip.vertices.iter().chain(&triangle.vertices) {
        assert!((v.normal[2] - 1.0).abs() < 1e-6, "computed normals face +z: {v:?}");
    }
    assert_eq!(data.materials.len(), 1, "the default material only");
    assert!(strip.material == 0 && triangle.material == 0);
    // Instances: the strip under parent (T * R * S) and child (translate x by 5); the
    // triangle at the root; the lines' node places nothing.
    assert_eq!(data.instances.len(), 2);
    assert_eq!((data.instances[0].mesh, data.instances[1].mesh), (0, 1));
    let m = data.instances[0].transform.0;
    // A quarter turn about y sends x to -z: the child's offset (5, 0, 0), scaled by 2, ends at
    // (1, 2, 3) + (0, 0, -10); the object's x axis becomes -2z.
    let expected = [[0.0, 0.0, 2.0, 1.0], [0.0, 2.0, 0.0, 2.0], [-2.0, 0.0, 0.0, -7.0]];
    for (row, want) in m.iter().zip(expected) {
        for (got, want) in row.iter().zip(want) {
            assert!((got - want).abs() < 1e-5, "{m:?}");
        }
    }
    assert_eq!(data.instances[1].transform, vkres::Transform3x4::IDENTITY);
}

#[test]
fn infinite_and_nan_positions_are_typed_errors() {
    for (name, value) in [("inf", f32::INFINITY), ("nan", f32::NAN)] {
        let file = synthetic(name, Some(value));
        let e = load(&path(&file)).map(|_| ()).expect_err("not finite");
        assert!(matches!(&e, LoadError::NotFinite { what, .. } if what.contains("POSITION")), "{e:?}");
    }
}
