//! Acceleration structures: BLAS and TLAS builds, updates, compaction and build sizes with
//! geometry that does not fit its buffers or its build. On a device without acceleration
//! structures every case is `MissingFeature` instead (also checked: never accepted).

use vkres::{
    Aabb, AabbGeometry, Blas, BlasDesc, Buffer, BufferDesc, Error, GpuResources, Tlas, TlasDesc, TlasInstance,
    TlasInstanceRef, Transform3x4, TriangleGeometry, vk,
};

use super::{Case, case};
use crate::support::Gpu;

const INPUT: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR.as_raw()
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);
const XYZ: vk::Format = vk::Format::R32G32B32_SFLOAT;
const TRIANGLE: [[f32; 3]; 3] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];

fn vertices(gpu: &Gpu, usage: vk::BufferUsageFlags) -> Buffer<[f32; 3]> {
    let desc = BufferDesc::elements::<[f32; 3]>(3, usage).name("vertices");
    gpu.alloc().create_buffer_with_data(&desc, &TRIANGLE).expect("vertices")
}

fn build(gpu: &Gpu, desc: &BlasDesc) -> vkres::Result<Blas> {
    gpu.alloc().batch()?.build_blas(desc)
}

fn triangle(gpu: &Gpu) -> TriangleGeometry {
    TriangleGeometry::new(&vertices(gpu, INPUT), XYZ)
}

/// A built BLAS (`flags` applied to its description).
fn built(gpu: &Gpu, flags: fn(BlasDesc) -> BlasDesc) -> vkres::Result<Blas> {
    let mut batch = gpu.alloc().batch()?;
    let blas = batch.build_blas(&flags(BlasDesc::new("built").triangles(triangle(gpu))))?;
    batch.submit_and_wait()?;
    Ok(blas)
}

/// A built BLAS and a TLAS of two instances of it, built with `flags` applied to its description.
fn built_tlas(gpu: &Gpu, flags: fn(TlasDesc) -> TlasDesc) -> vkres::Result<(Blas, Tlas)> {
    let blas = built(gpu, |d| d)?;
    let mut batch = gpu.alloc().batch()?;
    let tlas = batch.build_tlas(&flags(
        TlasDesc::new("refitted").instances([TlasInstance::new(&blas), TlasInstance::new(&blas)]),
    ))?;
    batch.submit_and_wait()?;
    Ok((blas, tlas))
}

/// A built BLAS and a TLAS of `count` instances of it, built with `allow_update`: refits of
/// more than one block of records (64).
fn built_big_tlas(gpu: &Gpu, count: usize) -> vkres::Result<(Blas, Tlas)> {
    let blas = built(gpu, |d| d)?;
    let mut batch = gpu.alloc().batch()?;
    let tlas = batch.build_tlas(
        &TlasDesc::new("refitted").instances((0..count).map(|_| TlasInstance::new(&blas))).allow_update(),
    )?;
    batch.submit_and_wait()?;
    Ok((blas, tlas))
}

/// A refit of `tlas` with `instances`, recorded into a batch (dropped unsubmitted).
fn refit<'b>(gpu: &Gpu, tlas: &Tlas, instances: impl IntoIterator<Item = TlasInstanceRef<'b>>) -> vkres::Result<()> {
    gpu.alloc().batch()?.refit_tlas(tlas, instances)
}

/// Indices past the last of 3 vertices.
const BAD_INDICES: [u32; 3] = [0, 1, 3];

/// A derived BLAS whose index data (a constant the macro sees) addresses a vertex past the end.
#[derive(GpuResources)]
struct IndexedPastTheEnd {
    #[gpu(blas(vertices = vertices, indices = indices))]
    mesh: Blas,
    #[gpu(buffer(data = TRIANGLE))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(buffer(data = BAD_INDICES))]
    indices: Buffer<u32>,
}

/// The same with the indices an input.
#[derive(GpuResources)]
struct IndexedByInput {
    #[gpu(blas(vertices = vertices, indices = indices))]
    mesh: Blas,
    #[gpu(buffer(data = TRIANGLE))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(buffer(data = input))]
    indices: Buffer<u16>,
}

