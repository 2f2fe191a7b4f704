//! The scene the ray-query tests trace: three BLASes (non-indexed triangles; two indexed
//! geometries with u16 and u32 indices, a stride and a geometry transform; boxes) in six
//! transformed instances, built on the device through vkres and intersected on the CPU in f64.

use bytemuck::{Pod, Zeroable};
use vkres::{
    Aabb, AabbGeometry, Blas, BlasDesc, Buffer, BufferDesc, MappingType, Tlas, TlasDesc, TlasInstance, Transform3x4,
    TriangleGeometry, vk,
};

use crate::kernel::{self, Binding};
use crate::shaders;
use crate::support::Gpu;

/// One ray as the shader reads it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Ray {
    pub origin: [f32; 3],
    pub t_min: f32,
    pub direction: [f32; 3],
    pub t_max: f32,
}

/// What the shader wrote for one ray.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct GpuHit {
    /// 0 miss, 1 triangle, 2 generated (box).
    pub kind: u32,
    pub custom_index: u32,
    pub instance_index: u32,
    pub geometry_index: u32,
    pub primitive_index: u32,
    pub t: f32,
    pad: [u32; 2],
}

/// Vertex of the u16-indexed geometry: a position and data the build skips (stride 20).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct UvVertex {
    position: [f32; 3],
    uv: [f32; 2],
}

/// One triangle geometry as the CPU sees it.
#[derive(Debug, Clone)]
pub struct Mesh {
    pub positions: Vec<[f32; 3]>,
    pub indices: Option<Vec<u32>>,
    pub transform: Option<Transform3x4>,
}

impl Mesh {
    pub fn triangles(&self) -> Vec<[[f32; 3]; 3]> {
        let index: Vec<u32> = self.indices.clone().unwrap_or_else(|| (0..self.positions.len() as u32).collect());
        let t = self.transform.unwrap_or_default();
        index.chunks(3).map(|c| [0, 1, 2].map(|k| t.apply(self.positions[c[k] as usize]))).collect()
    }
}

#[derive(Debug, Clone)]
pub enum BlasData {
    Triangles(Vec<Mesh>),
    Boxes(Vec<Aabb>),
}

#[derive(Debug, Clone)]
pub struct InstanceData {
    pub blas: usize,
    pub transform: Transform3x4,
    pub custom_index: u32,
}

#[derive(Debug, Clone)]
pub struct SceneData {
    pub blases: Vec<BlasData>,
    pub instances: Vec<InstanceData>,
}

