//! A glTF 2.0 loader (the `gltf` crate): reads a `.gltf` or `.glb` file, with its buffers and
//! images embedded in the `.glb`, in data URIs or in files beside it, into [`SceneData`], the
//! plain CPU-side data that `scene.rs` turns into the inputs of one derived struct.
//!
//! - every mesh with at least one triangle primitive is a mesh here; each triangle primitive
//!   (lists, strips and fans, indexed by `u8`/`u16`/`u32` or not indexed) keeps its positions,
//!   normals (computed, area-weighted, where the file has none), texture coordinates and
//!   indices (widened to `u32`); points and lines are counted and left out;
//! - the node hierarchy of the default scene (else the first) is flattened into instances: one
//!   per node with a mesh, with the node's world transform (matrices and TRS composed from the
//!   root down);
//! - materials keep their base colour factor and base colour texture; primitives without one
//!   use a white default material (the last one);
//! - images (PNG or JPEG, decoded by the `image` crate through `gltf`) become RGBA8 texels.
//!
//! A malformed file is a [`LoadError`] naming what and where, never a panic.

use std::path::{Path, PathBuf};

use vkres::Transform3x4;
use vkres::bytemuck::{Pod, Zeroable};

/// The vertex and the vector operations, shared with `examples/raytrace/`.
#[path = "../common/geometry.rs"]
#[allow(clippy::duplicate_mod, reason = "the test binary holds both examples, each with its own copy")]
mod geometry;

/// The checks of the file's binary layout before the `gltf` crate reads it.
#[path = "checks.rs"]
mod checks;

pub use geometry::{Vertex, cross, normalize};
use geometry::{normalize_or, sub};

/// One triangle primitive of a mesh.
#[derive(Clone, Debug, Default)]
pub struct Primitive {
    /// Its vertices.
    pub vertices: Vec<Vertex>,
    /// Three per triangle, each below `vertices.len()`; `None`: not indexed, every three
    /// vertices a triangle.
    pub indices: Option<Vec<u32>>,
    /// Index into [`SceneData::materials`].
    pub material: u32,
}

impl Primitive {
    /// The triangle count.
    pub fn triangles(&self) -> usize {
        self.indices.as_ref().map_or(self.vertices.len(), Vec::len) / 3
    }

    /// The vertex numbers of triangle `t`.
    pub fn triangle(&self, t: usize) -> [usize; 3] {
        match &self.indices {
            Some(i) => [i[3 * t] as usize, i[3 * t + 1] as usize, i[3 * t + 2] as usize],
            None => [3 * t, 3 * t + 1, 3 * t + 2],
        }
    }
}

/// A mesh: its triangle primitives, each a geometry of the mesh's BLAS.
#[derive(Clone, Debug, Default)]
pub struct Mesh {
    /// The file's name for it, or `mesh N`.
    pub name: String,
    /// At least one.
    pub primitives: Vec<Primitive>,
}

/// One node with a mesh, placed in the world.
#[derive(Clone, Copy, Debug)]
pub struct Instance {
    /// Index into [`SceneData::meshes`].
    pub mesh: u32,
    /// Object to world.
    pub transform: Transform3x4,
}

/// A material as the shader reads it (32 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct Material {
    /// Linear RGBA base colour factor.
    pub base_color: [f32; 4],
    /// Index into [`SceneData::images`] of the base colour texture, [`NO_TEXTURE`] for none.
    pub texture: u32,
    /// Padding to 16-byte alignment.
    pub pad: [u32; 3],
}

/// [`Material::texture`] of a material without a texture.
pub const NO_TEXTURE: u32 = u32::MAX;

/// A decoded image: RGBA8 texels, sRGB-encoded (base colour textures are sRGB in glTF).
#[derive(Clone, Debug)]
pub struct Image {
    /// Width in texels.
    pub width: u32,
    /// Height in texels.
    pub height: u32,
    /// `width * height * 4` bytes, row by row.
    pub rgba: Vec<u8>,
}

