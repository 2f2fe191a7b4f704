//! Collections in a derived schema (issue 17): `#[gpu(bundles)]` (a `Vec` of nested bundles,
//! each from its own inputs) and `#[gpu(buffers(...))]` (a `Vec` of buffers, one per input
//! slice), all recorded into the bundle's one batch and released in reverse order.

use vkres::{Buffer, GpuResources};

use crate::support::Gpu;

/// One primitive of a mesh: its vertices and indices from run time.
#[derive(GpuResources)]
struct Primitive {
    #[gpu(buffer(usage = VERTEX | TRANSFER_SRC, data = input))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(buffer(usage = INDEX | TRANSFER_SRC, data = input))]
    indices: Buffer<u32>,
}

/// A sub-bundle without inputs: its inputs are `()`, one per element.
#[derive(GpuResources)]
struct Light {
    #[gpu(buffer(usage = UNIFORM | TRANSFER_SRC, data = [[1.0f32, 0.5, 0.25, 1.0]]))]
    colour: Buffer<[f32; 4]>,
}

#[derive(GpuResources)]
struct Scene {
    #[gpu(bundles)]
    primitives: Vec<Primitive>,
    #[gpu(buffers(usage = STORAGE_BUFFER | TRANSFER_SRC, data = input))]
    materials: Vec<Buffer<[f32; 4]>>,
    #[gpu(bundles)]
    lights: Vec<Light>,
    #[gpu(buffer(usage = UNIFORM | TRANSFER_SRC, data = [7u32]))]
    globals: Buffer<u32>,
}

struct Data {
    vertices: Vec<Vec<[f32; 3]>>,
    indices: Vec<Vec<u32>>,
    materials: Vec<Vec<[f32; 4]>>,
}

impl Data {
    fn new(primitives: usize, materials: usize) -> Self {
        let vertices = (0..primitives).map(|p| (0..3 + p).map(|v| [p as f32, v as f32, 1.0]).collect()).collect();
        let indices = (0..primitives).map(|p| (0..3 * (p as u32 + 1)).collect()).collect();
        let materials = (0..materials).map(|m| vec![[m as f32; 4]; m + 1]).collect();
        Self { vertices, indices, materials }
    }

    fn inputs(&self, lights: usize) -> SceneInputs<'_> {
        SceneInputs {
            primitives: self
                .vertices
                .iter()
                .zip(&self.indices)
                .map(|(vertices, indices)| PrimitiveInputs { vertices, indices })
                .collect(),
            materials: self.materials.iter().map(Vec::as_slice).collect(),
            lights: vec![(); lights],
        }
    }
}

#[test]
fn collections_are_created_from_their_inputs_in_one_submission() {
    let gpu = Gpu::new();
    let data = Data::new(4, 3);
    let before = gpu.ctx().submission_count();
    let scene = Scene::create(gpu.alloc(), data.inputs(2)).expect("scene");
    assert_eq!(gpu.ctx().submission_count() - before, 1, "every element shares the one submission");
    assert_eq!(scene.primitives.len(), 4);
    assert_eq!(scene.materials.len(), 3);
    assert_eq!(scene.lights.len(), 2);
    for (i, primitive) in scene.primitives.iter().enumerate() {
        assert_eq!(gpu.read_back(&primitive.vertices), bytemuck::cast_slice::<_, u8>(&data.vertices[i]), "{i}");
        assert_eq!(gpu.read_back(&primitive.indices), bytemuck::cast_slice::<_, u8>(&data.indices[i]), "{i}");
        assert_eq!(primitive.vertices.name(), "Primitive.vertices");
    }
    for (i, material) in scene.materials.iter().enumerate() {
        assert_eq!(material.len(), i as u64 + 1, "each buffer as large as its slice");
        assert_eq!(gpu.read_back(material), bytemuck::cast_slice::<_, u8>(&data.materials[i]), "{i}");
        assert_eq!(material.name(), "Scene.materials");
    }
    for light in &scene.lights {
        assert_eq!(gpu.read_back(&light.colour), bytemuck::cast_slice::<_, u8>(&[[1.0f32, 0.5, 0.25, 1.0]]));
    }
    assert_eq!(gpu.read_back(&scene.globals), 7u32.to_ne_bytes());
    drop(scene);
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new());
}

