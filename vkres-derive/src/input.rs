//! The derive input in one token buffer: syn's `DeriveInput`, and each field's `#[gpu(...)]`
//! attributes parsed in place from the same buffer (a fork kept at each attribute while the
//! struct is parsed) instead of a new buffer per attribute. Building a `TokenBuffer` walks the tokens through
//! the compiler's bridge: per attribute, that was about a third of the macro's parse.

use syn::parse::discouraged::Speculative;
use syn::parse::{ParseBuffer, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{
    AttrStyle, Attribute, Data, DataStruct, DeriveInput, Field, FieldModifiers, Fields, FieldsNamed, Generics, Ident,
    Token, Visibility,
};

use crate::attr::{self, FieldAttr, nested};
use crate::ctxt::Ctxt;

/// One field's parsed attributes and the errors found in them (added to the derive's
/// errors where the field's own parse would have reported them).
pub struct FieldParse {
    /// What `#[gpu(...)]` says.
    pub attr: FieldAttr,
    /// The problems found in it.
    pub errors: Ctxt,
}

/// Parses `tokens` as the derive input; for a struct of named fields, also every field's
/// `#[gpu(...)]` (`None` otherwise: the fields' attributes are then parsed one by one).
pub fn parse(tokens: proc_macro2::TokenStream) -> syn::Result<(DeriveInput, Option<Vec<FieldParse>>)> {
    (|input: ParseStream<'_>| {
        let start = input.fork();
        if let Some(parsed) = named_struct(input)? {
            return Ok(parsed);
        }
        // Not a struct of named fields: syn's parse from the start, for its errors.
        let derive: DeriveInput = start.parse()?;
        input.advance_to(&start);
        Ok((derive, None))
    })
    .parse2(tokens)
}

/// A struct of named fields, parsed as syn's `DeriveInput` parses it, and each field's
/// `#[gpu(...)]` parsed in place; `Ok(None)` where `input` holds another item (nothing of
/// `input` is consumed then that matters: the caller parses again from its start).
fn named_struct(input: ParseStream<'_>) -> syn::Result<Option<(DeriveInput, Option<Vec<FieldParse>>)>> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    if !input.peek(Token![struct]) {
        return Ok(None);
    }
    let struct_token = input.parse()?;
    let ident: Ident = input.parse()?;
    let mut generics: Generics = input.parse()?;
    if input.peek(Token![where]) {
        generics.where_clause = Some(input.parse()?);
    }
    if !input.peek(syn::token::Brace) {
        return Ok(None);
    }
    let content;
    let brace_token = syn::braced!(content in input);
    let mut named = Punctuated::new();
    let mut parsed = Vec::new();
    while !content.is_empty() {
        let Some((field, gpu)) = field(&content)? else { return Ok(None) };
        parsed.push(field_attrs(&field, gpu));
        named.push_value(field);
        if content.is_empty() {
            break;
        }
        named.push_punct(content.parse::<Token![,]>()?);
    }
    let fields = Fields::Named(FieldsNamed { brace_token, named });
    let data = Data::Struct(DataStruct { struct_token, fields, semi_token: None });
    Ok(Some((DeriveInput { attrs, vis, ident, generics, data }, Some(parsed))))
}

/// A fork at each `#[gpu]` attribute of a field, with its index in the field's attributes.
type GpuForks<'a> = Vec<(usize, ParseBuffer<'a>)>;

/// One named field (syn's `Field::parse_named`), and a fork at each of its `#[gpu(...)]`
/// attributes with the attribute's index; `None` for an unnamed `_` field.
fn field<'a>(input: ParseStream<'a>) -> syn::Result<Option<(Field, GpuForks<'a>)>> {
    let mut attrs = Vec::new();
    let mut gpu = Vec::new();
    while input.peek(Token![#]) {
        let at = input.fork();
        let content;
        let pound_token = input.parse()?;
        let bracket_token = syn::bracketed!(content in input);
        let meta: syn::Meta = content.parse()?;
        if meta.path().is_ident(crate::symbol::GPU) {
            gpu.push((attrs.len(), at));
        }
        attrs.push(Attribute { pound_token, style: AttrStyle::Outer, bracket_token, meta });
    }
    let vis = input.parse()?;
    if input.peek(Token![_]) {
        return Ok(None); // an unnamed field: syn's parse has the rules
    }
    let ident = input.parse()?;
    let colon_token = input.parse()?;
    let ty = input.parse()?;
    let default = if input.peek(Token![=]) { Some((input.parse()?, input.parse()?)) } else { None };
    let modifiers = FieldModifiers::default();
    let field = Field { attrs, vis, modifiers, ident: Some(ident), colon_token: Some(colon_token), ty, default };
    Ok(Some((field, gpu)))
}

/// Parses `field`'s `#[gpu(...)]` attributes, each in place at its fork.
fn field_attrs(field: &Field, gpu: GpuForks<'_>) -> FieldParse {
    let errors = Ctxt::default();
    let attr =
        attr::parse_field_with(&errors, field, |index, attr, logic| match gpu.iter().find(|(i, _)| *i == index) {
            Some((_, at)) => match nested::parse_in_place(at, &mut *logic)? {
                Some(()) => Ok(()),
                None => attr::attr_tokens(attr, logic),
            },
            None => attr::attr_tokens(attr, logic),
        });
    FieldParse { attr, errors }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    /// The errors of each field parsed in place, and parsed from each attribute's own tokens.
    fn both(tokens: proc_macro2::TokenStream) -> (Vec<String>, Vec<String>) {
        let (derive, parsed) = parse(tokens).unwrap_or_else(|e| panic!("{e}"));
        let Some(parsed) = parsed else { panic!("the walk found no fields") };
        let Data::Struct(data) = &derive.data else { panic!("not a struct") };
        assert_eq!(parsed.len(), data.fields.len());
        let show = |cx: Ctxt| cx.check().err().map(|e| e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>());
        let in_place = parsed.into_iter().flat_map(|p| show(p.errors).unwrap_or_default()).collect();
        let own = data
            .fields
            .iter()
            .flat_map(|f| {
                let cx = Ctxt::default();
                attr::parse_field(&cx, f);
                show(cx).unwrap_or_default()
            })
            .collect();
        (in_place, own)
    }

    #[test]
    fn in_place_reads_every_field() {
        let (in_place, own) = both(quote! {
            /// Doc.
            #[derive(Debug)]
            pub(crate) struct S<'a> where Self: Sized {
                #[gpu(buffer(usage = STORAGE, len = 4), binding = 0)]
                /// Doc after.
                pub a: Buffer<u32>,
                #[allow(dead_code)] #[gpu(texture(format = R8G8B8A8_UNORM, extent = [2, 2]))]
                b: Texture<'a, Vec<(u8, u8)>>,
            }
        });
        assert!(in_place.is_empty(), "{in_place:?}");
        assert!(own.is_empty(), "{own:?}");
    }

    #[test]
    fn in_place_reports_what_own_tokens_report() {
        let (in_place, own) = both(quote! {
            struct S {
                #[gpu(buffer(usage = STORAGE | NOPE, len = (4 5)), binding = x)]
                a: Buffer<u32>,
                #[gpu(bufer(len = 1))] #[gpu(buffer)]
                b: Buffer<u32>,
                #[gpu(texture(extent = [1, 2, 3, 4]), 7)]
                c: Texture,
                #[gpu = 3]
                d: Buffer<u8>,
                #[gpu(buffer(len = 1,, size = 2))]
                e: Buffer<u8>,
            }
        });
        assert!(in_place.len() >= 5, "{in_place:?}");
        assert_eq!(in_place, own);
    }
}
