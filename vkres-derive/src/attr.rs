//! Parsing of `#[gpu(...)]` on one field into a [`Kind`]. Every malformed key is reported at its
//! tokens and parsing goes on, so one pass finds every error of the attribute.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{Expr, Ident, Token};

use crate::ctxt::Ctxt;
use crate::symbol::{self, *};

/// A value given in the attribute, with the key that gave it (for spans of later errors).
pub struct Keyed<T> {
    /// The key as written.
    pub key: Ident,
    /// The value.
    pub value: T,
}

/// The resource kind of a field and its keys.
pub enum Kind {
    /// `buffer(...)`.
    Buffer(BufferAttr),
}

/// The keys of `buffer(...)`.
pub struct BufferAttr {
    /// The `buffer` token.
    pub kind: Ident,
    /// `usage = A | B`: each flag as written and the `vk::BufferUsageFlags` constant it names.
    pub usage: Option<Keyed<Vec<(Ident, &'static str)>>>,
    /// `data = EXPR`.
    pub data: Option<Keyed<Expr>>,
    /// `len = EXPR`.
    pub len: Option<Keyed<Expr>>,
    /// `size = EXPR`.
    pub size: Option<Keyed<Expr>>,
    /// `mapping = ...`: the `MappingType` variant.
    pub mapping: Option<Keyed<&'static str>>,
    /// `location = ...`: the `MemoryLocation` variant.
    pub location: Option<Keyed<&'static str>>,
    /// Whether every key parsed; rules about missing keys are skipped otherwise (a misspelled
    /// `len` is reported once, not again as a missing size).
    pub complete: bool,
}

/// Sets `slot` once; a second time is a "duplicate key" error at the second key.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<Keyed<T>>, key: &Ident, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(key, format!("duplicate key `{key}`"));
    } else {
        *slot = Some(Keyed { key: key.clone(), value });
    }
}

/// Consumes the value of a key that was rejected, so parsing can go on with the next key.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let value = meta.value()?;
        while !value.is_empty() && !value.peek(Token![,]) {
            value.parse::<proc_macro2::TokenTree>()?;
        }
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<TokenStream>()?;
    }
    Ok(())
}

/// The key of a nested meta item as an identifier, or an error at the path.
fn key_ident(meta: &ParseNestedMeta<'_>, what: &str) -> syn::Result<Ident> {
    meta.path.get_ident().cloned().ok_or_else(|| meta.error(format!("expected {what}, found a path")))
}

/// Parses the `#[gpu(...)]` attributes of one field. `None` where the field has none (or no
/// kind could be parsed); every problem is reported to `cx`.
pub fn parse_field(cx: &Ctxt, field: &syn::Field) -> Option<Kind> {
    let mut kind: Option<Kind> = None;
    let mut seen_attr = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident(GPU)) {
        if seen_attr {
            cx.error_spanned_by(attr, "duplicate `#[gpu(...)]` attribute; give each field one");
            continue;
        }
        seen_attr = true;
        let result = attr.parse_nested_meta(|meta| {
            let ident = key_ident(&meta, "a resource kind such as `buffer(...)`")?;
            if kind.is_some() {
                cx.error_spanned_by(&ident, format!("a field has one resource kind; `{ident}` is a second"));
                return skip_value(&meta);
            }
            match ident.to_string().as_str() {
                BUFFER => kind = parse_buffer(cx, &meta, ident)?.map(Kind::Buffer),
                other => {
                    cx.error_spanned_by(&ident, symbol::unknown("resource kind", other, KINDS));
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    kind
}

/// Parses `buffer(key = value, ...)`.
fn parse_buffer(cx: &Ctxt, meta: &ParseNestedMeta<'_>, kind: Ident) -> syn::Result<Option<BufferAttr>> {
    if !meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(&kind, "`buffer` needs its keys in parentheses: `buffer(usage = STORAGE, len = 16)`");
        skip_value(meta)?;
        return Ok(None);
    }
    let mut attr = BufferAttr {
        kind,
        usage: None,
        data: None,
        len: None,
        size: None,
        mapping: None,
        location: None,
        complete: true,
    };
    meta.parse_nested_meta(|m| {
        let key = key_ident(&m, "a key of `buffer`")?;
        match key.to_string().as_str() {
            USAGE => {
                let flags = parse_usage(cx, m.value()?)?;
                set_once(cx, &mut attr.usage, &key, flags);
            }
            DATA => set_once(cx, &mut attr.data, &key, m.value()?.parse()?),
            LEN => set_once(cx, &mut attr.len, &key, m.value()?.parse()?),
            SIZE => set_once(cx, &mut attr.size, &key, m.value()?.parse()?),
            MAPPING => match parse_choice(cx, m.value()?, "mapping", MAPPINGS)? {
                Some(v) => set_once(cx, &mut attr.mapping, &key, v),
                None => attr.complete = false,
            },
            LOCATION => match parse_choice(cx, m.value()?, "location", LOCATIONS)? {
                Some(v) => set_once(cx, &mut attr.location, &key, v),
                None => attr.complete = false,
            },
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

/// Parses `A | B | C` of buffer usage flags; unknown flags are reported and left out.
fn parse_usage(cx: &Ctxt, input: ParseStream<'_>) -> syn::Result<Vec<(Ident, &'static str)>> {
    let mut flags = Vec::new();
    loop {
        let flag: Ident = input.parse()?;
        let spelled = flag.to_string();
        match BUFFER_USAGES.iter().find(|(s, _)| *s == spelled) {
            Some((_, canonical)) => flags.push((flag, *canonical)),
            None => {
                let names: Vec<&str> = BUFFER_USAGES.iter().map(|(s, _)| *s).collect();
                cx.error_spanned_by(&flag, symbol::unknown("buffer usage flag", &spelled, &names));
            }
        }
        if !input.peek(Token![|]) {
            return Ok(flags);
        }
        input.parse::<Token![|]>()?;
    }
}

/// Parses one identifier among `choices` (`(spelling, variant)` pairs).
fn parse_choice(
    cx: &Ctxt,
    input: ParseStream<'_>,
    what: &str,
    choices: &'static [(&'static str, &'static str)],
) -> syn::Result<Option<&'static str>> {
    let value: Ident = input.parse()?;
    let spelled = value.to_string();
    match choices.iter().find(|(s, _)| *s == spelled) {
        Some((_, variant)) => Ok(Some(variant)),
        None => {
            let names: Vec<&str> = choices.iter().map(|(s, _)| *s).collect();
            cx.error_spanned_by(&value, symbol::unknown(&format!("`{what}` value"), &spelled, &names));
            Ok(None)
        }
    }
}

impl<T> Keyed<T> {
    /// The span of the key (where errors about this value point).
    pub fn span(&self) -> Span {
        self.key.span()
    }
}

impl ToTokens for Keyed<Expr> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.value.to_tokens(tokens);
    }
}
