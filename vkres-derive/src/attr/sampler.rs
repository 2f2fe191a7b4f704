//! `sampler(filter = linear, address = repeat, ...)`, or `sampler` alone (the default
//! description: linear, linear mips, repeat). Also the inline form of a texture's sampler.

use syn::Expr;
use syn::meta::ParseNestedMeta;

use super::{Keyed, key_ident, set_choice, set_once, skip_value};
use crate::ctxt::Ctxt;
use crate::symbol::{self, *};

/// The keys of `sampler(...)`: each a `vk` constant name or an `f32` expression.
pub struct SamplerAttr {
    /// `filter` (both), `mag_filter`, `min_filter`: `vk::Filter`.
    pub filter: Option<Keyed<&'static str>>,
    /// `mag_filter`.
    pub mag_filter: Option<Keyed<&'static str>>,
    /// `min_filter`.
    pub min_filter: Option<Keyed<&'static str>>,
    /// `mipmap`: `vk::SamplerMipmapMode`.
    pub mipmap: Option<Keyed<&'static str>>,
    /// `address` (u, v and w), `address_u`, `address_v`, `address_w`: `vk::SamplerAddressMode`.
    pub address: Option<Keyed<&'static str>>,
    /// `address_u`.
    pub address_u: Option<Keyed<&'static str>>,
    /// `address_v`.
    pub address_v: Option<Keyed<&'static str>>,
    /// `address_w`.
    pub address_w: Option<Keyed<&'static str>>,
    /// `anisotropy = EXPR` (`f32`).
    pub anisotropy: Option<Keyed<Expr>>,
    /// `min_lod = EXPR`.
    pub min_lod: Option<Keyed<Expr>>,
    /// `max_lod = EXPR`.
    pub max_lod: Option<Keyed<Expr>>,
    /// `lod_bias = EXPR`.
    pub lod_bias: Option<Keyed<Expr>>,
    /// `compare`: `vk::CompareOp`.
    pub compare: Option<Keyed<&'static str>>,
    /// `border`: `vk::BorderColor`.
    pub border: Option<Keyed<&'static str>>,
}

/// Parses `sampler` or `sampler(key = value, ...)`.
pub fn parse(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<SamplerAttr> {
    let mut a = SamplerAttr {
        filter: None,
        mag_filter: None,
        min_filter: None,
        mipmap: None,
        address: None,
        address_u: None,
        address_v: None,
        address_w: None,
        anisotropy: None,
        min_lod: None,
        max_lod: None,
        lod_bias: None,
        compare: None,
        border: None,
    };
    if !meta.input.peek(syn::token::Paren) {
        return Ok(a);
    }
    // Unknown values are reported by `set_choice`; a sampler has no required keys.
    let mut complete = true;
    meta.parse_nested_meta(|m| {
        let key = key_ident(&m, "a key of `sampler`")?;
        let c = &mut complete;
        match key.to_string().as_str() {
            FILTER => set_choice(cx, &m, &key, &mut a.filter, c, FILTERS)?,
            MAG_FILTER => set_choice(cx, &m, &key, &mut a.mag_filter, c, FILTERS)?,
            MIN_FILTER => set_choice(cx, &m, &key, &mut a.min_filter, c, FILTERS)?,
            MIPMAP => set_choice(cx, &m, &key, &mut a.mipmap, c, MIPMAP_MODES)?,
            ADDRESS => set_choice(cx, &m, &key, &mut a.address, c, ADDRESS_MODES)?,
            ADDRESS_U => set_choice(cx, &m, &key, &mut a.address_u, c, ADDRESS_MODES)?,
            ADDRESS_V => set_choice(cx, &m, &key, &mut a.address_v, c, ADDRESS_MODES)?,
            ADDRESS_W => set_choice(cx, &m, &key, &mut a.address_w, c, ADDRESS_MODES)?,
            COMPARE => set_choice(cx, &m, &key, &mut a.compare, c, COMPARE_OPS)?,
            BORDER => set_choice(cx, &m, &key, &mut a.border, c, BORDER_COLORS)?,
            ANISOTROPY => set_once(cx, &mut a.anisotropy, &key, m.value()?.parse()?),
            MIN_LOD => set_once(cx, &mut a.min_lod, &key, m.value()?.parse()?),
            MAX_LOD => set_once(cx, &mut a.max_lod, &key, m.value()?.parse()?),
            LOD_BIAS => set_once(cx, &mut a.lod_bias, &key, m.value()?.parse()?),
            other => {
                cx.error_spanned_by(&key, symbol::unknown("`sampler` key", other, SAMPLER_KEYS));
                skip_value(&m)?;
            }
        }
        Ok(())
    })?;
    Ok(a)
}
