//! Every kind and form of the schema compiles; the generated items have the documented types.
use vkres::{Buffer, DescriptorBinding, DescriptorWrites, GpuResources, ImageView, Sampler, ShaderModule, Texture, vk};

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Vertex {
    position: [f32; 3],
}

const SIDE: u32 = 4;
static PIXELS: [u8; 64] = [7; 64];

#[derive(GpuResources)]
pub struct Mesh {
    #[gpu(buffer(usage = VERTEX, data = input))]
    vertices: Buffer<Vertex>,
    #[gpu(buffer(usage = INDEX, data = [0u32, 1, 2]))]
    indices: Buffer<u32>,
}

#[derive(GpuResources)]
struct Scene {
    #[gpu(texture(
        format = R8G8B8A8_SRGB,
        extent = [SIDE, SIDE],
        mips = generate,
        usage = SAMPLED | TRANSFER_SRC,
        data = PIXELS,
        sampler = linear,
        layout = SHADER_READ_ONLY_OPTIMAL,
        location = device
    ), binding = 0, stages = FRAGMENT)]
    albedo: Texture,
    #[gpu(sampler(
        filter = linear,
        mipmap = nearest,
        address = clamp_to_border,
        address_w = repeat,
        anisotropy = 4.0,
        min_lod = 0.0,
        max_lod = 8.0,
        lod_bias = 0.0,
        compare = less,
        border = float_opaque_white
    ))]
    linear: Sampler,
    #[gpu(texture(format = R8_UNORM, extent = [8], layers = 2, view = TYPE_1D_ARRAY, data = input), binding = 1)]
    ramp: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], layers = 6, view = CUBE, sampler))]
    sky: Texture,
    #[gpu(texture(format = R32_SFLOAT, extent = [4, 4, 4], mips = 3, usage = STORAGE), binding = 2, stages = COMPUTE)]
    volume: ImageView,
    #[gpu(buffer(usage = UNIFORM, data = [[0.5f32; 4]]), binding = 3, stages = VERTEX | FRAGMENT)]
    params: Buffer<[f32; 4]>,
    #[gpu(buffer(usage = STORAGE, copy = params, size = 64), binding = 4, stages = COMPUTE)]
    copy: Buffer,
    #[gpu(sampler(filter = nearest), binding = 5)]
    nearest: Sampler,
    #[gpu(shader(path = "../../../../tests/fixtures/empty_compute.spv"))]
    module: ShaderModule,
    #[gpu(bundle(inputs))]
    mesh: Mesh,
}

fn main() {
    let _: fn(&vkres::ResourceAllocator, SceneInputs<'_>) -> vkres::Result<Scene> = Scene::create;
    let _: fn(&mut vkres::Batch<'_>, SceneInputs<'_>) -> vkres::Result<Scene> = Scene::record;
    let _: fn(&vkres::ResourceAllocator, SceneInputs<'_>) -> vkres::Result<Scene> = <Scene as GpuResources>::create;
    let vertices = [Vertex { position: [0.0; 3] }];
    let _inputs = SceneInputs { ramp: &[0u8; 16], mesh: MeshInputs { vertices: &vertices } };
    let bindings: Vec<DescriptorBinding> = Scene::descriptor_bindings();
    assert_eq!(bindings.len(), 6);
    let _: fn(&Scene, vk::DescriptorSet) -> DescriptorWrites = Scene::write_descriptors;
}
