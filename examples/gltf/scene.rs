//! The glTF example's scene: one `#[derive(GpuResources)]` struct whose shape comes from the
//! file at run time (a BLAS per mesh with a geometry per primitive, a TLAS instance per node,
//! a material buffer, a texture binding array with generated mips, the geometry table), the
//! inputs made from a [`SceneData`], and the camera that frames it. Shared, through `#[path]`,
//! by `examples/gltf/main.rs` and the picture test (`tests/runtime/gltf_picture.rs`).

use vkres::bytemuck::{Pod, Zeroable};
use vkres::{
    Blas, BlasInstance, Buffer, GeometryInput, GeometryRecord, GpuResources, ImageView, Sampler, TextureInput, Tlas, vk,
};

use super::load::{Material, SceneData, Vertex, cross, normalize};

/// The size of the shader's texture binding array (`shaders/gltf_query.wgsl`): naga writes
/// only fixed-size binding arrays, so the layout's binding has this count, partially bound.
pub const MAX_TEXTURES: u32 = 64;

/// Where a geometry's shading data starts in the scene's concatenated vertex and index
/// buffers; one per geometry, in the geometry table's order (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct Record {
    /// Its first vertex in `vertices`.
    pub first_vertex: u32,
    /// Its first index in `indices`.
    pub first_index: u32,
    /// 1 when indexed, 0 when every three vertices are a triangle.
    pub indexed: u32,
    /// Padding.
    pub pad: u32,
}

/// The camera and the light, as the shader reads them (112 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct View {
    /// The eye (w unused).
    pub origin: [f32; 4],
    /// The view direction, unit length.
    pub forward: [f32; 4],
    /// Half the picture's width in the image plane at distance 1.
    pub right: [f32; 4],
    /// Half the picture's height in the image plane at distance 1 (up on screen).
    pub up: [f32; 4],
    /// Unit direction towards the sun; w: the ambient share of the light.
    pub sun: [f32; 4],
    /// The colour of a ray that hits nothing.
    pub sky: [f32; 4],
    /// x, y: the picture's width and height in pixels; z: the spread angle of a pixel's ray
    /// cone (its height in the image plane at distance 1), which chooses the texture's mip
    /// level; w: where shadow rays start ([`SHADOW_BIAS`] of the scene's size), so that a
    /// surface does not shadow itself.
    pub params: [f32; 4],
}

/// A glTF file on the GPU: everything the ray-query shader reads, created, uploaded and built
/// (textures' mips generated, BLASes, TLAS) in one submission. Bindings 0-9 of the shader.
#[derive(GpuResources)]
pub struct GltfScene {
    /// Every node with a mesh: instance `i` places BLAS `instances[i].mesh`, its custom index the
    /// geometry-table record of that BLAS's first geometry.
    #[gpu(tlas(instances = input, blases = meshes), binding = 0)]
    pub world: Tlas,
    /// What the shader draws into.
    #[gpu(texture(format = R32G32B32A32_SFLOAT, extent = [input, input], usage = STORAGE | TRANSFER_SRC),
          binding = 1)]
    pub picture: ImageView,
    /// The camera and the light.
    #[gpu(buffer(usage = UNIFORM_BUFFER, data = input), binding = 2)]
    pub view: Buffer<View>,
    /// The file's images, sRGB, each with a full mip chain.
    #[gpu(textures(mips = generate), binding = 3)]
    pub textures: Vec<ImageView>,
    /// One sampler for every texture (glTF's per-texture samplers are not read).
    #[gpu(sampler(filter = linear, mipmap = linear, address = repeat), binding = 4)]
    pub sampler: Sampler,
    /// Every primitive's vertices, one after the other.
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 5)]
    pub vertices: Buffer<Vertex>,
    /// Every indexed primitive's indices (relative to its first vertex), one after the other.
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 6)]
    pub indices: Buffer<u32>,
    /// Where each geometry's vertices and indices start.
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 7)]
    pub records: Buffer<Record>,
    /// The file's materials and the default one.
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 8)]
    pub materials: Buffer<Material>,
    /// The derive's geometry table: per geometry its buffers' addresses and its material.
    #[gpu(buffer(usage = STORAGE_BUFFER | TRANSFER_SRC, geometry_table = meshes), binding = 9)]
    pub table: Buffer<GeometryRecord>,
    /// One BLAS per mesh, one geometry per primitive.
    #[gpu(blases(geometries = input, vertices = positions, indices = triangle_indices))]
    pub meshes: Vec<Blas>,
    /// Each primitive's positions (what the BLAS builds read).
    #[gpu(buffers(data = input))]
    pub positions: Vec<Buffer<[f32; 3]>>,
    /// Each indexed primitive's indices.
    #[gpu(buffers(data = input))]
    pub triangle_indices: Vec<Buffer<u32>>,
}

