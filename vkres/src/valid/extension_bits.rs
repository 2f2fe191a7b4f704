//! Flag bits that an extension defines, refused unless that extension is enabled on the
//! context's device ([`DeviceCapabilities::device_extensions`]). Vulkan's `*-parameter` rules
//! ("a valid combination of VkXFlagBits") count a bit only where "the extension that defines
//! it is enabled"; the layer reports the others (e.g. `VUID-VkBufferCreateInfo-None-09499`,
//! `VUID-VkImageCreateInfo-usage-parameter`, `VUID-VkImageCreateInfo-flags-parameter`), and
//! without the layer the driver reads a bit of an extension it never turned on as it likes.
//! Refused with [`Error::MissingFeature`] naming the bit and the extension.
//!
//! The bits of core versions are not here (vkres needs 1.3; core bits that need a feature,
//! like sparse ones, are refused by [`known`](super::known)). Bits no version or extension
//! defines are [`known`](super::known)'s.

use ash::vk;

use crate::Context;
use crate::context::DeviceCapabilities;
use crate::error::{Error, Result};

/// One extension-defined bit: the bit, the operation text naming it, and the extensions any
/// one of which makes it valid.
struct ExtBit<F> {
    bit: F,
    operation: &'static str,
    extensions: &'static [&'static str],
}

macro_rules! ext_bits {
    ($ty:ident, $what:literal: $($bit:ident => [$($ext:literal),+]),+ $(,)?) => {
        &[$(ExtBit {
            bit: vk::$ty::$bit,
            operation: concat!($what, " ", stringify!($bit)),
            extensions: &[$($ext),+],
        }),+]
    };
}

const BUFFER_USAGE: &[ExtBit<vk::BufferUsageFlags>] = ext_bits!(BufferUsageFlags, "create a resource with buffer usage":
    VIDEO_DECODE_SRC_KHR => ["VK_KHR_video_decode_queue"],
    VIDEO_DECODE_DST_KHR => ["VK_KHR_video_decode_queue"],
    TRANSFORM_FEEDBACK_BUFFER_EXT => ["VK_EXT_transform_feedback"],
    TRANSFORM_FEEDBACK_COUNTER_BUFFER_EXT => ["VK_EXT_transform_feedback"],
    CONDITIONAL_RENDERING_EXT => ["VK_EXT_conditional_rendering"],
    EXECUTION_GRAPH_SCRATCH_AMDX => ["VK_AMDX_shader_enqueue"],
    ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR => ["VK_KHR_acceleration_structure"],
    ACCELERATION_STRUCTURE_STORAGE_KHR => ["VK_KHR_acceleration_structure"],
    SHADER_BINDING_TABLE_KHR => ["VK_KHR_ray_tracing_pipeline", "VK_NV_ray_tracing"],
    VIDEO_ENCODE_DST_KHR => ["VK_KHR_video_encode_queue"],
    VIDEO_ENCODE_SRC_KHR => ["VK_KHR_video_encode_queue"],
    SAMPLER_DESCRIPTOR_BUFFER_EXT => ["VK_EXT_descriptor_buffer"],
    RESOURCE_DESCRIPTOR_BUFFER_EXT => ["VK_EXT_descriptor_buffer"],
    PUSH_DESCRIPTORS_DESCRIPTOR_BUFFER_EXT => ["VK_EXT_descriptor_buffer"],
    MICROMAP_BUILD_INPUT_READ_ONLY_EXT => ["VK_EXT_opacity_micromap"],
    MICROMAP_STORAGE_EXT => ["VK_EXT_opacity_micromap"],
);

const IMAGE_USAGE: &[ExtBit<vk::ImageUsageFlags>] = ext_bits!(ImageUsageFlags, "create a resource with image usage":
    VIDEO_DECODE_DST_KHR => ["VK_KHR_video_decode_queue"],
    VIDEO_DECODE_SRC_KHR => ["VK_KHR_video_decode_queue"],
    VIDEO_DECODE_DPB_KHR => ["VK_KHR_video_decode_queue"],
    FRAGMENT_SHADING_RATE_ATTACHMENT_KHR => ["VK_KHR_fragment_shading_rate", "VK_NV_shading_rate_image"],
    FRAGMENT_DENSITY_MAP_EXT => ["VK_EXT_fragment_density_map"],
    HOST_TRANSFER_EXT => ["VK_EXT_host_image_copy"],
    VIDEO_ENCODE_DST_KHR => ["VK_KHR_video_encode_queue"],
    VIDEO_ENCODE_SRC_KHR => ["VK_KHR_video_encode_queue"],
    VIDEO_ENCODE_DPB_KHR => ["VK_KHR_video_encode_queue"],
    ATTACHMENT_FEEDBACK_LOOP_EXT => ["VK_EXT_attachment_feedback_loop_layout"],
    INVOCATION_MASK_HUAWEI => ["VK_HUAWEI_invocation_mask"],
    SAMPLE_WEIGHT_QCOM => ["VK_QCOM_image_processing"],
    SAMPLE_BLOCK_MATCH_QCOM => ["VK_QCOM_image_processing"],
);