/// Index data of an expression that is no path (evaluated once, checked all the same).
#[derive(GpuResources)]
struct IndexedByExpression {
    #[gpu(blas(vertices = vertices, indices = indices))]
    mesh: Blas,
    #[gpu(buffer(data = TRIANGLE))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(buffer(data = [0u32, 1, 3]))]
    indices: Buffer<u32>,
}

/// Index data shorter than the index buffer the build reads: the rest was never written.
#[derive(GpuResources)]
struct IndexedPastTheData {
    #[gpu(blas(vertices = vertices, indices = indices))]
    mesh: Blas,
    #[gpu(buffer(data = TRIANGLE))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(buffer(data = [0u32, 1, 2], len = 6))]
    indices: Buffer<u32>,
}

/// Indices copied from a buffer whose data addresses a vertex past the end.
#[derive(GpuResources)]
struct IndexedByCopy {
    #[gpu(blas(vertices = vertices, indices = indices))]
    mesh: Blas,
    #[gpu(buffer(data = TRIANGLE))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = BAD_INDICES))]
    source: Buffer<u32>,
    #[gpu(buffer(copy = source))]
    indices: Buffer<u32>,
}

/// One BLAS per element of `buffers` collections: each element's index data is checked.
#[derive(GpuResources)]
struct IndexedCollection {
    #[gpu(blases(vertices = positions, indices = indices))]
    meshes: Vec<Blas>,
    #[gpu(buffers(data = input))]
    positions: Vec<Buffer<[f32; 3]>>,
    #[gpu(buffers(data = input))]
    indices: Vec<Buffer<u32>>,
}

/// BLASes of run-time geometry lists: each geometry's index buffer is checked.
#[derive(GpuResources)]
struct IndexedGeometries {
    #[gpu(blases(geometries = input, vertices = positions, indices = indices))]
    meshes: Vec<Blas>,
    #[gpu(buffers(data = input))]
    positions: Vec<Buffer<[f32; 3]>>,
    #[gpu(buffers(data = input))]
    indices: Vec<Buffer<u32>>,
}

const MAX_VERTEX: &str = "VkAccelerationStructureGeometryTrianglesDataKHR::maxVertex";