/// The inputs of a [`GltfScene`], owned: built once from the file's data, borrowed by
/// [`SceneInputs::inputs`].
pub struct SceneInputs {
    view: View,
    extent: [u32; 2],
    vertices: Vec<Vertex>,
    indices: Vec<u32>,
    records: Vec<Record>,
    materials: Vec<Material>,
    positions: Vec<Vec<[f32; 3]>>,
    triangle_indices: Vec<Vec<u32>>,
    geometries: Vec<Vec<GeometryInput>>,
    instances: Vec<BlasInstance>,
    textures: Vec<(u32, u32, Vec<u8>)>,
}

/// Why the scene's data does not fit the shader.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    /// More images than the shader's binding array holds.
    #[error("{images} images; the shader's texture array holds {MAX_TEXTURES}")]
    TooManyTextures {
        /// The file's image count.
        images: usize,
    },
}

impl SceneInputs {
    /// The inputs of `data` drawn at `width` x `height` pixels.
    pub fn new(data: &SceneData, width: u32, height: u32) -> Result<Self, SceneError> {
        if data.images.len() > MAX_TEXTURES as usize {
            return Err(SceneError::TooManyTextures { images: data.images.len() });
        }
        let mut this = Self {
            view: view(data, width, height),
            extent: [width, height],
            vertices: Vec::new(),
            indices: Vec::new(),
            records: Vec::new(),
            materials: data.materials.clone(),
            positions: Vec::new(),
            triangle_indices: Vec::new(),
            geometries: Vec::new(),
            instances: Vec::new(),
            textures: data.images.iter().map(|i| (i.width, i.height, i.rgba.clone())).collect(),
        };
        for mesh in &data.meshes {
            let mut list = Vec::new();
            for primitive in &mesh.primitives {
                let mut geometry = GeometryInput::new(this.positions.len() as u32).material(primitive.material);
                this.positions.push(primitive.vertices.iter().map(|v| v.position).collect());
                let mut record = Record {
                    first_vertex: this.vertices.len() as u32,
                    first_index: this.indices.len() as u32,
                    ..Record::default()
                };
                if let Some(indices) = &primitive.indices {
                    geometry = geometry.indexed(this.triangle_indices.len() as u32);
                    this.triangle_indices.push(indices.clone());
                    this.indices.extend_from_slice(indices);
                    record.indexed = 1;
                }
                this.vertices.extend_from_slice(&primitive.vertices);
                this.records.push(record);
                list.push(geometry);
            }
            this.geometries.push(list);
        }
        // A storage buffer cannot be empty: a scene without indexed primitives gets one unused
        // index.
        if this.indices.is_empty() {
            this.indices.push(0);
        }
        let first_record = GeometryInput::offsets(&this.geometries);
        this.instances = data
            .instances
            .iter()
            .map(|i| {
                BlasInstance::new(i.mesh)
                    .transform(i.transform)
                    .custom_index(first_record.get(i.mesh as usize).copied().unwrap_or(u32::MAX))
                    .flags(vk::GeometryInstanceFlagsKHR::TRIANGLE_FACING_CULL_DISABLE)
            })
            .collect();
        Ok(this)
    }

    /// The camera and light.
    pub fn view(&self) -> &View {
        &self.view
    }

    /// The geometry-table record of each mesh's first geometry.
    pub fn first_records(&self) -> Vec<u32> {
        GeometryInput::offsets(&self.geometries)
    }

