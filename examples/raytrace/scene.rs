//! The scene of the ray-tracing example: meshes generated in code, the checker texture (a PNG
//! committed beside this file), the camera and the sun, and the one `#[derive(GpuResources)]`
//! struct that puts all of it on the GPU. Shared, through `#[path]`, by `examples/raytrace/main.rs`
//! and the picture test (`tests/runtime/raytrace_picture/`), which traces the same data on the
//! CPU.

use vkres::bytemuck::{Pod, Zeroable};
use vkres::{Blas, Buffer, GpuResources, ImageView, Sampler, Tlas, Transform3x4};

/// The vertex and the vector operations, shared with `examples/gltf/`.
#[path = "../common/geometry.rs"]
#[allow(clippy::duplicate_mod, reason = "the test binary holds both examples, each with its own copy")]
mod geometry;

#[allow(unused_imports, reason = "`dot`: the picture test's CPU reference reads it from here")]
pub use geometry::{Vertex, cross, dot, normalize, sub};

/// The picture's size in pixels.
pub const WIDTH: u32 = 256;
/// The picture's size in pixels.
pub const HEIGHT: u32 = 192;
/// The checker texture is `CHECKER_SIZE` x `CHECKER_SIZE` RGBA texels.
pub const CHECKER_SIZE: u32 = 64;
/// The texture's PNG file, made once with the `image` crate: 8x8-texel cells of two colors.
pub const CHECKER_PNG: &[u8] = include_bytes!("checker.png");
/// How often the texture repeats across the ground plane, in each direction.
pub const CHECKER_REPEATS: f32 = 4.0;
/// The ground plane spans `-GROUND_HALF..GROUND_HALF` in x and z, at y = 0.
pub const GROUND_HALF: f32 = 8.0;

/// Mesh numbers: the low 4 bits of each instance's custom index, with which the shaders pick
/// the mesh's buffers (see [`custom_index`]).
pub const PLANE: u32 = 0;
/// See [`PLANE`].
pub const CUBE: u32 = 1;
/// See [`PLANE`].
pub const ICOSPHERE: u32 = 2;
/// See [`PLANE`].
pub const TETRAHEDRON: u32 = 3;

/// Indexed triangles.
#[derive(Clone, Debug, Default)]
pub struct Mesh {
    /// The vertices.
    pub vertices: Vec<Vertex>,
    /// Three indices per triangle.
    pub indices: Vec<u32>,
}

impl Mesh {
    /// Appends a flat quad or triangle fan `corners` (counter-clockwise seen from outside).
    fn face(&mut self, corners: &[[f32; 3]], uvs: &[[f32; 2]]) {
        let normal = normalize(cross(sub(corners[1], corners[0]), sub(corners[2], corners[0])));
        let base = self.vertices.len() as u32;
        for (i, &position) in corners.iter().enumerate() {
            self.vertices.push(Vertex { position, normal, uv: uvs.get(i).copied().unwrap_or_default() });
        }
        for i in 1..corners.len() as u32 - 1 {
            self.indices.extend([base, base + i, base + i + 1]);
        }
    }

    /// The triangle count.
    pub fn triangles(&self) -> usize {
        self.indices.len() / 3
    }
}

/// The ground: a square at y = 0 facing up, its texture repeated [`CHECKER_REPEATS`] times.
pub fn plane() -> Mesh {
    let (h, r) = (GROUND_HALF, CHECKER_REPEATS);
    let mut mesh = Mesh::default();
    mesh.face(&[[-h, 0.0, h], [h, 0.0, h], [h, 0.0, -h], [-h, 0.0, -h]], &[[0.0, r], [r, r], [r, 0.0], [0.0, 0.0]]);
    mesh
}

/// The cube `[-1, 1]^3`, one flat quad per face.
pub fn cube() -> Mesh {
    let mut mesh = Mesh::default();
    // Each face: the axis it faces along and its sign; corners counter-clockwise from outside.
    for axis in 0..3 {
        for sign in [1.0f32, -1.0] {
            let (u, v) = ((axis + 1) % 3, (axis + 2) % 3);
            let corner = |a: f32, b: f32| {
                let mut p = [0.0; 3];
                p[axis] = sign;
                p[u] = a;
                p[v] = b * sign;
                p
            };
            mesh.face(&[corner(-1.0, -1.0), corner(1.0, -1.0), corner(1.0, 1.0), corner(-1.0, 1.0)], &[]);
        }
    }
    mesh
}

