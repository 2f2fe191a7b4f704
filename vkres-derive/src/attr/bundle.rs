//! `bundle` or `bundle(inputs)`: a field whose type itself derives `GpuResources`.

use syn::Ident;
use syn::meta::ParseNestedMeta;

use super::key_ident;
use crate::ctxt::Ctxt;
use crate::symbol::{self, INPUTS};

/// A nested bundle.
pub struct BundleAttr {
    /// `inputs`: the nested bundle's inputs are a field of this bundle's inputs.
    pub inputs: Option<Ident>,
}

/// Parses `bundle` or `bundle(inputs)`.
pub fn parse(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<BundleAttr> {
    let mut attr = BundleAttr { inputs: None };
    if !meta.input.peek(syn::token::Paren) {
        return Ok(attr);
    }
    meta.parse_nested_meta(|m| {
        let key = key_ident(&m, "`inputs`")?;
        if key == INPUTS {
            super::flag(cx, &mut attr.inputs, key);
        } else {
            cx.error_spanned_by(&key, symbol::unknown("`bundle` key", &key.to_string(), &[INPUTS]));
            super::skip_value(&m)?;
        }
        Ok(())
    })?;
    Ok(attr)
}

/// Parses `bundles`: a `Vec` of nested bundles whose inputs are always a `Vec` of theirs (one
/// element per bundle), so it takes no keys.
pub fn parse_collection(cx: &Ctxt, meta: &ParseNestedMeta<'_>, kind: &Ident) -> syn::Result<BundleAttr> {
    if meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(
            kind,
            "`bundles` takes no keys: each element is created from its own inputs, \
             a `Vec` of them in the generated inputs struct",
        );
        super::skip_value(meta)?;
    }
    Ok(BundleAttr { inputs: Some(kind.clone()) })
}
