//! `#[derive(GpuResources)]` beyond buffers: textures (data, generated mips, arrays, storage
//! images, paired and inline samplers), pooled samplers, shader modules, nested bundles and
//! run-time inputs; every texture downloaded through the device and compared byte for byte.

use bytemuck::{Pod, Zeroable};
use vkres::{Buffer, GpuResources, ImageView, Sampler, ShaderModule, Texture, vk};

use crate::kernel::{ComputePipeline, main_stage};
use crate::support::{Gpu, noise};

fn checker(side: u32) -> Vec<u8> {
    (0..side * side)
        .flat_map(|i| if (i % side + i / side) % 2 == 0 { [255, 255, 255, 255] } else { [0, 0, 0, 255] })
        .collect()
}

#[derive(GpuResources)]
struct Materials {
    #[gpu(sampler(filter = linear, address = repeat))]
    linear: Sampler,
    /// Paired with the `linear` field.
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [8, 8], usage = SAMPLED | TRANSFER_SRC, data = checker(8), sampler = linear))]
    albedo: Texture,
    /// An inline sampler of the same description: the pool hands out the same `VkSampler`.
    #[gpu(texture(
        format = R8G8B8A8_UNORM,
        extent = [16, 16],
        mips = generate,
        usage = SAMPLED | TRANSFER_SRC,
        data = noise(16 * 16 * 4, 7),
        sampler(filter = linear, mipmap = linear, address = repeat)
    ))]
    detail: Texture,
    #[gpu(sampler(filter = nearest, address = clamp_to_edge, max_lod = 0.0))]
    nearest: Sampler,
    /// Two layers, both mips given, no sampler: an image view.
    #[gpu(texture(
        format = R8_UNORM,
        extent = [4, 4],
        mips = 2,
        layers = 2,
        view = TYPE_2D_ARRAY,
        usage = SAMPLED | TRANSFER_SRC,
        data = noise((16 + 4) * 2, 9)
    ))]
    layered: ImageView,
    /// No data: a storage image, left in `GENERAL`.
    #[gpu(texture(format = R32_SFLOAT, extent = [4, 4, 4], usage = STORAGE | TRANSFER_SRC))]
    volume: ImageView,
}

#[test]
fn textures_and_samplers_upload_and_share() {
    let gpu = Gpu::new();
    let before = gpu.ctx().submission_count();
    let m = Materials::create(gpu.alloc()).expect("materials");
    assert_eq!(gpu.ctx().submission_count() - before, 1, "one submission");

    assert_eq!(gpu.download(m.albedo.image()), checker(8));
    let detail = gpu.download(m.detail.image());
    assert_eq!(m.detail.image().desc().mip_levels, 5, "a full chain for 16x16");
    assert_eq!(detail.len(), (16 * 16 + 8 * 8 + 4 * 4 + 2 * 2 + 1) * 4, "every level downloaded");
    assert_eq!(&detail[..16 * 16 * 4], noise(16 * 16 * 4, 7).as_slice(), "level 0 as given");
    // Generated level 1 of an average: not all zero where level 0 is noise.
    assert!(detail[16 * 16 * 4..].iter().any(|&b| b != 0), "generated mips have contents");
    assert_eq!(gpu.download(m.layered.image()), noise(40, 9));
    assert_eq!(m.layered.view_type(), vk::ImageViewType::TYPE_2D_ARRAY);
    assert_eq!(gpu.download(m.volume.image()).len(), 4 * 4 * 4 * 4);

    // Usage inferred, layouts as the schema says, names after the fields.
    let albedo = m.albedo.image();
    assert!(albedo.desc().usage.contains(vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED));
    assert!(!m.volume.image().desc().usage.contains(vk::ImageUsageFlags::TRANSFER_DST), "no data, no upload usage");
    assert_eq!(albedo.layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);
    assert_eq!(m.volume.image().layout(), vk::ImageLayout::GENERAL);
    assert_eq!(m.volume.image().desc().ty, vk::ImageType::TYPE_3D);
    assert_eq!(albedo.desc().name, "Materials.albedo");

    // Two descriptions, two samplers: `linear`, `albedo` and `detail` share one.
    assert_eq!(gpu.alloc().sampler_pool().created(), 2);
    assert_eq!(m.albedo.sampler().handle(), m.linear.handle());
    assert_eq!(m.detail.sampler().handle(), m.linear.handle());
    assert_ne!(m.nearest.handle(), m.linear.handle());
    assert_eq!(m.nearest.desc().max_lod, 0.0);
    drop(m);
    assert_eq!(gpu.alloc().sampler_pool().live(), 0, "the bundle released its samplers");
}