/// A regular tetrahedron standing on y = 0, edges of length 2.
pub fn tetrahedron() -> Mesh {
    let r = 2.0 / 3f32.sqrt(); // circumradius of the base triangle
    let height = 2.0 * (2.0f32 / 3.0).sqrt();
    let base: Vec<[f32; 3]> = (0..3)
        .map(|i| {
            let a = i as f32 * std::f32::consts::TAU / 3.0;
            [r * a.cos(), 0.0, r * a.sin()]
        })
        .collect();
    let apex = [0.0, height, 0.0];
    let mut mesh = Mesh::default();
    mesh.face(&[base[0], base[1], base[2]], &[]);
    mesh.face(&[base[1], base[0], apex], &[]);
    mesh.face(&[base[2], base[1], apex], &[]);
    mesh.face(&[base[0], base[2], apex], &[]);
    mesh
}

/// The unit sphere as an icosahedron subdivided `subdivisions` times, with smooth normals.
pub fn icosphere(subdivisions: u32) -> Mesh {
    let t = (1.0 + 5f32.sqrt()) / 2.0;
    let mut points: Vec<[f32; 3]> = [
        [-1.0, t, 0.0],
        [1.0, t, 0.0],
        [-1.0, -t, 0.0],
        [1.0, -t, 0.0],
        [0.0, -1.0, t],
        [0.0, 1.0, t],
        [0.0, -1.0, -t],
        [0.0, 1.0, -t],
        [t, 0.0, -1.0],
        [t, 0.0, 1.0],
        [-t, 0.0, -1.0],
        [-t, 0.0, 1.0],
    ]
    .into_iter()
    .map(normalize)
    .collect();
    let mut triangles: Vec<[u32; 3]> = vec![
        [0, 11, 5],
        [0, 5, 1],
        [0, 1, 7],
        [0, 7, 10],
        [0, 10, 11],
        [1, 5, 9],
        [5, 11, 4],
        [11, 10, 2],
        [10, 7, 6],
        [7, 1, 8],
        [3, 9, 4],
        [3, 4, 2],
        [3, 2, 6],
        [3, 6, 8],
        [3, 8, 9],
        [4, 9, 5],
        [2, 4, 11],
        [6, 2, 10],
        [8, 6, 7],
        [9, 8, 1],
    ];
    for _ in 0..subdivisions {
        let mut midpoints = std::collections::HashMap::new();
        let mut midpoint = |a: u32, b: u32, points: &mut Vec<[f32; 3]>| {
            *midpoints.entry((a.min(b), a.max(b))).or_insert_with(|| {
                let (p, q) = (points[a as usize], points[b as usize]);
                points.push(normalize([p[0] + q[0], p[1] + q[1], p[2] + q[2]]));
                points.len() as u32 - 1
            })
        };
        triangles = triangles
            .iter()
            .flat_map(|&[a, b, c]| {
                let ab = midpoint(a, b, &mut points);
                let bc = midpoint(b, c, &mut points);
                let ca = midpoint(c, a, &mut points);
                [[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]
            })
            .collect();
    }
    Mesh {
        vertices: points.iter().map(|&p| Vertex { position: p, normal: p, uv: [0.0; 2] }).collect(),
        indices: triangles.into_iter().flatten().collect(),
    }
}

/// The four meshes, by mesh number.
pub fn meshes() -> [Mesh; 4] {
    [plane(), cube(), icosphere(2), tetrahedron()]
}

/// One placed mesh.
#[derive(Clone, Copy, Debug)]
pub struct Instance {
    /// The mesh number ([`PLANE`], [`CUBE`], ...).
    pub mesh: u32,
    /// Object to world: rotation about y, uniform scale, translation.
    pub transform: Transform3x4,
    /// Linear albedo (the plane's is multiplied by its texture).
    pub albedo: [f32; 3],
}

/// Rotation by `degrees` about y, then scale by `scale`, then translation by `at`.
pub fn placement(degrees: f32, scale: f32, at: [f32; 3]) -> Transform3x4 {
    let (s, c) = degrees.to_radians().sin_cos();
    Transform3x4([[c * scale, 0.0, s * scale, at[0]], [0.0, scale, 0.0, at[1]], [-s * scale, 0.0, c * scale, at[2]]])
}

/// The scene's instances, in TLAS instance order (the order of the `tlas` attribute below).
pub fn instances() -> [Instance; 5] {
    [
        Instance { mesh: PLANE, transform: placement(0.0, 1.0, [0.0; 3]), albedo: [1.0, 1.0, 1.0] },
        Instance { mesh: CUBE, transform: placement(30.0, 0.6, [-1.7, 0.6, -0.2]), albedo: [0.80, 0.12, 0.10] },
        Instance { mesh: ICOSPHERE, transform: placement(0.0, 0.8, [0.3, 0.8, 0.5]), albedo: [0.15, 0.65, 0.25] },
        Instance { mesh: TETRAHEDRON, transform: placement(15.0, 0.8, [2.0, 0.0, -0.4]), albedo: [0.85, 0.65, 0.10] },
        Instance { mesh: CUBE, transform: placement(-20.0, 0.3, [1.2, 0.3, 1.9]), albedo: [0.15, 0.30, 0.85] },
    ]
}

/// Instance `i`'s transform (what the `tlas` attribute places).
pub fn placed(i: usize) -> Transform3x4 {
    instances()[i].transform
}

/// Instance `i`'s custom index: its mesh number in the low 4 bits, `i` above them. The
/// shaders read both from it (the instance index builtin of naga's ray-tracing stages is
/// miscompiled to the vertex shader's `InstanceIndex`, so the pipeline path cannot ask for it).
pub fn custom_index(i: usize) -> u32 {
    instances()[i].mesh | (i as u32) << 4
}

/// The camera, the sun, the sky and the instances' colors: the shaders' uniform buffer. Every
/// member is a `vec4` so that the Rust layout is the std140 layout.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
pub struct View {
    /// xyz: the camera's position.
    pub origin: [f32; 4],
    /// xyz: the direction through the picture's centre (unit).
    pub forward: [f32; 4],
    /// xyz: from the centre to the right edge of the picture at distance 1.
    pub right: [f32; 4],
    /// xyz: from the centre to the top edge of the picture at distance 1.
    pub up: [f32; 4],
    /// xyz: unit direction towards the sun; w: the ambient light.
    pub sun: [f32; 4],
    /// The sky's color at the horizon.
    pub horizon: [f32; 4],
    /// The sky's color straight up.
    pub zenith: [f32; 4],
    /// x: texture level of detail per unit of distance (`log2(t * x)` is the mip level);
    /// y, z: the picture's width and height.
    pub params: [f32; 4],
    /// Each instance's albedo, by instance index.
    pub albedo: [[f32; 4]; 8],
}

impl View {
    /// The example's camera and light.
    pub fn new() -> Self {
        Self::looking_from([0.0, 2.4, 6.0])
    }

    /// The example's light, seen from `origin` towards the scene's middle.
    pub fn looking_from(origin: [f32; 3]) -> Self {
        let target = [0.0, 0.5, 0.0];
        let forward = normalize(sub(target, origin));
        let right = normalize(cross(forward, [0.0, 1.0, 0.0]));
        let up = cross(right, forward);
        let half_height = (25.0f32).to_radians().tan(); // 50 degrees vertical field of view
        let half_width = half_height * WIDTH as f32 / HEIGHT as f32;
        let texels_per_unit = CHECKER_SIZE as f32 * CHECKER_REPEATS / (2.0 * GROUND_HALF);
        let pixel_angle = 2.0 * half_height / HEIGHT as f32;
        let mut albedo = [[0.0; 4]; 8];
        for (a, instance) in albedo.iter_mut().zip(instances()) {
            *a = [instance.albedo[0], instance.albedo[1], instance.albedo[2], 1.0];
        }
        let sun = normalize([-0.6, 1.0, 0.35]);
        Self {
            origin: [origin[0], origin[1], origin[2], 0.0],
            forward: [forward[0], forward[1], forward[2], 0.0],
            right: scale4(right, half_width),
            up: scale4(up, half_height),
            sun: [sun[0], sun[1], sun[2], 0.25],
            horizon: [0.85, 0.90, 1.00, 1.0],
            zenith: [0.25, 0.45, 0.85, 1.0],
            params: [pixel_angle * texels_per_unit, WIDTH as f32, HEIGHT as f32, 0.0],
            albedo,
        }
    }
}

impl Default for View {
    fn default() -> Self {
        Self::new()
    }
}

/// Everything the GPU needs for the picture, created by one call: the meshes' vertex and index
/// buffers (run-time inputs; also read by the shaders, for normals and texture coordinates), a
/// BLAS per mesh and the TLAS that places them, the checker texture with generated mips, a
/// sampler, the view's uniform buffer and the storage image the shaders write. Every bound
/// field is a descriptor of the set the render pipelines use, made from
/// `RaytraceScene::descriptor_bindings()` and written by `write_descriptors()`.
#[derive(GpuResources)]
pub struct RaytraceScene {
    /// Custom index: mesh number and instance index ([`custom_index`]); the instance index
    /// picks the color in `View::albedo`. Refittable: the window example animates it.
    #[gpu(
        tlas(
            instance(blas = plane, transform = placed(0), custom_index = custom_index(0)),
            instance(blas = cube, transform = placed(1), custom_index = custom_index(1)),
            instance(blas = icosphere, transform = placed(2), custom_index = custom_index(2)),
            instance(blas = tetrahedron, transform = placed(3), custom_index = custom_index(3)),
            instance(blas = cube, transform = placed(4), custom_index = custom_index(4)),
            allow_update,
        ),
        binding = 0
    )]
    pub world: Tlas,
    /// The picture: linear RGBA, written by the shaders, downloaded afterwards.
    #[gpu(texture(format = R32G32B32A32_SFLOAT, extent = [WIDTH, HEIGHT], usage = STORAGE | TRANSFER_SRC), binding = 1)]
    pub picture: ImageView,
    /// The camera, light, sky and colors.
    #[gpu(buffer(usage = UNIFORM_BUFFER, data = input), binding = 2)]
    pub view: Buffer<View>,
    /// The ground's texture: level 0 from the PNG, the other levels generated by blits.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [CHECKER_SIZE, CHECKER_SIZE], mips = generate, data = input), binding = 3)]
    pub checker: ImageView,
    /// Trilinear, repeating.
    #[gpu(sampler(filter = linear, mipmap = linear, address = repeat), binding = 4)]
    pub linear: Sampler,

    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 5)]
    pub plane_vertices: Buffer<Vertex>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 6)]
    pub plane_indices: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 7)]
    pub cube_vertices: Buffer<Vertex>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 8)]
    pub cube_indices: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 9)]
    pub icosphere_vertices: Buffer<Vertex>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 10)]
    pub icosphere_indices: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 11)]
    pub tetrahedron_vertices: Buffer<Vertex>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 12)]
    pub tetrahedron_indices: Buffer<u32>,

    #[gpu(blas(vertices = plane_vertices, indices = plane_indices))]
    pub plane: Blas,
    #[gpu(blas(vertices = cube_vertices, indices = cube_indices))]
    pub cube: Blas,
    #[gpu(blas(vertices = icosphere_vertices, indices = icosphere_indices))]
    pub icosphere: Blas,
    #[gpu(blas(vertices = tetrahedron_vertices, indices = tetrahedron_indices))]
    pub tetrahedron: Blas,
}