/// A glTF file's scene, flattened.
#[derive(Clone, Debug, Default)]
pub struct SceneData {
    /// Meshes with at least one triangle primitive.
    pub meshes: Vec<Mesh>,
    /// Nodes with a mesh, in depth-first order.
    pub instances: Vec<Instance>,
    /// The file's materials, then the default material.
    pub materials: Vec<Material>,
    /// The file's images.
    pub images: Vec<Image>,
    /// Points and lines primitives left out.
    pub skipped_primitives: usize,
}

impl SceneData {
    /// The triangle count over every mesh (each counted once, however often it is placed).
    pub fn triangles(&self) -> usize {
        self.meshes.iter().flat_map(|m| &m.primitives).map(Primitive::triangles).sum()
    }

    /// The primitive count over every mesh.
    pub fn primitives(&self) -> usize {
        self.meshes.iter().map(|m| m.primitives.len()).sum()
    }
}

/// Why a glTF file cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The `gltf` crate refused the file: unreadable, not JSON or GLB, against the schema, a
    /// buffer or image missing or undecodable.
    #[error("{path}: {source}")]
    Gltf {
        /// The file.
        path: PathBuf,
        /// What `gltf` said.
        #[source]
        source: gltf::Error,
    },
    /// The file has no scene to show.
    #[error("{path}: no scene (and no default scene)")]
    NoScene {
        /// The file.
        path: PathBuf,
    },
    /// A primitive lacks the attribute every triangle needs, or its data does not fit its
    /// accessor.
    #[error("{path}: mesh {mesh} primitive {primitive}: {what}")]
    BadPrimitive {
        /// The file.
        path: PathBuf,
        /// Mesh index in the file.
        mesh: usize,
        /// Primitive index in the mesh.
        primitive: usize,
        /// What is wrong.
        what: String,
    },
    /// An index names a vertex the primitive does not have.
    #[error("{path}: mesh {mesh} primitive {primitive}: index {index} out of range of {vertices} vertices")]
    IndexOutOfRange {
        /// The file.
        path: PathBuf,
        /// Mesh index in the file.
        mesh: usize,
        /// Primitive index in the mesh.
        primitive: usize,
        /// The first index that does not fit.
        index: u32,
        /// The primitive's vertex count.
        vertices: usize,
    },
    /// A position, normal, texture coordinate or transform is infinite or NaN.
    #[error("{path}: {what} is not finite")]
    NotFinite {
        /// The file.
        path: PathBuf,
        /// Which value, and where.
        what: String,
    },
    /// A node is its own ancestor.
    #[error("{path}: node {node} is its own ancestor")]
    NodeCycle {
        /// The file.
        path: PathBuf,
        /// The node met twice on one path from the root.
        node: usize,
    },
    /// An image's pixel format cannot be turned into RGBA8.
    #[error("{path}: image {image} has format {format}, not 8-bit RGB(A), R or RG")]
    ImageFormat {
        /// The file.
        path: PathBuf,
        /// Image index in the file.
        image: usize,
        /// The format `gltf` reports.
        format: String,
    },
    /// An image's data lies outside its buffer (its buffer view past the buffer).
    #[error("{path}: image {image}: {what}")]
    BadImage {
        /// The file.
        path: PathBuf,
        /// Image index in the file.
        image: usize,
        /// What is wrong.
        what: String,
    },
    /// The file's primitives read more accessor elements than the loader reads
    /// (`checks::MAX_FILE_ELEMENTS`; primitives sharing an accessor each count it).
    #[error("{path}: its primitives read {elements} accessor elements; the loader reads at most {limit}")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The elements its triangle primitives read.
        elements: usize,
        /// The loader's limit.
        limit: usize,
    },
    /// An external buffer or image the file names cannot be read: its URI does not decode,
    /// or names something other than a regular file (a device, a FIFO, a folder).
    #[error("{path}: {what}")]
    BadReference {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// A node is a child more than once (of two parents, or twice of one): the hierarchy must
    /// be a set of strict trees, and a node reached on many paths would be placed once per
    /// path (exponentially many times in a chain of such "diamonds").
    #[error("{path}: node {node} is a child {parents} times")]
    NodeParents {
        /// The file.
        path: PathBuf,
        /// The node.
        node: usize,
        /// How often it is listed as a child (at least 2).
        parents: usize,
    },
    /// A node is reached a second time though every node has at most one parent: a scene
    /// root that is also a child, or a root listed twice. Scene roots must be unique roots;
    /// placed again, a chain of n nodes all listed as roots made n(n+1)/2 instances.
    #[error("{path}: node {node} is placed twice (a scene root that is also a child, or a root listed twice)")]
    NodePlacedTwice {
        /// The file.
        path: PathBuf,
        /// The node.
        node: usize,
    },
    /// The scene places no triangle.
    #[error("{path}: the scene has no triangles to draw")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Loads `path` (`.gltf` or `.glb`).
pub fn load(path: &Path) -> Result<SceneData, LoadError> {
    // `gltf::import` in its steps, to check the image views before `import_images` slices
    // the buffers with them (it panics on a view past its buffer).
    let gltf_error = |source| LoadError::Gltf { path: path.to_path_buf(), source };
    let gltf::Gltf { document, blob } = gltf::Gltf::open(path).map_err(gltf_error)?;
    let base = path.parent().unwrap_or_else(|| Path::new("./"));
    let uris = document
        .buffers()
        .filter_map(|b| match b.source() {
            gltf::buffer::Source::Uri(uri) => Some((uri, (b.length() as u64).saturating_add(3))),
            gltf::buffer::Source::Bin => None,
        })
        .chain(document.images().filter_map(|i| match i.source() {
            gltf::image::Source::Uri { uri, .. } => Some((uri, checks::MAX_IMAGE_FILE)),
            gltf::image::Source::View { .. } => None,
        }));
    for (uri, max_bytes) in uris {
        checks::external_uri(uri, base, max_bytes)
            .map_err(|what| LoadError::BadReference { path: path.into(), what })?;
    }
    let buffers = gltf::import_buffers(&document, Some(base), blob).map_err(gltf_error)?;
    for image in document.images() {
        if let gltf::image::Source::View { view, .. } = image.source() {
            checks::view_bytes(&view, &buffers).map_err(|what| LoadError::BadImage {
                path: path.into(),
                image: image.index(),
                what,
            })?;
        }
    }
    let images = gltf::import_images(&document, Some(base), &buffers).map_err(gltf_error)?;
    let loader = Loader { path, buffers: &buffers };
    let mut data = SceneData::default();

    let elements = checks::file_elements(&document);
    if elements > checks::MAX_FILE_ELEMENTS {
        return Err(LoadError::TooLarge { path: path.into(), elements, limit: checks::MAX_FILE_ELEMENTS });
    }

    // Materials: the file's, then the default one.
    for material in document.materials() {
        let pbr = material.pbr_metallic_roughness();
        let base_color = pbr.base_color_factor();
        loader.finite(&base_color, || format!("material {:?} base colour", material.index()))?;
        let texture = pbr.base_color_texture().map_or(NO_TEXTURE, |t| t.texture().source().index() as u32);
        data.materials.push(Material { base_color, texture, pad: [0; 3] });
    }
    let default_material = data.materials.len() as u32;
    data.materials.push(Material { base_color: [1.0; 4], texture: NO_TEXTURE, pad: [0; 3] });

    // Meshes: `mesh_of[file index]` is the index in `data.meshes`, `None` for a mesh without
    // triangles.
    let mut mesh_of = Vec::new();
    for mesh in document.meshes() {
        let mut primitives = Vec::new();
        for primitive in mesh.primitives() {
            match loader.primitive(&mesh, &primitive, default_material)? {
                Some(p) => primitives.push(p),
                None => data.skipped_primitives += 1,
            }
        }
        mesh_of.push((!primitives.is_empty()).then_some(data.meshes.len() as u32));
        if !primitives.is_empty() {
            let name = mesh.name().map_or_else(|| format!("mesh {}", mesh.index()), str::to_owned);
            data.meshes.push(Mesh { name, primitives });
        }
    }

    // Nodes: the default scene, else the first.
    let scene = document
        .default_scene()
        .or_else(|| document.scenes().next())
        .ok_or(LoadError::NoScene { path: path.into() })?;
    if let Some((node, parents)) = checks::node_with_parents(&document) {
        return Err(LoadError::NodeParents { path: path.into(), node, parents });
    }
    loader.place(scene.nodes(), document.nodes().len(), &mesh_of, &mut data.instances)?;

    // Images: RGBA8.
    for (index, image) in images.into_iter().enumerate() {
        data.images.push(loader.rgba8(index, image)?);
    }
    if data.instances.is_empty() {
        return Err(LoadError::Empty { path: path.into() });
    }
    if let Some(what) = checks::world_bounds_not_finite(&data) {
        return Err(LoadError::NotFinite { path: path.into(), what });
    }
    Ok(data)
}

/// A column-major 4x4 matrix, as glTF writes them.
type Matrix = [[f32; 4]; 4];

const IDENTITY: Matrix = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]];

