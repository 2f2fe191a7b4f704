//! `blas(vertices = field, format = R32G32B32_SFLOAT, stride = N, indices = field,
//! transform = field, opaque = BOOL, prefer = ..., allow_update, allow_compaction)` or
//! `blas(aabbs = field, ...)`: one geometry read from buffer fields of the same struct.

use syn::meta::ParseNestedMeta;
use syn::{Expr, Ident, LitBool};

use super::{Keyed, flag, has_parens, key_ident, set_choice, set_once, skip_value};
use crate::ctxt::Ctxt;
use crate::symbol::{self, *};

/// The keys of `blas(...)`.
pub struct BlasAttr {
    /// The `blas` token.
    pub kind: Ident,
    /// `vertices = field`.
    pub vertices: Option<Keyed<Ident>>,
    /// `format = R32G32B32_SFLOAT`: a `vk::Format` constant (that is the default).
    pub format: Option<Keyed<Ident>>,
    /// `stride = EXPR` in bytes.
    pub stride: Option<Keyed<Expr>>,
    /// `indices = field`.
    pub indices: Option<Keyed<Ident>>,
    /// `transform = field`: a buffer of `vkres::Transform3x4`, its first element.
    pub transform: Option<Keyed<Ident>>,
    /// `aabbs = field`.
    pub aabbs: Option<Keyed<Ident>>,
    /// `opaque = false`.
    pub opaque: Option<Keyed<LitBool>>,
    /// `prefer = ...`: a `vkres::BuildPreference` variant.
    pub prefer: Option<Keyed<&'static str>>,
    /// `allow_update`.
    pub allow_update: Option<Ident>,
    /// `allow_compaction`.
    pub allow_compaction: Option<Ident>,
    /// `geometries = input` (`blases` only): run-time lists of `vkres::GeometryInput`.
    pub geometries: Option<Keyed<Ident>>,
    /// Whether every key parsed.
    pub complete: bool,
}

/// Parses `blas(key = value, ...)`.
pub fn parse(cx: &Ctxt, meta: &ParseNestedMeta<'_>, kind: Ident) -> syn::Result<Option<BlasAttr>> {
    if !has_parens(cx, meta, &kind, "blas(vertices = positions, indices = indices)")? {
        return Ok(None);
    }
    let mut a = BlasAttr {
        kind,
        vertices: None,
        format: None,
        stride: None,
        indices: None,
        transform: None,
        aabbs: None,
        opaque: None,
        prefer: None,
        allow_update: None,
        allow_compaction: None,
        geometries: None,
        complete: true,
    };
    meta.parse_nested_meta(|m| {
        let key = key_ident(&m, "a key of `blas`")?;
        match key.to_string().as_str() {
            VERTICES => set_once(cx, &mut a.vertices, &key, m.value()?.parse()?),
            FORMAT => set_once(cx, &mut a.format, &key, m.value()?.parse()?),
            STRIDE => set_once(cx, &mut a.stride, &key, m.value()?.parse()?),
            INDICES => set_once(cx, &mut a.indices, &key, m.value()?.parse()?),
            TRANSFORM => set_once(cx, &mut a.transform, &key, m.value()?.parse()?),
            AABBS => set_once(cx, &mut a.aabbs, &key, m.value()?.parse()?),
            OPAQUE => set_once(cx, &mut a.opaque, &key, m.value()?.parse()?),
            PREFER => set_choice(cx, &m, &key, &mut a.prefer, &mut a.complete, PREFERENCES)?,
            ALLOW_UPDATE => flag(cx, &mut a.allow_update, key),
            ALLOW_COMPACTION => flag(cx, &mut a.allow_compaction, key),
            GEOMETRIES => {
                let value: Ident = m.value()?.parse()?;
                if value == INPUT {
                    set_once(cx, &mut a.geometries, &key, value);
                } else {
                    cx.error_spanned_by(&value, "`geometries` come from run time: `geometries = input`");
                    a.complete = false;
                }
            }
            other => {
                cx.error_spanned_by(&key, symbol::unknown("`blas` key", other, BLAS_KEYS));
                a.complete = false;
                skip_value(&m)?;
            }
        }
        Ok(())
    })?;
    Ok(Some(a))
}