pub fn cases() -> Vec<Case> {
    vec![
        case!("build sizes with more counts than geometries", |gpu| {
            let vertices = vertices(gpu, INPUT);
            let data = vk::AccelerationStructureGeometryDataKHR {
                triangles: vk::AccelerationStructureGeometryTrianglesDataKHR::default()
                    .vertex_format(XYZ)
                    .vertex_stride(12)
                    .max_vertex(2)
                    .index_type(vk::IndexType::NONE_KHR),
            };
            let geometry = vk::AccelerationStructureGeometryKHR::default()
                .geometry_type(vk::GeometryTypeKHR::TRIANGLES)
                .geometry(data);
            drop(vertices);
            // SAFETY: one triangle geometry of a BLAS (its union member set with its
            // `s_type`, no `p_next`); the count mismatch is refused before Vulkan is called.
            unsafe {
                gpu.alloc().acceleration_structure_build_sizes(
                    vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL,
                    vk::BuildAccelerationStructureFlagsKHR::empty(),
                    &[geometry],
                    &[1, 2],
                )
            }
        } => Error::ValidUsage { vuid: "VUID-vkGetAccelerationStructureBuildSizesKHR-pBuildInfo-03619", .. }
            | Error::MissingFeature { .. }),
        case!("BLAS without geometry", |gpu| build(gpu, &BlasDesc::new("empty"))
            => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("BLAS vertices without build-input usage", |gpu| build(gpu, &BlasDesc::new("a")
            .triangles(TriangleGeometry::new(&vertices(gpu, vk::BufferUsageFlags::TRANSFER_DST), XYZ)))
            => Error::MissingUsage { .. } | Error::MissingFeature { .. }),
        case!("BLAS of R8 vertices", |gpu| build(gpu, &BlasDesc::new("a")
            .triangles(TriangleGeometry::new(&vertices(gpu, INPUT), vk::Format::R8_UNORM)))
            => Error::ValidUsage { vuid: "VUID-VkAccelerationStructureGeometryTrianglesDataKHR-vertexFormat-03797", .. }
                | Error::MissingFeature { .. }),
        case!("BLAS of 6 vertices in a buffer of 3", |gpu| build(gpu, &BlasDesc::new("a").triangles(triangle(gpu).vertex_range(0, 6)))
            => Error::DataTooLarge { .. } | Error::MissingFeature { .. }),
        case!("BLAS of vertices from byte 4", |gpu| build(gpu, &BlasDesc::new("a").triangles(triangle(gpu).vertex_range(4, 3)))
            => Error::DataTooLarge { .. } | Error::MissingFeature { .. }),
        case!("BLAS of u64::MAX vertices", |gpu| build(gpu, &BlasDesc::new("a").triangles(triangle(gpu).vertex_range(0, u64::MAX)))
            => Error::Overflow { .. } | Error::MissingFeature { .. }),
        case!("BLAS index past the last vertex", |gpu| {
            let indices = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<u32>(3, INPUT), &BAD_INDICES)?;
            build(gpu, &BlasDesc::new("indexed").triangles(triangle(gpu).indices_with_data(&indices, &BAD_INDICES)))
        } => Error::ValidUsage { vuid: "VkAccelerationStructureGeometryTrianglesDataKHR::maxVertex", .. }
            | Error::MissingFeature { .. }),
        case!("derived BLAS index past the last vertex (constant)", |gpu| IndexedPastTheEnd::create(gpu.alloc())
            => Error::ValidUsage { vuid: "VkAccelerationStructureGeometryTrianglesDataKHR::maxVertex", .. }
                | Error::MissingFeature { .. }),
        case!("derived BLAS index past the last vertex (input)", |gpu| IndexedByInput::create(
            gpu.alloc(), IndexedByInputInputs { indices: &[0u16, 2, 7] })
            => Error::ValidUsage { vuid: "VkAccelerationStructureGeometryTrianglesDataKHR::maxVertex", .. }
                | Error::MissingFeature { .. }),
        case!("derived BLAS index past the last vertex (array expression)", |gpu| IndexedByExpression::create(gpu.alloc())
            => Error::ValidUsage { vuid: MAX_VERTEX, .. } | Error::MissingFeature { .. }),
        case!("derived BLAS reading indices past its data (len 6, 3 given)", |gpu| IndexedPastTheData::create(gpu.alloc())
            => Error::ValidUsage { vuid: MAX_VERTEX, .. } | Error::MissingFeature { .. }),
        case!("derived BLAS index past the last vertex (copied buffer)", |gpu| IndexedByCopy::create(gpu.alloc())
            => Error::ValidUsage { vuid: MAX_VERTEX, .. } | Error::MissingFeature { .. }),
        case!("derived BLAS collection, second element's index past its vertices", |gpu| IndexedCollection::create(
            gpu.alloc(), IndexedCollectionInputs {
                positions: vec![&TRIANGLE, &TRIANGLE],
                indices: vec![&[0, 1, 2], &[0, 1, 3]],
            })
            => Error::ValidUsage { vuid: MAX_VERTEX, .. } | Error::MissingFeature { .. }),
        case!("derived run-time geometry index past its vertices", |gpu| IndexedGeometries::create(
            gpu.alloc(), IndexedGeometriesInputs {
                meshes: vec![vec![vkres::GeometryInput::new(0).indexed(1)]],
                positions: vec![&TRIANGLE],
                indices: vec![&[0, 1, 2], &[2, 1, 9]],
            })
            => Error::ValidUsage { vuid: MAX_VERTEX, .. } | Error::MissingFeature { .. }),
        case!("BLAS indices_with_data covering 3 of 6 indices", |gpu| {
            let indices = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<u32>(6, INPUT), &[0u32, 1, 2, 0, 1, 2])?;
            build(gpu, &BlasDesc::new("a").triangles(triangle(gpu).indices_with_data(&indices, &[0, 1, 2])))
        } => Error::ValidUsage { vuid: MAX_VERTEX, .. } | Error::MissingFeature { .. }),
        case!("BLAS of no vertices", |gpu| build(gpu, &BlasDesc::new("a").triangles(triangle(gpu).vertex_range(0, 0)))
            => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("BLAS vertex stride 2", |gpu| build(gpu, &BlasDesc::new("a").triangles(triangle(gpu).stride(2)))
            => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("BLAS of triangles and boxes", |gpu| {
            let boxes = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<Aabb>(1, INPUT), &[Aabb::default()])?;
            build(gpu, &BlasDesc::new("mixed").triangles(triangle(gpu)).aabbs(AabbGeometry::new(&boxes)))
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("BLAS transform past its buffer", |gpu| {
            let transforms = gpu.alloc().create_buffer_with_data(
                &BufferDesc::elements::<Transform3x4>(1, INPUT), &[Transform3x4::IDENTITY])?;
            build(gpu, &BlasDesc::new("moved").triangles(triangle(gpu).transform(&transforms, u64::MAX)))
        } => Error::DataTooLarge { .. } | Error::MissingFeature { .. }),
        case!("AABBs of stride 20", |gpu| {
            let boxes = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<Aabb>(2, INPUT), &[Aabb::default(); 2])?;
            build(gpu, &BlasDesc::new("boxes").aabbs(AabbGeometry::strided(&boxes.as_bytes(), 0, 20, 2)))
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("no AABBs", |gpu| {
            let boxes = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<Aabb>(1, INPUT), &[Aabb::default()])?;
            build(gpu, &BlasDesc::new("boxes").aabbs(AabbGeometry::strided(&boxes.as_bytes(), 0, 24, 0)))
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("AABBs past their buffer", |gpu| {
            let boxes = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<Aabb>(1, INPUT), &[Aabb::default()])?;
            build(gpu, &BlasDesc::new("boxes").aabbs(AabbGeometry::strided(&boxes.as_bytes(), 0, 24, 2)))
        } => Error::DataTooLarge { .. } | Error::MissingFeature { .. }),
        case!("TLAS without instances", |gpu| gpu.alloc().batch()?.build_tlas(&TlasDesc::new("empty")).map(drop)
            => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS instance index of 25 bits", |gpu| {
            let blas = built(gpu, |d| d)?;
            gpu.alloc().batch()?.build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&blas).custom_index(1 << 24))).map(drop)
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS instance SBT offset of 25 bits", |gpu| {
            let blas = built(gpu, |d| d)?;
            gpu.alloc().batch()?.build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&blas).sbt_offset(1 << 24))).map(drop)
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS instance with a flag bit no Vulkan defines", |gpu| {
            let blas = built(gpu, |d| d)?;
            let instance = TlasInstance::new(&blas).flags(vk::GeometryInstanceFlagsKHR::from_raw(1 << 6));
            gpu.alloc().batch()?.build_tlas(&TlasDesc::new("t").instance(instance)).map(drop)
        } => Error::ValidUsage { vuid: "VUID-VkAccelerationStructureInstanceKHR-flags-parameter", .. }
            | Error::MissingFeature { feature: "VK_KHR_acceleration_structure", .. }),
        case!("TLAS instance with DISABLE_OPACITY_MICROMAPS_EXT without VK_EXT_opacity_micromap", |gpu| {
            let blas = built(gpu, |d| d)?;
            let instance = TlasInstance::new(&blas).flags(vk::GeometryInstanceFlagsKHR::DISABLE_OPACITY_MICROMAPS_EXT);
            gpu.alloc().batch()?.build_tlas(&TlasDesc::new("t").instance(instance)).map(drop)
        } => Error::MissingFeature { feature: "VK_EXT_opacity_micromap" | "VK_KHR_acceleration_structure", .. }),
        case!("TLAS refit instance with FORCE_OPACITY_MICROMAP_2_STATE_EXT without the extension", |gpu| {
            let (blas, tlas) = built_tlas(gpu, TlasDesc::allow_update)?;
            let flags = vk::GeometryInstanceFlagsKHR::FORCE_OPACITY_MICROMAP_2_STATE_EXT;
            refit(gpu, &tlas, [TlasInstanceRef::new(&blas).flags(flags), TlasInstanceRef::new(&blas)])
        } => Error::MissingFeature { feature: "VK_EXT_opacity_micromap" | "VK_KHR_acceleration_structure", .. }),
        case!("TLAS of a BLAS never built", |gpu| {
            let unbuilt = build(gpu, &BlasDesc::new("unbuilt").triangles(triangle(gpu)))?;
            gpu.alloc().batch()?.build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&unbuilt))).map(drop)
        } => Error::NotReady { .. } | Error::MissingFeature { .. }),
        case!("update of a BLAS built without allow_update", |gpu| {
            let blas = built(gpu, |d| d)?;
            gpu.alloc().batch()?.update_blas(&blas, &BlasDesc::new("u").triangles(triangle(gpu)))
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS refit with fewer instances than its build", |gpu| {
            let (blas, tlas) = built_tlas(gpu, TlasDesc::allow_update)?;
            refit(gpu, &tlas, [TlasInstanceRef::new(&blas)])
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS refit with more instances than its build", |gpu| {
            let (blas, tlas) = built_tlas(gpu, TlasDesc::allow_update)?;
            refit(gpu, &tlas, [TlasInstanceRef::new(&blas); 3])
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS refit with no instances", |gpu| {
            let (_, tlas) = built_tlas(gpu, TlasDesc::allow_update)?;
            refit(gpu, &tlas, [])
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS refit instance index of 25 bits", |gpu| {
            let (blas, tlas) = built_tlas(gpu, TlasDesc::allow_update)?;
            refit(gpu, &tlas, [TlasInstanceRef::new(&blas), TlasInstanceRef::new(&blas).custom_index(1 << 24)])
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS refit of a TLAS built without allow_update", |gpu| {
            let (blas, tlas) = built_tlas(gpu, |d| d)?;
            refit(gpu, &tlas, [TlasInstanceRef::new(&blas); 2])
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS refit placing a BLAS never built", |gpu| {
            let (blas, tlas) = built_tlas(gpu, TlasDesc::allow_update)?;
            let unbuilt = build(gpu, &BlasDesc::new("unbuilt").triangles(triangle(gpu)))?;
            refit(gpu, &tlas, [TlasInstanceRef::new(&blas), TlasInstanceRef::new(&unbuilt)])
        } => Error::NotReady { .. } | Error::MissingFeature { .. }),
        case!("TLAS refit of 130 instances with an endless iterator", |gpu| {
            let (blas, tlas) = built_big_tlas(gpu, 130)?;
            refit(gpu, &tlas, std::iter::repeat(TlasInstanceRef::new(&blas)))
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS refit of 130 instances with 129", |gpu| {
            let (blas, tlas) = built_big_tlas(gpu, 130)?;
            refit(gpu, &tlas, std::iter::repeat_n(TlasInstanceRef::new(&blas), 129))
        } => Error::InvalidDescription { .. } | Error::MissingFeature { .. }),
        case!("TLAS refit of 130 instances, instance 100's SBT offset of 25 bits", |gpu| {
            let (blas, tlas) = built_big_tlas(gpu, 130)?;
            let bad = |i: usize| if i == 100 { 1 << 24 } else { 0 };
            refit(gpu, &tlas, (0..130).map(|i| TlasInstanceRef::new(&blas).sbt_offset(bad(i))))
        } => e @ (Error::InvalidDescription { .. } | Error::MissingFeature { .. })
            if matches!(e, Error::MissingFeature { .. }) || e.to_string().contains("instance 100")),
        case!("compaction of a BLAS built without allow_compaction", |gpu| {
            let blas = built(gpu, |d| d)?;
            gpu.alloc().compact(&[blas]).map(drop)
        } => Error::ValidUsage { vuid: "VUID-VkCopyAccelerationStructureInfoKHR-src-03411", .. } | Error::MissingFeature { .. }),
    ]
}

#[test]
fn accel_cases() {
    super::run("accel", cases);
}