/// `a * b` (column-major).
fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    let mut out = [[0.0; 4]; 4];
    for (c, column) in out.iter_mut().enumerate() {
        for (r, value) in column.iter_mut().enumerate() {
            *value = (0..4).map(|k| a[k][r] * b[c][k]).sum();
        }
    }
    out
}

/// The top three rows of a column-major matrix, row-major.
fn to_3x4(m: &Matrix) -> Transform3x4 {
    Transform3x4([0, 1, 2].map(|r| [m[0][r], m[1][r], m[2][r], m[3][r]]))
}

/// The file being read.
struct Loader<'a> {
    path: &'a Path,
    buffers: &'a [gltf::buffer::Data],
}

impl Loader<'_> {
    fn finite(&self, values: &[f32], what: impl FnOnce() -> String) -> Result<(), LoadError> {
        if values.iter().all(|v| v.is_finite()) {
            Ok(())
        } else {
            Err(LoadError::NotFinite { path: self.path.into(), what: what() })
        }
    }

    fn bad(&self, mesh: &gltf::Mesh<'_>, primitive: &gltf::Primitive<'_>, what: impl Into<String>) -> LoadError {
        LoadError::BadPrimitive {
            path: self.path.into(),
            mesh: mesh.index(),
            primitive: primitive.index(),
            what: what.into(),
        }
    }

    /// A triangle primitive, or `None` for points and lines.
    fn primitive(
        &self,
        mesh: &gltf::Mesh<'_>,
        primitive: &gltf::Primitive<'_>,
        default_material: u32,
    ) -> Result<Option<Primitive>, LoadError> {
        use gltf::mesh::Mode;
        let mode = primitive.mode();
        if !matches!(mode, Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan) {
            return Ok(None);
        }
        // Every accessor read below, checked before the `gltf` crate's readers see it.
        let material = primitive.material();
        let uv_set = material.pbr_metallic_roughness().base_color_texture().map_or(0, |t| t.tex_coord());
        let read = [
            (gltf::Semantic::Positions, checks::Use::Position),
            (gltf::Semantic::Normals, checks::Use::Normal),
            (gltf::Semantic::TexCoords(uv_set), checks::Use::TexCoord(uv_set)),
        ];
        let accessors = read
            .into_iter()
            .filter_map(|(semantic, use_)| primitive.get(&semantic).map(|a| (a, use_)))
            .chain(primitive.indices().map(|a| (a, checks::Use::Indices)));
        for (accessor, use_) in accessors {
            checks::accessor(&accessor, use_, self.buffers).map_err(|what| self.bad(mesh, primitive, what))?;
        }
        let reader = primitive.reader(|buffer| self.buffers.get(buffer.index()).map(|d| &d.0[..]));
        let positions: Vec<[f32; 3]> = reader
            .read_positions()
            .ok_or_else(|| self.bad(mesh, primitive, "no POSITION attribute, or its data lies outside its buffer"))?
            .collect();
        let count = positions.len();
        let accessor_count = primitive.get(&gltf::Semantic::Positions).map_or(0, |a| a.count());
        if count != accessor_count {
            return Err(self.bad(mesh, primitive, format!("{count} positions read of {accessor_count}")));
        }
        let where_ = |what: &str| format!("mesh {} primitive {} {what}", mesh.index(), primitive.index());
        self.finite(positions.as_flattened(), || where_("POSITION"))?;
        let uvs: Vec<[f32; 2]> = match reader.read_tex_coords(uv_set) {
            Some(uvs) => uvs.into_f32().collect(),
            None => vec![[0.0; 2]; count],
        };
        if uvs.len() != count {
            return Err(self.bad(mesh, primitive, format!("{} texture coordinates for {count} vertices", uvs.len())));
        }
        self.finite(uvs.as_flattened(), || where_("TEXCOORD"))?;
        let normals: Option<Vec<[f32; 3]>> = reader.read_normals().map(Iterator::collect);
        if let Some(n) = &normals {
            if n.len() != count {
                return Err(self.bad(mesh, primitive, format!("{} normals for {count} vertices", n.len())));
            }
            self.finite(n.as_flattened(), || where_("NORMAL"))?;
        }

        // Triangle lists of vertex numbers.
        let raw: Option<Vec<u32>> = match primitive.indices() {
            Some(accessor) => {
                let read: Vec<u32> = reader
                    .read_indices()
                    .ok_or_else(|| self.bad(mesh, primitive, "indices lie outside their buffer"))?
                    .into_u32()
                    .collect();
                if read.len() != accessor.count() {
                    return Err(self.bad(
                        mesh,
                        primitive,
                        format!("{} indices read of {}", read.len(), accessor.count()),
                    ));
                }
                if let Some(&index) = read.iter().find(|&&i| i as usize >= count) {
                    return Err(LoadError::IndexOutOfRange {
                        path: self.path.into(),
                        mesh: mesh.index(),
                        primitive: primitive.index(),
                        index,
                        vertices: count,
                    });
                }
                Some(read)
            }
            None => None,
        };
        let listed = |n: usize, at: &dyn Fn(usize) -> u32| -> Vec<u32> {
            match mode {
                Mode::TriangleStrip => (0..n.saturating_sub(2))
                    .flat_map(
                        |i| if i % 2 == 0 { [at(i), at(i + 1), at(i + 2)] } else { [at(i + 1), at(i), at(i + 2)] },
                    )
                    .collect(),
                Mode::TriangleFan => (1..n.saturating_sub(1)).flat_map(|i| [at(0), at(i), at(i + 1)]).collect(),
                _ => (0..n).map(at).collect(),
            }
        };
        let indices = match (&raw, mode) {
            (Some(raw), _) => Some(listed(raw.len(), &|i| raw[i])),
            (None, Mode::Triangles) => None,
            (None, _) => Some(listed(count, &|i| i as u32)),
        };
        let corners = indices.as_ref().map_or(count, Vec::len);
        if corners % 3 != 0 {
            return Err(self.bad(mesh, primitive, format!("{corners} corners: not a whole number of triangles")));
        }
        if corners == 0 {
            return Ok(None);
        }
        let mut vertices: Vec<Vertex> = (0..count)
            .map(|i| Vertex { position: positions[i], normal: normals.as_ref().map_or([0.0; 3], |n| n[i]), uv: uvs[i] })
            .collect();
        let mut result = Primitive {
            vertices: Vec::new(),
            indices,
            material: material.index().map_or(default_material, |m| m as u32),
        };
        if normals.is_none() {
            // Area-weighted face normals summed at each vertex.
            let mut sums = vec![[0.0f32; 3]; count];
            result.vertices = std::mem::take(&mut vertices);
            for t in 0..result.triangles() {
                let [a, b, c] = result.triangle(t);
                let p = |v: usize| result.vertices[v].position;
                let n = cross(sub(p(b), p(a)), sub(p(c), p(a)));
                for v in [a, b, c] {
                    sums[v] = [sums[v][0] + n[0], sums[v][1] + n[1], sums[v][2] + n[2]];
                }
            }
            for (v, s) in result.vertices.iter_mut().zip(sums) {
                v.normal = normalize_or(s, [0.0, 1.0, 0.0]);
            }
        } else {
            result.vertices = vertices;
        }
        Ok(Some(result))
    }

    /// Places `roots` and their descendants, depth first (each node before its children, the
    /// children in order), each node once (a second visit is a typed error). Iterative, with
    /// the path from the root marked per node (`nodes` of the file): a chain of 200 000 nodes,
    /// a strict tree, overflowed the stack when each level was a call (an abort), and a cycle
    /// is found in one look-up.
    fn place<'d>(
        &self,
        roots: impl Iterator<Item = gltf::Node<'d>>,
        nodes: usize,
        mesh_of: &[Option<u32>],
        out: &mut Vec<Instance>,
    ) -> Result<(), LoadError> {
        enum Step<'d> {
            Enter(gltf::Node<'d>, Matrix),
            Leave(usize),
        }
        let mut on_path = vec![false; nodes];
        // Each node is placed at most once: placements are bounded by the node count.
        let mut placed = vec![false; nodes];
        let mut stack: Vec<Step<'d>> = roots.map(|root| Step::Enter(root, IDENTITY)).collect();
        stack.reverse();
        while let Some(step) = stack.pop() {
            let (node, parent) = match step {
                Step::Leave(index) => {
                    on_path[index] = false;
                    continue;
                }
                Step::Enter(node, parent) => (node, parent),
            };
            let index = node.index();
            if on_path[index] {
                return Err(LoadError::NodeCycle { path: self.path.into(), node: index });
            }
            if std::mem::replace(&mut placed[index], true) {
                return Err(LoadError::NodePlacedTwice { path: self.path.into(), node: index });
            }
            let local = node.transform().matrix();
            self.finite(local.as_flattened(), || format!("node {index} transform"))?;
            let world = multiply(&parent, &local);
            self.finite(world.as_flattened(), || format!("node {index} world transform"))?;
            if let Some(mesh) = node.mesh().and_then(|m| mesh_of.get(m.index()).copied().flatten()) {
                out.push(Instance { mesh, transform: to_3x4(&world) });
            }
            on_path[index] = true;
            stack.push(Step::Leave(index));
            let first_child = stack.len();
            stack.extend(node.children().map(|child| Step::Enter(child, world)));
            stack[first_child..].reverse();
        }
        Ok(())
    }

    /// Image `index` as RGBA8.
    fn rgba8(&self, index: usize, image: gltf::image::Data) -> Result<Image, LoadError> {
        use gltf::image::Format;
        let texels = (image.width as usize) * (image.height as usize);
        let channels = match image.format {
            Format::R8 => 1,
            Format::R8G8 => 2,
            Format::R8G8B8 => 3,
            Format::R8G8B8A8 => 4,
            other => {
                return Err(LoadError::ImageFormat {
                    path: self.path.into(),
                    image: index,
                    format: format!("{other:?}"),
                });
            }
        };
        if image.pixels.len() != texels * channels {
            return Err(LoadError::ImageFormat {
                path: self.path.into(),
                image: index,
                format: format!("{} bytes for {}x{} texels", image.pixels.len(), image.width, image.height),
            });
        }
        let rgba = image
            .pixels
            .chunks_exact(channels)
            .flat_map(|p| match channels {
                1 => [p[0], p[0], p[0], 255],
                2 => [p[0], p[0], p[0], p[1]],
                3 => [p[0], p[1], p[2], 255],
                _ => [p[0], p[1], p[2], p[3]],
            })
            .collect();
        Ok(Image { width: image.width, height: image.height, rgba })
    }
}