    /// The derive's inputs struct, borrowing this.
    pub fn inputs(&self) -> GltfSceneInputs<'_> {
        GltfSceneInputs {
            world: &self.instances,
            picture_extent: self.extent,
            view: std::slice::from_ref(&self.view),
            textures: self
                .textures
                .iter()
                .map(|(w, h, rgba)| TextureInput::new(vk::Format::R8G8B8A8_SRGB, *w, *h, rgba))
                .collect(),
            vertices: &self.vertices,
            indices: &self.indices,
            records: &self.records,
            materials: &self.materials,
            meshes: self.geometries.clone(),
            positions: self.positions.iter().map(Vec::as_slice).collect(),
            triangle_indices: self.triangle_indices.iter().map(Vec::as_slice).collect(),
        }
    }
}

/// The world-space bounding box of every placed triangle.
pub fn bounds(data: &SceneData) -> ([f32; 3], [f32; 3]) {
    let (mut lo, mut hi) = ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]);
    for instance in &data.instances {
        let m = &instance.transform.0;
        for v in data.meshes[instance.mesh as usize].primitives.iter().flat_map(|p| &p.vertices) {
            let p = v.position;
            for r in 0..3 {
                let w = m[r][0] * p[0] + m[r][1] * p[1] + m[r][2] * p[2] + m[r][3];
                lo[r] = lo[r].min(w);
                hi[r] = hi[r].max(w);
            }
        }
    }
    (lo, hi)
}

/// Where a shadow ray starts, as a share of the diagonal of the scene's bounding box: far
/// above f32's rounding of a hit point (1e-7 of its distance from the origin), far below the
/// gaps between surfaces.
pub const SHADOW_BIAS: f32 = 1e-4;

/// A camera looking at the scene from above and to the side, at the distance where every
/// corner of its bounding box is in view (with a 5% margin), and a sun from above and to the
/// right, low enough that the shadows of what stands out show; the pixels' ray cones spread
/// by a pixel's height.
pub fn view(data: &SceneData, width: u32, height: u32) -> View {
    let (lo, hi) = bounds(data);
    let center = [0, 1, 2].map(|k| 0.5 * (lo[k] + hi[k]));
    let back = normalize([0.6, 0.45, 0.75]);
    let forward = back.map(|c| -c);
    let right = normalize(cross(forward, [0.0, 1.0, 0.0]));
    let up = cross(right, forward);
    let aspect = width as f32 / height as f32;
    let tan_half = (30f32.to_radians() * 0.5).tan();
    // A corner at offset c from the centre, seen from `center - forward * d`, is at depth
    // d + c.forward and in view where |c.right| <= depth * tan_half * aspect, |c.up| <= depth * tan_half.
    let mut distance = f32::EPSILON;
    for corner in 0..8 {
        let c = [0, 1, 2].map(|k| if corner >> k & 1 == 1 { hi[k] - center[k] } else { lo[k] - center[k] });
        let along = |axis: [f32; 3]| c[0] * axis[0] + c[1] * axis[1] + c[2] * axis[2];
        let needed = (along(right).abs() / (tan_half * aspect)).max(along(up).abs() / tan_half) - along(forward);
        distance = distance.max(needed * 1.05);
    }
    let origin = [0, 1, 2].map(|k| center[k] + back[k] * distance);
    let sun = normalize([0.9, 1.1, -0.1]);
    let diagonal = [0, 1, 2].map(|k| hi[k] - lo[k]).iter().map(|e| e * e).sum::<f32>().sqrt();
    View {
        origin: [origin[0], origin[1], origin[2], 0.0],
        forward: [forward[0], forward[1], forward[2], 0.0],
        right: [right[0] * tan_half * aspect, right[1] * tan_half * aspect, right[2] * tan_half * aspect, 0.0],
        up: [up[0] * tan_half, up[1] * tan_half, up[2] * tan_half, 0.0],
        sun: [sun[0], sun[1], sun[2], 0.25],
        sky: [0.55, 0.7, 0.9, 1.0],
        params: [
            width as f32,
            height as f32,
            2.0 * tan_half / height as f32,
            SHADOW_BIAS * diagonal.max(f32::MIN_POSITIVE),
        ],
    }
}
