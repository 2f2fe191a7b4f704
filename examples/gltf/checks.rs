//! What the loader checks in a file before the `gltf` crate reads its binary data: the `gltf`
//! crate validates the JSON against the schema and the references between objects, but its
//! readers index, subtract and assert on the rest (`count - 1` of an accessor of 0 elements,
//! `stride * (count - 1)` past `usize`, a buffer view past its buffer sliced, an element type
//! it has no case for `unreachable!()`, a stride shorter than the element asserted), and it
//! reads a sparse accessor's indices as they come (out of order or past the count: other
//! vertices than the file names). Each check here names the accessor, view or node and the
//! numbers that do not fit (issue 16, session 9 audit).

use gltf::accessor::{DataType, Dimensions};

/// The most elements the loader reads from one accessor: 2^24 (192 MiB of positions, about
/// 1 GiB once a primitive's vertices are built). A sparse accessor without a buffer view is
/// all zeros but its sparse values, so a file of a few bytes can ask for any count; past this
/// one it is refused rather than allocated.
pub const MAX_ELEMENTS: usize = 1 << 24;

/// The most elements the loader reads over the whole file: 2^26. Primitives may share an
/// accessor (each reads it again), so a small file can name one large accessor thousands of
/// times: counted before anything is read.
pub const MAX_FILE_ELEMENTS: usize = 1 << 26;

/// The elements the loader would read for the triangle primitives of `document` (positions,
/// normals, the base colour texture's coordinates, indices; an accessor counted each time a
/// primitive reads it), saturating.
pub fn file_elements(document: &gltf::Document) -> usize {
    use gltf::mesh::Mode;
    document
        .meshes()
        .flat_map(|mesh| mesh.primitives())
        .filter(|p| matches!(p.mode(), Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan))
        .map(|p| {
            let uv_set = p.material().pbr_metallic_roughness().base_color_texture().map_or(0, |t| t.tex_coord());
            [gltf::Semantic::Positions, gltf::Semantic::Normals, gltf::Semantic::TexCoords(uv_set)]
                .iter()
                .filter_map(|s| p.get(s))
                .chain(p.indices())
                .fold(0usize, |n, a| n.saturating_add(a.count()))
        })
        .fold(0usize, usize::saturating_add)
}

/// What the loader reads an accessor as: the attribute's name, and the element types the
/// `gltf` crate's reader for it accepts.
#[derive(Clone, Copy, Debug)]
pub enum Use {
    /// `POSITION`: three floats.
    Position,
    /// `NORMAL`: three floats.
    Normal,
    /// `TEXCOORD_n`: two floats, or two normalized `u8` or `u16`.
    TexCoord(u32),
    /// The primitive's indices: one `u8`, `u16` or `u32`.
    Indices,
}

impl Use {
    fn name(self) -> String {
        match self {
            Use::Position => "POSITION".into(),
            Use::Normal => "NORMAL".into(),
            Use::TexCoord(set) => format!("TEXCOORD_{set}"),
            Use::Indices => "indices".into(),
        }
    }

    fn accepts(self, data: DataType, dimensions: Dimensions) -> bool {
        match self {
            Use::Position | Use::Normal => (data, dimensions) == (DataType::F32, Dimensions::Vec3),
            Use::TexCoord(_) => {
                dimensions == Dimensions::Vec2 && matches!(data, DataType::F32 | DataType::U8 | DataType::U16)
            }
            Use::Indices => {
                dimensions == Dimensions::Scalar && matches!(data, DataType::U8 | DataType::U16 | DataType::U32)
            }
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Use::Position | Use::Normal => "VEC3 of floats",
            Use::TexCoord(_) => "VEC2 of floats, u8 or u16",
            Use::Indices => "SCALAR of u8, u16 or u32",
        }
    }
}

/// The bytes of buffer view `view` inside its buffer's data, checked to fit.
pub fn view_bytes<'a>(view: &gltf::buffer::View<'_>, buffers: &'a [gltf::buffer::Data]) -> Result<&'a [u8], String> {
    let data = buffers.get(view.buffer().index()).map_or(&[][..], |d| &d.0[..]);
    view.offset().checked_add(view.length()).and_then(|end| data.get(view.offset()..end)).ok_or_else(|| {
        format!(
            "buffer view {}: bytes {}..+{} lie past its buffer of {} bytes",
            view.index(),
            view.offset(),
            view.length(),
            data.len()
        )
    })
}

