//! Shader modules: code that is not a valid SPIR-V module never reaches
//! `vkCreateShaderModule` (a garbage body used to crash the driver or the layer).

use vkres::{Error, SpirvProblem};

use super::{Case, case};

const SHADER: &[u8] = include_bytes!("../../../shaders/bindless_sum.spv");
const GARBAGE: &[u8] = include_bytes!("../../fixtures/garbage_body.spv");

fn with_word(at: usize, word: u32) -> Vec<u8> {
    let mut code = SHADER.to_vec();
    code[at * 4..at * 4 + 4].copy_from_slice(&word.to_le_bytes());
    code
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("GLSL text", |gpu| gpu.alloc().create_shader_module(b"#version 450\nvoid main() {}\n", "text")
            => Error::InvalidSpirv { reason: SpirvProblem::BadMagic { .. } | SpirvProblem::NotWordAligned { .. }, .. }),
        case!("6 bytes", |gpu| gpu.alloc().create_shader_module(&[3, 2, 35, 7, 0, 0], "six")
            => Error::InvalidSpirv { reason: SpirvProblem::NotWordAligned { len: 6 }, .. }),
        case!("one word", |gpu| gpu.alloc().create_shader_module(&[3, 2, 35, 7], "one")
            => Error::InvalidSpirv { reason: SpirvProblem::TooShort { words: 1 }, .. }),
        case!("no bytes", |gpu| gpu.alloc().create_shader_module(&[], "none")
            => Error::InvalidSpirv { reason: SpirvProblem::TooShort { words: 0 }, .. }),
        case!("zeros", |gpu| gpu.alloc().create_shader_module(&[0u8; 20], "zeros")
            => Error::InvalidSpirv { reason: SpirvProblem::BadMagic { found: 0 }, .. }),
        case!("byte-swapped magic", |gpu| gpu.alloc().create_shader_module(&with_word(0, 0x0302_2307), "swapped")
            => Error::InvalidSpirv { reason: SpirvProblem::BadMagic { .. }, .. }),
        case!("valid header, garbage body", |gpu| gpu.alloc().create_shader_module(GARBAGE, "garbage")
            => Error::InvalidSpirv { reason: SpirvProblem::Invalid(_), .. }),
        case!("header only", |gpu| gpu.alloc().create_shader_module(&SHADER[..20], "header")
            => Error::InvalidSpirv { reason: SpirvProblem::Invalid(_), .. }),
        case!("cut one word short", |gpu| gpu.alloc().create_shader_module(&SHADER[..SHADER.len() - 4], "short")
            => Error::InvalidSpirv { reason: SpirvProblem::Invalid(_), .. }),
        case!("garbage opcode", |gpu| gpu.alloc().create_shader_module(&with_word(5, 0xffff_ffff), "opcode")
            => Error::InvalidSpirv { reason: SpirvProblem::Invalid(_), .. }),
        case!("ID bound of 1", |gpu| gpu.alloc().create_shader_module(&with_word(3, 1), "bound")
            => Error::InvalidSpirv { reason: SpirvProblem::Invalid(_), .. }),
        case!("random words after the header", |gpu| {
            let mut code = SHADER[..20].to_vec();
            code.extend(crate::support::noise(400, 7));
            gpu.alloc().create_shader_module(&code, "noise")
        } => Error::InvalidSpirv { reason: SpirvProblem::Invalid(_), .. }),
        case!("garbage body through the shader manager", |gpu| {
            let desc = vkres::manager::ShaderDescriptor {
                code: GARBAGE,
                stage: vkres::manager::ShaderStage::Compute,
                entry_point: "main".into(),
            };
            vkres::manager::ShaderManager::validate(&desc)
        } => Error::InvalidSpirv { reason: SpirvProblem::Invalid(_), .. }),
        case!("entry point of another stage", |gpu| {
            let desc = vkres::manager::ShaderDescriptor {
                code: SHADER,
                stage: vkres::manager::ShaderStage::Fragment,
                entry_point: "main".into(),
            };
            vkres::manager::ShaderManager::validate(&desc)
        } => Error::EntryPointNotFound { .. }),
        case!("misspelt entry point", |gpu| {
            let desc = vkres::manager::ShaderDescriptor {
                code: SHADER,
                stage: vkres::manager::ShaderStage::Compute,
                entry_point: "mian".into(),
            };
            vkres::manager::ShaderManager::validate(&desc)
        } => Error::EntryPointNotFound { .. }),
    ]
}

#[test]
fn shader_cases() {
    super::run("shaders", cases);
}
