//! Every keyword of the `#[gpu(...)]` grammar, in one place (after serde's `symbol.rs`).

/// The attribute's name.
pub const GPU: &str = "gpu";

/// Resource kinds: the first item of `#[gpu(...)]`.
pub const BUFFER: &str = "buffer";
/// Every kind the derive knows.
pub const KINDS: &[&str] = &[BUFFER];

/// Keys of `buffer(...)`.
pub const USAGE: &str = "usage";
/// `data = EXPR`.
pub const DATA: &str = "data";
/// `len = N` (elements).
pub const LEN: &str = "len";
/// `size = N` (bytes).
pub const SIZE: &str = "size";
/// `mapping = none | sequential_write | random | direct`.
pub const MAPPING: &str = "mapping";
/// `location = auto | device | host`.
pub const LOCATION: &str = "location";
/// Every key of `buffer(...)`.
pub const BUFFER_KEYS: &[&str] = &[USAGE, DATA, LEN, SIZE, MAPPING, LOCATION];

/// `mapping` values and the `vkres::MappingType` variant each names.
pub const MAPPINGS: &[(&str, &str)] = &[
    ("none", "None"),
    ("sequential_write", "HostAccessSequentialWrite"),
    ("random", "HostAccessRandom"),
    ("direct", "PreferDirectWrite"),
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
