//! Parsing of `#[gpu(...)]` on one field: its [`Kind`] (one module per kind) and the
//! field-level keys `binding` and `stages`. Every malformed key is reported at its tokens and
//! parsing goes on, so one pass finds every error of the attribute.

mod blas;
mod buffer;
mod bundle;
mod sampler;
mod shader;
mod texture;
mod tlas;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::{Expr, Ident, LitInt, Token};

pub use blas::BlasAttr;
pub use buffer::BufferAttr;
pub use bundle::BundleAttr;
pub use sampler::SamplerAttr;
pub use shader::ShaderAttr;
pub use texture::{Mips, SamplerRef, TextureAttr};
pub use tlas::{InstanceAttr, TlasAttr};

use crate::ctxt::Ctxt;
use crate::symbol::{self, *};

/// A value given in the attribute, with the key that gave it (for spans of later errors).
pub struct Keyed<T> {
    /// The key as written.
    pub key: Ident,
    /// The value.
    pub value: T,
    /// Where the value is written, where known (choice keys); errors about the value point there.
    pub value_span: Option<Span>,
}

/// Where a resource's initial data comes from.
pub enum Source {
    /// An expression evaluated at `create` (a const, a static, a call).
    Expr(Expr),
    /// `input`: a field of the generated `<Name>Inputs` struct.
    Input(Ident),
}

/// The resource kind of a field and its keys. Adding a kind: a variant here, a parse module,
/// a name in `symbol::KINDS`, its references in `graph`, its inferred usage in `usage`, and an
/// expand module.
#[allow(clippy::large_enum_variant)] // one per field, made once per derive: size does not matter
pub enum Kind {
    /// `buffer(...)`.
    Buffer(BufferAttr),
    /// `texture(...)` (boxed: by far the largest attribute).
    Texture(Box<TextureAttr>),
    /// `sampler(...)`.
    Sampler(SamplerAttr),
    /// `shader(...)`.
    Shader(ShaderAttr),
    /// `bundle` / `bundle(inputs)`.
    Bundle(BundleAttr),
    /// `blas(...)`.
    Blas(BlasAttr),
    /// `tlas(...)`.
    Tlas(TlasAttr),
}

impl Kind {
    /// The kind's name as written in the schema.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Buffer(_) => BUFFER,
            Kind::Texture(_) => TEXTURE,
            Kind::Sampler(_) => SAMPLER,
            Kind::Shader(_) => SHADER,
            Kind::Bundle(_) => BUNDLE,
            Kind::Blas(_) => BLAS,
            Kind::Tlas(_) => TLAS,
        }
    }
}

/// Everything `#[gpu(...)]` says about one field.
pub struct FieldAttr {
    /// The resource kind.
    pub kind: Option<Kind>,
    /// `binding = N`: the literal and its value.
    pub binding: Option<Keyed<(LitInt, u32)>>,
    /// `stages = A | B`.
    pub stages: Option<Keyed<Vec<(Ident, &'static str)>>>,
    /// The plural kind token (`bundles`, `buffers(...)`): the field is a `Vec` of the kind,
    /// one element per run-time input.
    pub collection: Option<Ident>,
}

/// Sets `slot` once; a second time is a "duplicate key" error at the second key.
pub fn set_once<T>(cx: &Ctxt, slot: &mut Option<Keyed<T>>, key: &Ident, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(key, format!("duplicate key `{key}`"));
    } else {
        *slot = Some(Keyed { key: key.clone(), value, value_span: None });
    }
}

/// A bare flag key (`allow_update`, `inputs`); a second one is a duplicate.
pub fn flag(cx: &Ctxt, slot: &mut Option<Ident>, key: Ident) {
    if slot.is_some() {
        cx.error_spanned_by(&key, format!("duplicate key `{key}`"));
    } else {
        *slot = Some(key);
    }
}

/// Consumes the value of a key that was rejected, so parsing can go on with the next key.
pub fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
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
pub fn key_ident(meta: &ParseNestedMeta<'_>, what: &str) -> syn::Result<Ident> {
    meta.path.get_ident().cloned().ok_or_else(|| meta.error(format!("expected {what}, found a path")))
}