/// `translation * rotate_z * rotate_x * scale`.
pub fn transform(z_degrees: f32, x_degrees: f32, scale: [f32; 3], translation: [f32; 3]) -> Transform3x4 {
    let (sz, cz) = z_degrees.to_radians().sin_cos();
    let (sx, cx) = x_degrees.to_radians().sin_cos();
    let rz = Transform3x4([[cz, -sz, 0.0, 0.0], [sz, cz, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]);
    let rx = Transform3x4([[1.0, 0.0, 0.0, 0.0], [0.0, cx, -sx, 0.0], [0.0, sx, cx, 0.0]]);
    let s = Transform3x4([[scale[0], 0.0, 0.0, 0.0], [0.0, scale[1], 0.0, 0.0], [0.0, 0.0, scale[2], 0.0]]);
    Transform3x4::translation(translation).then_after(&rz.then_after(&rx.then_after(&s)))
}

impl SceneData {
    pub fn new() -> Self {
        let fan = Mesh {
            positions: vec![
                [-1.0, -1.0, 0.0],
                [1.0, -1.0, 0.0],
                [1.0, 1.0, 0.0],
                [-1.0, -1.0, 0.0],
                [1.0, 1.0, 0.0],
                [-1.0, 1.0, 0.0],
                [-0.5, -0.5, 0.3],
                [0.5, -0.5, 0.3],
                [0.0, 0.6, 0.3],
                [-0.8, 0.2, 0.4],
                [0.2, 0.9, 0.2],
                [-0.9, 0.9, 0.6],
            ],
            indices: None,
            transform: None,
        };
        let pyramid = Mesh {
            positions: vec![[-0.8, -0.8, 0.0], [0.8, -0.8, 0.0], [0.8, 0.8, 0.0], [-0.8, 0.8, 0.0], [0.1, -0.1, 1.0]],
            indices: Some(vec![0, 1, 4, 1, 2, 4, 2, 3, 4, 3, 0, 4, 0, 2, 1, 0, 3, 2]),
            transform: None,
        };
        let tile = Mesh {
            positions: vec![[-0.5, -0.5, 0.0], [0.5, -0.5, 0.0], [0.5, 0.5, 0.0], [-0.5, 0.5, 0.0]],
            indices: Some(vec![0, 1, 2, 0, 2, 3]),
            transform: Some(transform(30.0, 10.0, [1.0, 1.0, 1.0], [0.9, 0.9, 0.5])),
        };
        let boxes = vec![
            Aabb { min: [-1.0, -1.0, -0.5], max: [-0.2, 0.0, 0.5] },
            Aabb { min: [0.1, -0.8, -0.2], max: [0.9, 0.3, 0.8] },
            Aabb { min: [-0.5, 0.4, 0.0], max: [0.6, 1.0, 0.3] },
        ];
        let instance = |blas, transform, custom_index| InstanceData { blas, transform, custom_index };
        Self {
            blases: vec![
                BlasData::Triangles(vec![fan]),
                BlasData::Triangles(vec![pyramid, tile]),
                BlasData::Boxes(boxes),
            ],
            instances: vec![
                instance(0, Transform3x4::translation([-2.0, 2.0, 0.0]), 10),
                instance(0, transform(35.0, 0.0, [0.8, 0.8, 0.8], [2.0, 2.0, 0.5]), 11),
                instance(1, Transform3x4::translation([-2.0, -2.0, 0.0]), 20),
                instance(1, transform(0.0, 25.0, [1.0, 1.0, 1.0], [2.0, -2.0, -1.0]), 21),
                instance(2, transform(20.0, 0.0, [1.2, 1.2, 1.2], [0.0, 0.0, 1.0]), 30),
                instance(0, transform(3.0, 0.0, [4.6, 4.3, 1.0], [0.0, 0.0, -3.0]), 40),
            ],
        }
    }

    /// A 64x64 grid of rays from a pinhole above the scene.
    pub fn rays() -> Vec<Ray> {
        let n = 64;
        let mut rays = Vec::with_capacity(n * n);
        for j in 0..n {
            for i in 0..n {
                let x = (i as f32 + 0.5) / n as f32 * 9.0 - 4.5;
                let y = (j as f32 + 0.5) / n as f32 * 9.0 - 4.5;
                rays.push(Ray { origin: [0.0, 0.0, 10.0], t_min: 0.01, direction: [x, y, -10.0], t_max: 100.0 });
            }
        }
        rays
    }
}

/// The buffers builds read, kept for refits.
pub struct Inputs {
    pub fan: Buffer<[f32; 3]>,
    pub boxes: Buffer<Aabb>,
    pyramid: (Buffer<UvVertex>, Buffer<u16>),
    tile: (Buffer<[f32; 4]>, Buffer<u32>, Buffer<Transform3x4>),
}

/// The scene on the device.
pub struct GpuScene {
    pub inputs: Inputs,
    pub blases: Vec<Blas>,
    pub tlas: Tlas,
}

/// Usage of every buffer a build reads; the boxes are also read by the shader.
pub const INPUT: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR.as_raw()
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw()
        | vk::BufferUsageFlags::STORAGE_BUFFER.as_raw(),
);

fn input<T: Pod>(gpu: &Gpu, name: &str, data: &[T]) -> Buffer<T> {
    gpu.alloc()
        .create_buffer_with_data(&BufferDesc::elements::<T>(data.len() as u64, INPUT).name(name), data)
        .expect(name)
}

impl Inputs {
    /// Uploads every input of `data`.
    pub fn upload(gpu: &Gpu, data: &SceneData) -> Self {
        let BlasData::Triangles(meshes) = &data.blases[0] else { unreachable!() };
        let fan = input(gpu, "fan", &meshes[0].positions);
        let BlasData::Triangles(meshes) = &data.blases[1] else { unreachable!() };
        let pyramid_vertices: Vec<UvVertex> =
            meshes[0].positions.iter().map(|&position| UvVertex { position, uv: [0.5, 0.5] }).collect();
        let pyramid_indices: Vec<u16> = meshes[0].indices.as_ref().unwrap().iter().map(|&i| i as u16).collect();
        let pyramid = (input(gpu, "pyramid", &pyramid_vertices), input(gpu, "pyramid/indices", &pyramid_indices));
        let tile_vertices: Vec<[f32; 4]> = meshes[1].positions.iter().map(|p| [p[0], p[1], p[2], 1.0]).collect();
        let tile = (
            input(gpu, "tile", &tile_vertices),
            input(gpu, "tile/indices", meshes[1].indices.as_ref().unwrap()),
            input(gpu, "tile/transform", &[meshes[1].transform.unwrap()]),
        );
        let BlasData::Boxes(boxes) = &data.blases[2] else { unreachable!() };
        let boxes = input(gpu, "boxes", boxes);
        Inputs { fan, boxes, pyramid, tile }
    }

