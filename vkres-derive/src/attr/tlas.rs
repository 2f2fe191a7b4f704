//! `tlas(instance(blas = field, transform = EXPR, custom_index = N, mask = N, sbt_offset = N),
//! ..., prefer = ..., allow_update)`: instances of BLAS fields of the same struct.

use syn::meta::ParseNestedMeta;
use syn::{Expr, Ident};

use super::flag;
use super::{Keyed, has_parens, key_ident, set_choice, set_once, skip_value};
use crate::ctxt::Ctxt;
use crate::symbol::{self, *};

/// One `instance(...)`.
pub struct InstanceAttr {
    /// The `instance` token.
    pub token: Ident,
    /// `blas = field`.
    pub blas: Option<Keyed<Ident>>,
    /// `transform = EXPR`: a `vkres::Transform3x4`.
    pub transform: Option<Keyed<Expr>>,
    /// `custom_index = EXPR` (`u32`, 24 bits).
    pub custom_index: Option<Keyed<Expr>>,
    /// `mask = EXPR` (`u8`).
    pub mask: Option<Keyed<Expr>>,
    /// `sbt_offset = EXPR` (`u32`, 24 bits).
    pub sbt_offset: Option<Keyed<Expr>>,
}

/// The keys of `tlas(...)`.
pub struct TlasAttr {
    /// The `tlas` token.
    pub kind: Ident,
    /// Every `instance(...)`, in order (instance index = position).
    pub instances: Vec<InstanceAttr>,
    /// `instances = input`: the instances are a run-time slice of `vkres::BlasInstance`.
    pub instances_input: Option<Keyed<Ident>>,
    /// `blases = field`: the `blases` collection the run-time instances index.
    pub blases: Option<Keyed<Ident>>,
    /// `blases = meshes.blas`: the BLAS field of each nested bundle of the `bundles` collection
    /// `meshes`.
    pub blases_member: Option<Ident>,
    /// `prefer = ...`.
    pub prefer: Option<Keyed<&'static str>>,
    /// `allow_update`.
    pub allow_update: Option<Ident>,
    /// `per_frame`: one TLAS per frame in flight, each refitted in its own frame.
    pub per_frame: Option<Ident>,
    /// Whether every key parsed.
    pub complete: bool,
}

/// Parses `tlas(instance(...), ...)`.
pub fn parse(cx: &Ctxt, meta: &ParseNestedMeta<'_>, kind: Ident) -> syn::Result<Option<TlasAttr>> {
    if !has_parens(cx, meta, &kind, "tlas(instance(blas = mesh), instance(blas = mesh, custom_index = 1))")? {
        return Ok(None);
    }
    let mut a = TlasAttr {
        kind,
        instances: Vec::new(),
        instances_input: None,
        blases: None,
        blases_member: None,
        prefer: None,
        allow_update: None,
        per_frame: None,
        complete: true,
    };
    meta.parse_nested_meta(|m| {
        let key = key_ident(&m, "a key of `tlas`")?;
        match key.to_string().as_str() {
            INSTANCE => {
                if has_parens(cx, &m, &key, "instance(blas = mesh)")? {
                    a.instances.push(parse_instance(cx, &m, key)?);
                } else {
                    a.complete = false;
                }
            }
            INSTANCES => {
                let value: Ident = m.value()?.parse()?;
                if value == INPUT {
                    set_once(cx, &mut a.instances_input, &key, value);
                } else {
                    cx.error_spanned_by(
                        &value,
                        "`instances` come from run time: `instances = input` (fixed ones are `instance(...)`)",
                    );
                    a.complete = false;
                }
            }
            BLASES => {
                let value = m.value()?;
                let collection: Ident = value.parse()?;
                if value.peek(syn::Token![.]) {
                    value.parse::<syn::Token![.]>()?;
                    a.blases_member = Some(value.parse()?);
                }
                set_once(cx, &mut a.blases, &key, collection);
            }
            PREFER => set_choice(cx, &m, &key, &mut a.prefer, &mut a.complete, PREFERENCES)?,
            ALLOW_UPDATE => flag(cx, &mut a.allow_update, key),
            PER_FRAME => flag(cx, &mut a.per_frame, key),
            other => {
                cx.error_spanned_by(&key, symbol::unknown("`tlas` key", other, TLAS_KEYS));
                a.complete = false;
                skip_value(&m)?;
            }
        }
        Ok(())
    })?;
    Ok(Some(a))
}

fn parse_instance(cx: &Ctxt, meta: &ParseNestedMeta<'_>, token: Ident) -> syn::Result<InstanceAttr> {
    let mut i = InstanceAttr { token, blas: None, transform: None, custom_index: None, mask: None, sbt_offset: None };
    meta.parse_nested_meta(|m| {
        let key = key_ident(&m, "a key of `instance`")?;
        match key.to_string().as_str() {
            BLAS => set_once(cx, &mut i.blas, &key, m.value()?.parse()?),
            TRANSFORM => set_once(cx, &mut i.transform, &key, m.value()?.parse()?),
            CUSTOM_INDEX => set_once(cx, &mut i.custom_index, &key, m.value()?.parse()?),
            MASK => set_once(cx, &mut i.mask, &key, m.value()?.parse()?),
            SBT_OFFSET => set_once(cx, &mut i.sbt_offset, &key, m.value()?.parse()?),
            other => {
                cx.error_spanned_by(&key, symbol::unknown("`instance` key", other, INSTANCE_KEYS));
                skip_value(&m)?;
            }
        }
        Ok(())
    })?;
    Ok(i)
}
