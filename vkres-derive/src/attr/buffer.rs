//! `buffer(usage = ..., data = ... | copy = field, len = ..., size = ..., mapping = ..., location = ..., pool = ..., per_frame, resize)`.

use syn::meta::ParseNestedMeta;
use syn::{Expr, Ident};

use super::{Keyed, Source, has_parens, key_ident, parse_flags, parse_source, set_choice, set_once, skip_value};
use crate::ctxt::Ctxt;
use crate::symbol::{self, *};

/// The keys of `buffer(...)`.
pub struct BufferAttr {
    /// The `buffer` token.
    pub kind: Ident,
    /// `usage = A | B`: each flag as written and the `vk::BufferUsageFlags` constant it names.
    pub usage: Option<Keyed<Vec<(Ident, &'static str)>>>,
    /// `data = EXPR` or `data = input`.
    pub data: Option<Keyed<Source>>,
    /// `copy = field`: contents copied on the GPU from another buffer field.
    pub copy: Option<Keyed<Ident>>,
    /// `len = EXPR`.
    pub len: Option<Keyed<Expr>>,
    /// `size = EXPR`.
    pub size: Option<Keyed<Expr>>,
    /// `mapping = ...`: the `MappingType` variant.
    pub mapping: Option<Keyed<&'static str>>,
    /// `location = ...`: the `MemoryLocation` variant.
    pub location: Option<Keyed<&'static str>>,
    /// `pool = EXPR` (a `&MemoryPool`) or `pool = input`.
    pub pool: Option<Keyed<Source>>,
    /// `geometry_table = field`: the records of a `blases(geometries = input)` field.
    pub geometry_table: Option<Keyed<Ident>>,
    /// `per_frame`: one copy per frame in flight.
    pub per_frame: Option<Ident>,
    /// `resize`: re-created from new sizes by the generated `resize`.
    pub resize: Option<Ident>,
    /// `alias = field`: shares memory with that field.
    pub alias: Option<Keyed<Ident>>,
    /// Whether every key parsed; rules about missing keys are skipped otherwise (a misspelled
    /// `len` is reported once, not again as a missing size).
    pub complete: bool,
}

/// Parses `buffer(key = value, ...)`.
pub fn parse(cx: &Ctxt, meta: &ParseNestedMeta<'_>, kind: Ident) -> syn::Result<Option<BufferAttr>> {
    if !has_parens(cx, meta, &kind, "buffer(usage = STORAGE, len = 16)")? {
        return Ok(None);
    }
    let mut attr = BufferAttr {
        kind,
        usage: None,
        data: None,
        copy: None,
        len: None,
        size: None,
        mapping: None,
        location: None,
        pool: None,
        geometry_table: None,
        per_frame: None,
        resize: None,
        alias: None,
        complete: true,
    };
    meta.parse_nested_meta(|m| {
        let key = key_ident(&m, "a key of `buffer`")?;
        match key.to_string().as_str() {
            USAGE => {
                let flags = parse_flags(cx, m.value()?, "buffer usage flag", BUFFER_USAGES)?;
                set_once(cx, &mut attr.usage, &key, flags);
            }
            DATA => set_once(cx, &mut attr.data, &key, parse_source(m.value()?)?),
            COPY => set_once(cx, &mut attr.copy, &key, m.value()?.parse()?),
            LEN => set_once(cx, &mut attr.len, &key, super::expr(m.value()?)?),
            SIZE => set_once(cx, &mut attr.size, &key, super::expr(m.value()?)?),
            MAPPING => set_choice(cx, &m, &key, &mut attr.mapping, &mut attr.complete, MAPPINGS)?,
            LOCATION => set_choice(cx, &m, &key, &mut attr.location, &mut attr.complete, LOCATIONS)?,
            POOL => set_once(cx, &mut attr.pool, &key, parse_source(m.value()?)?),
            GEOMETRY_TABLE => set_once(cx, &mut attr.geometry_table, &key, m.value()?.parse()?),
            PER_FRAME => super::flag(cx, &mut attr.per_frame, key),
            RESIZE => super::flag(cx, &mut attr.resize, key),
            ALIAS => set_once(cx, &mut attr.alias, &key, m.value()?.parse()?),
            other => {
                cx.error_spanned_by(&key, symbol::unknown("`buffer` key", other, BUFFER_KEYS));
                attr.complete = false;
                skip_value(&m)?;
            }
        }
        Ok(())
    })?;
    Ok(Some(attr))
}