    pub fn blas_descs(&self) -> Vec<BlasDesc> {
        let fan = TriangleGeometry::new(&self.fan, vk::Format::R32G32B32_SFLOAT);
        let pyramid = TriangleGeometry::new(&self.pyramid.0, vk::Format::R32G32B32_SFLOAT).indices(&self.pyramid.1);
        let tile = TriangleGeometry::new(&self.tile.0, vk::Format::R32G32B32_SFLOAT)
            .indices(&self.tile.1)
            .transform(&self.tile.2, 0);
        vec![
            BlasDesc::new("fan").triangles(fan).allow_update().allow_compaction(),
            BlasDesc::new("pyramid+tile").triangles(pyramid).triangles(tile).allow_compaction(),
            BlasDesc::new("boxes").aabbs(AabbGeometry::new(&self.boxes)).allow_compaction(),
        ]
    }
}

/// The TLAS of `data`'s instances over `blases`.
pub fn tlas_desc(blases: &[Blas], data: &SceneData) -> TlasDesc {
    TlasDesc::new("scene").allow_update().instances(
        data.instances
            .iter()
            .map(|i| TlasInstance::new(&blases[i.blas]).transform(i.transform).custom_index(i.custom_index)),
    )
}

impl GpuScene {
    /// Uploads every input, then builds every BLAS and the TLAS in one batch, one submission.
    pub fn build(gpu: &Gpu, data: &SceneData) -> Self {
        let inputs = Inputs::upload(gpu, data);
        let submissions = gpu.ctx().submission_count();
        let mut batch = gpu.alloc().batch().expect("batch");
        let blases: Vec<Blas> = inputs.blas_descs().iter().map(|d| batch.build_blas(d).expect("build BLAS")).collect();
        assert!(blases.iter().all(|b| !b.is_built()), "built only once the batch finished");
        let tlas = batch.build_tlas(&tlas_desc(&blases, data)).expect("build TLAS");
        batch.submit_and_wait().expect("submit");
        assert_eq!(gpu.ctx().submission_count() - submissions, 1, "BLASes and TLAS in one submission");
        assert!(tlas.is_built() && blases.iter().all(|b| b.is_built()));
        GpuScene { inputs, blases, tlas }
    }

    /// Writes new positions of the fan (same count) into its vertex buffer and refits its BLAS
    /// and the TLAS (with `data`'s instances) in one batch.
    pub fn refit(&self, gpu: &Gpu, data: &SceneData) {
        let BlasData::Triangles(meshes) = &data.blases[0] else { unreachable!() };
        let mut batch = gpu.alloc().batch().expect("batch");
        batch.upload(&self.inputs.fan, 0, &meshes[0].positions).expect("upload");
        batch.update_blas(&self.blases[0], &self.inputs.blas_descs()[0]).expect("update BLAS");
        batch.update_tlas(&self.tlas, &tlas_desc(&self.blases, data)).expect("update TLAS");
        batch.submit_and_wait().expect("submit");
    }

    /// Traces `rays` against `tlas` with the ray-query shader.
    pub fn trace(&self, gpu: &Gpu, tlas: &Tlas, rays: &[Ray]) -> Vec<GpuHit> {
        trace(gpu, tlas, &self.inputs.boxes, rays)
    }
}

/// Traces `rays` against `tlas` with the ray-query shader; `boxes` are the procedural BLAS's.
pub fn trace(gpu: &Gpu, tlas: &Tlas, boxes: &Buffer<Aabb>, rays: &[Ray]) -> Vec<GpuHit> {
    let alloc = gpu.alloc();
    let ray_buffer = alloc
        .create_buffer_with_data(
            &BufferDesc::elements::<Ray>(rays.len() as u64, vk::BufferUsageFlags::STORAGE_BUFFER)
                .mapping(MappingType::HostAccessSequentialWrite)
                .name("rays"),
            rays,
        )
        .expect("rays");
    let hits: Buffer<GpuHit> = alloc
        .create_typed_buffer(
            &BufferDesc::elements::<GpuHit>(rays.len() as u64, vk::BufferUsageFlags::STORAGE_BUFFER)
                .mapping(MappingType::HostAccessRandom)
                .name("hits"),
        )
        .expect("hits");
    let bindings = [
        Binding::Accel(tlas),
        Binding::Storage(&ray_buffer.as_bytes()),
        Binding::Storage(&hits.as_bytes()),
        Binding::Storage(&boxes.as_bytes()),
    ];
    kernel::dispatch(gpu, &shaders::load("ray_query"), &bindings, rays.len() as u32);
    hits.read_vec().expect("read hits")
}
