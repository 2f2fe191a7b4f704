//! The nested-meta grammar of `#[gpu(...)]` (`key`, `key = value`, `key(...)` separated by
//! commas), parsed over any `ParseStream`: syn's own `ParseNestedMeta` can only be made by
//! `Attribute::parse_nested_meta`, which re-buffers the attribute's tokens through the
//! compiler's bridge; this one also runs in place, over the derive input's one token buffer
//! (`parse_in_place`). Same grammar, same errors and spans as syn's.

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Ident, Lit, Path, PathSegment, Token};

/// One nested item: its key path and the stream positioned after it.
pub struct Meta<'a> {
    /// The key (`usage`, `buffer`, ...).
    pub path: Path,
    /// The tokens after the key: `= value`, `(...)`, or the next `,`.
    pub input: ParseStream<'a>,
}

impl<'a> Meta<'a> {
    /// Consumes `=` and returns the stream at the value.
    pub fn value(&self) -> syn::Result<ParseStream<'a>> {
        self.input.parse::<Token![=]>()?;
        Ok(self.input)
    }

    /// Parses `(a, b = c, ...)` after the key, calling `logic` for each item.
    pub fn parse_nested_meta(&self, logic: impl FnMut(Meta<'_>) -> syn::Result<()>) -> syn::Result<()> {
        let content;
        syn::parenthesized!(content in self.input);
        parse_nested(&content, logic)
    }

    /// An error spanning the key (called right after the key, as syn's `meta.error` then spans).
    pub fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        syn::Error::new_spanned(&self.path, message)
    }
}

/// The items of `input` until its end (syn's `meta::parser`, for an attribute's own buffer).
pub fn parse_all(input: ParseStream<'_>, logic: impl FnMut(Meta<'_>) -> syn::Result<()>) -> syn::Result<()> {
    if input.is_empty() { Ok(()) } else { parse_nested(input, logic) }
}

/// The items of `input`: at least one, separated by commas, an optional trailing comma.
fn parse_nested(input: ParseStream<'_>, mut logic: impl FnMut(Meta<'_>) -> syn::Result<()>) -> syn::Result<()> {
    loop {
        let path = input.call(parse_meta_path)?;
        logic(Meta { path, input })?;
        if input.is_empty() {
            return Ok(());
        }
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            return Ok(());
        }
    }
}

/// Like `Path::parse_mod_style`, but accepts keywords (syn's `parse_meta_path`, same errors).
fn parse_meta_path(input: ParseStream<'_>) -> syn::Result<Path> {
    let leading_colon = input.parse()?;
    let mut segments = Punctuated::new();
    if input.peek(Ident::peek_any) {
        segments.push_value(PathSegment::from(Ident::parse_any(input)?));
    } else if input.is_empty() {
        return Err(input.error("expected nested attribute"));
    } else if input.peek(Lit) {
        return Err(input.error("unexpected literal in nested attribute, expected ident"));
    } else {
        return Err(input.error("unexpected token in nested attribute, expected ident"));
    }
    while input.peek(Token![::]) {
        segments.push_punct(input.parse()?);
        segments.push_value(PathSegment::from(Ident::parse_any(input)?));
    }
    Ok(Path { leading_colon, segments })
}

/// Parses the `#[gpu(...)]` attribute at the head of `input` in place, without consuming it
/// from `input`: `Ok(None)` where the attribute is not `#[gpu(...)]` with parentheses (the
/// caller then parses the `syn::Attribute` as before). Runs on a fork, whose groups report
/// leftover tokens to the fork, not to the derive input (an error in one attribute must not
/// end the parse of the struct).
pub fn parse_in_place(
    input: ParseStream<'_>,
    logic: impl FnMut(Meta<'_>) -> syn::Result<()>,
) -> syn::Result<Option<()>> {
    let fork = input.fork();
    let inner;
    if fork.parse::<Token![#]>().is_err() || !fork.peek(syn::token::Bracket) {
        return Ok(None);
    }
    syn::bracketed!(inner in fork);
    let Ok(path) = inner.call(Path::parse_mod_style) else { return Ok(None) };
    if !path.is_ident(crate::symbol::GPU) || !inner.peek(syn::token::Paren) {
        return Ok(None);
    }
    let content;
    syn::parenthesized!(content in inner);
    if !inner.is_empty() {
        return Ok(None);
    }
    parse_all(&content, logic).map(Some)
}

/// Consumes one outer attribute `# [...]` from `input` without building it.
pub fn skip_attribute(input: ParseStream<'_>) -> syn::Result<()> {
    input.parse::<Token![#]>()?;
    input.step(|cursor| match cursor.any_group() {
        Some((_, proc_macro2::Delimiter::Bracket, _, rest)) => Ok(((), rest)),
        _ => Err(cursor.error("expected `[...]` of an attribute")),
    })
}
