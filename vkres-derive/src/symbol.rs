//! Every keyword of the `#[gpu(...)]` grammar, in one place (after serde's `symbol.rs`).

/// The attribute's name.
pub const GPU: &str = "gpu";

/// Resource kinds: the first item of `#[gpu(...)]`.
pub const BUFFER: &str = "buffer";
/// `texture(...)`.
pub const TEXTURE: &str = "texture";
/// `sampler(...)`, or `sampler` alone for the default description.
pub const SAMPLER: &str = "sampler";
/// `shader(path = "...")`.
pub const SHADER: &str = "shader";
/// `bundle`, or `bundle(inputs)`: a nested `GpuResources` struct.
pub const BUNDLE: &str = "bundle";
/// `blas(vertices = field, ...)` or `blas(aabbs = field)`: a bottom-level acceleration structure.
pub const BLAS: &str = "blas";
/// `tlas(instance(blas = field, ...), ...)`: a top-level acceleration structure.
pub const TLAS: &str = "tlas";
/// `bundles`: a `Vec` of nested bundles, each from its own inputs.
pub const BUNDLES: &str = "bundles";
/// `buffers(...)`: a `Vec` of buffers, each from its own run-time data.
pub const BUFFERS: &str = "buffers";
/// `blases(...)`: a `Vec` of BLASes, one per element of the `buffers` collections it reads.
pub const BLASES: &str = "blases";
/// `tlases(...)`: a `Vec` of TLASes, one per run-time list of instances.
pub const TLASES: &str = "tlases";
/// `textures(...)`: a `Vec` of 2D textures, one per run-time `vkres::TextureInput`.
pub const TEXTURES: &str = "textures";
/// Every kind the derive knows (the plural ones are collections of the singular kind).
pub const KINDS: &[&str] =
    &[BUFFER, TEXTURE, SAMPLER, SHADER, BUNDLE, BLAS, TLAS, BUNDLES, BUFFERS, BLASES, TEXTURES, TLASES];

/// Field-level keys beside the kind: `binding = N`.
pub const BINDING: &str = "binding";
/// `stages = A | B`.
pub const STAGES: &str = "stages";
/// Everything that may appear at the top level of `#[gpu(...)]`.
pub const TOP_LEVEL: &[&str] = &[
    BUFFER, TEXTURE, SAMPLER, SHADER, BUNDLE, BLAS, TLAS, BUNDLES, BUFFERS, BLASES, TEXTURES, TLASES, BINDING, STAGES,
];

/// `data = input`: the data is a run-time input.
pub const INPUT: &str = "input";
/// `bundle(inputs)`: the nested bundle takes run-time inputs.
pub const INPUTS: &str = "inputs";
/// `copy = field`: a buffer's contents copied on the GPU from another buffer field.
pub const COPY: &str = "copy";

/// Keys of `buffer(...)`.
pub const USAGE: &str = "usage";
/// `data = EXPR`.
pub const DATA: &str = "data";
/// `len = N` (elements).
pub const LEN: &str = "len";
/// `size = N` (bytes).
pub const SIZE: &str = "size";
/// `mapping = none | sequential_write | random | direct | read`.
pub const MAPPING: &str = "mapping";
/// `location = auto | device | host`.
pub const LOCATION: &str = "location";
/// `pool = EXPR` (a `&vkres::MemoryPool`) or `pool = input`.
pub const POOL: &str = "pool";
/// `geometry_table = field`: the buffer holds the `vkres::GeometryRecord`s of a
/// `blases(geometries = input)` field.
pub const GEOMETRY_TABLE: &str = "geometry_table";
/// `per_frame`: one copy of the buffer per frame in flight (`vkres::PerFrame<Buffer<T>>`).
pub const PER_FRAME: &str = "per_frame";
/// The inputs-struct field of a bundle with per-frame fields: how many copies each has.
pub const FRAMES_IN_FLIGHT: &str = "frames_in_flight";
/// `resize`: re-created from new sizes by the generated `resize` (its sizes are inputs).
pub const RESIZE: &str = "resize";
/// `alias = field`: shares memory with that field (transient aliasing).
pub const ALIAS: &str = "alias";
/// Every key of `buffer(...)`.
pub const BUFFER_KEYS: &[&str] =
    &[USAGE, DATA, COPY, LEN, SIZE, MAPPING, LOCATION, POOL, GEOMETRY_TABLE, PER_FRAME, RESIZE, ALIAS];