/// `count` elements of `size` bytes, `stride` apart, from `offset` of `view`: the bytes they
/// span, checked to lie in the view (and the view in its buffer).
fn span<'a>(
    what: &str,
    view: &gltf::buffer::View<'_>,
    offset: usize,
    count: usize,
    size: usize,
    buffers: &'a [gltf::buffer::Data],
) -> Result<&'a [u8], String> {
    let bytes = view_bytes(view, buffers)?;
    let stride = view.stride().unwrap_or(size);
    if stride < size {
        return Err(format!(
            "{what}: stride {stride} of buffer view {} is shorter than its {size}-byte elements",
            view.index()
        ));
    }
    let end = stride.checked_mul(count - 1).and_then(|s| s.checked_add(size)).and_then(|s| s.checked_add(offset));
    end.and_then(|end| bytes.get(offset..end)).ok_or_else(|| {
        format!(
            "{what}: {count} elements of {size} bytes, {stride} apart, from byte {offset} lie past its buffer view {} of {} bytes",
            view.index(),
            bytes.len()
        )
    })
}

/// Checks accessor `accessor`, read as `use_`: its element type, its count (1 to
/// [`MAX_ELEMENTS`]), its elements inside its buffer view and the view inside its buffer,
/// and, for a sparse accessor, the same of its indices and values, and its indices
/// increasing and below the count. Returns why not.
pub fn accessor(accessor: &gltf::Accessor<'_>, use_: Use, buffers: &[gltf::buffer::Data]) -> Result<(), String> {
    let what = format!("accessor {} ({})", accessor.index(), use_.name());
    let (data, dimensions) = (accessor.data_type(), accessor.dimensions());
    if !use_.accepts(data, dimensions) {
        return Err(format!("{what}: {dimensions:?} of {data:?}, not {}", use_.expected()));
    }
    let count = accessor.count();
    if count == 0 || count > MAX_ELEMENTS {
        return Err(format!("{what}: {count} elements (the loader reads 1 to {MAX_ELEMENTS})"));
    }
    let size = accessor.size();
    if let Some(view) = accessor.view() {
        span(&what, &view, accessor.offset(), count, size, buffers)?;
    }
    let Some(sparse) = accessor.sparse() else {
        return Ok(());
    };
    let sparse_count = sparse.count();
    if sparse_count == 0 || sparse_count > count {
        return Err(format!("{what}: sparse count {sparse_count} (1 to the accessor's {count} elements)"));
    }
    let values = sparse.values();
    span(&format!("{what} sparse values"), &values.view(), values.offset(), sparse_count, size, buffers)?;
    let indices = sparse.indices();
    let index_size = indices.index_type().size();
    let bytes =
        span(&format!("{what} sparse indices"), &indices.view(), indices.offset(), sparse_count, index_size, buffers)?;
    let stride = indices.view().stride().unwrap_or(index_size);
    let mut previous: Option<u64> = None;
    for k in 0..sparse_count {
        let at = &bytes[k * stride..k * stride + index_size];
        let index = at.iter().rev().fold(0u64, |n, &b| n << 8 | u64::from(b));
        if let Some(previous) = previous
            && index <= previous
        {
            return Err(format!("{what}: sparse indices must increase: {index} after {previous}"));
        }
        if index >= count as u64 {
            return Err(format!("{what}: sparse index {index} past its {count} elements"));
        }
        previous = Some(index);
    }
    Ok(())
}

/// The first node of `document` that is a child more than once (of two parents, or listed
/// twice by one), with how often: the node hierarchy must be a set of strict trees (glTF 2.0,
/// 3.5.3), and a node reached on many paths is placed once per path (a chain of 64 such
/// "diamonds" places its last node 2^64 times).
pub fn node_with_parents(document: &gltf::Document) -> Option<(usize, usize)> {
    let mut parents = vec![0usize; document.nodes().len()];
    for node in document.nodes() {
        for child in node.children() {
            parents[child.index()] += 1;
            if parents[child.index()] > 1 {
                return Some((child.index(), parents[child.index()]));
            }
        }
    }
    None
}

