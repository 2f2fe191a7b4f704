//! [`ShaderManager`]: validates SPIR-V, reflects its descriptor bindings and push constants
//! (with the `spirq` crate), and creates [`Shader`] modules ready for pipeline creation.

use std::ffi::CString;
use std::sync::Arc;

use ash::vk;
use spirq::prelude::{DescriptorType, ExecutionModel, ReflectConfig, Variable};

use crate::{Context, Error, Result, ShaderModule, SpirvProblem, spirv_words};

/// The pipeline stage a shader runs in.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShaderStage {
    /// Vertex shader.
    Vertex,
    /// Fragment shader.
    Fragment,
    /// Compute shader.
    Compute,
    /// Geometry shader.
    Geometry,
    /// Tessellation control shader.
    TessellationControl,
    /// Tessellation evaluation shader.
    TessellationEvaluation,
}

impl ShaderStage {
    /// The Vulkan stage flag.
    pub fn to_vk(self) -> vk::ShaderStageFlags {
        match self {
            Self::Vertex => vk::ShaderStageFlags::VERTEX,
            Self::Fragment => vk::ShaderStageFlags::FRAGMENT,
            Self::Compute => vk::ShaderStageFlags::COMPUTE,
            Self::Geometry => vk::ShaderStageFlags::GEOMETRY,
            Self::TessellationControl => vk::ShaderStageFlags::TESSELLATION_CONTROL,
            Self::TessellationEvaluation => vk::ShaderStageFlags::TESSELLATION_EVALUATION,
        }
    }

    fn execution_model(self) -> ExecutionModel {
        match self {
            Self::Vertex => ExecutionModel::Vertex,
            Self::Fragment => ExecutionModel::Fragment,
            Self::Compute => ExecutionModel::GLCompute,
            Self::Geometry => ExecutionModel::Geometry,
            Self::TessellationControl => ExecutionModel::TessellationControl,
            Self::TessellationEvaluation => ExecutionModel::TessellationEvaluation,
        }
    }
}

/// What shader to create: SPIR-V code (bytes, as `include_bytes!` gives them), its stage and
/// the entry point to run.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShaderDescriptor<'a> {
    /// SPIR-V, little-endian words.
    pub code: &'a [u8],
    /// The stage.
    pub stage: ShaderStage,
    /// The entry point's name in the module.
    pub entry_point: String,
}

/// One descriptor binding a shader's entry point uses.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectedBinding {
    /// Descriptor set.
    pub set: u32,
    /// Binding in the set.
    pub binding: u32,
    /// Descriptor type (storage buffers report `STORAGE_BUFFER`, uniform blocks `UNIFORM_BUFFER`).
    pub descriptor_type: vk::DescriptorType,
    /// Array size: 1 for a single descriptor, 0 for a runtime-sized (bindless) array.
    pub count: u32,
    /// The variable's name, where the module keeps debug names.
    pub name: Option<String>,
}

/// What reflection found about one entry point.
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShaderReflection {
    /// Descriptor bindings the entry point uses, sorted by set and binding.
    pub bindings: Vec<ReflectedBinding>,
    /// The size in bytes of its push-constant block (a range from offset 0), if it has one.
    pub push_constant_size: Option<u32>,
}

fn descriptor_type(ty: &DescriptorType) -> vk::DescriptorType {
    match ty {
        DescriptorType::Sampler() => vk::DescriptorType::SAMPLER,
        DescriptorType::CombinedImageSampler() => vk::DescriptorType::COMBINED_IMAGE_SAMPLER,
        DescriptorType::SampledImage() => vk::DescriptorType::SAMPLED_IMAGE,
        DescriptorType::StorageImage(_) => vk::DescriptorType::STORAGE_IMAGE,
        DescriptorType::UniformTexelBuffer() => vk::DescriptorType::UNIFORM_TEXEL_BUFFER,
        DescriptorType::StorageTexelBuffer(_) => vk::DescriptorType::STORAGE_TEXEL_BUFFER,
        DescriptorType::UniformBuffer() => vk::DescriptorType::UNIFORM_BUFFER,
        DescriptorType::StorageBuffer(_) => vk::DescriptorType::STORAGE_BUFFER,
        DescriptorType::InputAttachment(_) => vk::DescriptorType::INPUT_ATTACHMENT,
        DescriptorType::AccelStruct() => vk::DescriptorType::ACCELERATION_STRUCTURE_KHR,
    }
}

/// Validates SPIR-V and creates shader modules. `Send + Sync`: it holds only the context.
#[derive(Debug, Clone)]
pub struct ShaderManager {
    ctx: Arc<Context>,
}

impl ShaderManager {
    /// A shader manager on `ctx`'s device.
    pub fn new(ctx: &Arc<Context>) -> Self {
        Self { ctx: ctx.clone() }
    }

    /// Validates `desc` without creating anything: the code must be SPIR-V
    /// ([`Error::InvalidSpirv`] says why not) with an entry point of that name for that stage
    /// ([`Error::EntryPointNotFound`] lists those it has). Returns the entry point's descriptor
    /// bindings and push constants.
    pub fn validate(desc: &ShaderDescriptor<'_>) -> Result<ShaderReflection> {
        let name = debug_name(desc);
        reflect(desc, spirv_words(desc.code, &name)?.words(), &name)
    }

