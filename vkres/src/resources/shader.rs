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

/// Checks that `code` is SPIR-V (a whole number of words, at least the 5-word header, starting
/// with the magic number in the host's byte order) and returns its words; else
/// [`Error::InvalidSpirv`] naming `name`. What [`ShaderModule::from_words`] wants, from the
/// bytes `include_bytes!` gives.
pub fn spirv_words(code: &[u8], name: &str) -> Result<Vec<u32>> {
    if code.len() % 4 != 0 {
        return Err(Error::InvalidSpirv {
            name: name.into(),
            reason: SpirvProblem::NotWordAligned { len: code.len() },
        });
    }
    let words: Vec<u32> = code.chunks_exact(4).map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]])).collect();
    check_header(&words, name)?;
    Ok(words)
}

/// At least the header, starting with the magic number.
fn check_header(words: &[u32], name: &str) -> Result<()> {
    let invalid = |reason| Error::InvalidSpirv { name: name.into(), reason };
    match words.first() {
        _ if words.len() < SPIRV_HEADER_WORDS => Err(invalid(SpirvProblem::TooShort { words: words.len() })),
        Some(&magic) if magic != SPIRV_MAGIC => Err(invalid(SpirvProblem::BadMagic { found: magic })),
        _ => Ok(()),
    }
}

/// Checks that `code` is SPIR-V (see [`spirv_words`]) and creates the module.
pub(crate) fn create(ctx: &Arc<Context>, code: &[u8], name: &str) -> Result<ShaderModule> {
    ShaderModule::from_words(ctx, &spirv_words(code, name)?, name)
}

impl ShaderModule {
    /// Creates a module on `ctx`'s device from SPIR-V words (see [`spirv_words`]), named
    /// `name`: [`Error::InvalidSpirv`] unless they hold at least the header and start with
    /// [`SPIRV_MAGIC`]. The validation layer checks the rest where it is on.
    pub fn from_words(ctx: &Arc<Context>, words: &[u32], name: &str) -> Result<Self> {
        check_header(words, name)?;
        // SAFETY: a whole number of words starting with the SPIR-V magic number; the module's
        // owner destroys it.
        let handle = unsafe { ctx.create_shader_module(words, name) }?;
        Ok(Self { shared: Arc::new(ShaderShared { handle, ctx: ctx.clone(), name: name.into() }) })
    }
}
