//! [`ShaderModule`]: a `VkShaderModule` made from SPIR-V words.

use std::sync::Arc;

use ash::vk;

use crate::Context;
use crate::error::{Error, Result, SpirvProblem};

/// The first word of every SPIR-V module.
pub const SPIRV_MAGIC: u32 = 0x0723_0203;

/// Words in a SPIR-V module's header (magic, version, generator, bound, schema).
const SPIRV_HEADER_WORDS: usize = 5;

/// The owner of one `VkShaderModule`.
struct ShaderShared {
    handle: vk::ShaderModule,
    ctx: Arc<Context>,
    name: String,
}

impl Drop for ShaderShared {
    fn drop(&mut self) {
        // SAFETY: the last handle is gone; pipelines made from a module do not need it alive.
        // Destroying a null handle (a released field's placeholder) is a no-op.
        unsafe { self.ctx.device().destroy_shader_module(self.handle, None) };
    }
}

/// A `VkShaderModule`. A shared handle: clones share it, the last one destroys it.
///
/// `Send + Sync`: a shared handle (an `Arc` of the owner of Vulkan objects that do not change after
/// creation); clones may be used and dropped on any thread.
#[derive(Clone)]
pub struct ShaderModule {
    shared: Arc<ShaderShared>,
}

impl std::fmt::Debug for ShaderModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShaderModule").field("name", &self.shared.name).field("handle", &self.shared.handle).finish()
    }
}

impl ShaderModule {
    /// The `VkShaderModule`.
    pub fn handle(&self) -> vk::ShaderModule {
        self.shared.handle
    }

    /// Debug name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Drops this handle's reference to the module, leaving a null placeholder (for the
    /// ordered drop of derived bundles).
    pub(crate) fn release(&mut self) {
        if self.shared.handle == vk::ShaderModule::null() {
            return;
        }
        let ctx = self.shared.ctx.clone();
        self.shared = Arc::new(ShaderShared { handle: vk::ShaderModule::null(), ctx, name: String::new() });
    }
}

/// SPIR-V words that passed [`spirv_words`]'s validation: the proof that a module may be
/// created from them ([`ShaderModule::from_spirv`]).
#[derive(Debug, Clone)]
pub struct SpirvWords(Vec<u32>);

impl SpirvWords {
    /// The words.
    pub fn words(&self) -> &[u32] {
        &self.0
    }
}

/// Checks that `code` is a valid SPIR-V module (a whole number of words, at least the 5-word
/// header, starting with the magic number in the host's byte order, and a body that
/// `valid::spirv` accepts: see docs/VALID_USAGE.md) and returns its words; else
/// [`Error::InvalidSpirv`] naming `name`. What [`ShaderModule::from_spirv`] takes, from the
/// bytes `include_bytes!` gives.
pub fn spirv_words(code: &[u8], name: &str) -> Result<SpirvWords> {
    let invalid = |reason| Error::InvalidSpirv { name: name.into(), reason };
    if code.len() % 4 != 0 {
        return Err(invalid(SpirvProblem::NotWordAligned { len: code.len() }));
    }
    let words: Vec<u32> = code.chunks_exact(4).map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]])).collect();
    check_words(&words, name)?;
    Ok(SpirvWords(words))
}

/// The header (at least 5 words, the magic number first) and the body (`valid::spirv`).
fn check_words(words: &[u32], name: &str) -> Result<()> {
    let invalid = |reason| Error::InvalidSpirv { name: name.into(), reason };
    if words.len() < SPIRV_HEADER_WORDS {
        return Err(invalid(SpirvProblem::TooShort { words: words.len() }));
    }
    if words[0] != SPIRV_MAGIC {
        return Err(invalid(SpirvProblem::BadMagic { found: words[0] }));
    }
    crate::valid::spirv::check_module(words).map_err(|reason| invalid(SpirvProblem::Invalid(reason)))
}

/// The module's capabilities against what Vulkan allows and `ctx`'s device enabled
/// (`valid/spirv_capabilities.rs`): [`Error::ValidUsage`] naming the capability.
fn check_capabilities(ctx: &Context, words: &[u32], name: &str) -> Result<()> {
    let caps = ctx.capabilities();
    // The features `Context::new` enables where supported, asked only when a module declares
    // one of their capabilities.
    let supported = |feature: &str| {
        let mut v12 = vk::PhysicalDeviceVulkan12Features::default();
        let mut features = vk::PhysicalDeviceFeatures2::default().push_next(&mut v12);
        // SAFETY: the context's physical device of its instance; the chained struct is core 1.2.
        unsafe { ctx.instance().get_physical_device_features2(ctx.physical_device(), &mut features) };
        let on = match feature {
            "shaderInt64" => features.features.shader_int64,
            "shaderInt8" => v12.shader_int8,
            "storageBuffer8BitAccess" => v12.storage_buffer8_bit_access,
            _ => vk::FALSE,
        };
        on == vk::TRUE
    };
    crate::valid::spirv_capabilities::check(
        name,
        words,
        &caps.enabled,
        &caps.device_extensions,
        ctx.features_chosen,
        &supported,
    )
}

/// Checks that `code` is SPIR-V (see [`spirv_words`]) and creates the module.
pub(crate) fn create(ctx: &Arc<Context>, code: &[u8], name: &str) -> Result<ShaderModule> {
    ShaderModule::from_spirv(ctx, &spirv_words(code, name)?, name)
}

impl ShaderModule {
    /// Creates a module on `ctx`'s device from words [`spirv_words`] validated, named `name`.
    pub fn from_spirv(ctx: &Arc<Context>, words: &SpirvWords, name: &str) -> Result<Self> {
        check_capabilities(ctx, words.words(), name)?;
        // SAFETY: `SpirvWords` are made only by `spirv_words`, which validated the module; its
        // capabilities were checked against the device just above.
        unsafe { Self::from_words_unchecked(ctx, words.words(), name) }
    }

    /// Creates a module on `ctx`'s device from SPIR-V words, named `name`, after the same
    /// validation as [`spirv_words`]: [`Error::InvalidSpirv`] where the header or the body is
    /// not a valid module.
    pub fn from_words(ctx: &Arc<Context>, words: &[u32], name: &str) -> Result<Self> {
        check_words(words, name)?;
        check_capabilities(ctx, words, name)?;
        // SAFETY: validated just above, capabilities against the device too.
        unsafe { Self::from_words_unchecked(ctx, words, name) }
    }

    /// Creates a module from `words` without validating them, for modules vkres's validator
    /// refuses but the device accepts.
    ///
    /// # Safety
    /// `words` is a valid SPIR-V module for this device (VUID-VkShaderModuleCreateInfo-pCode-08737
    /// and the rest of the `VkShaderModuleCreateInfo` rules): an invalid body is undefined
    /// behaviour in the driver (it crashed lavapipe and the validation layer).
    pub unsafe fn from_words_unchecked(ctx: &Arc<Context>, words: &[u32], name: &str) -> Result<Self> {
        // SAFETY: `words` is a valid SPIR-V module (the caller's contract); the module's owner
        // destroys it.
        let handle = unsafe { ctx.create_shader_module(words, name) }?;
        Ok(Self { shared: Arc::new(ShaderShared { handle, ctx: ctx.clone(), name: name.into() }) })
    }
}
