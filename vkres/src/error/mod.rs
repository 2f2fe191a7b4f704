//! The one error type of vkres.
//!
//! Every fallible call returns [`Result<T>`]. A failed Vulkan call keeps its [`vk::Result`] and
//! the name of the operation; bad input gets a variant that names the resource (its debug name)
//! and the numbers that do not fit, so that the message alone says what to fix.

mod batch;
mod spirv;
mod usage;

use ash::vk;

pub use batch::BatchError;
pub use spirv::SpirvProblem;
pub use usage::Usage;

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

    /// A custom memory pool has no room for an allocation: it holds its maximum number of
    /// blocks and none has a free range large enough (or the allocation is larger than its
    /// block size).
    #[error(
        "`{name}`: memory pool `{pool}` is exhausted (all its blocks are in use, or the request exceeds its block size)"
    )]
    PoolExhausted {
        /// The pool's name.
        pool: String,
        /// Debug name of the resource.
        name: String,
    },

    /// Memory cannot be exported as the handle types asked for.
    #[error("`{name}`: memory cannot be exported as {handle_types:?}: {reason}")]
    ExportUnsupported {
        /// Debug name of the resource.
        name: String,
        /// The handle types asked for.
        handle_types: vk::ExternalMemoryHandleTypeFlags,
        /// Why not.
        reason: String,
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

    /// Mip levels cannot be generated: the format does not support linear blits (a depth or
    /// stencil format never does: VUID-vkCmdBlitImage-srcImage-00232 allows such blits only with
    /// nearest filtering).
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

    /// A description is self-contradictory or incomplete by vkres's own rules (a Vulkan rule
    /// broken is [`Error::ValidUsage`] instead).
    #[error("`{name}`: {reason}")]
    InvalidDescription {
        /// Debug name of the resource.
        name: String,
        /// What is wrong.
        reason: String,
    },

    /// A wait for the device did not end within the context's bound
    /// ([`ContextOptions::wait_timeout`](crate::ContextOptions::wait_timeout)): the work it
    /// waits for hangs, or was never submitted. What the waited-for work holds stays alive
    /// (leaked rather than freed under the device).
    #[error("waited {waited:?} for {what} without it signalling")]
    Timeout {
        /// What was waited on: the fence or semaphore and whose work it signals.
        what: String,
        /// How long.
        waited: std::time::Duration,
    },

    /// The device was lost (a GPU fault, a driver reset) while waiting for `what`.
    #[error("the device was lost while waiting for {what}")]
    DeviceLost {
        /// What was waited on.
        what: String,
    },

    /// A buffer copy whose source and destination ranges overlap in one buffer
    /// (VUID-vkCmdCopyBuffer-pRegions-00117).
    #[error("`{name}`: copying {size} bytes from offset {src_offset} to offset {dst_offset} overlaps")]
    OverlappingCopy {
        /// Debug name of the buffer.
        name: String,
        /// Source offset in bytes.
        src_offset: u64,
        /// Destination offset in bytes.
        dst_offset: u64,
        /// Bytes copied.
        size: u64,
    },

    /// The input breaks a valid-usage rule of the Vulkan specification; vkres refused it
    /// before Vulkan saw it.
    #[error("`{name}`: {detail} ({vuid})")]
    ValidUsage {
        /// Debug name of the resource.
        name: String,
        /// The rule, e.g. `VUID-VkImageCreateInfo-mipLevels-00958`.
        vuid: &'static str,
        /// What does not fit, with the numbers and flags involved.
        detail: String,
    },

    /// A resource lacks a usage flag that the operation needs.
    #[error("`{name}`: {operation} needs {needed:?} usage; it has {usage:?}")]
    MissingUsage {
        /// Debug name of the resource.
        name: String,
        /// What was being done, e.g. `an upload`.
        operation: &'static str,
        /// The flag(s) needed.
        needed: Usage,
        /// The usage it was created with.
        usage: Usage,
    },

    /// Data whose length is not a whole number of elements.
    #[error("`{name}`: {bytes} bytes are not a whole number of {element}-byte elements")]
    NotWholeElements {
        /// Debug name of the resource.
        name: String,
        /// Bytes given.
        bytes: u64,
        /// Size of one element in bytes.
        element: u64,
    },

    /// Arithmetic on caller-provided sizes, counts, offsets or strides overflows.
    #[error("`{name}`: {what} overflows")]
    Overflow {
        /// Debug name of the resource.
        name: String,
        /// The computation, with its numbers.
        what: String,
    },

    /// A [`BufferArena`](crate::BufferArena) has no free range of this size and alignment
    /// (its ranges are freed when their last handle drops and the work using them finished).
    #[error("`{name}`: no free range of {requested} bytes aligned to {alignment} in its {capacity} bytes")]
    ArenaExhausted {
        /// Debug name of the arena.
        name: String,
        /// Bytes asked for.
        requested: u64,
        /// Alignment asked for.
        alignment: u64,
        /// The arena's size in bytes.
        capacity: u64,
    },

    /// An alignment that is not a power of two, or larger than the arena it is asked of.
    #[error("`{name}`: alignment {alignment} is not a power of two no larger than {capacity}")]
    InvalidAlignment {
        /// Debug name of the arena.
        name: String,
        /// The alignment asked for.
        alignment: u64,
        /// The arena's size in bytes.
        capacity: u64,
    },

    /// An image read before anything was written to it.
    #[error("`{name}`: the image has no contents yet (its layout is UNDEFINED)")]
    Uninitialized {
        /// Debug name of the image.
        name: String,
    },

    /// A [`Batch`](crate::Batch) that cannot take this call in its state.
    #[error("batch: {0}")]
    Batch(#[from] BatchError),

    /// The stub of a `#[derive(GpuResources)]` whose schema did not compile (it never runs).
    #[error("`{bundle}`: the GpuResources schema has compile errors")]
    SchemaHasErrors {
        /// The bundle's type name.
        bundle: String,
    },

    // --- defragmentation (issue 19, item 4) ---
    /// A defragmentation asked of a memory backend that does not move allocations (a custom
    /// [`MemoryAllocator`](crate::memory::MemoryAllocator) without
    /// [`defragment`](crate::memory::MemoryAllocator::defragment)).
    #[error("defragmentation is not supported: {reason}")]
    DefragmentationUnsupported {
        /// Why not.
        reason: String,
    },

    // --- host writes against recorded work (issue 16, item 9; sound2) ---
    /// A host write through a buffer's mapping (a per-frame field's `write_<field>`,
    /// [`Buffer::write`](crate::Buffer::write) on a buffer whose recorded uses are counted)
    /// while work vkres recorded on that buffer is not known to be finished: a batch or
    /// recorder still recording it, or its [`InFlight`](crate::InFlight) not yet waited for and
    /// dropped. Written now, the bytes would race that work (or be overwritten by it). Also a
    /// host read of a buffer or range such work may write ([`Buffer::read`](crate::Buffer::read),
    /// [`SubBuffer::read`](crate::SubBuffer::read)), and an image download recorded while
    /// another recording writes or transitions the image (issue 16, helper "sound3").
    #[error(
        "`{name}`: {holds} use(s) by pending recorded work conflict with this call (refused, not waited for): a host access now would race that work, a command now could run before or after it (finish and submit the other recording, and where host access is refused wait for and drop its InFlight, first)"
    )]
    InUseByRecordedWork {
        /// The buffer, range or image, and what holds it.
        name: String,
        /// How many recordings (batches, recorders, in-flight work) still hold it (at least 1).
        holds: u64,
    },

    // --- helper "alias" (issue 16): alias-group members ---
    /// A resource in [`TransientMemory`](crate::memory::TransientMemory) was named by a
    /// recorded command while another member of the same memory is the active one (used since
    /// the last alias barrier): the device would read or overwrite that member's bytes. Record
    /// `Recorder::alias_barrier` / `Batch::alias_barrier` (the derive's `begin_<field>`) first.
    /// Nothing was recorded.
    #[error(
        "`{name}` shares transient memory `{memory}` with `{active}`, which recorded work used since the last alias barrier; record the alias barrier (begin_<field>) before using `{name}`"
    )]
    AliasNotActive {
        /// The resource the command named.
        name: String,
        /// The transient memory.
        memory: String,
        /// The member that is active now.
        active: String,
    },

    // --- helper "sound" (issue 16, item 1): host writes through mappings ---
    /// A write through [`Buffer::map`](crate::Buffer::map) into a staging chunk (the buffer of
    /// a [`StagingSpace`](crate::StagingSpace)): other spaces of the chunk, which recorded
    /// copies may be reading, share its mapping. Write the space through
    /// [`StagingSpace::write`](crate::StagingSpace::write), which bounds the write to it.
    #[error("`{name}` is a staging chunk: write it through StagingSpace::write, not through the buffer's mapping")]
    MappingReserved {
        /// The chunk's buffer.
        name: String,
    },

    // --- helper "sound" (issue 16, item 4): the transfer lane's claim ---
    /// A buffer or image that another batch uploads on the transfer queue (its first use,
    /// claimed by that batch's transfer lane, with
    /// [`ContextOptions::transfer_queue`](crate::ContextOptions::transfer_queue)) was named by
    /// a recorded command before that batch's main submission (which acquires it from the
    /// transfer queue) was submitted: such work could reach the main queue first, unordered
    /// with the lane's copy. Submit the uploading batch first.
    #[error(
        "`{name}` is being uploaded on the transfer queue by another batch that is not submitted yet; use it after that batch's submission"
    )]
    OnTransferQueue {
        /// The resource.
        name: String,
    },

    // --- helper "sound" (issue 16, item 5): staging sets of vkres's own work ---
    /// [`StagingMemoryManager::release_resource_set`](crate::StagingMemoryManager::release_resource_set)
    /// or [`release_on_fence`](crate::StagingMemoryManager::release_on_fence) of the staging set
    /// of a batch's or recorder's work ([`InFlight::staging_set`](crate::InFlight::staging_set)):
    /// vkres releases it when that work has finished; released sooner, later uploads would
    /// overwrite bytes the device may still be copying. Also
    /// [`stage`](crate::StagingMemoryManager::stage) into such a set: space there could overlap
    /// the bytes that work's copies read.
    #[error("staging set {set} belongs to a batch's or recorder's work, which releases it when it has finished")]
    StagingSetInUse {
        /// The set's number.
        set: u64,
    },
    /// [`StagingSpace::write`](crate::StagingSpace::write) after the space's set was released:
    /// the chunk may hold another set's bytes now, which recorded copies read.
    #[error("`{name}`: the staging space's set {set} was released; stage anew")]
    StagingReleased {
        /// The chunk's buffer.
        name: String,
        /// The set's number.
        set: u64,
    },
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