#[derive(GpuResources)]
struct Shaders {
    #[gpu(shader(path = "tests/fixtures/empty_compute.spv"))]
    compute: ShaderModule,
}

#[test]
fn shader_module_makes_a_pipeline() {
    let gpu = Gpu::new();
    let shaders = Shaders::create(gpu.alloc()).expect("shaders");
    assert_ne!(shaders.compute.handle(), vk::ShaderModule::null());
    assert_eq!(shaders.compute.name(), "Shaders.compute");
    // A pipeline made from the module, destroyed (on drop) before the module.
    let pipeline = ComputePipeline::new(gpu.ctx().device(), main_stage(shaders.compute.handle()), &[], &[]);
    assert_ne!(pipeline.pipeline(), vk::Pipeline::null());
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Pod, Zeroable)]
struct Vertex {
    position: [f32; 3],
}

#[derive(GpuResources)]
struct Mesh {
    #[gpu(buffer(usage = VERTEX | TRANSFER_SRC, data = input))]
    vertices: Buffer<Vertex>,
    #[gpu(buffer(usage = INDEX | TRANSFER_SRC, data = [0u16, 1, 2]))]
    indices: Buffer<u16>,
}

#[derive(GpuResources)]
struct Loaded {
    /// Staged first, so that a failing texture after it must release staged work.
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = input))]
    weights: Buffer<f32>,
    #[gpu(texture(format = R8G8B8A8_SRGB, extent = [4, 2], usage = SAMPLED | TRANSFER_SRC, data = input, sampler(filter = nearest)))]
    pixels: Texture,
    /// A nested bundle with inputs of its own.
    #[gpu(bundle(inputs))]
    mesh: Mesh,
    /// A nested bundle without inputs.
    #[gpu(bundle)]
    shaders: Shaders,
}

#[test]
fn run_time_inputs_and_nested_bundles() {
    let gpu = Gpu::new();
    let vertices = [Vertex { position: [1.0, 2.0, 3.0] }, Vertex { position: [4.0, 5.0, 6.0] }];
    let pixels = noise(4 * 2 * 4, 3);
    let weights: Vec<f32> = (0..100).map(|i| i as f32 * 0.5).collect();
    let before = gpu.ctx().submission_count();
    let loaded = Loaded::create(
        gpu.alloc(),
        LoadedInputs { pixels: &pixels, weights: &weights, mesh: MeshInputs { vertices: &vertices } },
    )
    .expect("loaded");
    assert_eq!(gpu.ctx().submission_count() - before, 1, "the nested bundle shares the submission");
    assert_eq!(gpu.download(loaded.pixels.image()), pixels);
    assert_eq!(gpu.read_back(&loaded.weights), bytemuck::cast_slice::<_, u8>(&weights));
    assert_eq!(gpu.read_back(&loaded.mesh.vertices), bytemuck::cast_slice::<_, u8>(&vertices));
    assert_eq!(gpu.read_back(&loaded.mesh.indices), bytemuck::cast_slice::<_, u8>(&[0u16, 1, 2]));
    assert_eq!(loaded.mesh.vertices.name(), "Mesh.vertices", "a nested bundle names its own fields");
    assert_ne!(loaded.shaders.compute.handle(), vk::ShaderModule::null());

    // Other inputs, other contents: the data is the caller's, not the schema's.
    let other = [Vertex { position: [9.0; 3] }];
    let again = Mesh::create(gpu.alloc(), MeshInputs { vertices: &other }).expect("mesh");
    assert_eq!(gpu.read_back(&again.vertices), bytemuck::cast_slice::<_, u8>(&other));
}

#[test]
fn wrong_sized_input_is_an_error_and_leaks_nothing() {
    let gpu = Gpu::new();
    let pixels = vec![0u8; 3]; // 4x2 RGBA needs 32 bytes
    let mesh = MeshInputs { vertices: &[Vertex { position: [0.0; 3] }] };
    let err = Loaded::create(gpu.alloc(), LoadedInputs { pixels: &pixels, weights: &[1.0], mesh })
        .map(|_| ())
        .expect_err("3 bytes for a 4x2 RGBA texture");
    assert!(
        matches!(&err, vkres::Error::ImageDataSize { name, expected: 32, given: 3 } if name == "Loaded.pixels"),
        "{err}"
    );
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new(), "rolled back");
    assert_eq!(gpu.alloc().sampler_pool().live(), 0, "the sampler made before the failure is released");
}