    /// Validates `desc` (see [`validate`](Self::validate)) and creates its shader module.
    pub fn create_shader(&self, desc: &ShaderDescriptor<'_>) -> Result<Shader> {
        let name = debug_name(desc);
        let words = spirv_words(desc.code, &name)?;
        let reflection = reflect(desc, words.words(), &name)?;
        let entry_point = CString::new(desc.entry_point.as_str()).map_err(|_| Error::ValidUsage {
            name: desc.entry_point.clone(),
            vuid: "VUID-VkPipelineShaderStageCreateInfo-pName-parameter",
            detail: "an entry point name cannot contain a NUL byte".into(),
        })?;
        let module = ShaderModule::from_spirv(&self.ctx, &words, &name)?;
        Ok(Shader { shared: Arc::new(ShaderShared { module, stage: desc.stage, entry_point, reflection }) })
    }
}

/// `entry (Stage)`: the name of a shader's module and of its errors.
fn debug_name(desc: &ShaderDescriptor<'_>) -> String {
    format!("{} ({:?})", desc.entry_point, desc.stage)
}

/// The descriptor bindings and push constants of `desc`'s entry point in `words`, or why the
/// module or entry point is not there.
fn reflect(desc: &ShaderDescriptor<'_>, words: &[u32], name: &str) -> Result<ShaderReflection> {
    let entry_points = ReflectConfig::new()
        .spv(words)
        .ref_all_rscs(false)
        .combine_img_samplers(false)
        .reflect()
        .map_err(|e| Error::InvalidSpirv { name: name.into(), reason: SpirvProblem::Reflection(e.to_string()) })?;
    let model = desc.stage.execution_model();
    let Some(entry) = entry_points.iter().find(|e| e.name == desc.entry_point && e.exec_model == model) else {
        let available = entry_points.iter().map(|e| format!("{} ({:?})", e.name, e.exec_model)).collect::<Vec<_>>();
        return Err(Error::EntryPointNotFound {
            entry_point: desc.entry_point.clone(),
            stage: desc.stage.to_vk(),
            available: if available.is_empty() { "none".into() } else { available.join(", ") },
        });
    };
    let mut reflection = ShaderReflection::default();
    for var in &entry.vars {
        match var {
            Variable::Descriptor { name, desc_bind, desc_ty, nbind, .. } => {
                reflection.bindings.push(ReflectedBinding {
                    set: desc_bind.set(),
                    binding: desc_bind.bind(),
                    descriptor_type: descriptor_type(desc_ty),
                    count: *nbind,
                    name: name.clone(),
                })
            }
            Variable::PushConstant { ty, .. } => {
                reflection.push_constant_size = Some(ty.nbyte().unwrap_or(0) as u32);
            }
            _ => {}
        }
    }
    reflection.bindings.sort_by_key(|b| (b.set, b.binding));
    Ok(reflection)
}

/// A module with what the manager knows of it.
struct ShaderShared {
    module: ShaderModule,
    stage: ShaderStage,
    entry_point: CString,
    reflection: ShaderReflection,
}

/// A shader module with its stage, entry point and reflection. A shared handle: cloning is
/// cheap, the module is destroyed when the last clone drops.
///
/// `Send + Sync`: a shared handle (an `Arc` of the owner of Vulkan objects that do not change after
/// creation); clones may be used and dropped on any thread.
#[derive(Clone)]
pub struct Shader {
    shared: Arc<ShaderShared>,
}

impl std::fmt::Debug for Shader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shader")
            .field("module", &self.shared.module.handle())
            .field("stage", &self.shared.stage)
            .field("entry_point", &self.shared.entry_point)
            .finish_non_exhaustive()
    }
}

impl Shader {
    /// The `VkShaderModule`.
    pub fn module(&self) -> vk::ShaderModule {
        self.shared.module.handle()
    }

    /// Its stage.
    pub fn stage(&self) -> ShaderStage {
        self.shared.stage
    }

    /// Its entry point.
    pub fn entry_point(&self) -> &std::ffi::CStr {
        &self.shared.entry_point
    }

    /// The entry point's descriptor bindings and push constants.
    pub fn reflection(&self) -> &ShaderReflection {
        &self.shared.reflection
    }

    /// Its push-constant range for a pipeline layout (offset 0, its stage), if it has one.
    pub fn push_constant_range(&self) -> Option<vk::PushConstantRange> {
        let size = self.shared.reflection.push_constant_size?;
        Some(vk::PushConstantRange { stage_flags: self.shared.stage.to_vk(), offset: 0, size })
    }

    /// The stage's create info for a pipeline: module, stage and entry point. It borrows the
    /// shader, which keeps the module and the entry point's name alive while it is used.
    pub fn stage_create_info(&self) -> vk::PipelineShaderStageCreateInfo<'_> {
        vk::PipelineShaderStageCreateInfo::default()
            .stage(self.shared.stage.to_vk())
            .module(self.shared.module.handle())
            .name(&self.shared.entry_point)
    }
}