const IMAGE_CREATE: &[ExtBit<vk::ImageCreateFlags>] = ext_bits!(ImageCreateFlags, "create a resource with image creation flag":
    CORNER_SAMPLED_NV => ["VK_NV_corner_sampled_image"],
    SAMPLE_LOCATIONS_COMPATIBLE_DEPTH_EXT => ["VK_EXT_sample_locations"],
    SUBSAMPLED_EXT => ["VK_EXT_fragment_density_map"],
    DESCRIPTOR_BUFFER_CAPTURE_REPLAY_EXT => ["VK_EXT_descriptor_buffer"],
    MULTISAMPLED_RENDER_TO_SINGLE_SAMPLED_EXT => ["VK_EXT_multisampled_render_to_single_sampled"],
    TYPE_2D_VIEW_COMPATIBLE_EXT => ["VK_EXT_image_2d_view_of_3d"],
    FRAGMENT_DENSITY_MAP_OFFSET_QCOM => ["VK_QCOM_fragment_density_map_offset"],
    VIDEO_PROFILE_INDEPENDENT_KHR => ["VK_KHR_video_maintenance1"],
);

const SHADER_STAGE: &[ExtBit<vk::ShaderStageFlags>] = ext_bits!(ShaderStageFlags, "make a descriptor binding seen by stage":
    TASK_EXT => ["VK_EXT_mesh_shader", "VK_NV_mesh_shader"],
    MESH_EXT => ["VK_EXT_mesh_shader", "VK_NV_mesh_shader"],
    RAYGEN_KHR => ["VK_KHR_ray_tracing_pipeline", "VK_NV_ray_tracing"],
    ANY_HIT_KHR => ["VK_KHR_ray_tracing_pipeline", "VK_NV_ray_tracing"],
    CLOSEST_HIT_KHR => ["VK_KHR_ray_tracing_pipeline", "VK_NV_ray_tracing"],
    MISS_KHR => ["VK_KHR_ray_tracing_pipeline", "VK_NV_ray_tracing"],
    INTERSECTION_KHR => ["VK_KHR_ray_tracing_pipeline", "VK_NV_ray_tracing"],
    CALLABLE_KHR => ["VK_KHR_ray_tracing_pipeline", "VK_NV_ray_tracing"],
    SUBPASS_SHADING_HUAWEI => ["VK_HUAWEI_subpass_shading"],
    CLUSTER_CULLING_HUAWEI => ["VK_HUAWEI_cluster_culling_shader"],
);

/// The bits of `table`, all together (a compile-time constant per table).
macro_rules! table_bits {
    ($table:expr) => {{
        let table = $table;
        let mut bits = 0u32;
        let mut i = 0;
        while i < table.len() {
            bits |= table[i].bit.as_raw();
            i += 1;
        }
        bits
    }};
}

const BUFFER_USAGE_BITS: u32 = table_bits!(BUFFER_USAGE);
const IMAGE_USAGE_BITS: u32 = table_bits!(IMAGE_USAGE);
const IMAGE_CREATE_BITS: u32 = table_bits!(IMAGE_CREATE);
const SHADER_STAGE_BITS: u32 = table_bits!(SHADER_STAGE);

/// The bits of each table (buffer usage, image usage, image creation flags) that `caps`'
/// device refuses: those of the entries none of whose extensions is enabled. Computed once per
/// context ([`Context::refused_extension_bits`](crate::Context)); a check is then one mask test.
fn refused_bits(caps: &DeviceCapabilities) -> [u32; 3] {
    fn refused<F: Copy>(caps: &DeviceCapabilities, table: &[ExtBit<F>], raw: impl Fn(F) -> u32) -> u32 {
        let enabled = |ext: &&str| caps.device_extensions.iter().any(|e| e.to_bytes() == ext.as_bytes());
        table.iter().filter(|e| !e.extensions.iter().any(enabled)).fold(0, |bits, e| bits | raw(e.bit))
    }
    [
        refused(caps, BUFFER_USAGE, |b| b.as_raw()),
        refused(caps, IMAGE_USAGE, |b| b.as_raw()),
        refused(caps, IMAGE_CREATE, |b| b.as_raw()),
    ]
}

/// `ctx`'s refused bits, computed on first use.
#[inline]
fn refused_of(ctx: &Context) -> &[u32; 3] {
    ctx.refused_extension_bits().get_or_init(|| refused_bits(ctx.capabilities()))
}

