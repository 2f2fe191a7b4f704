//! `shader(path = "file.spv")`: SPIR-V included at compile time. The file is checked here,
//! at expansion time: it must exist (relative to the crate's `Cargo.toml`), start with the
//! SPIR-V magic number and be a valid module (`spirv_module`, the same checks as vkres's at
//! run time); errors point at the path literal.

use std::path::PathBuf;

use syn::meta::ParseNestedMeta;
use syn::{Ident, LitStr};

use super::{Keyed, has_parens, key_ident, set_once, skip_value};
use crate::ctxt::Ctxt;
use crate::symbol::{self, *};

/// The SPIR-V magic number, the first word of every module.
const SPIRV_MAGIC: u32 = 0x0723_0203;

/// The keys of `shader(...)`.
pub struct ShaderAttr {
    /// The `shader` token.
    pub kind: Ident,
    /// `path = "..."` as written.
    pub path: Option<Keyed<LitStr>>,
    /// The checked file, absolute (set when the file exists and is SPIR-V).
    pub resolved: Option<PathBuf>,
    /// Whether every key parsed.
    pub complete: bool,
}

/// Parses `shader(path = "...")` and checks the file.
pub fn parse(cx: &Ctxt, meta: &ParseNestedMeta<'_>, kind: Ident) -> syn::Result<Option<ShaderAttr>> {
    if !has_parens(cx, meta, &kind, "shader(path = \"shaders/main.spv\")")? {
        return Ok(None);
    }
    let mut attr = ShaderAttr { kind, path: None, resolved: None, complete: true };
    meta.parse_nested_meta(|m| {
        let key = key_ident(&m, "a key of `shader`")?;
        match key.to_string().as_str() {
            PATH => set_once(cx, &mut attr.path, &key, m.value()?.parse()?),
            other => {
                cx.error_spanned_by(&key, symbol::unknown("`shader` key", other, SHADER_KEYS));
                attr.complete = false;
                skip_value(&m)?;
            }
        }
        Ok(())
    })?;
    if let Some(path) = &attr.path {
        match check_spirv(&path.value.value()) {
            Ok(resolved) => attr.resolved = Some(resolved),
            Err(message) => cx.error_spanned_by(&path.value, message),
        }
    }
    Ok(Some(attr))
}

/// Resolves `path` against `CARGO_MANIFEST_DIR` and checks that it is a SPIR-V file.
fn check_spirv(path: &str) -> Result<PathBuf, String> {
    let base = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    let full = base.join(path);
    let bytes = std::fs::read(&full)
        .map_err(|e| format!("cannot read shader `{path}` (relative to the crate's Cargo.toml): {e}"))?;
    let magic = bytes.get(..4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
    if magic != Some(SPIRV_MAGIC) {
        let found = match magic {
            Some(m) => format!("starts with {m:#010x}"),
            None => format!("has {} bytes", bytes.len()),
        };
        return Err(format!(
            "`{path}` is not SPIR-V: it {found}, a SPIR-V module starts with the magic number {SPIRV_MAGIC:#010x}"
        ));
    }
    if bytes.len() % 4 != 0 {
        return Err(format!("`{path}` is not SPIR-V: {} bytes is not a whole number of 4-byte words", bytes.len()));
    }
    let words: Vec<u32> = bytes.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
    if words.len() < 5 {
        return Err(format!("`{path}` is not SPIR-V: {} words is shorter than the 5-word header", words.len()));
    }
    crate::spirv_module::check_module(&words)
        .map_err(|reason| format!("`{path}` is not a valid SPIR-V module: {reason}"))?;
    Ok(full)
}
