//! Hostile glTF files written here (issue 16, session 9 audit): accessors that do not fit their
//! buffer views, wrong element types, zero and huge counts, sparse accessors, image views past
//! their buffer, a node with two parents, textures past the device's limits. Each is a typed
//! `LoadError` (or a typed vkres error when the scene is made), never a panic inside the
//! `gltf` crate (which indexes, subtracts and asserts on these), an abort or a VUID.

use std::path::PathBuf;

use super::files::base64;
use super::load::{LoadError, load};

/// A file of one triangle written to a temporary folder (removed on drop): `bin` is the
/// buffer (a data URI), `views` and `accessors` the JSON arrays' items; the mesh's primitive
/// is `primitive`; `extra` more top-level members (each starting with a comma).
struct File(PathBuf);

impl Drop for File {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl File {
    fn path(&self) -> PathBuf {
        self.0.join("scene.gltf")
    }
}

/// The three corners of a triangle, then the indices 0, 1, 2 as `u16` (and 2 bytes of padding).
fn triangle_bin() -> Vec<u8> {
    let mut bin: Vec<u8> = Vec::new();
    let corners: [[f32; 3]; 3] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    bin.extend_from_slice(bytemuck::cast_slice(&corners)); // 0..36
    bin.extend_from_slice(bytemuck::cast_slice(&[0u16, 1, 2, 0])); // 36..44
    bin
}

fn write(name: &str, bin: &[u8], views: &str, accessors: &str, primitive: &str, extra: &str) -> File {
    write_nodes(name, bin, views, accessors, primitive, r#"[{"mesh": 0}]"#, "[0]", extra)
}

#[allow(clippy::too_many_arguments)]
fn write_nodes(
    name: &str,
    bin: &[u8],
    views: &str,
    accessors: &str,
    primitive: &str,
    nodes: &str,
    roots: &str,
    extra: &str,
) -> File {
    let json = format!(
        r#"{{
  "asset": {{"version": "2.0"}},
  "scene": 0,
  "scenes": [{{"nodes": {roots}}}],
  "nodes": {nodes},
  "meshes": [{{"primitives": [{primitive}]}}],
  "buffers": [{{"byteLength": {len}, "uri": "data:application/octet-stream;base64,{data}"}}],
  "bufferViews": [{views}],
  "accessors": [{accessors}]{extra}
}}"#,
        len = bin.len(),
        data = base64(bin)
    );
    let dir = std::env::temp_dir().join(format!("vkres-gltf-hostile-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    std::fs::write(dir.join("scene.gltf"), json).expect("write");
    File(dir)
}

const VIEWS: &str =
    r#"{"buffer": 0, "byteOffset": 0, "byteLength": 36}, {"buffer": 0, "byteOffset": 36, "byteLength": 6}"#;
const POSITIONS: &str =
    r#"{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3", "min": [0,0,0], "max": [1,1,0]}"#;
const INDICES: &str = r#"{"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"}"#;
const INDEXED: &str = r#"{"attributes": {"POSITION": 0}, "indices": 1}"#;

/// Loads `file`: its error, or a panic naming what loaded.
fn error(file: &File) -> LoadError {
    // A panic inside the loader (or the `gltf` crate under it) is the failure this file tests
    // for: caught, so that the test names the file.
    let path = file.path();
    match std::panic::catch_unwind(|| load(&path)) {
        Ok(Ok(data)) => {
            panic!("{} loaded: {} meshes, {} instances", path.display(), data.meshes.len(), data.instances.len())
        }
        Ok(Err(e)) => {
            println!("{e}");
            e
        }
        Err(_) => panic!("{}: the loader panicked", path.display()),
    }
}

fn bad_primitive(e: &LoadError, needle: &str) -> bool {
    matches!(e, LoadError::BadPrimitive { what, .. } if what.contains(needle))
}

#[test]
fn the_triangle_file_itself_loads() {
    let file = write("good", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {INDICES}"), INDEXED, "");
    let data = load(&file.path()).expect("loads");
    assert_eq!(data.triangles(), 1);
}

#[test]
fn an_accessor_of_zero_elements_is_a_typed_error() {
    let positions = POSITIONS.replace(r#""count": 3"#, r#""count": 0"#);
    let file = write("zero", &triangle_bin(), VIEWS, &format!("{positions}, {INDICES}"), INDEXED, "");
    let e = error(&file);
    assert!(bad_primitive(&e, "0 elements"), "{e:?}");
}

#[test]
fn an_accessor_past_its_buffer_view_is_a_typed_error() {
    let positions = POSITIONS.replace(r#""count": 3"#, r#""count": 4"#);
    let file = write("past", &triangle_bin(), VIEWS, &format!("{positions}, {INDICES}"), INDEXED, "");
    let e = error(&file);
    assert!(bad_primitive(&e, "past its buffer view"), "{e:?}");
}

#[test]
fn an_accessor_of_a_huge_count_is_a_typed_error() {
    for count in ["4294967296", "1537228672809129302", "18446744073709551615"] {
        let positions = POSITIONS.replace(r#""count": 3"#, &format!(r#""count": {count}"#));
        let file = write("huge", &triangle_bin(), VIEWS, &format!("{positions}, {INDICES}"), INDEXED, "");
        let e = error(&file);
        // Past the file's limit (checked first); a smaller count past its view: above.
        assert!(matches!(e, LoadError::TooLarge { .. }), "{count}: {e:?}");
    }
}

#[test]
fn a_buffer_view_past_its_buffer_is_a_typed_error() {
    for views in [
        r#"{"buffer": 0, "byteOffset": 0, "byteLength": 4000}, {"buffer": 0, "byteOffset": 36, "byteLength": 6}"#,
        r#"{"buffer": 0, "byteOffset": 18446744073709551615, "byteLength": 36}, {"buffer": 0, "byteOffset": 36, "byteLength": 6}"#,
    ] {
        let file = write("view", &triangle_bin(), views, &format!("{POSITIONS}, {INDICES}"), INDEXED, "");
        let e = error(&file);
        assert!(bad_primitive(&e, "past its buffer"), "{e:?}");
    }
}

#[test]
fn a_stride_shorter_than_the_element_is_a_typed_error() {
    let views = VIEWS.replacen(r#""byteLength": 36}"#, r#""byteLength": 36, "byteStride": 4}"#, 1);
    let file = write("stride", &triangle_bin(), &views, &format!("{POSITIONS}, {INDICES}"), INDEXED, "");
    let e = error(&file);
    assert!(bad_primitive(&e, "stride"), "{e:?}");
}

#[test]
fn positions_of_the_wrong_type_are_a_typed_error() {
    for (ty, component) in [("VEC2", 5126), ("VEC3", 5121), ("SCALAR", 5126), ("VEC4", 5126)] {
        let positions = POSITIONS
            .replace(r#""type": "VEC3""#, &format!(r#""type": "{ty}""#))
            .replace("5126", &component.to_string());
        let file = write("types", &triangle_bin(), VIEWS, &format!("{positions}, {INDICES}"), INDEXED, "");
        let e = error(&file);
        assert!(bad_primitive(&e, "POSITION"), "{ty} of {component}: {e:?}");
    }
}

#[test]
fn indices_and_texture_coordinates_of_the_wrong_type_are_typed_errors() {
    // Indices as floats, as vectors, as signed bytes.
    for (ty, component) in [("SCALAR", 5126), ("VEC2", 5123), ("SCALAR", 5120)] {
        let indices = INDICES
            .replace(r#""type": "SCALAR""#, &format!(r#""type": "{ty}""#))
            .replace("5123", &component.to_string());
        let file = write("indices", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {indices}"), INDEXED, "");
        let e = error(&file);
        assert!(bad_primitive(&e, "indices"), "{ty} of {component}: {e:?}");
    }
    // Texture coordinates as u32 (the `gltf` crate's reader has no case for them).
    let uvs = r#"{"bufferView": 0, "componentType": 5125, "count": 3, "type": "VEC2"}"#;
    let primitive = r#"{"attributes": {"POSITION": 0, "TEXCOORD_0": 2}, "indices": 1}"#;
    let file = write("uvs", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {INDICES}, {uvs}"), primitive, "");
    let e = error(&file);
    assert!(bad_primitive(&e, "TEXCOORD_0"), "{e:?}");
}

#[test]
fn sparse_accessors_are_read_and_checked() {
    // Positions of zeros (no buffer view) with two replaced by the sparse values: indices 1, 2
    // (u16 at 36..40), values at 0..24 (the first two corners).
    let sparse = |count: u32, indices_view: u32, component: u32| {
        format!(
            r#"{{"componentType": 5126, "count": 3, "type": "VEC3", "min": [0,0,0], "max": [1,1,0],
                "sparse": {{"count": {count}, "indices": {{"bufferView": {indices_view}, "componentType": {component}}},
                           "values": {{"bufferView": 0}}}}}}"#
        )
    };
    let file = write("sparse", &triangle_bin(), VIEWS, &format!("{}, {INDICES}", sparse(2, 1, 5123)), INDEXED, "");
    let data = load(&file.path()).expect("a sparse accessor without a buffer view loads");
    let positions: Vec<[f32; 3]> = data.meshes[0].primitives[0].vertices.iter().map(|v| v.position).collect();
    // Indices 0, 1 (the index view's first two u16) take the first two corners.
    assert_eq!(positions, [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]);

    // A sparse accessor without a buffer view is all zeros: a few bytes of file can ask for
    // 2^40 positions (12 TiB; collecting them aborts the process on the allocation).
    // Past the loader's limit of one accessor (2^24 + 1), and of the file (2^40).
    let huge = sparse(2, 1, 5123).replace(r#""count": 3"#, r#""count": 16777217"#);
    let file = write("sparse-huge", &triangle_bin(), VIEWS, &format!("{huge}, {INDICES}"), INDEXED, "");
    let e = error(&file);
    assert!(bad_primitive(&e, "16777217 elements"), "{e:?}");
    let huge = sparse(2, 1, 5123).replace(r#""count": 3"#, r#""count": 1099511627776"#);
    let file = write("sparse-huger", &triangle_bin(), VIEWS, &format!("{huge}, {INDICES}"), INDEXED, "");
    let e = error(&file);
    assert!(matches!(e, LoadError::TooLarge { .. }), "{e:?}");
    // Zero sparse values; more than the accessor's count.
    for count in [0, 4] {
        let file =
            write("sparse-bad", &triangle_bin(), VIEWS, &format!("{}, {INDICES}", sparse(count, 1, 5123)), INDEXED, "");
        let e = error(&file);
        assert!(bad_primitive(&e, "sparse count"), "count {count}: {e:?}");
    }
    // Sparse indices of floats: refused by the `gltf` crate's validation.
    let file =
        write("sparse-float", &triangle_bin(), VIEWS, &format!("{}, {INDICES}", sparse(2, 1, 5126)), INDEXED, "");
    let e = error(&file);
    assert!(matches!(&e, LoadError::Gltf { source: gltf::Error::Validation(_), .. }), "{e:?}");
    // Sparse indices that do not increase: the positions' first bytes as u16 (0, 0).
    let views = format!(
        r#"{VIEWS}, {{"buffer": 0, "byteOffset": 0, "byteLength": 4}}, {{"buffer": 0, "byteOffset": 38, "byteLength": 4}}"#
    );
    let file =
        write("sparse-order", &triangle_bin(), &views, &format!("{}, {INDICES}", sparse(2, 2, 5123)), INDEXED, "");
    let e = error(&file);
    assert!(bad_primitive(&e, "increase"), "{e:?}");
    // Sparse indices 1, 2 (the index view's last two) of a two-element accessor: 2 is past it.
    let two = sparse(2, 3, 5123).replace(r#""count": 3"#, r#""count": 2"#);
    let file = write("sparse-past", &triangle_bin(), &views, &format!("{two}, {INDICES}"), INDEXED, "");
    let e = error(&file);
    assert!(bad_primitive(&e, "sparse index 2"), "{e:?}");
    // Sparse values past their view: three values read from the 6-byte index view.
    let values = sparse(2, 1, 5123).replace(r#""values": {"bufferView": 0}"#, r#""values": {"bufferView": 1}"#);
    let file = write("sparse-values", &triangle_bin(), VIEWS, &format!("{values}, {INDICES}"), INDEXED, "");
    let e = error(&file);
    assert!(bad_primitive(&e, "sparse values"), "{e:?}");
}

#[test]
fn an_image_in_a_view_past_its_buffer_is_a_typed_error() {
    let views = format!(r#"{VIEWS}, {{"buffer": 0, "byteOffset": 40, "byteLength": 100}}"#);
    let extra = r#", "images": [{"bufferView": 2, "mimeType": "image/png"}]"#;
    let file = write("image-view", &triangle_bin(), &views, &format!("{POSITIONS}, {INDICES}"), INDEXED, extra);
    let e = error(&file);
    assert!(matches!(&e, LoadError::BadImage { image: 0, .. }), "{e:?}");
}

#[test]
fn a_png_too_large_to_decode_or_of_no_texels_is_a_typed_error() {
    // A PNG header claiming 65536x65536 RGBA8 (16 GiB of texels), or 0x0, and one empty IDAT.
    for (width, height) in [(65536u32, 65536u32), (0, 0)] {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let chunk = |png: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut crc_input = kind.to_vec();
            crc_input.extend_from_slice(data);
            png.extend_from_slice(&crc_input);
            png.extend_from_slice(&crc32(&crc_input).to_be_bytes());
        };
        let mut header = Vec::new();
        header.extend_from_slice(&width.to_be_bytes());
        header.extend_from_slice(&height.to_be_bytes());
        header.extend_from_slice(&[8, 6, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &header);
        chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        chunk(&mut png, b"IEND", &[]);
        let extra = format!(r#", "images": [{{"uri": "data:image/png;base64,{}"}}]"#, base64(&png));
        let file = write("png", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {INDICES}"), INDEXED, &extra);
        let e = error(&file);
        assert!(matches!(&e, LoadError::Gltf { source: gltf::Error::Image(_), .. }), "{width}x{height}: {e:?}");
    }
}

/// CRC-32 of PNG chunks (ISO 3309).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_node_with_two_parents_is_a_typed_error() {
    // A chain of 64 "diamonds": node 2k has children 2k+1 and 2k+2, node 2k+1 child 2k+2; placed
    // as a tree, node 128 would be reached 2^64 times (a hang, then memory).
    let mut nodes = Vec::new();
    for k in 0..64 {
        nodes.push(format!(r#"{{"children": [{}, {}]}}"#, 2 * k + 1, 2 * k + 2));
        nodes.push(format!(r#"{{"children": [{}]}}"#, 2 * k + 2));
    }
    nodes.push(r#"{"mesh": 0}"#.to_string());
    let nodes = format!("[{}]", nodes.join(", "));
    let file =
        write_nodes("diamond", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {INDICES}"), INDEXED, &nodes, "[0]", "");
    let e = error(&file);
    assert!(matches!(e, LoadError::NodeParents { node: 2, .. }), "{e:?}");
    // A child listed twice by one parent.
    let nodes = r#"[{"children": [1, 1]}, {"mesh": 0}]"#;
    let file =
        write_nodes("twice", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {INDICES}"), INDEXED, nodes, "[0]", "");
    let e = error(&file);
    assert!(matches!(e, LoadError::NodeParents { node: 1, .. }), "{e:?}");
}

#[test]
fn a_node_placed_twice_is_a_typed_error() {
    // A chain of 5 000 nodes, each with one parent, every one also listed as a scene root:
    // placed from each root, 12.5 million instances (review12 finding 2).
    let n = 5_000;
    let nodes: Vec<String> = (0..n)
        .map(|k| if k + 1 < n { format!(r#"{{"mesh": 0, "children": [{}]}}"#, k + 1) } else { r#"{"mesh": 0}"#.into() })
        .collect();
    let roots: Vec<String> = (0..n).map(|k| k.to_string()).collect();
    let (nodes, roots) = (format!("[{}]", nodes.join(", ")), format!("[{}]", roots.join(", ")));
    let accessors = format!("{POSITIONS}, {INDICES}");
    let file = write_nodes("roots-chain", &triangle_bin(), VIEWS, &accessors, INDEXED, &nodes, &roots, "");
    let e = error(&file);
    assert!(matches!(e, LoadError::NodePlacedTwice { node: 1, .. }), "{e:?}");
    // A root listed twice.
    let file = write_nodes("root-twice", &triangle_bin(), VIEWS, &accessors, INDEXED, r#"[{"mesh": 0}]"#, "[0, 0]", "");
    let e = error(&file);
    assert!(matches!(e, LoadError::NodePlacedTwice { node: 0, .. }), "{e:?}");
}

#[test]
fn an_external_file_larger_than_its_buffer_or_a_sign_in_an_escape_is_a_typed_error() {
    // review12 finding 3. The file is read whole by the crate before its length is compared:
    // one larger than `byteLength` + 3 is refused before (a sparse file of 1 MiB here; of 1 TiB
    // it aborted on allocation failure). `%+A` is no escape (the crate keeps it as written): a
    // folder named `a%+Ab` is checked as itself (`from_str_radix` read `+A` as `\n`, and the
    // check looked at a missing `a\nb`).
    let dir = std::env::temp_dir().join(format!("vkres-gltf-hostile-size-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("a%+Ab")).expect("temporary folder");
    let big = std::fs::File::create(dir.join("big.bin")).expect("create");
    big.set_len(1 << 20).expect("sparse file");
    let file = File(dir.clone());
    for (uri, needle) in [("big.bin", "bytes"), ("a%+Ab", "regular file")] {
        let json = format!(
            r#"{{"asset": {{"version": "2.0"}}, "buffers": [{{"byteLength": 44, "uri": "{uri}"}}],
                "scenes": [{{"nodes": []}}]}}"#
        );
        std::fs::write(dir.join("scene.gltf"), json).expect("write");
        let e = error(&file);
        assert!(matches!(&e, LoadError::BadReference { what, .. } if what.contains(needle)), "{uri}: {e:?}");
    }
    // 47 bytes (44 and the padding) are accepted by the check: the crate reads the file.
    big.set_len(47).expect("truncate");
    let json = r#"{"asset": {"version": "2.0"}, "buffers": [{"byteLength": 44, "uri": "big.bin"}],
                "scenes": [{"nodes": []}]}"#;
    std::fs::write(dir.join("scene.gltf"), json).expect("write");
    let e = error(&file);
    assert!(!matches!(&e, LoadError::BadReference { .. }), "{e:?}");
}

#[test]
fn a_uri_that_does_not_decode_or_names_no_regular_file_is_a_typed_error() {
    // A buffer named by a URI whose escape is no UTF-8 (the `gltf` crate unwrapped the decoding:
    // a panic), a device read to its end (forever), a folder.
    for uri in ["%FF.bin", "file:///dev/zero", "file:/dev/zero", "."] {
        let json = format!(
            r#"{{"asset": {{"version": "2.0"}}, "buffers": [{{"byteLength": 4, "uri": "{uri}"}}],
                "scenes": [{{"nodes": []}}]}}"#
        );
        let dir = std::env::temp_dir().join(format!("vkres-gltf-hostile-uri-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary folder");
        std::fs::write(dir.join("scene.gltf"), json).expect("write");
        let file = File(dir);
        let e = error(&file);
        assert!(matches!(&e, LoadError::BadReference { what, .. } if what.contains("URI")), "{uri}: {e:?}");
    }
    // An image the same way.
    let extra = r#", "images": [{"uri": "%FE%FF.png"}]"#;
    let file = write("image-uri", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {INDICES}"), INDEXED, extra);
    let e = error(&file);
    assert!(matches!(&e, LoadError::BadReference { .. }), "{e:?}");
}

#[test]
fn a_short_bin_a_bad_png_and_a_ktx2_image_are_typed_errors() {
    // A buffer file shorter than its byteLength.
    let dir = std::env::temp_dir().join(format!("vkres-gltf-hostile-short-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    std::fs::write(dir.join("scene.bin"), [0u8; 8]).expect("write");
    let json = r#"{"asset": {"version": "2.0"}, "buffers": [{"byteLength": 44, "uri": "scene.bin"}], "scenes": [{"nodes": []}]}"#;
    std::fs::write(dir.join("scene.gltf"), json).expect("write");
    let file = File(dir);
    let e = error(&file);
    assert!(matches!(&e, LoadError::Gltf { source: gltf::Error::BufferLength { expected: 44, .. }, .. }), "{e:?}");
    // A PNG cut after its signature.
    let extra = r#", "images": [{"uri": "data:image/png;base64,iVBORw0KGgo="}]"#;
    let file = write("bad-png", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {INDICES}"), INDEXED, extra);
    let e = error(&file);
    assert!(matches!(&e, LoadError::Gltf { source: gltf::Error::Image(_), .. }), "{e:?}");
    // A KTX2 image (of 3x5 texels, not a power of two: the header is all it takes) in a view.
    let mut bin = triangle_bin();
    bin.extend_from_slice(b"\xABKTX 20\xBB\r\n\x1A\n");
    let views = format!(r#"{VIEWS}, {{"buffer": 0, "byteOffset": 44, "byteLength": 12}}"#);
    let extra = r#", "images": [{"bufferView": 2, "mimeType": "image/ktx2"}]"#;
    let file = write("ktx2", &bin, &views, &format!("{POSITIONS}, {INDICES}"), INDEXED, extra);
    let e = error(&file);
    assert!(matches!(&e, LoadError::Gltf { source: gltf::Error::UnsupportedImageEncoding, .. }), "{e:?}");
}

#[test]
fn a_scene_too_large_for_f32_is_a_typed_error() {
    // Each transform and position finite; the placed triangle (scaled by 10^30, its corners at
    // 10^30 * 10^9) or the scene (two triangles at +-3*10^38) is not.
    let far = r#"[{"mesh": 0, "translation": [3e38, 0, 0]}, {"mesh": 0, "translation": [-3e38, 0, 0]}]"#;
    let file =
        write_nodes("far", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {INDICES}"), INDEXED, far, "[0, 1]", "");
    let e = error(&file);
    assert!(matches!(&e, LoadError::NotFinite { what, .. } if what.contains("extent")), "{e:?}");
    let mut bin = triangle_bin();
    for (i, v) in [0.0f32, 0.0, 0.0, 1e9, 0.0, 0.0, 0.0, 1e9, 0.0].into_iter().enumerate() {
        bin[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
    }
    let huge = r#"[{"mesh": 0, "scale": [1e30, 1e30, 1e30]}]"#;
    let positions = POSITIONS.replace(r#""max": [1,1,0]"#, r#""max": [1e9,1e9,0]"#);
    let file = write_nodes("huge", &bin, VIEWS, &format!("{positions}, {INDICES}"), INDEXED, huge, "[0]", "");
    let e = error(&file);
    assert!(matches!(&e, LoadError::NotFinite { what, .. } if what.contains("instance 0")), "{e:?}");
}

/// A PNG of `width` x `height` RGBA8 texels, encoded by the `image` crate.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbaImage::new(width, height).write_to(&mut out, image::ImageFormat::Png).expect("encode");
    out.into_inner()
}

#[test]
fn a_texture_past_the_devices_image_limits_is_a_typed_error_when_the_scene_is_made() {
    use super::scene::{GltfScene, SceneInputs};
    let Some(gpu) = crate::support::Gpu::with_accel().filter(|g| g.ctx().capabilities().enabled.descriptor_indexing)
    else {
        return;
    };
    // One texel wider than maxImageDimension2D: a small PNG, decoded fine, no image can hold it.
    let width = gpu.ctx().capabilities().limits.max_image_dimension2_d + 1;
    let extra = format!(
        r#", "images": [{{"uri": "data:image/png;base64,{}"}}], "textures": [{{"source": 0}}],
            "materials": [{{"pbrMetallicRoughness": {{"baseColorTexture": {{"index": 0}}}}}}]"#,
        base64(&png(width, 1))
    );
    let primitive = r#"{"attributes": {"POSITION": 0}, "indices": 1, "material": 0}"#;
    let file = write("wide", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {INDICES}"), primitive, &extra);
    let data = load(&file.path()).expect("the file itself is valid");
    assert_eq!(data.images[0].width, width);
    let inputs = SceneInputs::new(&data, 8, 8).expect("one texture");
    let e = GltfScene::create(gpu.alloc(), inputs.inputs()).map(drop).expect_err("too wide");
    println!("{e}");
    assert!(
        matches!(&e, vkres::Error::LimitExceeded { what, requested, .. } if *what == "width" && *requested == u64::from(width)),
        "{e:?}"
    );
}

#[test]
fn a_glb_whose_lengths_lie_is_a_typed_error() {
    let json = br#"{"asset":{"version":"2.0"}}  "#; // 28 bytes: padded to 4
    // (total length, JSON chunk length, BIN chunk length): past the file, past u32, zero.
    for (total, json_len, bin_len) in
        [(u32::MAX, 28, 4), (64, u32::MAX, 4), (64, 28, u32::MAX), (64, 0, 0), (12, 28, 4)]
    {
        let mut glb = b"glTF".to_vec();
        glb.extend_from_slice(&2u32.to_le_bytes());
        glb.extend_from_slice(&total.to_le_bytes());
        glb.extend_from_slice(&json_len.to_le_bytes());
        glb.extend_from_slice(b"JSON");
        glb.extend_from_slice(json);
        glb.extend_from_slice(&bin_len.to_le_bytes());
        glb.extend_from_slice(b"BIN\0");
        glb.extend_from_slice(&[0; 4]);
        let dir = std::env::temp_dir().join(format!("vkres-gltf-hostile-glb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary folder");
        let path = dir.join("scene.glb");
        std::fs::write(&path, &glb).expect("write");
        let _cleanup = File(dir);
        let result = std::panic::catch_unwind(|| load(&path));
        match result {
            Ok(Err(LoadError::Gltf { .. })) => {}
            Ok(other) => panic!("({total}, {json_len}, {bin_len}): {:?}", other.map(|_| ())),
            Err(_) => panic!("({total}, {json_len}, {bin_len}): the loader panicked"),
        }
    }
}

#[test]
fn a_deep_node_chain_loads() {
    // 200 000 nodes, each the only child of the one before: a strict tree, but placing it by
    // recursion took a stack frame per level (the stack overflowed: an abort).
    const DEPTH: usize = 200_000;
    let mut nodes: Vec<String> = (1..DEPTH).map(|k| format!(r#"{{"children": [{k}]}}"#)).collect();
    nodes.push(r#"{"mesh": 0}"#.to_string());
    let nodes = format!("[{}]", nodes.join(", "));
    let file =
        write_nodes("deep", &triangle_bin(), VIEWS, &format!("{POSITIONS}, {INDICES}"), INDEXED, &nodes, "[0]", "");
    let start = std::time::Instant::now();
    let path = file.path();
    let data = std::panic::catch_unwind(|| load(&path)).expect("no panic").expect("loads");
    assert_eq!(data.instances.len(), 1, "the last node's mesh");
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
}

#[test]
fn many_primitives_sharing_a_large_accessor_are_a_typed_error() {
    // One sparse accessor of 2^24 zero positions (a few bytes of file), read by 8 primitives:
    // 2^27 elements, each primitive's about 1 GiB once built. Refused before anything is read.
    let big = r#"{"componentType": 5126, "count": 16777216, "type": "VEC3", "min": [0,0,0], "max": [1,1,0],
        "sparse": {"count": 2, "indices": {"bufferView": 1, "componentType": 5123}, "values": {"bufferView": 0}}}"#;
    let primitives = [r#"{"attributes": {"POSITION": 0}}"#; 8].join(", ");
    let file = write("shared", &triangle_bin(), VIEWS, &format!("{big}, {INDICES}"), &primitives, "");
    let e = error(&file);
    assert!(matches!(e, LoadError::TooLarge { elements: 134_217_728, .. }), "{e:?}");
}
