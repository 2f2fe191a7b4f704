//! The derive input in one token buffer: syn's `DeriveInput`, and each field's `#[gpu(...)]`
//! attributes parsed in place from the same buffer (a fork walked over the struct's fields)
//! instead of a new buffer per attribute. Building a `TokenBuffer` walks the tokens through
//! the compiler's bridge: per attribute, that was about a third of the macro's parse.

use syn::parse::{ParseStream, Parser};
use syn::{Data, DeriveInput, Fields, Generics, Ident, Token, Type, Visibility, WhereClause};

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
        let fork = input.fork();
        let derive: DeriveInput = input.parse()?;
        let fields = walk(&fork, &derive);
        Ok((derive, fields))
    })
    .parse2(tokens)
}

/// Walks `input` (a fork at the start of `derive`'s tokens) to its fields and parses each
/// field's `#[gpu(...)]` in place. `None` where the walk does not find what syn parsed (not a
/// struct of named fields, or a token it does not expect; the caller then parses each
/// attribute from its own tokens).
fn walk(input: ParseStream<'_>, derive: &DeriveInput) -> Option<Vec<FieldParse>> {
    let Data::Struct(data) = &derive.data else { return None };
    let Fields::Named(named) = &data.fields else { return None };
    while input.peek(Token![#]) {
        nested::skip_attribute(input).ok()?;
    }
    input.parse::<Visibility>().ok()?;
    input.parse::<Token![struct]>().ok()?;
    input.parse::<Ident>().ok()?;
    input.parse::<Generics>().ok()?;
    input.parse::<Option<WhereClause>>().ok()?;
    let braced = || -> syn::Result<_> {
        let content;
        syn::braced!(content in input);
        Ok(content)
    };
    let content = braced().ok()?;
    let mut out = Vec::with_capacity(named.named.len());
    for field in &named.named {
        out.push(field_attrs(&content, field)?);
    }
    Some(out)
}

/// Parses `field`'s attributes at the head of `input` and consumes the field.
fn field_attrs(input: ParseStream<'_>, field: &syn::Field) -> Option<FieldParse> {
    let errors = Ctxt::default();
    let mut next = 0; // index in `field.attrs` of the attribute at the head of `input`
    let mut broken = false;
    let attr = attr::parse_field_with(&errors, field, |index, attr, logic| {
        while !broken && next < index {
            broken = nested::skip_attribute(input).is_err();
            next += 1;
        }
        if broken {
            return attr::attr_tokens(attr, logic);
        }
        let result = match nested::parse_in_place(input, &mut *logic) {
            Ok(Some(())) => Ok(()),
            Ok(None) => attr::attr_tokens(attr, logic),
            Err(e) => Err(e),
        };
        broken = nested::skip_attribute(input).is_err();
        next += 1;
        result
    });
    if broken {
        return None;
    }
    while next < field.attrs.len() {
        nested::skip_attribute(input).ok()?;
        next += 1;
    }
    input.parse::<Visibility>().ok()?;
    input.parse::<Ident>().ok()?;
    input.parse::<Token![:]>().ok()?;
    input.parse::<Type>().ok()?;
    if !input.is_empty() {
        input.parse::<Token![,]>().ok()?;
    }
    Some(FieldParse { attr, errors })
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
