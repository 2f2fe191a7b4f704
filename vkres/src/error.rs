//! The one error type of vkres.
//!
//! Every fallible call returns [`Result<T>`]. A failed Vulkan call keeps its [`vk::Result`] and
//! the name of the operation; bad input gets a variant that names the resource (its debug name)
//! and the numbers that do not fit, so that the message alone says what to fix.

use ash::vk;

/// `Result` with [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in vkres.
///
/// `Send + Sync + 'static`: it can cross threads and go into `Box<dyn std::error::Error + Send +
/// Sync>`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A Vulkan call returned an error code.
    #[error("{operation} failed: {result}")]
    Vulkan {
        /// The Vulkan function or the vkres operation that failed, e.g. `vkCreateBuffer`.
        operation: &'static str,
        /// What the driver returned.
        result: vk::Result,
    },

    /// The Vulkan loader (`libvulkan.so.1`) could not be loaded.
    #[error(
        "the Vulkan loader could not be loaded ({0}); install it (libvulkan1 on Debian and Ubuntu) and a Vulkan driver"
    )]
    LoaderMissing(String),

    /// An instance layer that was asked for is not installed.
    #[error("the Vulkan layer {layer} is not installed; install it (vulkan-validationlayers on Debian and Ubuntu)")]
    LayerMissing {
        /// The layer's name.
        layer: &'static str,
    },

    /// No physical device satisfies what vkres needs or what the caller selected.
    #[error("no suitable Vulkan device: {0}")]
    NoSuitableDevice(String),

    /// A device feature or extension that the operation needs is not enabled on this context.
    #[error("`{operation}` needs {feature}, which this device or context does not enable")]
    MissingFeature {
        /// The feature or extension, e.g. `VK_KHR_acceleration_structure`.
        feature: &'static str,
        /// What was being done.
        operation: &'static str,
    },

    /// A resource of another device (another context) was given.
    #[error("`{name}` belongs to another device")]
    WrongDevice {
        /// Debug name of the resource, and where it was given.
        name: String,
    },

    /// A resource of size zero was asked for; Vulkan has no empty buffers or images.
    #[error("`{name}`: a {kind} of size zero cannot be created")]
    ZeroSize {
        /// Debug name of the resource.
        name: String,
        /// `buffer`, `image`, ...
        kind: &'static str,
    },

    /// Initial or written data does not fit the resource.
    #[error("`{name}`: {given} bytes of data at offset {offset} do not fit its {capacity} bytes")]
    DataTooLarge {
        /// Debug name of the resource.
        name: String,
        /// Offset of the write in bytes.
        offset: u64,
        /// Bytes given.
        given: u64,
        /// Bytes the resource holds.
        capacity: u64,
    },

    /// The device does not support this format for this use.
    #[error(
        "`{name}`: format {format:?} is not supported for {ty:?} images with tiling {tiling:?} and usage {usage:?}"
    )]
    UnsupportedFormat {
        /// Debug name of the resource.
        name: String,
        /// The format asked for.
        format: vk::Format,
        /// Image type.
        ty: vk::ImageType,
        /// Tiling.
        tiling: vk::ImageTiling,
        /// Usage asked for.
        usage: vk::ImageUsageFlags,
    },

    /// A size, count or extent exceeds what the device allows.
    #[error("`{name}`: {what} of {requested} exceeds the device's limit of {limit}")]
    LimitExceeded {
        /// Debug name of the resource.
        name: String,
        /// Which quantity, e.g. `mip levels`.
        what: &'static str,
        /// What was asked for.
        requested: u64,
        /// The device's limit.
        limit: u64,
    },

    /// The memory of a resource cannot be mapped: it was allocated without host access, or the
    /// memory type it landed in is not host-visible.
    #[error("`{name}`: its memory cannot be mapped ({reason})")]
    NotHostVisible {
        /// Debug name of the resource.
        name: String,
        /// Why.
        reason: &'static str,
    },

    /// Image data whose size does not match the image's format, extent, layers and mips.
    #[error("`{name}`: image data is {given} bytes, its format, extent, layers and mips need {expected}")]
    ImageDataSize {
        /// Debug name of the image.
        name: String,
        /// Bytes the image's levels and layers hold, tightly packed.
        expected: u64,
        /// Bytes given.
        given: u64,
    },

    /// The image's data cannot be copied: its format has no known texel size in vkres, or
    /// it has two aspects (depth and stencil) or several samples.
    #[error("`{name}`: data of format {format:?} cannot be uploaded or downloaded")]
    FormatNotTransferable {
        /// Debug name of the image.
        name: String,
        /// Its format.
        format: vk::Format,
    },

    /// Mip levels cannot be generated: the format does not support linear blits.
    #[error("`{name}`: format {format:?} supports no linear blits, so its mips cannot be generated; supply them")]
    MipGenerationUnsupported {
        /// Debug name of the image.
        name: String,
        /// Its format.
        format: vk::Format,
    },

    /// A download was read before the work that copies it finished.
    #[error("`{name}`: read before the batch that downloads it finished")]
    NotReady {
        /// Debug name of the download.
        name: String,
    },

    /// A single staging request larger than the whole staging budget.
    #[error("a staging request of {requested} bytes exceeds the staging budget of {budget} bytes")]
    StagingBudgetExceeded {
        /// Bytes asked for.
        requested: u64,
        /// The budget.
        budget: u64,
    },

    /// All staging memory is held by resource sets not yet released that waiting cannot free:
    /// other batches of the same thread, a frame loop that does not release its sets, or a
    /// holder that released nothing for 30 s.
    #[error("no staging memory left: {budget} bytes are held by unreleased resource sets")]
    StagingExhausted {
        /// The budget.
        budget: u64,
    },

    /// A [`ResourceHandle`](crate::manager::ResourceHandle) that names no live resource of
    /// the manager: its resource was destroyed (its slot may hold a newer one by now), or it
    /// was never made by this manager.
    #[error("resource handle {handle} is stale or unknown")]
    StaleHandle {
        /// The handle, as `#index v generation`.
        handle: String,
    },

    /// A handle of one resource kind passed where another kind is needed (a texture's handle
    /// to a buffer update, say).
    #[error("resource handle {handle} names a {found}, not a {expected}")]
    WrongResourceKind {
        /// The handle, as `#index v generation`.
        handle: String,
        /// The kind needed.
        expected: &'static str,
        /// The kind it names.
        found: &'static str,
    },

    /// Every slot of the resource manager's table is taken.
    #[error("the resource manager holds its maximum of {capacity} resources")]
    ResourceTableFull {
        /// Its capacity.
        capacity: u32,
    },

    /// Shader code that is not SPIR-V, or that SPIR-V reflection cannot read.
    #[error("shader `{name}`: invalid SPIR-V: {reason}")]
    InvalidSpirv {
        /// The shader's name (its entry point and stage).
        name: String,
        /// What is wrong.
        reason: SpirvProblem,
    },

    /// The SPIR-V module has no entry point of that name for that stage.
    #[error("shader: no entry point `{entry_point}` for stage {stage:?}; the module has: {available}")]
    EntryPointNotFound {
        /// The entry point asked for.
        entry_point: String,
        /// The stage asked for.
        stage: vk::ShaderStageFlags,
        /// The module's entry points with their stages.
        available: String,
    },

    /// A material has no parameter of this name.
    #[error("material `{material}` has no parameter `{parameter}`")]
    UnknownMaterialParameter {
        /// The material's name.
        material: String,
        /// The name given.
        parameter: String,
    },

    /// A material parameter given a value of another type than it was declared with.
    #[error("material `{material}`: parameter `{parameter}` is a {expected}, not a {given}")]
    MaterialParameterType {
        /// The material's name.
        material: String,
        /// The parameter.
        parameter: String,
        /// Its declared type.
        expected: &'static str,
        /// The type of the value given.
        given: &'static str,
    },

    /// A run-time index names no element of a collection (a TLAS instance's BLAS index, ...).
    #[error("`{name}`: {what} {index} is out of range: the collection has {len} elements")]
    IndexOutOfRange {
        /// Debug name of the resource.
        name: String,
        /// What the index is, e.g. `instance 3: BLAS`.
        what: String,
        /// The index given.
        index: u64,
        /// The collection's length.
        len: u64,
    },

    /// Run-time collections that go together (one BLAS per vertex and index buffer, ...) have
    /// different lengths.
    #[error("`{name}`: `{what}` has {given} elements, {expected} expected")]
    LengthMismatch {
        /// Debug name of the resource.
        name: String,
        /// The collection whose length differs.
        what: String,
        /// The length of the first collection.
        expected: u64,
        /// This one's length.
        given: u64,
    },

    /// A run-time value does not fit the bits Vulkan gives it (a 24-bit instance custom index).
    #[error("`{name}`: {what} is {value}, at most {max}")]
    ValueOutOfRange {
        /// Debug name of the resource.
        name: String,
        /// What the value is, e.g. `instance 3: custom index`.
        what: String,
        /// The value given.
        value: u64,
        /// The largest allowed.
        max: u64,
    },

    /// A description is self-contradictory or incomplete.
    #[error("`{name}`: {reason}")]
    InvalidDescription {
        /// Debug name of the resource.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

/// Why shader code is not valid SPIR-V (see [`Error::InvalidSpirv`]).
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
    /// The reflection library could not parse the module.
    #[error("reflection failed: {0}")]
    Reflection(String),
}

impl Error {
    /// The [`vk::Result`] behind this error, if a Vulkan call failed.
    pub fn vk_result(&self) -> Option<vk::Result> {
        match self {
            Error::Vulkan { result, .. } => Some(*result),
            _ => None,
        }
    }
}

/// [`Error::DataTooLarge`] unless `len` bytes from `offset` fit in `capacity` (overflow
/// included): the one check behind every "fits the resource" test.
pub(crate) fn check_range(name: &str, offset: u64, len: u64, capacity: u64) -> Result<()> {
    if offset.checked_add(len).is_none_or(|end| end > capacity) {
        return Err(Error::DataTooLarge { name: name.into(), offset, given: len, capacity });
    }
    Ok(())
}

/// Attaches the operation's name to a raw [`vk::Result`] error.
pub(crate) trait VkContext<T> {
    /// Maps `Err(result)` to [`Error::Vulkan`] with `operation`.
    fn op(self, operation: &'static str) -> Result<T>;
}

impl<T> VkContext<T> for core::result::Result<T, vk::Result> {
    fn op(self, operation: &'static str) -> Result<T> {
        self.map_err(|result| Error::Vulkan { operation, result })
    }
}
