//! `blas(vertices = field, format = R32G32B32_SFLOAT, stride = N, indices = field,
//! transform = field, opaque = BOOL, prefer = ..., allow_update, allow_compaction)` or
//! `blas(aabbs = field, ...)`: a geometry read from buffer fields of the same struct, and more
//! with `geometry(vertices = field, ...)`.

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
    /// `no_duplicate_any_hit`.
    pub no_duplicate_any_hit: Option<Ident>,
    /// `geometry(...)`: further geometries (each with only geometry keys), after the one the
    /// top-level keys describe, if any.
    pub more: Vec<BlasAttr>,
    /// Whether every key parsed.
    pub complete: bool,
}

/// Parses `blas(key = value, ...)`.
pub fn parse(cx: &Ctxt, meta: &ParseNestedMeta<'_>, kind: Ident) -> syn::Result<Option<BlasAttr>> {
    if !has_parens(cx, meta, &kind, "blas(vertices = positions, indices = indices)")? {
        return Ok(None);
    }
    parse_keys(cx, meta, kind, true).map(Some)
}

impl BlasAttr {
    /// Whether the top-level keys describe a geometry (else only `geometry(...)`s do).
    pub fn has_geometry(&self) -> bool {
        self.vertices.is_some() || self.aabbs.is_some() || self.more.is_empty()
    }

    /// The geometries: the top-level one where there is one, then each `geometry(...)`.
    pub fn all_geometries(&self) -> impl Iterator<Item = &BlasAttr> {
        std::iter::once(self).filter(|b| b.has_geometry()).chain(&self.more)
    }
}

/// The keys of `blas(...)`, or of a `geometry(...)` inside it (`top` false: geometry keys only).
fn parse_keys(cx: &Ctxt, meta: &ParseNestedMeta<'_>, kind: Ident, top: bool) -> syn::Result<BlasAttr> {
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
        no_duplicate_any_hit: None,
        more: Vec::new(),
        complete: true,
    };
    meta.parse_nested_meta(|m| {
        let key = key_ident(&m, "a key of `blas`")?;
        let name = key.to_string();
        if !top && [PREFER, ALLOW_UPDATE, ALLOW_COMPACTION, GEOMETRIES, GEOMETRY].contains(&name.as_str()) {
            cx.error_spanned_by(&key, format!("`{key}` is a key of the whole `blas`, not of one `geometry(...)`"));
            a.complete = false;
            return skip_value(&m);
        }
        match name.as_str() {
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
            NO_DUPLICATE_ANY_HIT => flag(cx, &mut a.no_duplicate_any_hit, key),
            GEOMETRY => {
                if has_parens(cx, &m, &key, "geometry(vertices = positions)")? {
                    let geometry = parse_keys(cx, &m, key, false)?;
                    a.complete &= geometry.complete;
                    a.more.push(geometry);
                } else {
                    a.complete = false;
                }
            }
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
    Ok(a)
}