/// Checks the URI of an external buffer or image (not a data URI, not the `.glb`'s own
/// chunk) before the `gltf` crate reads it: a relative path that percent-decodes to invalid
/// UTF-8 (the crate unwraps the decoding: a panic), and a file that is not a regular file
/// (`file:///dev/zero`, a FIFO: read to its end, that is forever or until memory runs out).
/// Also a file larger than `max_bytes` (a buffer's `byteLength` + 3 bytes of padding, an
/// image's [`MAX_IMAGE_FILE`]): the crate reads a regular file whole before it compares its
/// length (a sparse file of 1 TiB costs nothing on disk and aborts on allocation failure).
/// Returns why not; a URI of another scheme is left to the crate (`UnsupportedScheme`).
pub fn external_uri(uri: &str, base: &std::path::Path, max_bytes: u64) -> Result<(), String> {
    let path = if uri.contains(':') {
        match uri.strip_prefix("file://").or_else(|| uri.strip_prefix("file:")) {
            Some(path) => std::path::PathBuf::from(path),
            None => return Ok(()),
        }
    } else {
        base.join(percent_decoded(uri).ok_or_else(|| format!("URI {uri:?} does not decode to UTF-8"))?)
    };
    match std::fs::metadata(&path) {
        Ok(meta) if !meta.is_file() => Err(format!("URI {uri:?} names {}, not a regular file", path.display())),
        Ok(meta) if meta.len() > max_bytes => {
            Err(format!("URI {uri:?} names a file of {} bytes, more than the {max_bytes} it may hold", meta.len()))
        }
        // A missing file is the crate's `Io` error, as before.
        _ => Ok(()),
    }
}

/// The largest external image file read (1 GiB).
pub const MAX_IMAGE_FILE: u64 = 1 << 30;

/// `uri` with its `%XX` escapes decoded, if the result is UTF-8 (as the `gltf` crate decodes
/// relative URIs).
fn percent_decoded(uri: &str) -> Option<String> {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Two hex digits only: `from_str_radix` alone takes a sign (`%+A` would be `\n`), where
        // the crate's decoder keeps such an escape as written (the check would stat another path).
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Where the placed scene's world-space bounds are not finite, what: finite positions placed
/// by finite transforms can still overflow (a triangle scaled by 10^30, two instances at
/// +-3*10^38: each finite, the scene 6*10^38 wide), and the camera framed from the bounds
/// (`scene::view`) is then computed from infinities: a view of non-finite numbers, silently. Each mesh's box is placed by each
/// instance's transform (its 8 corners bound the placed vertices).
pub fn world_bounds_not_finite(data: &super::SceneData) -> Option<String> {
    let boxes: Vec<([f32; 3], [f32; 3])> = data
        .meshes
        .iter()
        .map(|m| {
            m.primitives.iter().flat_map(|p| &p.vertices).fold(([f32::MAX; 3], [f32::MIN; 3]), |(lo, hi), v| {
                ([0, 1, 2].map(|k| lo[k].min(v.position[k])), [0, 1, 2].map(|k| hi[k].max(v.position[k])))
            })
        })
        .collect();
    let (mut lo, mut hi) = ([f32::MAX; 3], [f32::MIN; 3]);
    for (i, instance) in data.instances.iter().enumerate() {
        let (a, b) = boxes[instance.mesh as usize];
        let m = &instance.transform.0;
        for corner in 0..8 {
            let p = [0, 1, 2].map(|k| if corner >> k & 1 == 1 { b[k] } else { a[k] });
            let w = [0, 1, 2].map(|r| m[r][0] * p[0] + m[r][1] * p[1] + m[r][2] * p[2] + m[r][3]);
            if !w.iter().all(|v| v.is_finite()) {
                return Some(format!("instance {i} (mesh {}) placed in world space", instance.mesh));
            }
            lo = [0, 1, 2].map(|k| lo[k].min(w[k]));
            hi = [0, 1, 2].map(|k| hi[k].max(w[k]));
        }
    }
    let extent = [0, 1, 2].map(|k| hi[k] - lo[k]);
    (!extent.iter().all(|e| e.is_finite())).then(|| format!("the scene's world-space extent {extent:?}"))
}