/// Whether `kind(...)` has its parenthesised keys; reports the missing parentheses otherwise.
pub fn has_parens(cx: &Ctxt, meta: &ParseNestedMeta<'_>, kind: &Ident, example: &str) -> syn::Result<bool> {
    if meta.input.peek(syn::token::Paren) {
        let fork = meta.input.fork();
        let content;
        syn::parenthesized!(content in fork);
        if !content.is_empty() {
            return Ok(true);
        }
        cx.error_spanned_by(kind, format!("`{kind}()` has no keys: e.g. `{example}`"));
        skip_value(meta)?;
        return Ok(false);
    }
    cx.error_spanned_by(kind, format!("`{kind}` needs its keys in parentheses: `{example}`"));
    skip_value(meta)?;
    Ok(false)
}

/// Whether a size key's value is the word `input` (`len = input`, `extent = [input, input]`):
/// the value is a field of the generated inputs struct, checked when `create` runs.
pub fn is_input(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(p) if p.qself.is_none() && p.path.is_ident(INPUT))
}

/// Parses an expression value: the literal (`64`) and the array of literals (`[1u32, 2, 3]`,
/// `[255u8; 16]`) that schemas mostly give without syn's expression parser (issue 20 item 5:
/// unoptimized in a user's dev profile, it was a tenth of the macro's run), the array kept as
/// its tokens (nothing inspects an array: it is passed on as written); anything else through
/// syn, which reports what is not an expression.
pub fn expr(input: ParseStream<'_>) -> syn::Result<Expr> {
    let simple = input.step(|cursor| {
        let ended = |c: syn::buffer::Cursor<'_>| c.eof() || c.punct().is_some_and(|(p, _)| p.as_char() == ',');
        if let Some((lit, next)) = cursor.literal()
            && ended(next)
        {
            let lit = syn::Lit::new(lit);
            return Ok((Some(Expr::Lit(syn::ExprLit { attrs: Vec::new(), lit })), next));
        }
        if let Some((inner, _, next)) = cursor.group(proc_macro2::Delimiter::Bracket)
            && ended(next)
        {
            // Only `lit (, lit)* ,?` and `lit ; lit`: any other mix of literals, `,` and `;`
            // (`[1 2]`, `[1, , 2]`, `[1; 2; 3]`, `[1;]`) goes to syn, which reports it at the
            // attribute (review12 finding 5), not rustc inside the expansion.
            let plain = match inner.literal() {
                None => false,
                Some((_, rest)) => {
                    let mut inner = rest;
                    let mut first = true;
                    loop {
                        if inner.eof() {
                            break true;
                        }
                        match inner.punct() {
                            Some((p, rest)) if p.as_char() == ',' => match rest.literal() {
                                Some((_, rest)) => inner = rest,
                                None => break rest.eof(),
                            },
                            Some((p, rest)) if p.as_char() == ';' && first => {
                                break rest.literal().is_some_and(|(_, rest)| rest.eof());
                            }
                            _ => break false,
                        }
                        first = false;
                    }
                }
            };
            if plain && let Some((tree, next)) = cursor.token_tree() {
                return Ok((Some(Expr::Verbatim(tree.into())), next));
            }
        }
        Ok((None, *cursor))
    })?;
    match simple {
        Some(expr) => Ok(expr),
        None => input.parse(),
    }
}

/// Parses `data = EXPR` or `data = input`.
pub fn parse_source(input: ParseStream<'_>) -> syn::Result<Source> {
    let fork = input.fork();
    if let Ok(ident) = fork.parse::<Ident>()
        && ident == INPUT
        && (fork.is_empty() || fork.peek(Token![,]))
    {
        input.parse::<Ident>()?;
        return Ok(Source::Input(ident));
    }
    expr(input).map(Source::Expr)
}

