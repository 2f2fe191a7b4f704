//! The handle-based `ResourceManager`: foreign, stale and wrong-kind handles, a full table,
//! materials and textures it must refuse, and errors of the layers below it.

use vkres::manager::{
    Error, ManagerConfig, MaterialDescriptor, MaterialLayout, MaterialParam, ResourceManager, ShaderDescriptor,
    ShaderStage, TextureDescriptor, TextureMips,
};
use vkres::{BufferType, ResourceHandle, vk};

use super::{Case, case};
use crate::support::Gpu;

const SHADER: &[u8] = include_bytes!("../../../shaders/bindless_sum.spv");
const GARBAGE: &[u8] = include_bytes!("../../fixtures/garbage_body.spv");
const STORAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::STORAGE_BUFFER;

fn manager(gpu: &Gpu) -> ResourceManager {
    ResourceManager::new(gpu.alloc()).expect("manager")
}

fn shader(manager: &ResourceManager) -> ResourceHandle {
    let desc = ShaderDescriptor { code: SHADER, stage: ShaderStage::Compute, entry_point: "main".into() };
    manager.create_shader(&desc).expect("shader")
}

/// A material with one float `a`.
fn material(manager: &ResourceManager) -> ResourceHandle {
    let desc = MaterialDescriptor {
        name: "m".into(),
        shader_handle: shader(manager),
        parameters: vec![("a".into(), MaterialParam::Float(1.0))],
    };
    manager.create_material(&desc).expect("material")
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("another manager's handle", |gpu| {
            let (first, second) = (manager(gpu), manager(gpu));
            let handle = first.create_buffer(16, STORAGE, BufferType::Storage)?;
            second.create_buffer(16, STORAGE, BufferType::Storage)?;
            second.buffer(handle).map(drop)
        } => Error::ForeignHandle { .. }),
        case!("destroy through another manager", |gpu| {
            let (first, second) = (manager(gpu), manager(gpu));
            let handle = first.create_buffer(16, STORAGE, BufferType::Storage)?;
            second.destroy_resource(handle)
        } => Error::ForeignHandle { .. }),
        case!("update through another manager", |gpu| {
            let (first, second) = (manager(gpu), manager(gpu));
            let handle = first.create_buffer(16, STORAGE, BufferType::Storage)?;
            second.update_buffers(&[(handle, 0, &[0u8; 4][..])])
        } => Error::ForeignHandle { .. }),
        case!("a destroyed resource's handle", |gpu| {
            let manager = manager(gpu);
            let handle = manager.create_buffer(16, STORAGE, BufferType::Storage)?;
            manager.destroy_resource(handle)?;
            manager.buffer(handle).map(drop)
        } => Error::StaleHandle { .. }),
        case!("destroyed twice", |gpu| {
            let manager = manager(gpu);
            let handle = manager.create_buffer(16, STORAGE, BufferType::Storage)?;
            manager.destroy_resource(handle)?;
            manager.destroy_resource(handle)
        } => Error::StaleHandle { .. }),
        case!("the null handle", |gpu| manager(gpu).buffer(ResourceHandle::NULL).map(drop) => Error::StaleHandle { .. }),
        case!("a texture's handle as a buffer", |gpu| {
            let manager = manager(gpu);
            let texture = manager.create_texture(&TextureDescriptor::default())?;
            manager.buffer(texture).map(drop)
        } => Error::WrongResourceKind { expected: "buffer", found: "texture", .. }),
        case!("a buffer's handle as a material's shader", |gpu| {
            let manager = manager(gpu);
            let buffer = manager.create_buffer(16, STORAGE, BufferType::Storage)?;
            manager.create_material(&MaterialDescriptor { name: "m".into(), shader_handle: buffer, parameters: vec![] })
        } => Error::WrongResourceKind { found: "buffer", .. }),
        case!("a full table", |gpu| {
            let config = ManagerConfig { capacity: 1, ..ManagerConfig::default() };
            let manager = ResourceManager::with_config(gpu.alloc(), config)?;
            manager.create_buffer(16, STORAGE, BufferType::Storage)?;
            manager.create_buffer(16, STORAGE, BufferType::Storage)
        } => Error::ResourceTableFull { capacity: 1 }),
        case!("a table of no slots", |gpu| ResourceManager::with_config(
            gpu.alloc(), ManagerConfig { capacity: 0, ..ManagerConfig::default() })
            => Error::Vkres(vkres::Error::ZeroSize { .. })),
        case!("a buffer of size zero", |gpu| manager(gpu).create_buffer(0, STORAGE, BufferType::Storage)
            => Error::Vkres(vkres::Error::ZeroSize { .. })),
        case!("an update past a buffer's end", |gpu| {
            let manager = manager(gpu);
            let handle = manager.create_buffer(16, STORAGE, BufferType::Storage)?;
            manager.update_buffers(&[(handle, 12, &[0u8; 8][..])])
        } => Error::Vkres(vkres::Error::DataTooLarge { .. })),
        case!("generated mips without data", |gpu| manager(gpu).create_texture(
            &TextureDescriptor { mips: TextureMips::Generate, ..TextureDescriptor::default() })
            => Error::Vkres(vkres::Error::InvalidDescription { .. })),
        case!("texture data of the wrong size", |gpu| manager(gpu).create_texture(
            &TextureDescriptor { width: 4, height: 4, data: Some(&[0; 60]), ..TextureDescriptor::default() })
            => Error::Vkres(vkres::Error::ImageDataSize { expected: 64, given: 60, .. })),
        case!("a texture of width zero", |gpu| manager(gpu).create_texture(
            &TextureDescriptor { width: 0, ..TextureDescriptor::default() })
            => Error::Vkres(vkres::Error::ZeroSize { .. })),
        case!("a texture registered before it is shader-readable", |gpu| {
            let manager = manager(gpu);
            let texture = gpu.alloc().create_texture(
                &vkres::ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, vk::ImageUsageFlags::SAMPLED),
                &vkres::SamplerDesc::linear(),
            )?;
            manager.register_texture(&texture)
        } => Error::Vkres(vkres::Error::ValidUsage { vuid: "VUID-VkDescriptorImageInfo-imageLayout-00344", .. })),
        case!("a shader with a garbage body", |gpu| manager(gpu).create_shader(
            &ShaderDescriptor { code: GARBAGE, stage: ShaderStage::Compute, entry_point: "main".into() })
            => Error::Vkres(vkres::Error::InvalidSpirv { .. })),
        case!("an entry point with a NUL byte", |gpu| manager(gpu).create_shader(
            &ShaderDescriptor { code: SHADER, stage: ShaderStage::Compute, entry_point: "ma\0in".into() })
            => Error::Vkres(vkres::Error::EntryPointNotFound { .. } | vkres::Error::ValidUsage { .. })),
        case!("a material parameter declared twice", |gpu| MaterialLayout::std140(
            "twice", &[("a".into(), MaterialParam::Float(1.0)), ("a".into(), MaterialParam::Float(2.0))])
            => Error::DuplicateMaterialParameter { .. }),
        case!("an unknown material parameter", |gpu| {
            let manager = manager(gpu);
            let material = material(&manager);
            manager.update_material(material, &[("b", MaterialParam::Float(2.0))])
        } => Error::UnknownMaterialParameter { .. }),
        case!("a material parameter of another type", |gpu| {
            let manager = manager(gpu);
            let material = material(&manager);
            manager.update_material(material, &[("a", MaterialParam::Int(2))])
        } => Error::MaterialParameterType { expected: "float", given: "int", .. }),
        case!("a material update through a shader's handle", |gpu| {
            let manager = manager(gpu);
            let shader = shader(&manager);
            manager.update_material(shader, &[("a", MaterialParam::Float(2.0))])
        } => Error::WrongResourceKind { .. }),
    ]
}

#[test]
fn manager_cases() {
    super::run("manager", cases);
}
