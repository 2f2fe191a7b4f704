//! Session 8's second hostile-user audit (issue 16, helper "sound4"): image creation flags and
//! formats the first audits did not try (disjoint, protected and split-instance images,
//! block-texel and 2D-array compatibility, Y'CbCr formats), compressed odd extents, buffer
//! and arena edges, live-sampler and manager-size limits, BLAS updates that change what the
//! build read, each refused with a typed error before Vulkan (or VMA) sees it.

use vkres::{
    Aabb, AabbGeometry, BlasDesc, Buffer, BufferDesc, Error, ImageDesc, ImageUpload, ImageViewDesc, ManagerError,
    MappingType, SamplerDesc, Transform3x4, TriangleGeometry, vk,
};

use super::{Case, case};
use crate::support::Gpu;

const SAMPLED: vk::ImageUsageFlags = vk::ImageUsageFlags::from_raw(
    vk::ImageUsageFlags::SAMPLED.as_raw()
        | vk::ImageUsageFlags::TRANSFER_DST.as_raw()
        | vk::ImageUsageFlags::TRANSFER_SRC.as_raw(),
);
const NV12: vk::Format = vk::Format::G8_B8R8_2PLANE_420_UNORM;
const STORAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::STORAGE_BUFFER.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw()
        | vk::BufferUsageFlags::TRANSFER_SRC.as_raw(),
);

fn flagged(flags: vk::ImageCreateFlags) -> ImageDesc {
    let mut d = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 8, 8, SAMPLED).name("flagged");
    d.flags = flags;
    d
}

const BUILD_INPUT: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR.as_raw()
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);
const XYZ: vk::Format = vk::Format::R32G32B32_SFLOAT;
const QUAD: [[f32; 3]; 4] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]];

/// Four vertices usable by builds (a device without acceleration structures refuses them with
/// `MissingFeature`, as each case below accepts).
fn quad(gpu: &Gpu) -> vkres::Result<Buffer<[f32; 3]>> {
    gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<[f32; 3]>(4, BUILD_INPUT).name("quad"), &QUAD)
}

/// One triangle: the first three vertices of `vertices`.
fn triangle(vertices: &Buffer<[f32; 3]>) -> TriangleGeometry {
    TriangleGeometry::new(vertices, XYZ).vertex_range(0, 3)
}

/// A BLAS of one triangle built with `allow_update`, then updated (and submitted) with
/// `geometry`'s description: each case changes what the update must keep.
fn update_blas(gpu: &Gpu, geometry: impl FnOnce(&Buffer<[f32; 3]>) -> vkres::Result<BlasDesc>) -> vkres::Result<()> {
    let vertices = quad(gpu)?;
    let mut batch = gpu.alloc().batch()?;
    let blas = batch.build_blas(&BlasDesc::new("updated").triangles(triangle(&vertices)).allow_update())?;
    batch.submit_and_wait()?;
    let mut batch = gpu.alloc().batch()?;
    batch.update_blas(&blas, &geometry(&vertices)?.allow_update())?;
    batch.submit_and_wait()
}

/// A manager with bindless arrays, or `MissingFeature` on a device without descriptor indexing
/// (each case below accepts that instead).
fn bindless_manager(gpu: &Gpu) -> Result<vkres::ResourceManager, ManagerError> {
    if !gpu.ctx().capabilities().enabled.descriptor_indexing {
        return Err(Error::MissingFeature { feature: "descriptorIndexing", operation: "keep bindless arrays" }.into());
    }
    vkres::ResourceManager::new(gpu.alloc())
}

/// A compute shader of the repository (`OpCapability Shader` and `ShaderNonUniform`).
const SHADER: &[u8] = include_bytes!("../../../shaders/bindless_sum.spv");