/// The checker texture's RGBA8 texels, decoded from [`CHECKER_PNG`].
pub fn checker_texels() -> Result<Vec<u8>, String> {
    let image = image::load_from_memory_with_format(CHECKER_PNG, image::ImageFormat::Png)
        .map_err(|e| format!("checker.png: {e}"))?
        .into_rgba8();
    if image.dimensions() != (CHECKER_SIZE, CHECKER_SIZE) {
        return Err(format!("checker.png is {:?}, expected {CHECKER_SIZE}x{CHECKER_SIZE}", image.dimensions()));
    }
    Ok(image.into_raw())
}

/// Creates the scene: every buffer, texture, sampler and acceleration structure, uploaded and
/// built in one submission.
pub fn create(alloc: &vkres::ResourceAllocator, texels: &[u8]) -> vkres::Result<RaytraceScene> {
    let [plane, cube, icosphere, tetrahedron] = meshes();
    RaytraceScene::create(
        alloc,
        RaytraceSceneInputs {
            view: &[View::new()],
            checker: texels,
            plane_vertices: &plane.vertices,
            plane_indices: &plane.indices,
            cube_vertices: &cube.vertices,
            cube_indices: &cube.indices,
            icosphere_vertices: &icosphere.vertices,
            icosphere_indices: &icosphere.indices,
            tetrahedron_vertices: &tetrahedron.vertices,
            tetrahedron_indices: &tetrahedron.indices,
        },
    )
}

fn scale4(a: [f32; 3], s: f32) -> [f32; 4] {
    [a[0] * s, a[1] * s, a[2] * s, 0.0]
}
