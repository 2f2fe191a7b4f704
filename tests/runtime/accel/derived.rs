//! The acceleration-structure issue's scene from one `#[derive(GpuResources)]` struct: vertex
//! and index buffers from run-time inputs, boxes, two textures with the same sampler
//! description, three BLASes and a TLAS, created with exactly one submission, then traced by the
//! ray-query shader and compared with the CPU reference.

use vkres::{Aabb, Blas, Buffer, DescriptorKind, GpuResources, Texture, Tlas, Transform3x4};

use super::reference;
use super::scene::{self, BlasData, SceneData};
use crate::support::Gpu;

/// 4x4 RGBA texels.
const TEXELS: [u8; 64] = [0x80; 64];

/// Where instance `i` of the reference scene is placed.
fn placed(i: usize) -> Transform3x4 {
    SceneData::new().instances[i].transform
}

#[derive(GpuResources)]
struct TracedScene {
    // Declared after the structures that read them: the order comes from the references.
    #[gpu(tlas(
        instance(blas = fan_blas, transform = placed(0), custom_index = 10),
        instance(blas = fan_blas, transform = placed(1), custom_index = 11),
        instance(blas = pyramid_blas, transform = placed(2), custom_index = 20),
        instance(blas = pyramid_blas, transform = placed(3), custom_index = 21),
        instance(blas = boxes_blas, transform = placed(4), custom_index = 30),
        instance(blas = fan_blas, transform = placed(5), custom_index = 40, mask = 0xFF),
    ), binding = 0, stages = COMPUTE)]
    tlas: Tlas,
    #[gpu(blas(vertices = fan, allow_compaction))]
    fan_blas: Blas,
    #[gpu(blas(vertices = pyramid, format = R32G32B32_SFLOAT, indices = pyramid_indices, prefer = fast_trace))]
    pyramid_blas: Blas,
    #[gpu(blas(aabbs = boxes))]
    boxes_blas: Blas,
    #[gpu(buffer(data = input))]
    fan: Buffer<[f32; 3]>,
    #[gpu(buffer(data = input))]
    pyramid: Buffer<[f32; 3]>,
    #[gpu(buffer(data = input))]
    pyramid_indices: Buffer<u16>,
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input), binding = 3, stages = COMPUTE)]
    boxes: Buffer<Aabb>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], data = TEXELS, sampler(filter = linear)))]
    albedo: Texture,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], data = TEXELS, sampler(filter = linear)))]
    roughness: Texture,
}

#[test]
fn derived_scene_is_one_submission_and_traces_like_the_reference() {
    let Some(gpu) = Gpu::with_accel() else { return };
    // The reference scene without the second geometry of its indexed BLAS (a derived BLAS has
    // one geometry).
    let mut data = SceneData::new();
    let BlasData::Triangles(meshes) = &mut data.blases[1] else { unreachable!() };
    meshes.truncate(1);
    let BlasData::Triangles(fan) = &data.blases[0] else { unreachable!() };
    let BlasData::Triangles(pyramid) = &data.blases[1] else { unreachable!() };
    let BlasData::Boxes(boxes) = &data.blases[2] else { unreachable!() };
    let indices: Vec<u16> = pyramid[0].indices.as_ref().unwrap().iter().map(|&i| i as u16).collect();

    let samplers = gpu.alloc().sampler_pool().created();
    let submissions = gpu.ctx().submission_count();
    let bundle = TracedScene::create(
        gpu.alloc(),
        TracedSceneInputs { fan: &fan[0].positions, pyramid: &pyramid[0].positions, pyramid_indices: &indices, boxes },
    )
    .expect("create");
    assert_eq!(gpu.ctx().submission_count() - submissions, 1, "uploads, BLAS and TLAS builds in one submission");
    assert_eq!(gpu.alloc().sampler_pool().created() - samplers, 1, "one VkSampler for the two textures");
    assert_eq!(bundle.albedo.sampler().handle(), bundle.roughness.sampler().handle());
    assert!(bundle.tlas.is_built() && bundle.tlas.blases().len() == 3);
    assert_eq!(bundle.tlas.name(), "TracedScene.tlas");
    let bindings = TracedScene::descriptor_bindings();
    assert!(bindings.iter().any(|b| b.binding == 0 && b.kind == DescriptorKind::AccelerationStructure));

    if !gpu.has_ray_query() {
        return;
    }
    let rays = SceneData::rays();
    let hits = scene::trace(&gpu, &bundle.tlas, &bundle.boxes, &rays);
    let (compared, hit, ambiguous) = reference::compare(&data, &rays, &hits);
    println!("derived scene: {compared} rays compared ({hit} hits), {ambiguous} too close to call");
    assert!(ambiguous * 50 < rays.len() && hit > rays.len() / 2);
}