/// [`SHADER`] with `OpCapability capability` added after its first capability: a module that
/// parses and whose IDs check, declaring what the device may not allow.
fn with_capability(capability: u32) -> Vec<u8> {
    let mut out = SHADER[..28].to_vec();
    out.extend_from_slice(&0x0002_0011u32.to_le_bytes());
    out.extend_from_slice(&capability.to_le_bytes());
    out.extend_from_slice(&SHADER[28..]);
    out
}

/// [`SHADER`] with its SPIR-V version word replaced by `version`.
fn with_version(version: u32) -> Vec<u8> {
    let mut out = SHADER.to_vec();
    out[4..8].copy_from_slice(&version.to_le_bytes());
    out
}

/// [`SHADER`] with `OpExtension "name"` added after its capabilities.
fn with_extension(name: &str) -> Vec<u8> {
    let mut literal = name.as_bytes().to_vec();
    literal.resize(literal.len() / 4 * 4 + 4, 0); // NUL-terminated, whole words
    let count = 1 + literal.len() as u32 / 4;
    let mut out = SHADER[..36].to_vec();
    out.extend_from_slice(&((count << 16) | 10).to_le_bytes());
    out.extend_from_slice(&literal);
    out.extend_from_slice(&SHADER[36..]);
    out
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("a 4:2:0 image of odd width (was VUID-VkImageCreateInfo-format-04712 in the driver)", |gpu| gpu.alloc().create_image(&ImageDesc::new_2d(NV12, 7, 8, SAMPLED).name("nv12"))
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-format-04712", .. }),
        case!("a 4:2:0 image of odd height (was VUID-VkImageCreateInfo-format-04713)", |gpu| gpu.alloc().create_image(&ImageDesc::new_2d(NV12, 8, 7, SAMPLED).name("nv12"))
            => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-format-04713", .. }),
        case!("nv12 view", |gpu| {
            let i = gpu.alloc().create_image(&ImageDesc::new_2d(NV12, 8, 8, SAMPLED).name("nv12"))?;
            gpu.alloc().create_image_view(&i, &ImageViewDesc::default())
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-format-06415", .. }),
        case!("nv12 upload", |gpu| {
            let i = gpu.alloc().create_image(&ImageDesc::new_2d(NV12, 8, 8, SAMPLED).name("nv12"))?;
            gpu.alloc().batch()?.upload_image(&i, &[0; 96], &ImageUpload::default())
        } => Error::FormatNotTransferable { .. }),
        case!("nv12 download", |gpu| {
            let i = gpu.alloc().create_image(&ImageDesc::new_2d(NV12, 8, 8, SAMPLED).name("nv12"))?;
            gpu.alloc().batch()?.download_image(&i).map(drop)
        } => Error::FormatNotTransferable { .. }),
        case!("nv12 texture", |gpu| gpu.alloc().create_texture(&ImageDesc::new_2d(NV12, 8, 8, SAMPLED).name("nv12"), &SamplerDesc::linear()) => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-format-06415", .. }),
        case!("a buffer past maxMemoryAllocationSize (was UNASSIGNED-vkAllocateMemory-maxMemoryAllocationSize on the H100)", |gpu| {
            let size = gpu.ctx().capabilities().max_memory_allocation_size.saturating_add(1);
            gpu.alloc().create_buffer(&BufferDesc::new(size, vk::BufferUsageFlags::STORAGE_BUFFER).name("past one allocation"))
        } => Error::LimitExceeded { .. }),
        case!("protected", |gpu| gpu.alloc().create_image(&flagged(vk::ImageCreateFlags::PROTECTED)) => Error::MissingFeature { feature: "protectedMemory", .. }),
        case!("disjoint", |gpu| gpu.alloc().create_image(&flagged(vk::ImageCreateFlags::DISJOINT)) => Error::ValidUsage { vuid: "VUID-vkBindImageMemory-image-01608", .. }),
        case!("split instance", |gpu| gpu.alloc().create_image(&flagged(vk::ImageCreateFlags::SPLIT_INSTANCE_BIND_REGIONS)) => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-physicalDeviceCount-01421", .. }),
        case!("block texel view compatible, uncompressed", |gpu| gpu.alloc().create_image(&flagged(vk::ImageCreateFlags::BLOCK_TEXEL_VIEW_COMPATIBLE | vk::ImageCreateFlags::MUTABLE_FORMAT)) => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-flags-01572", .. }),
        case!("2d array compatible on 2d", |gpu| gpu.alloc().create_image(&flagged(vk::ImageCreateFlags::TYPE_2D_ARRAY_COMPATIBLE)) => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-flags-00950", .. }),
        case!("BC1 5x5 3 mips upload", |gpu| {
            let i = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::BC1_RGBA_UNORM_BLOCK, 5, 5, SAMPLED).mip_levels(3).name("bc1"))?;
            gpu.alloc().batch()?.upload_image(&i, &[0; 8], &ImageUpload::default())
        } => Error::ImageDataSize { expected: 48, given: 8, .. }),
        case!("BC1 generate mips", |gpu| {
            let i = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::BC1_RGBA_UNORM_BLOCK, 8, 8, SAMPLED).mip_levels(3).name("bc1"))?;
            gpu.alloc().batch()?.upload_image(&i, &[0; 32], &ImageUpload::generate_mips())
        } => Error::MipGenerationUnsupported { .. }),
        case!("BC1 view as R32G32_UINT without block texel flag", |gpu| {
            let mut d = ImageDesc::new_2d(vk::Format::BC1_RGBA_UNORM_BLOCK, 8, 8, SAMPLED).name("bc1");
            d.flags = vk::ImageCreateFlags::MUTABLE_FORMAT;
            let i = gpu.alloc().create_image(&d)?;
            gpu.alloc().create_image_view(&i, &ImageViewDesc { format: Some(vk::Format::R32G32_UINT), ..ImageViewDesc::default() })
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-image-01761", .. }),
        case!("upload zero bytes past the end", |gpu| {
            let a = gpu.alloc().create_buffer(&BufferDesc::new(16, STORAGE))?;
            gpu.alloc().batch()?.upload_bytes(&a, 17, &[])
        } => Error::DataTooLarge { offset: 17, given: 0, capacity: 16, .. }),
        case!("map write zero bytes past end", |gpu| {
            let a = gpu.alloc().create_buffer(&BufferDesc::new(16, STORAGE).mapping(MappingType::HostAccessRandom))?;
            a.map()?.write_bytes(17, &[])
        } => Error::DataTooLarge { offset: 17, given: 0, capacity: 16, .. }),
        case!("arena allocate_aligned 3 alignment", |gpu| {
            let arena = gpu.alloc().create_buffer_arena(&BufferDesc::new(256, STORAGE))?;
            arena.allocate_aligned(4, 3).map(drop)
        } => Error::InvalidAlignment { alignment: 3, .. }),
        case!("arena allocate_aligned huge alignment", |gpu| {
            let arena = gpu.alloc().create_buffer_arena(&BufferDesc::new(256, STORAGE))?;
            arena.allocate_aligned(4, 1 << 63).map(drop)
        } => Error::InvalidAlignment { .. }),
        case!("transition to PREINITIALIZED", |gpu| {
            let i = gpu.alloc().create_image(&flagged(vk::ImageCreateFlags::empty()))?;
            gpu.alloc().batch()?.transition_image(&i, vk::ImageLayout::PREINITIALIZED)
        } => Error::ValidUsage { vuid: "VUID-VkImageMemoryBarrier2-newLayout-01198", .. }),
        case!("view of a 3D image as 2D array without flag", |gpu| {
            let i = gpu.alloc().create_image(&ImageDesc::new_3d(vk::Format::R8G8B8A8_UNORM, vk::Extent3D { width: 4, height: 4, depth: 4 }, SAMPLED))?;
            gpu.alloc().create_image_view(&i, &ImageViewDesc { view_type: Some(vk::ImageViewType::TYPE_2D_ARRAY), ..ImageViewDesc::default() })
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subResourceRange-01021", .. }),
        case!("sampler -inf max_lod", |gpu| gpu.alloc().create_sampler(&SamplerDesc { min_lod: f32::NEG_INFINITY, max_lod: f32::NEG_INFINITY, ..SamplerDesc::linear() }) => Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-maxLod-01973", .. }),
        case!("no sample count (was VUID-VkImageCreateInfo-samples-parameter in the driver)", |gpu| {
            let mut desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 8, 8, SAMPLED).name("no samples");
            desc.samples = vk::SampleCountFlags::empty();
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-samples-parameter", ref name, .. } if name == "no samples"),
        case!("two sample counts at once", |gpu| {
            let mut desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 8, 8, SAMPLED);
            desc.samples = vk::SampleCountFlags::TYPE_1 | vk::SampleCountFlags::TYPE_4;
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-samples-parameter", .. }),
        case!("a manager of u32::MAX slots (was a 32 GiB allocation that aborted)", |gpu| {
            let config = vkres::manager::ManagerConfig { capacity: u32::MAX, bindless: false, ..Default::default() };
            vkres::ResourceManager::with_config(gpu.alloc(), config).map(drop)
        } => ManagerError::Vkres(Error::LimitExceeded { requested: 4294967295, limit: 16777216, .. })),
        case!("more live samplers than maxSamplerAllocationCount (was VUID-vkCreateSampler-maxSamplerAllocationCount-04110)", |gpu| {
            let limit = gpu.ctx().capabilities().limits.max_sampler_allocation_count;
            let mut held = Vec::new();
            for i in 0..=limit {
                let desc = SamplerDesc { min_lod: i as f32 / 1024.0, max_lod: 1000.0, ..SamplerDesc::linear() };
                held.push(gpu.alloc().create_sampler(&desc)?);
            }
            Ok(held)
        } => Error::LimitExceeded { what: "samplers alive at once (maxSamplerAllocationCount)", .. }),
        case!("a view type no Vulkan defines", |gpu| {
            let image = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 8, 8, SAMPLED))?;
            gpu.alloc().create_image_view(&image, &ImageViewDesc { view_type: Some(vk::ImageViewType::from_raw(99)), ..Default::default() })
        } => Error::ValidUsage { .. }),
        case!("a PLANE_0 view of a colour image", |gpu| {
            let image = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 8, 8, SAMPLED))?;
            gpu.alloc().create_image_view(&image, &ImageViewDesc { aspect: Some(vk::ImageAspectFlags::PLANE_0), ..Default::default() })
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-subresourceRange-09594", .. }),
        case!("an UNDEFINED view format", |gpu| {
            let image = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 8, 8, SAMPLED))?;
            gpu.alloc().create_image_view(&image, &ImageViewDesc { format: Some(vk::Format::UNDEFINED), ..Default::default() })
        } => Error::ValidUsage { .. }),
        case!("an image format no Vulkan defines", |gpu| gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::from_raw(123_456_789), 8, 8, SAMPLED))
            => Error::UnsupportedFormat { .. }),
        case!("BLAS update reading indices its build did not (was VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03765)", |gpu| update_blas(gpu, |v| {
            let indices = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<u32>(3, BUILD_INPUT), &[0u32, 1, 2])?;
            Ok(BlasDesc::new("u").triangles(triangle(v).indices(&indices)))
        }) => Error::ValidUsage { vuid: "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03765", .. } | Error::MissingFeature { .. }),
        case!("BLAS update of another vertex format (was -03763)", |gpu| update_blas(gpu, |v| {
            Ok(BlasDesc::new("u").triangles(TriangleGeometry::new(v, vk::Format::R32G32_SFLOAT).stride(12).vertex_range(0, 3)))
        }) => Error::ValidUsage { vuid: "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03763", .. } | Error::MissingFeature { .. }),
        case!("BLAS update reading one vertex more (was -03764, maxVertex)", |gpu| update_blas(gpu, |v| {
            let indices = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<u32>(3, BUILD_INPUT), &[0u32, 1, 3])?;
            Ok(BlasDesc::new("u").triangles(TriangleGeometry::new(v, XYZ).indices(&indices)))
        }) => Error::ValidUsage { vuid: "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03764", .. } | Error::MissingFeature { .. }),
        case!("BLAS update with other geometry flags (was -03762)", |gpu| update_blas(gpu, |v| {
            Ok(BlasDesc::new("u").triangles(triangle(v).flags(vk::GeometryFlagsKHR::NO_DUPLICATE_ANY_HIT_INVOCATION)))
        }) => Error::ValidUsage { vuid: "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03762", .. } | Error::MissingFeature { .. }),
        case!("BLAS update adding a transform (was -03766)", |gpu| update_blas(gpu, |v| {
            let transforms = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<Transform3x4>(1, BUILD_INPUT), &[Transform3x4::IDENTITY])?;
            Ok(BlasDesc::new("u").triangles(triangle(v).transform(&transforms, 0)))
        }) => Error::ValidUsage { vuid: "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03766", .. } | Error::MissingFeature { .. }),
        case!("BLAS update of boxes where triangles were built (was -03761)", |gpu| update_blas(gpu, |_| {
            let boxes = gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<Aabb>(1, BUILD_INPUT), &[Aabb { min: [0.0; 3], max: [1.0; 3] }])?;
            Ok(BlasDesc::new("u").aabbs(AabbGeometry::new(&boxes)))
        }) => Error::ValidUsage { vuid: "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03761", .. } | Error::MissingFeature { .. }),
        case!("BLAS of more triangles than maxPrimitiveCount (was VUID-VkAccelerationStructureBuildGeometryInfoKHR-type-03795)", |gpu| {
            // Geometries of 2^20 triangles each over one index buffer, as many as pass the limit.
            const EACH: u64 = 1 << 20;
            let limit = gpu.ctx().capabilities().max_acceleration_structure_primitive_count;
            let vertices = quad(gpu)?;
            let indices = gpu.alloc().create_typed_buffer::<u16>(&BufferDesc::elements::<u16>(3 * EACH, BUILD_INPUT).name("zeros"))?;
            let mut desc = BlasDesc::new("too many triangles");
            for _ in 0..=limit / EACH {
                desc = desc.triangles(TriangleGeometry::new(&vertices, XYZ).indices(&indices));
            }
            gpu.alloc().batch()?.build_blas(&desc).map(drop)
        } => Error::LimitExceeded { what: "BLAS primitives over all geometries (maxPrimitiveCount)", .. } | Error::MissingFeature { .. }),
        case!("manager storage buffer past maxStorageBufferRange (was VUID-VkWriteDescriptorSet-descriptorType-00333)", |gpu| {
            let manager = bindless_manager(gpu)?;
            let size = u64::from(gpu.ctx().capabilities().limits.max_storage_buffer_range) + 16;
            manager.create_buffer(size, vk::BufferUsageFlags::STORAGE_BUFFER, vkres::BufferType::Storage)
        } => ManagerError::Vkres(
            Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00333", .. }
                | Error::MissingFeature { .. }
                // Where the range limit is past the largest allocation (the H100: 4 GiB - 1
                // against 4 GiB - 2 MiB), the buffer itself is refused first.
                | Error::LimitExceeded { what: "buffer size (maxMemoryAllocationSize: one allocation backs a buffer)", .. }
        )),
        case!("registered storage buffer past maxStorageBufferRange", |gpu| {
            let manager = bindless_manager(gpu)?;
            let size = u64::from(gpu.ctx().capabilities().limits.max_storage_buffer_range) + 16;
            let buffer = gpu.alloc().create_buffer(&BufferDesc::new(size, vk::BufferUsageFlags::STORAGE_BUFFER).name("big"))?;
            manager.register_buffer(&buffer)
        } => ManagerError::Vkres(
            Error::ValidUsage { vuid: "VUID-VkWriteDescriptorSet-descriptorType-00333", .. }
                | Error::MissingFeature { .. }
                // Where the range limit is past the largest allocation (the H100: 4 GiB - 1
                // against 4 GiB - 2 MiB), the buffer itself is refused first.
                | Error::LimitExceeded { what: "buffer size (maxMemoryAllocationSize: one allocation backs a buffer)", .. }
        )),
        case!("a shader declaring Kernel (was VUID-VkShaderModuleCreateInfo-pCode-08739 in the driver)", |gpu| {
            gpu.alloc().create_shader_module(&with_capability(6), "kernel")
        } => Error::InvalidSpirv { ref name, .. } if name == "kernel"),
        case!("a shader declaring Addresses", |gpu| gpu.alloc().create_shader_module(&with_capability(4), "addresses")
            => Error::InvalidSpirv { .. }),
        case!("a shader declaring Geometry without geometryShader (was -08740)", |gpu| {
            gpu.alloc().create_shader_module(&with_capability(2), "geometry")
        } => Error::ValidUsage { vuid: "VUID-VkShaderModuleCreateInfo-pCode-08740", .. }),
        case!("a shader declaring Float64 without shaderFloat64", |gpu| gpu.alloc().create_shader_module(&with_capability(10), "f64")
            => Error::ValidUsage { vuid: "VUID-VkShaderModuleCreateInfo-pCode-08740", .. }),
        case!("a shader declaring SampledCubeArray without imageCubeArray", |gpu| {
            gpu.alloc().create_shader_module(&with_capability(45), "cube array")
        } => Error::ValidUsage { vuid: "VUID-VkShaderModuleCreateInfo-pCode-08740", .. }),
        case!("a shader declaring SparseResidency", |gpu| gpu.alloc().create_shader_module(&with_capability(41), "sparse")
            => Error::ValidUsage { vuid: "VUID-VkShaderModuleCreateInfo-pCode-08740", .. }),
        case!("a shader declaring Kernel through ShaderModule::from_words", |gpu| {
            let bytes = with_capability(6);
            let words: Vec<u32> = bytes.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
            vkres::ShaderModule::from_words(gpu.ctx(), &words, "kernel words")
        } => Error::InvalidSpirv { .. }),
        case!("a shader declaring Kernel through the manager", |gpu| {
            let manager = vkres::ResourceManager::new(gpu.alloc())?;
            let code = with_capability(6);
            let desc = vkres::manager::ShaderDescriptor { code: &code, stage: vkres::manager::ShaderStage::Compute, entry_point: "main".into() };
            manager.create_shader(&desc)
        } => ManagerError::Vkres(Error::InvalidSpirv { .. })),
        case!("a shader of SPIR-V 1.7 (was VUID-VkShaderModuleCreateInfo-pCode-08737, an invalid header)", |gpu| {
            gpu.alloc().create_shader_module(&with_version(0x0001_0700), "1.7")
        } => Error::InvalidSpirv { .. }),
        case!("a shader whose version word is garbage", |gpu| gpu.alloc().create_shader_module(&with_version(0xdead_beef), "v")
            => Error::InvalidSpirv { .. }),
        case!("a shader declaring SPV_NV_mesh_shader without VK_NV_mesh_shader (was -08742)", |gpu| {
            gpu.alloc().create_shader_module(&with_extension("SPV_NV_mesh_shader"), "mesh")
        } => Error::ValidUsage { vuid: "VUID-VkShaderModuleCreateInfo-pCode-08742", .. }),
        case!("a shader declaring an extension no Vulkan knows (was -08741)", |gpu| {
            gpu.alloc().create_shader_module(&with_extension("SPV_BOGUS_thing"), "bogus")
        } => Error::ValidUsage { vuid: "VUID-VkShaderModuleCreateInfo-pCode-08741", .. }),
        case!("a view of a transfer-only image (was VUID-VkImageViewCreateInfo-image-04441)", |gpu| {
            let usage = vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::TRANSFER_SRC;
            let image = gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, usage).name("transfer only"))?;
            gpu.alloc().create_image_view(&image, &ImageViewDesc::default())
        } => Error::ValidUsage { vuid: "VUID-VkImageViewCreateInfo-image-04441", ref name, .. } if name == "transfer only/view"),
        case!("a transient attachment that is also a transfer destination (was VUID-VkImageCreateInfo-usage-00963)", |gpu| {
            let usage = vk::ImageUsageFlags::TRANSIENT_ATTACHMENT | vk::ImageUsageFlags::COLOR_ATTACHMENT | vk::ImageUsageFlags::TRANSFER_DST;
            gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, usage).name("transient"))
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-usage-00963", ref name, .. } if name == "transient"),
        case!("a transient attachment that is no attachment (was -00966)", |gpu| {
            gpu.alloc().create_image(&ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, vk::ImageUsageFlags::TRANSIENT_ATTACHMENT))
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-usage-00966", .. }),
        case!("a multisampled storage image (was VUID-VkImageCreateInfo-usage-00968)", |gpu| {
            let usage = vk::ImageUsageFlags::STORAGE | vk::ImageUsageFlags::COLOR_ATTACHMENT;
            let mut desc = ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, usage).name("msaa storage");
            desc.samples = vk::SampleCountFlags::TYPE_4;
            gpu.alloc().create_image(&desc)
        } => Error::ValidUsage { vuid: "VUID-VkImageCreateInfo-usage-00968", ref name, .. } if name == "msaa storage"),
    ]
}

