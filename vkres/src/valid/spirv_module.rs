//! SPIR-V modules validated before `vkCreateShaderModule`; the same file is in `vkres` (run
//! time) and in `vkres-derive` (compile time), kept identical by a test.
//!
//! VUID-VkShaderModuleCreateInfo-pCode-08737 asks for a module that follows the SPIR-V
//! specification's validation rules; a module with a valid header and a garbage body crashes
//! drivers and the validation layer alike. The module is parsed against the SPIR-V grammar
//! (rspirv's parser: known opcodes, word counts, operand kinds, the module's sections in
//! order), then its IDs are checked: every result ID below the header's bound and defined once,
//! every ID referenced defined, every result type a type, every block ending in a terminator,
//! every entry point a function. Not the whole of `spirv-val` (no type checking of operands, no
//! structured control flow rules): enough that bytes which are not a compiled shader are
//! refused.

use std::collections::HashSet;

use rspirv::dr::{Instruction, Module};
use rspirv::spirv::Op;

/// Index of the header word holding the ID bound.
const BOUND_WORD: usize = 3;
/// Index of the header word holding the version (`0 | major | minor | 0`, high byte first).
const VERSION_WORD: usize = 1;
/// The newest SPIR-V a Vulkan 1.3 device reads: 1.6.
const NEWEST_VERSION: u32 = 0x0001_0600;

/// Checks that `words` (header checked: at least 5 words, magic first) is a valid module;
/// the error says what is wrong.
pub(crate) fn check_module(words: &[u32]) -> Result<(), String> {
    // The parser returns errors for malformed input; a panic inside it would be a bug of the
    // parser, and it is turned into an error too rather than unwinding through vkres.
    let parsed = std::panic::catch_unwind(|| rspirv::dr::load_words(words))
        .map_err(|_| "the SPIR-V parser failed on it".to_string())?;
    let module = parsed.map_err(|e| format!("it does not parse: {e}"))?;
    // VUID-VkShaderModuleCreateInfo-pCode-08737 (the header's version is one the SPIR-V
    // specification defines and a Vulkan 1.3 device reads: 1.0 to 1.6; issue 16, helper
    // "sound4": 1.7 and garbage versions reached the driver).
    let version = words.get(VERSION_WORD).copied().unwrap_or(0);
    if version & 0xff00_00ff != 0 || !(0x0001_0000..=NEWEST_VERSION).contains(&version) {
        return Err(format!("its SPIR-V version word {version:#010x} is not 1.0 to 1.6"));
    }
    let bound = words.get(BOUND_WORD).copied().unwrap_or(0);
    check_capabilities(&module)?;
    check_ids(&module, bound)?;
    check_blocks(&module)?;
    check_entry_points(&module)
}

/// Capabilities the Vulkan environment does not list at all (OpenCL kernels' and OpenGL's):
/// VUID-VkShaderModuleCreateInfo-pCode-08739 on every device, so refused here (the derive's
/// compile-time check too). Those that need a feature are the run-time check's
/// (`valid/spirv_capabilities.rs`).
const NOT_IN_VULKAN: &[u32] = &[4, 5, 6, 7, 8, 13, 14, 15, 17, 18, 19, 20, 21, 38, 58, 59, 60];

/// No capability of [`NOT_IN_VULKAN`].
fn check_capabilities(module: &Module) -> Result<(), String> {
    for inst in &module.capabilities {
        if let Some(rspirv::dr::Operand::Capability(capability)) = inst.operands.first()
            && NOT_IN_VULKAN.contains(&(*capability as u32))
        {
            return Err(format!(
                "OpCapability {capability:?} is not one Vulkan allows (VUID-VkShaderModuleCreateInfo-pCode-08739)"
            ));
        }
    }
    Ok(())
}

/// Every result ID is below the bound and defined once; every ID referenced is defined; every
/// result type is a type.
fn check_ids(module: &Module, bound: u32) -> Result<(), String> {
    let mut defined = HashSet::new();
    let mut types = HashSet::new();
    for inst in module.all_inst_iter() {
        if let Some(id) = inst.result_id {
            if id == 0 || id >= bound {
                return Err(format!("{}: result ID {id} is outside the bound {bound}", name(inst)));
            }
            if !defined.insert(id) {
                return Err(format!("{}: result ID {id} is defined twice", name(inst)));
            }
            if is_type(inst) {
                types.insert(id);
            }
        }
    }
    for inst in module.all_inst_iter() {
        if let Some(ty) = inst.result_type {
            if !types.contains(&ty) {
                return Err(format!("{}: result type {ty} is not a type", name(inst)));
            }
        }
        // OpTypeForwardPointer and decorations of forward IDs name IDs defined later; they
        // still must be defined somewhere in the module.
        if let Some(id) = inst.operands.iter().filter_map(|o| o.id_ref_any()).find(|id| !defined.contains(id)) {
            return Err(format!("{}: ID {id} is used but never defined", name(inst)));
        }
    }
    Ok(())
}

/// Every block of every function ends in a terminator.
fn check_blocks(module: &Module) -> Result<(), String> {
    for function in &module.functions {
        for block in &function.blocks {
            let last = block.instructions.last().map(|i| i.class.opcode);
            if !last.is_some_and(is_terminator) {
                let label = block.label.as_ref().and_then(|l| l.result_id).unwrap_or(0);
                return Err(format!("block {label} does not end in a terminator"));
            }
        }
    }
    Ok(())
}

/// At least one entry point, each naming a function of the module.
fn check_entry_points(module: &Module) -> Result<(), String> {
    if module.memory_model.is_none() {
        return Err("it has no OpMemoryModel".into());
    }
    if module.entry_points.is_empty() {
        return Err("it has no entry point".into());
    }
    let functions: HashSet<u32> =
        module.functions.iter().filter_map(|f| f.def.as_ref().and_then(|d| d.result_id)).collect();
    for entry in &module.entry_points {
        let function = entry.operands.get(1).and_then(|o| o.id_ref_any());
        if !function.is_some_and(|f| functions.contains(&f)) {
            return Err(format!("entry point {}: {function:?} is not a function of the module", name(entry)));
        }
    }
    Ok(())
}

/// `Op` and the instruction's name, for messages.
fn name(inst: &Instruction) -> String {
    format!("Op{}", inst.class.opname)
}

/// Whether the instruction declares a type (`OpType*` in the grammar).
fn is_type(inst: &Instruction) -> bool {
    inst.class.opname.starts_with("Type")
}

/// Whether `op` ends a block.
fn is_terminator(op: Op) -> bool {
    matches!(
        op,
        Op::Branch
            | Op::BranchConditional
            | Op::Switch
            | Op::Return
            | Op::ReturnValue
            | Op::Kill
            | Op::Unreachable
            | Op::TerminateInvocation
            | Op::IgnoreIntersectionKHR
            | Op::TerminateRayKHR
            | Op::EmitMeshTasksEXT
            | Op::IgnoreIntersectionNV
            | Op::TerminateRayNV
    )
}