/// Keys of `texture(...)`.
pub const FORMAT: &str = "format";
/// `extent = [w, h]`.
pub const EXTENT: &str = "extent";
/// `mips = N | generate`.
pub const MIPS: &str = "mips";
/// `mips = generate`.
pub const GENERATE: &str = "generate";
/// `layers = N`.
pub const LAYERS: &str = "layers";
/// `view = TYPE_2D | CUBE | ...`.
pub const VIEW: &str = "view";
/// `layout = SHADER_READ_ONLY_OPTIMAL | ...`.
pub const LAYOUT: &str = "layout";
/// Every key of `texture(...)`.
pub const TEXTURE_KEYS: &[&str] =
    &[FORMAT, EXTENT, MIPS, LAYERS, VIEW, USAGE, DATA, SAMPLER, LAYOUT, LOCATION, POOL, RESIZE, ALIAS, PER_FRAME];

/// Keys of `sampler(...)`: each value spelled lowercase.
pub const FILTER: &str = "filter";
/// `mag_filter = linear | nearest`.
pub const MAG_FILTER: &str = "mag_filter";
/// `min_filter = linear | nearest`.
pub const MIN_FILTER: &str = "min_filter";
/// `mipmap = linear | nearest`.
pub const MIPMAP: &str = "mipmap";
/// `address = repeat | ...` (u, v and w).
pub const ADDRESS: &str = "address";
/// `address_u = ...`.
pub const ADDRESS_U: &str = "address_u";
/// `address_v = ...`.
pub const ADDRESS_V: &str = "address_v";
/// `address_w = ...`.
pub const ADDRESS_W: &str = "address_w";
/// `anisotropy = 16.0`.
pub const ANISOTROPY: &str = "anisotropy";
/// `min_lod = 0.0`.
pub const MIN_LOD: &str = "min_lod";
/// `max_lod = 4.0`.
pub const MAX_LOD: &str = "max_lod";
/// `lod_bias = 0.5`.
pub const LOD_BIAS: &str = "lod_bias";
/// `compare = less | ...`.
pub const COMPARE: &str = "compare";
/// `border = float_opaque_black | ...`.
pub const BORDER: &str = "border";
/// Every key of `sampler(...)`.
pub const SAMPLER_KEYS: &[&str] = &[
    FILTER, MAG_FILTER, MIN_FILTER, MIPMAP, ADDRESS, ADDRESS_U, ADDRESS_V, ADDRESS_W, ANISOTROPY, MIN_LOD, MAX_LOD,
    LOD_BIAS, COMPARE, BORDER,
];

/// Keys of `blas(...)`: `vertices = field` (a buffer field of vertices).
pub const VERTICES: &str = "vertices";
/// `indices = field`: a `Buffer<u16>` or `Buffer<u32>` field.
pub const INDICES: &str = "indices";
/// `stride = N`: bytes between vertices (default: the vertex buffer's element size).
pub const STRIDE: &str = "stride";
/// `transform = field` (blas: a `Buffer<Transform3x4>` field) or `transform = EXPR` (instance).
pub const TRANSFORM: &str = "transform";
/// `aabbs = field`: a `Buffer<vkres::Aabb>` field.
pub const AABBS: &str = "aabbs";
/// `prefer = fast_trace | fast_build | balanced`.
pub const PREFER: &str = "prefer";
/// `allow_update`: refits allowed.
pub const ALLOW_UPDATE: &str = "allow_update";
/// `allow_compaction`: compaction allowed.
pub const ALLOW_COMPACTION: &str = "allow_compaction";
/// `geometries = input` (`blases` only): each BLAS's geometries are a run-time list of
/// `vkres::GeometryInput`.
pub const GEOMETRIES: &str = "geometries";
/// `geometry(...)`: one more geometry of a BLAS, with the geometry keys of `blas`.
pub const GEOMETRY: &str = "geometry";
/// `no_duplicate_any_hit`: the geometry's any-hit shader runs once per primitive.
pub const NO_DUPLICATE_ANY_HIT: &str = "no_duplicate_any_hit";
/// Every key of `blas(...)`.
pub const BLAS_KEYS: &[&str] = &[
    VERTICES,
    FORMAT,
    STRIDE,
    INDICES,
    TRANSFORM,
    AABBS,
    OPAQUE,
    NO_DUPLICATE_ANY_HIT,
    GEOMETRY,
    PREFER,
    ALLOW_UPDATE,
    ALLOW_COMPACTION,
    GEOMETRIES,
];
/// `opaque = false`: geometry not opaque (any-hit shaders run); default true.
pub const OPAQUE: &str = "opaque";
/// Build preferences (`vkres::BuildPreference`).
pub const PREFERENCES: &[(&str, &str)] =
    &[("fast_trace", "FastTrace"), ("fast_build", "FastBuild"), ("balanced", "Balanced")];