#[test]
fn empty_collections_are_empty() {
    let gpu = Gpu::new();
    let scene = Scene::create(gpu.alloc(), Data::new(0, 0).inputs(0)).expect("scene");
    assert!(scene.primitives.is_empty() && scene.materials.is_empty() && scene.lights.is_empty());
    assert_eq!(gpu.read_back(&scene.globals), 7u32.to_ne_bytes());
}

#[test]
fn a_bad_element_is_a_typed_error_and_releases_the_others() {
    let gpu = Gpu::new();
    let mut data = Data::new(3, 3);
    // The last material is empty: a zero-sized buffer is a typed error, reported after
    // every primitive and two materials were made; they must all be released.
    data.materials[2].clear();
    let err = Scene::create(gpu.alloc(), data.inputs(1)).map(|_| ()).expect_err("an empty buffer");
    assert!(matches!(&err, vkres::Error::ZeroSize { name, kind: "buffer" } if name == "Scene.materials"), "{err}");
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new(), "rolled back");
}

#[test]
fn every_failed_allocation_of_a_collection_bundle_leaks_nothing() {
    let gpu = Gpu::new();
    let data = Data::new(3, 2);
    let points = crate::faults::sweep_allocations(&gpu, |alloc| Scene::create(alloc, data.inputs(2)));
    // 3 x 2 primitive buffers, 2 materials, 2 lights, the globals, and staging.
    assert!(points >= 11, "{points} allocation fault points");
    println!("FIGURE collection bundle allocation faults: {points} injected, {points} survived");
}

#[test]
fn every_failed_object_creation_of_a_collection_bundle_leaks_nothing() {
    let gpu = Gpu::new();
    let (alloc, ctx) = (gpu.alloc().clone(), gpu.ctx().clone());
    let data = Data::new(3, 2);
    let before = ctx.faults_injected();
    let make = || Scene::create(&alloc, data.inputs(2));
    let points = crate::faults::sweep_object_creation(&gpu, &alloc, make);
    // Buffers are no Vulkan objects of their own here; the submission is (the command buffer
    // comes from the recycled pool the warm-up made).
    assert!(points >= 1, "{points} object-creation fault points");
    assert_eq!(ctx.faults_injected() - before, points);
    println!("FIGURE collection bundle object-creation faults: {points} injected, {points} survived");
}

/// Textures of different sizes and formats from run time, one sampler for all, bound as one
/// array; and storage images without data.
#[derive(GpuResources)]
struct Materials {
    #[gpu(textures(usage = SAMPLED | TRANSFER_SRC, sampler(filter = nearest)), binding = 0)]
    albedo: Vec<vkres::Texture>,
    #[gpu(textures(usage = SAMPLED | TRANSFER_SRC, mips = generate, sampler(filter = linear)))]
    mipped: Vec<vkres::Texture>,
    #[gpu(textures(usage = STORAGE), binding = 1)]
    targets: Vec<vkres::ImageView>,
}