/// Parses the `#[gpu(...)]` attributes of one field; every problem is reported to `cx`.
pub fn parse_field(cx: &Ctxt, field: &syn::Field) -> FieldAttr {
    let mut out = FieldAttr { kind: None, binding: None, stages: None, collection: None };
    let mut seen_attr = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident(GPU)) {
        if seen_attr {
            cx.error_spanned_by(attr, "duplicate `#[gpu(...)]` attribute; give each field one");
            continue;
        }
        seen_attr = true;
        let mut kind_seen = false;
        let result = attr.parse_nested_meta(|meta| {
            let ident = key_ident(&meta, "a resource kind such as `buffer(...)`")?;
            let name = ident.to_string();
            if KINDS.contains(&name.as_str()) {
                if kind_seen {
                    cx.error_spanned_by(&ident, format!("a field has one resource kind; `{ident}` is a second"));
                    return skip_value(&meta);
                }
                kind_seen = true;
            }
            match name.as_str() {
                BUFFER => out.kind = buffer::parse(cx, &meta, ident)?.map(Kind::Buffer),
                TEXTURE => out.kind = texture::parse(cx, &meta, ident)?.map(|t| Kind::Texture(Box::new(t))),
                SAMPLER => out.kind = Some(Kind::Sampler(sampler::parse(cx, &meta)?)),
                SHADER => out.kind = shader::parse(cx, &meta, ident)?.map(Kind::Shader),
                BUNDLE => out.kind = Some(Kind::Bundle(bundle::parse(cx, &meta)?)),
                BUNDLES => {
                    out.kind = Some(Kind::Bundle(bundle::parse_collection(cx, &meta, &ident)?));
                    out.collection = Some(ident);
                }
                TEXTURES => {
                    out.kind = texture::parse(cx, &meta, ident.clone())?.map(|t| Kind::Texture(Box::new(t)));
                    out.collection = Some(ident);
                }
                BLASES => {
                    out.kind = blas::parse(cx, &meta, ident.clone())?.map(Kind::Blas);
                    out.collection = Some(ident);
                }
                BUFFERS => {
                    out.kind = buffer::parse(cx, &meta, ident.clone())?.map(Kind::Buffer);
                    out.collection = Some(ident);
                }
                TLASES => {
                    out.kind = tlas::parse(cx, &meta, ident.clone())?.map(Kind::Tlas);
                    out.collection = Some(ident);
                }
                BLAS => out.kind = blas::parse(cx, &meta, ident)?.map(Kind::Blas),
                TLAS => out.kind = tlas::parse(cx, &meta, ident)?.map(Kind::Tlas),
                BINDING => {
                    let lit: LitInt = meta.value()?.parse()?;
                    match lit.base10_parse::<u32>() {
                        Ok(n) => set_once(cx, &mut out.binding, &ident, (lit, n)),
                        Err(e) => cx.error_spanned_by(&lit, format!("`binding` is a `u32`: {e}")),
                    }
                }
                STAGES => {
                    let flags = parse_flags(cx, meta.value()?, "shader stage", STAGE_FLAGS)?;
                    set_once(cx, &mut out.stages, &ident, flags);
                }
                other => {
                    cx.error_spanned_by(&ident, symbol::unknown("resource kind or key", other, TOP_LEVEL));
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// Parses `A | B | C` of flags in `table`; unknown flags are reported and left out.
pub fn parse_flags(
    cx: &Ctxt,
    input: ParseStream<'_>,
    what: &str,
    table: &'static [(&'static str, &'static str)],
) -> syn::Result<Vec<(Ident, &'static str)>> {
    let mut flags = Vec::new();
    loop {
        let flag: Ident = input.parse()?;
        let spelled = flag.to_string();
        match table.iter().find(|(s, _)| *s == spelled) {
            Some((_, canonical)) => flags.push((flag, *canonical)),
            None => {
                let names: Vec<&str> = table.iter().map(|(s, _)| *s).collect();
                cx.error_spanned_by(&flag, symbol::unknown(what, &spelled, &names));
            }
        }
        if !input.peek(Token![|]) {
            return Ok(flags);
        }
        input.parse::<Token![|]>()?;
    }
}

/// Parses one identifier among `choices` (`(spelling, variant)` pairs).
pub fn parse_choice(
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

/// A choice key: sets `slot` when the value is known, else marks the attribute incomplete.
pub fn set_choice(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &Ident,
    slot: &mut Option<Keyed<&'static str>>,
    complete: &mut bool,
    choices: &'static [(&'static str, &'static str)],
) -> syn::Result<()> {
    let input = meta.value()?;
    let span = input.span();
    match parse_choice(cx, input, &key.to_string(), choices)? {
        Some(v) if slot.is_none() => *slot = Some(Keyed { key: key.clone(), value: v, value_span: Some(span) }),
        Some(v) => set_once(cx, slot, key, v),
        None => *complete = false,
    }
    Ok(())
}

impl<T> Keyed<T> {
    /// The span of the key (where errors about this value point).
    pub fn span(&self) -> Span {
        self.key.span()
    }

    /// The span of the value where known, else the key's.
    pub fn value_span(&self) -> Span {
        self.value_span.unwrap_or_else(|| self.key.span())
    }
}

impl ToTokens for Keyed<Expr> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.value.to_tokens(tokens);
    }
}