/// Keys of `tlas(...)`: `instance(...)`, once per instance.
pub const INSTANCE: &str = "instance";
/// `instances = input`: the instances are a run-time slice of `vkres::BlasInstance`.
pub const INSTANCES: &str = "instances";
/// Every key of `tlas(...)`.
pub const TLAS_KEYS: &[&str] = &[INSTANCE, INSTANCES, BLASES, PREFER, ALLOW_UPDATE, PER_FRAME];
/// `custom_index = N` of an instance (24 bits).
pub const CUSTOM_INDEX: &str = "custom_index";
/// `mask = N` of an instance (8 bits).
pub const MASK: &str = "mask";
/// `sbt_offset = N` of an instance (24 bits).
pub const SBT_OFFSET: &str = "sbt_offset";
/// Every key of `instance(...)`.
pub const INSTANCE_KEYS: &[&str] = &[BLAS, TRANSFORM, CUSTOM_INDEX, MASK, SBT_OFFSET];

/// Keys of `shader(...)`: `path = "file.spv"`, relative to the crate's `Cargo.toml`.
pub const PATH: &str = "path";
/// Every key of `shader(...)`.
pub const SHADER_KEYS: &[&str] = &[PATH];

/// Filters (`vk::Filter`).
pub const FILTERS: &[(&str, &str)] = &[("linear", "LINEAR"), ("nearest", "NEAREST")];
/// Mipmap modes (`vk::SamplerMipmapMode`).
pub const MIPMAP_MODES: &[(&str, &str)] = &[("linear", "LINEAR"), ("nearest", "NEAREST")];
/// Address modes (`vk::SamplerAddressMode`).
pub const ADDRESS_MODES: &[(&str, &str)] = &[
    ("repeat", "REPEAT"),
    ("mirrored_repeat", "MIRRORED_REPEAT"),
    ("clamp_to_edge", "CLAMP_TO_EDGE"),
    ("clamp_to_border", "CLAMP_TO_BORDER"),
    ("mirror_clamp_to_edge", "MIRROR_CLAMP_TO_EDGE"),
];
/// Compare ops (`vk::CompareOp`), for depth-comparison samplers.
pub const COMPARE_OPS: &[(&str, &str)] = &[
    ("never", "NEVER"),
    ("less", "LESS"),
    ("equal", "EQUAL"),
    ("less_or_equal", "LESS_OR_EQUAL"),
    ("greater", "GREATER"),
    ("not_equal", "NOT_EQUAL"),
    ("greater_or_equal", "GREATER_OR_EQUAL"),
    ("always", "ALWAYS"),
];
/// Border colors (`vk::BorderColor`).
pub const BORDER_COLORS: &[(&str, &str)] = &[
    ("float_transparent_black", "FLOAT_TRANSPARENT_BLACK"),
    ("int_transparent_black", "INT_TRANSPARENT_BLACK"),
    ("float_opaque_black", "FLOAT_OPAQUE_BLACK"),
    ("int_opaque_black", "INT_OPAQUE_BLACK"),
    ("float_opaque_white", "FLOAT_OPAQUE_WHITE"),
    ("int_opaque_white", "INT_OPAQUE_WHITE"),
];

/// Texture usage flags (`vk::ImageUsageFlags`).
pub const IMAGE_USAGES: &[(&str, &str)] = &[
    ("TRANSFER_SRC", "TRANSFER_SRC"),
    ("TRANSFER_DST", "TRANSFER_DST"),
    ("SAMPLED", "SAMPLED"),
    ("STORAGE", "STORAGE"),
    ("COLOR_ATTACHMENT", "COLOR_ATTACHMENT"),
    ("DEPTH_STENCIL_ATTACHMENT", "DEPTH_STENCIL_ATTACHMENT"),
    ("INPUT_ATTACHMENT", "INPUT_ATTACHMENT"),
];

/// View types (`vk::ImageViewType`).
pub const VIEW_TYPES: &[(&str, &str)] = &[
    ("TYPE_1D", "TYPE_1D"),
    ("TYPE_2D", "TYPE_2D"),
    ("TYPE_3D", "TYPE_3D"),
    ("CUBE", "CUBE"),
    ("TYPE_1D_ARRAY", "TYPE_1D_ARRAY"),
    ("TYPE_2D_ARRAY", "TYPE_2D_ARRAY"),
    ("CUBE_ARRAY", "CUBE_ARRAY"),
];

