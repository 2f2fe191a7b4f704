//! Shaders: SPIR-V validation with typed errors, reflection of bindings and push constants,
//! stage info ready for pipeline creation.

use vkres::manager::{ResourceManager, ShaderDescriptor, ShaderManager, ShaderStage};
use vkres::{Error, ResourceType, SpirvProblem, vk};

use crate::support::Gpu;

/// The compiled `shaders/bindless_sum.wgsl`.
pub const BINDLESS_SUM: &[u8] = include_bytes!("../../../shaders/bindless_sum.spv");

pub fn bindless_sum() -> ShaderDescriptor<'static> {
    ShaderDescriptor { code: BINDLESS_SUM, stage: ShaderStage::Compute, entry_point: "main".into() }
}

#[test]
fn invalid_spirv_gets_typed_errors() {
    let check = |code: &[u8], stage, entry: &str| {
        ShaderManager::validate(&ShaderDescriptor { code, stage, entry_point: entry.into() })
    };
    let misaligned = &BINDLESS_SUM[..BINDLESS_SUM.len() - 1];
    assert!(matches!(
        check(misaligned, ShaderStage::Compute, "main"),
        Err(Error::InvalidSpirv { reason: SpirvProblem::NotWordAligned { .. }, .. })
    ));
    assert!(matches!(
        check(&BINDLESS_SUM[..8], ShaderStage::Compute, "main"),
        Err(Error::InvalidSpirv { reason: SpirvProblem::TooShort { words: 2 }, .. })
    ));
    let mut swapped = BINDLESS_SUM.to_vec();
    swapped[0] ^= 0xff;
    assert!(matches!(
        check(&swapped, ShaderStage::Compute, "main"),
        Err(Error::InvalidSpirv { reason: SpirvProblem::BadMagic { .. }, .. })
    ));
    match check(BINDLESS_SUM, ShaderStage::Compute, "mian") {
        Err(Error::EntryPointNotFound { entry_point, available, .. }) => {
            assert_eq!(entry_point, "mian");
            assert!(available.contains("main"), "{available}");
        }
        other => panic!("expected EntryPointNotFound, got {other:?}"),
    }
    // The name exists, but for another stage.
    assert!(matches!(check(BINDLESS_SUM, ShaderStage::Fragment, "main"), Err(Error::EntryPointNotFound { .. })));
    // A header followed by an instruction of word count 0: validation refuses it.
    let mut garbage = BINDLESS_SUM[..20].to_vec();
    garbage.extend_from_slice(&17u32.to_le_bytes());
    garbage.extend_from_slice(&1u32.to_le_bytes());
    let r = check(&garbage, ShaderStage::Compute, "main");
    assert!(matches!(r, Err(Error::InvalidSpirv { reason: SpirvProblem::Invalid(_), .. })), "{r:?}");
}

#[test]
fn shaders_are_reflected_and_ready_for_pipelines() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let handle = manager.create_shader(&bindless_sum()).expect("shader");
    assert_eq!(manager.get_resource_type(handle), Some(ResourceType::Shader));
    let shader = manager.get_shader_stage_info(handle).expect("shader");
    let reflection = shader.reflection();
    let bindings: Vec<_> = reflection.bindings.iter().map(|b| (b.set, b.binding, b.descriptor_type, b.count)).collect();
    assert_eq!(
        bindings,
        [(0, 0, vk::DescriptorType::STORAGE_BUFFER, 4096), (0, 1, vk::DescriptorType::SAMPLED_IMAGE, 4096)],
        "two bindless arrays of the manager's default capacity"
    );
    assert_eq!(reflection.push_constant_size, Some(12), "Params: three u32");
    let range = shader.push_constant_range().expect("push constants");
    assert_eq!((range.stage_flags, range.offset, range.size), (vk::ShaderStageFlags::COMPUTE, 0, 12));

    let info = shader.stage_create_info();
    assert_eq!(info.stage, vk::ShaderStageFlags::COMPUTE);
    assert_eq!(info.module, shader.module());
    assert_eq!(shader.entry_point(), c"main");
    // Nothing was created for invalid code.
    let bad = ShaderDescriptor { code: &[1, 2, 3], ..bindless_sum() };
    assert!(manager.create_shader(&bad).is_err());
    assert_eq!(manager.len(), 1);
}
