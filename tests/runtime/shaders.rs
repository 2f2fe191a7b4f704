//! The SPIR-V the tests and examples load is committed beside its WGSL source in `shaders/`,
//! so that using it needs no shader compiler. This test compiles every source with naga (a
//! crates.io compiler, no system tool) and fails when a committed `.spv` differs from what
//! its source compiles to. Regenerate them all with
//! `VKRES_REGENERATE_SHADERS=1 cargo test --test runtime shaders_up_to_date`.

use std::path::{Path, PathBuf};

use naga::back::spv;
use naga::valid::{Capabilities, ValidationFlags, Validator};

/// The folder of shader sources and their SPIR-V: in the source tree the binary was built
/// from, or, for a binary copied to another machine, `shaders/` under the current directory.
fn shader_dir() -> PathBuf {
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    if built_from.is_dir() { built_from } else { PathBuf::from("shaders") }
}

/// Compiles one WGSL source to SPIR-V words (SPIR-V 1.4, for Vulkan 1.3 devices).
fn compile(path: &Path) -> Vec<u32> {
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut source = read(path);
    // `// #append FILE` (relative to `shaders/`): FILE's text is added at the end. WGSL has no
    // include; module-scope declarations may come in any order, so text shared by several
    // shaders can follow each one's own (and its `enable` lines).
    let appended: Vec<String> = source
        .lines()
        .filter_map(|line| line.strip_prefix("// #append "))
        .map(|file| read(&shader_dir().join(file.trim())))
        .collect();
    for text in appended {
        source.push('\n');
        source.push_str(&text);
    }
    let module = naga::front::wgsl::parse_str(&source)
        .unwrap_or_else(|e| panic!("{}:\n{}", path.display(), e.emit_to_string(&source)));
    let info = Validator::new(ValidationFlags::all(), Capabilities::all())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{}:\n{}", path.display(), e.emit_to_string(&source)));
    let options = spv::Options { lang_version: (1, 4), ..Default::default() };
    let words = spv::write_vec(&module, &info, &options, None).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    drop_unused_geometry_capability(words)
}

/// naga 30 declares the `Geometry` capability for the `primitive_index` built-in in every
/// stage, also in ray-tracing stages, where Vulkan allows `PrimitiveId` with `RayTracingKHR`
/// alone; a device without the `geometryShader` feature enabled then rejects the module. Drops
/// `OpCapability Geometry` from modules that have no geometry entry point.
fn drop_unused_geometry_capability(words: Vec<u32>) -> Vec<u32> {
    const OP_CAPABILITY: u32 = 17;
    const OP_ENTRY_POINT: u32 = 15;
    const CAPABILITY_GEOMETRY: u32 = 2;
    const EXECUTION_MODEL_GEOMETRY: u32 = 3;
    const HEADER_WORDS: usize = 5;
    // (opcode, instruction words) of each instruction after the header.
    let mut instructions = Vec::new();
    let mut at = HEADER_WORDS;
    while at < words.len() {
        let count = ((words[at] >> 16) as usize).max(1);
        instructions.push((words[at] & 0xFFFF, &words[at..(at + count).min(words.len())]));
        at += count;
    }
    if instructions.iter().any(|&(op, w)| op == OP_ENTRY_POINT && w.get(1) == Some(&EXECUTION_MODEL_GEOMETRY)) {
        return words;
    }
    let mut out = words[..HEADER_WORDS].to_vec();
    for (op, w) in instructions {
        if !(op == OP_CAPABILITY && w.get(1) == Some(&CAPABILITY_GEOMETRY)) {
            out.extend_from_slice(w);
        }
    }
    out
}

#[test]
fn shaders_up_to_date() {
    let regenerate = std::env::var_os("VKRES_REGENERATE_SHADERS").is_some();
    let mut sources: Vec<PathBuf> = std::fs::read_dir(shader_dir())
        .expect("shaders/")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wgsl"))
        .collect();
    sources.sort();
    assert!(!sources.is_empty(), "no shader sources in {}", shader_dir().display());
    let mut stale = Vec::new();
    for source in &sources {
        let words = compile(source);
        let bytes: Vec<u8> = bytemuck::cast_slice(&words).to_vec();
        let spv = source.with_extension("spv");
        if regenerate {
            std::fs::write(&spv, &bytes).unwrap_or_else(|e| panic!("{}: {e}", spv.display()));
        } else if std::fs::read(&spv).ok().as_deref() != Some(&bytes[..]) {
            stale.push(spv.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "committed SPIR-V is missing or stale: {stale:?}\nregenerate with \
         VKRES_REGENERATE_SHADERS=1 cargo test --test runtime shaders_up_to_date"
    );
}

/// The committed SPIR-V of `shaders/{name}.spv`, as words.
pub fn load(name: &str) -> Vec<u32> {
    let path = shader_dir().join(format!("{name}.spv"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytemuck::pod_collect_to_vec(&bytes)
}