/// Final layouts (`vk::ImageLayout`) a texture may be left in.
pub const LAYOUTS: &[(&str, &str)] = &[
    ("GENERAL", "GENERAL"),
    ("SHADER_READ_ONLY_OPTIMAL", "SHADER_READ_ONLY_OPTIMAL"),
    ("COLOR_ATTACHMENT_OPTIMAL", "COLOR_ATTACHMENT_OPTIMAL"),
    ("DEPTH_STENCIL_ATTACHMENT_OPTIMAL", "DEPTH_STENCIL_ATTACHMENT_OPTIMAL"),
    ("DEPTH_STENCIL_READ_ONLY_OPTIMAL", "DEPTH_STENCIL_READ_ONLY_OPTIMAL"),
    ("TRANSFER_SRC_OPTIMAL", "TRANSFER_SRC_OPTIMAL"),
    ("TRANSFER_DST_OPTIMAL", "TRANSFER_DST_OPTIMAL"),
    ("READ_ONLY_OPTIMAL", "READ_ONLY_OPTIMAL"),
    ("ATTACHMENT_OPTIMAL", "ATTACHMENT_OPTIMAL"),
];

/// Shader stages (`vk::ShaderStageFlags`) of `stages = ...`.
pub const STAGE_FLAGS: &[(&str, &str)] = &[
    ("VERTEX", "VERTEX"),
    ("TESSELLATION_CONTROL", "TESSELLATION_CONTROL"),
    ("TESSELLATION_EVALUATION", "TESSELLATION_EVALUATION"),
    ("GEOMETRY", "GEOMETRY"),
    ("FRAGMENT", "FRAGMENT"),
    ("COMPUTE", "COMPUTE"),
    ("ALL_GRAPHICS", "ALL_GRAPHICS"),
    ("ALL", "ALL"),
    ("RAYGEN", "RAYGEN_KHR"),
    ("ANY_HIT", "ANY_HIT_KHR"),
    ("CLOSEST_HIT", "CLOSEST_HIT_KHR"),
    ("MISS", "MISS_KHR"),
    ("INTERSECTION", "INTERSECTION_KHR"),
    ("CALLABLE", "CALLABLE_KHR"),
    ("TASK", "TASK_EXT"),
    ("MESH", "MESH_EXT"),
];

/// `mapping` values and the `vkres::MappingType` variant each names.
pub const MAPPINGS: &[(&str, &str)] = &[
    ("none", "None"),
    ("sequential_write", "HostAccessSequentialWrite"),
    ("random", "HostAccessRandom"),
    ("direct", "PreferDirectWrite"),
    ("read", "PreferDirectRead"),
];

/// `location` values and the `vkres::MemoryLocation` variant each names.
pub const LOCATIONS: &[(&str, &str)] = &[("auto", "Auto"), ("device", "PreferDevice"), ("host", "PreferHost")];

/// `usage` flags: each accepted spelling and the `vk::BufferUsageFlags` constant it names.
/// The short forms (`VERTEX`, `STORAGE`, ...) read like the schema they appear in.
pub const BUFFER_USAGES: &[(&str, &str)] = &[
    ("TRANSFER_SRC", "TRANSFER_SRC"),
    ("TRANSFER_DST", "TRANSFER_DST"),
    ("UNIFORM_TEXEL_BUFFER", "UNIFORM_TEXEL_BUFFER"),
    ("STORAGE_TEXEL_BUFFER", "STORAGE_TEXEL_BUFFER"),
    ("UNIFORM_BUFFER", "UNIFORM_BUFFER"),
    ("UNIFORM", "UNIFORM_BUFFER"),
    ("STORAGE_BUFFER", "STORAGE_BUFFER"),
    ("STORAGE", "STORAGE_BUFFER"),
    ("INDEX_BUFFER", "INDEX_BUFFER"),
    ("INDEX", "INDEX_BUFFER"),
    ("VERTEX_BUFFER", "VERTEX_BUFFER"),
    ("VERTEX", "VERTEX_BUFFER"),
    ("INDIRECT_BUFFER", "INDIRECT_BUFFER"),
    ("INDIRECT", "INDIRECT_BUFFER"),
    ("SHADER_DEVICE_ADDRESS", "SHADER_DEVICE_ADDRESS"),
    ("ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR", "ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR"),
    ("ACCELERATION_STRUCTURE_STORAGE_KHR", "ACCELERATION_STRUCTURE_STORAGE_KHR"),
    ("SHADER_BINDING_TABLE_KHR", "SHADER_BINDING_TABLE_KHR"),
];

/// The closest of `candidates` to `given`, if close enough to suggest ("did you mean").
pub fn closest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&given.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// "unknown X `given`; did you mean `y`?" or "...; expected one of `a`, `b`".
pub fn unknown(what: &str, given: &str, candidates: &[&str]) -> String {
    match closest(given, candidates.iter().copied()) {
        Some(best) => format!("unknown {what} `{given}`; did you mean `{best}`?"),
        None => {
            let list: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
            format!("unknown {what} `{given}`; expected one of {}", list.join(", "))
        }
    }
}