/// The same shader of SPIR-V 1.6, or declaring an extension core Vulkan satisfies, is accepted
/// (the checks above refuse only what they must).
#[test]
fn a_shader_of_spirv_1_6_or_a_core_extension_is_accepted() {
    let gpu = Gpu::new();
    gpu.alloc().create_shader_module(&with_version(0x0001_0600), "1.6").expect("SPIR-V 1.6");
    gpu.alloc().create_shader_module(&with_extension("SPV_KHR_non_semantic_info"), "core").expect("core extension");
    // Satisfied by Vulkan 1.3 in the registry (was refused for its device extension).
    gpu.alloc()
        .create_shader_module(&with_extension("SPV_KHR_subgroup_uniform_control_flow"), "uniform control flow")
        .expect("SPV_KHR_subgroup_uniform_control_flow (Vulkan 1.3)");
    // StorageImageWriteWithoutFormat: enabled by Vulkan 1.3 itself.
    gpu.alloc().create_shader_module(&with_capability(56), "write without format").expect("Vulkan 1.3");
    gpu.alloc()
        .create_shader_module(&with_capability(11), "int64")
        .expect("Int64 (shaderInt64 enabled where supported)");
    assert!(gpu.log().take().is_empty());
}

#[test]
fn audit8b_cases() {
    super::run("audit8b", cases);
}

/// `Download::read` of a zero-sized element type divided by the element size inside bytemuck
/// (a panic): now one element per byte, as `Buffer::len` counts them.
#[test]
fn a_download_read_as_zero_sized_elements_does_not_panic() {
    let gpu = Gpu::new();
    let buffer = gpu.device_buffer(16, "zst download");
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.upload_bytes(&buffer, 0, &[7; 16]).expect("upload");
    let download = batch.download_buffer(&buffer).expect("download");
    batch.submit_and_wait().expect("submit");
    assert_eq!(download.read::<()>().expect("read as ()").len(), 16);
    assert_eq!(download.read::<[u8; 0]>().expect("read as [u8; 0]").len(), 16);
    assert_eq!(download.read::<u32>().expect("read as u32"), vec![0x0707_0707; 4]);
    assert!(gpu.log().take().is_empty());
}
