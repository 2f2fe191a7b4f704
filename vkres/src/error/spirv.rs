//! Why shader code is not valid SPIR-V.

/// Why shader code is not valid SPIR-V (see [`Error::InvalidSpirv`](super::Error::InvalidSpirv)).
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpirvProblem {
    /// The code's length is not a multiple of 4 bytes (SPIR-V is a stream of 32-bit words).
    #[error("{len} bytes is not a whole number of 32-bit words")]
    NotWordAligned {
        /// Its length in bytes.
        len: usize,
    },
    /// Shorter than the 5-word SPIR-V header.
    #[error("{words} words is shorter than the 5-word SPIR-V header")]
    TooShort {
        /// Its length in words.
        words: usize,
    },
    /// The first word is not the SPIR-V magic number `0x07230203`.
    #[error("the first word is {found:#010x}, not the SPIR-V magic number 0x07230203")]
    BadMagic {
        /// The first word, read little-endian.
        found: u32,
    },
    /// The module breaks the SPIR-V rules: it does not parse against the grammar, or its IDs,
    /// blocks or entry points are not those of a module (VUID-VkShaderModuleCreateInfo-pCode-08737).
    #[error("invalid module: {0}")]
    Invalid(String),
    /// The reflection library could not parse the module.
    #[error("reflection failed: {0}")]
    Reflection(String),
}