/// The first bit of `flags` in `table` none of whose extensions is enabled (the error's
/// wording; out of line: only flags with a bit of `table` come here, and for buffer and image
/// flags only a refused one).
#[cold]
#[inline(never)]
fn check_raw<F: Copy>(
    caps: &DeviceCapabilities,
    table: &[ExtBit<F>],
    raw: impl Fn(F) -> u32,
    flags: u32,
) -> Result<()> {
    for entry in table.iter().filter(|e| flags & raw(e.bit) != 0) {
        let enabled = |ext: &&str| caps.device_extensions.iter().any(|e| e.to_bytes() == ext.as_bytes());
        if !entry.extensions.iter().any(enabled) {
            return Err(Error::MissingFeature { feature: entry.extensions[0], operation: entry.operation });
        }
    }
    Ok(())
}

/// A buffer's usage bits that an extension defines need that extension. Inline: a usage
/// without such bits (nearly every buffer) costs one mask test, one with them a second against
/// the context's refused bits (issue 20 item 3: the walk of the table and of the device's
/// extension names was ~130 instructions per buffer).
#[inline]
pub(crate) fn buffer_usage(ctx: &Context, usage: vk::BufferUsageFlags) -> Result<()> {
    let bits = usage.as_raw() & BUFFER_USAGE_BITS;
    if bits == 0 || bits & refused_of(ctx)[0] == 0 {
        return Ok(());
    }
    check_raw(ctx.capabilities(), BUFFER_USAGE, |b| b.as_raw(), bits)
}

/// An image's usage and creation-flag bits that an extension defines need that extension
/// (as [`buffer_usage`], one mask test each where no such bit is set).
#[inline]
pub(crate) fn image(ctx: &Context, usage: vk::ImageUsageFlags, flags: vk::ImageCreateFlags) -> Result<()> {
    let usage_bits = usage.as_raw() & IMAGE_USAGE_BITS;
    let create_bits = flags.as_raw() & IMAGE_CREATE_BITS;
    if usage_bits | create_bits == 0 {
        return Ok(());
    }
    let refused = refused_of(ctx);
    if usage_bits & refused[1] != 0 {
        check_raw(ctx.capabilities(), IMAGE_USAGE, |b| b.as_raw(), usage_bits)?;
    }
    if create_bits & refused[2] != 0 {
        check_raw(ctx.capabilities(), IMAGE_CREATE, |b| b.as_raw(), create_bits)?;
    }
    Ok(())
}

/// The shader stages of a descriptor binding (or push-constant range) that an extension
/// defines need that extension. `ALL` ("every stage the device supports") is always valid.
pub(crate) fn shader_stages(caps: &DeviceCapabilities, stages: vk::ShaderStageFlags) -> Result<()> {
    // One mask test for the usual stages (vertex, fragment, compute: no extension's bit).
    let bits = stages.as_raw() & SHADER_STAGE_BITS;
    if bits == 0 || stages == vk::ShaderStageFlags::ALL {
        return Ok(());
    }
    check_raw(caps, SHADER_STAGE, |b| b.as_raw(), bits)
}

/// The TLAS instance flag bits that are valid on `caps`' device: the four of
/// `VK_KHR_acceleration_structure`, and the two of `VK_EXT_opacity_micromap` where it is
/// enabled. Computed once per build; each instance is then one mask test.
pub(crate) fn instance_flags_allowed(caps: &DeviceCapabilities) -> u32 {
    use vk::GeometryInstanceFlagsKHR as I;
    let core = I::TRIANGLE_FACING_CULL_DISABLE | I::TRIANGLE_FLIP_FACING | I::FORCE_OPAQUE | I::FORCE_NO_OPAQUE;
    let micromap = I::FORCE_OPACITY_MICROMAP_2_STATE_EXT | I::DISABLE_OPACITY_MICROMAPS_EXT;
    if caps.has_extension(c"VK_EXT_opacity_micromap") { core | micromap } else { core }.as_raw()
}

/// The error for instance `index` of `name` whose `flags` have bits outside
/// [`instance_flags_allowed`] (VUID-VkAccelerationStructureInstanceKHR-flags-parameter: the
/// device reads them from the instance buffer, where no layer sees them).
pub(crate) fn instance_flags_error(name: &str, index: usize, flags: vk::GeometryInstanceFlagsKHR) -> Error {
    use vk::GeometryInstanceFlagsKHR as I;
    let micromap = I::FORCE_OPACITY_MICROMAP_2_STATE_EXT | I::DISABLE_OPACITY_MICROMAPS_EXT;
    let known =
        I::TRIANGLE_FACING_CULL_DISABLE | I::TRIANGLE_FLIP_FACING | I::FORCE_OPAQUE | I::FORCE_NO_OPAQUE | micromap;
    match flags.as_raw() & !known.as_raw() {
        0 => Error::MissingFeature {
            feature: "VK_EXT_opacity_micromap",
            operation: "place a TLAS instance with FORCE_OPACITY_MICROMAP_2_STATE_EXT or DISABLE_OPACITY_MICROMAPS_EXT",
        },
        bits => Error::ValidUsage {
            name: name.into(),
            vuid: "VUID-VkAccelerationStructureInstanceKHR-flags-parameter",
            detail: format!("instance {index}: flag bits {bits:#x} are not defined by Vulkan or any extension"),
        },
    }
}