#[test]
fn textures_come_from_their_inputs() {
    use vkres::{TextureInput, vk};
    let gpu = Gpu::new();
    let a = crate::support::noise(4 * 2 * 4, 1);
    let b = crate::support::noise(8 * 8 + 4 * 4, 2); // R8, two levels
    let c = crate::support::noise(16 * 16 * 4, 3);
    let before = gpu.ctx().submission_count();
    let samplers = gpu.alloc().sampler_pool().created();
    let inputs = MaterialsInputs {
        albedo: vec![
            TextureInput::new(vk::Format::R8G8B8A8_UNORM, 4, 2, &a),
            TextureInput::new(vk::Format::R8_UNORM, 8, 8, &b).mips(2),
        ],
        mipped: vec![TextureInput::new(vk::Format::R8G8B8A8_UNORM, 16, 16, &c)],
        targets: vec![TextureInput { data: None, ..TextureInput::new(vk::Format::R32_SFLOAT, 8, 8, &[]) }],
    };
    let m = Materials::create(gpu.alloc(), inputs).expect("materials");
    assert_eq!(gpu.ctx().submission_count() - before, 1);
    assert_eq!(gpu.alloc().sampler_pool().created() - samplers, 2, "one sampler per description");
    assert_eq!(gpu.download(m.albedo[0].image()), a);
    assert_eq!(gpu.download(m.albedo[1].image()), b);
    assert_eq!(m.albedo[1].image().desc().format, vk::Format::R8_UNORM);
    assert_eq!(m.albedo[0].sampler().handle(), m.albedo[1].sampler().handle());
    assert_eq!(m.mipped[0].image().desc().mip_levels, 5, "a full chain generated from level 0");
    assert_eq!(m.targets[0].image().layout(), vk::ImageLayout::GENERAL);
    let bindings = m.descriptor_bindings();
    assert_eq!((bindings[0].count, bindings[0].kind), (2, vkres::DescriptorKind::CombinedImageSampler));
    assert_eq!((bindings[1].count, bindings[1].kind), (1, vkres::DescriptorKind::StorageImage));
    let writes = m.write_descriptors(vk::DescriptorSet::null());
    writes
        .with_writes(|w| {
            assert_eq!((w[0].descriptor_count, w[1].descriptor_count), (2, 1));
        })
        .expect("writes the checks accept");
}

#[test]
fn a_texture_element_that_does_not_fit_is_a_typed_error() {
    use vkres::{TextureInput, vk};
    let gpu = Gpu::new();
    let a = crate::support::noise(4 * 2 * 4, 1);
    let c = crate::support::noise(16 * 16 * 4, 3);
    let albedo = TextureInput::new(vk::Format::R8G8B8A8_UNORM, 4, 2, &a);
    let inputs = |mipped| MaterialsInputs { albedo: vec![albedo], mipped: vec![mipped], targets: Vec::new() };
    // Texels for 16x16, described as 16x8.
    let wrong = TextureInput::new(vk::Format::R8G8B8A8_UNORM, 16, 8, &c);
    let err = Materials::create(gpu.alloc(), inputs(wrong)).map(|_| ()).expect_err("wrong size");
    assert!(matches!(&err, vkres::Error::ImageDataSize { name, .. } if name == "Materials.mipped"), "{err}");
    // Levels given where the schema generates them.
    let two = TextureInput::new(vk::Format::R8G8B8A8_UNORM, 16, 16, &c).mips(2);
    let err = Materials::create(gpu.alloc(), inputs(two)).map(|_| ()).expect_err("mips given");
    assert!(matches!(&err, vkres::Error::InvalidDescription { name, .. } if name == "Materials.mipped"), "{err}");
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new(), "rolled back");
}

#[test]
fn every_failed_allocation_and_object_creation_of_a_texture_collection_leaks_nothing() {
    use vkres::{TextureInput, vk};
    let a = crate::support::noise(4 * 2 * 4, 1);
    let c = crate::support::noise(16 * 16 * 4, 3);
    let inputs = || MaterialsInputs {
        albedo: vec![
            TextureInput::new(vk::Format::R8G8B8A8_UNORM, 4, 2, &a),
            TextureInput::new(vk::Format::R8G8B8A8_UNORM, 4, 2, &a),
        ],
        mipped: vec![TextureInput::new(vk::Format::R8G8B8A8_UNORM, 16, 16, &c)],
        targets: vec![TextureInput { data: None, ..TextureInput::new(vk::Format::R32_SFLOAT, 8, 8, &[]) }],
    };
    {
        let gpu = Gpu::new();
        let points = crate::faults::sweep_allocations(&gpu, |alloc| Materials::create(alloc, inputs()));
        // Four images (the staging memory exists from the warm-up on).
        assert!(points >= 4, "{points} allocation fault points");
        println!("FIGURE texture collection allocation faults: {points} injected, {points} survived");
    }
    let gpu = Gpu::new();
    let make = || Materials::create(gpu.alloc(), inputs());
    let points = crate::faults::sweep_object_creation(&gpu, gpu.alloc(), make);
    // Four image views and the submission (the samplers are pooled after the warm-up).
    assert!(points >= 5, "{points} object-creation fault points");
    println!("FIGURE texture collection object-creation faults: {points} injected, {points} survived");
}

#[derive(GpuResources)]
struct ShapedTextures {
    #[gpu(textures(view = TYPE_3D, usage = STORAGE))]
    volumes: Vec<vkres::ImageView>,
    #[gpu(textures(view = CUBE, usage = SAMPLED | TRANSFER_SRC, sampler(filter = linear)))]
    skies: Vec<vkres::Texture>,
    #[gpu(textures(view = TYPE_2D_ARRAY, usage = SAMPLED | TRANSFER_SRC))]
    layered: Vec<vkres::ImageView>,
    #[gpu(textures(view = TYPE_1D, usage = SAMPLED | TRANSFER_SRC))]
    ramps: Vec<vkres::ImageView>,
}

/// Texture collections other than 2D (issue 17 leftovers): 3D (depth from each input), cube
/// (six layers, square), 2D arrays and 1D, their texels uploaded and read back.
#[test]
fn texture_collections_of_every_shape() {
    use vkres::{TextureInput, vk};
    let gpu = Gpu::new();
    let rgba = vk::Format::R8G8B8A8_UNORM;
    let sky = crate::support::noise(4 * 4 * 4 * 6, 4);
    let layers = crate::support::noise(8 * 4 * 4 * 3, 5);
    let ramp = crate::support::noise(16 * 4, 6);
    let inputs = ShapedTexturesInputs {
        volumes: vec![TextureInput { data: None, ..TextureInput::new(vk::Format::R32_SFLOAT, 4, 4, &[]).depth(8) }],
        skies: vec![TextureInput::new(rgba, 4, 4, &sky).layers(6)],
        layered: vec![TextureInput::new(rgba, 8, 4, &layers).layers(3)],
        ramps: vec![TextureInput::new(rgba, 16, 1, &ramp)],
    };
    let t = ShapedTextures::create(gpu.alloc(), inputs).expect("textures");
    let volume = t.volumes[0].image().desc();
    assert_eq!((volume.ty, volume.extent.depth), (vk::ImageType::TYPE_3D, 8));
    assert_eq!(t.volumes[0].view_type(), vk::ImageViewType::TYPE_3D);
    assert_eq!(t.skies[0].view().view_type(), vk::ImageViewType::CUBE);
    assert!(t.skies[0].view().image().desc().flags.contains(vk::ImageCreateFlags::CUBE_COMPATIBLE));
    assert_eq!(gpu.download(t.skies[0].view().image()), sky);
    assert_eq!(gpu.download(t.layered[0].image()), layers);
    assert_eq!(t.ramps[0].image().desc().ty, vk::ImageType::TYPE_1D);
    assert_eq!(gpu.download(t.ramps[0].image()), ramp);

    // Elements that do not fit their collection's shape: typed errors, nothing leaked.
    let fails = |inputs: ShapedTexturesInputs<'_>| ShapedTextures::create(gpu.alloc(), inputs).err();
    let base =
        || ShapedTexturesInputs { volumes: Vec::new(), skies: Vec::new(), layered: Vec::new(), ramps: Vec::new() };
    let deep_2d =
        fails(ShapedTexturesInputs { layered: vec![TextureInput::new(rgba, 8, 4, &layers).depth(2)], ..base() });
    assert!(matches!(deep_2d, Some(vkres::Error::InvalidDescription { .. })), "{deep_2d:?}");
    let tall_1d = fails(ShapedTexturesInputs { ramps: vec![TextureInput::new(rgba, 8, 2, &ramp)], ..base() });
    assert!(matches!(tall_1d, Some(vkres::Error::InvalidDescription { .. })), "{tall_1d:?}");
    let one_face = fails(ShapedTexturesInputs { skies: vec![TextureInput::new(rgba, 4, 4, &sky[..64])], ..base() });
    assert!(
        matches!(one_face, Some(vkres::Error::ValidUsage { .. } | vkres::Error::InvalidDescription { .. })),
        "{one_face:?}"
    );
    let not_square =
        fails(ShapedTexturesInputs { skies: vec![TextureInput::new(rgba, 4, 2, &sky[..192]).layers(6)], ..base() });
    assert!(
        matches!(not_square, Some(vkres::Error::ValidUsage { .. } | vkres::Error::InvalidDescription { .. })),
        "{not_square:?}"
    );
}
