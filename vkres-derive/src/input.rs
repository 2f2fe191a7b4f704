//! The derive input parsed (issue 20 item 5: the macro runs unoptimized in a user's dev
//! profile, and syn's `Type` parser was a twelfth of its run). A derive only ever receives an
//! item rustc has already parsed, so a non-generic struct of named fields is read with syn's
//! own pieces but each field type kept as its tokens (`Type::Verbatim`, the span computed as
//! syn's `Spanned` computes it, from the same tokens). Everything else — generics, a `where`
//! clause, tuple and unit structs, enums, unions — goes through syn's `DeriveInput` as before,
//! so every error and its span is syn's.

use proc_macro2::{Spacing, Span, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Data, DataStruct, DeriveInput, Field, FieldModifiers, Fields, FieldsNamed, Token, Type};

/// The parsed input, and the span of each named field's type where the fast path computed it
/// (`None`: compute it from the type).
pub fn parse(input: TokenStream) -> syn::Result<(DeriveInput, Option<Vec<Span>>)> {
    let mut spans = Vec::new();
    let fast = |stream: ParseStream<'_>| named_struct(stream, &mut spans);
    match fast.parse2(input.clone()) {
        Ok(Some(parsed)) => Ok((parsed, Some(spans))),
        _ => syn::parse2(input).map(|parsed| (parsed, None)),
    }
}

/// `attrs vis struct Name { fields }`, or `None` for any other shape.
fn named_struct(input: ParseStream<'_>, spans: &mut Vec<Span>) -> syn::Result<Option<DeriveInput>> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis = input.parse()?;
    if !input.peek(Token![struct]) {
        return Ok(None);
    }
    let struct_token = input.parse()?;
    let ident = input.parse()?;
    if !input.peek(syn::token::Brace) {
        return Ok(None);
    }
    let content;
    let brace_token = syn::braced!(content in input);
    if !input.is_empty() {
        return Ok(None);
    }
    let mut named = Punctuated::new();
    while !content.is_empty() {
        let attrs = content.call(Attribute::parse_outer)?;
        let vis = content.parse()?;
        let ident = content.parse()?;
        let colon_token = content.parse()?;
        let (ty, span) = type_tokens(&content)?;
        spans.push(span);
        named.push_value(Field {
            attrs,
            vis,
            modifiers: FieldModifiers::default(),
            ident: Some(ident),
            colon_token: Some(colon_token),
            ty: Type::Verbatim(ty),
            default: None,
        });
        if content.is_empty() {
            break;
        }
        named.push_punct(content.parse()?);
    }
    Ok(Some(DeriveInput {
        attrs,
        vis,
        ident,
        generics: syn::Generics::default(),
        data: Data::Struct(DataStruct {
            struct_token,
            fields: Fields::Named(FieldsNamed { brace_token, named }),
            semi_token: None,
        }),
    }))
}

/// The tokens of a field type (valid Rust: rustc parsed the item) up to the comma that ends
/// it (or at a default value's `=`): commas inside `<...>` belong to the type (`->` is no closing `>`), groups are one tree.
/// The span is syn's `Spanned::span` of the type: its first token's joined with its last's.
/// The last token is printed alone, as syn prints a parsed type.
fn type_tokens(input: ParseStream<'_>) -> syn::Result<(TokenStream, Span)> {
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut trees = Vec::new();
        let mut depth = 0usize;
        let mut arrow = false;
        while let Some((tree, next)) = rest.token_tree() {
            if let TokenTree::Punct(p) = &tree {
                match p.as_char() {
                    // `=`: a default value, which syn's path parses (and reports).
                    ',' | '=' if depth == 0 => break,
                    '<' => depth += 1,
                    '>' if !arrow => depth = depth.saturating_sub(1),
                    _ => {}
                }
                arrow = p.as_char() == '-' && p.spacing() == Spacing::Joint;
            } else {
                arrow = false;
            }
            trees.push(tree);
            rest = next;
        }
        let Some(first) = trees.first().map(TokenTree::span) else {
            return Err(cursor.error("expected a type"));
        };
        // The type's last punctuation (`>`) was joined to the `,` after it; in the expansion
        // it must stand alone, as syn prints it (`::<Buffer<u32>>` would otherwise lex its
        // closing `>>` as one token, and rustc would point at part of the type).
        if let Some(TokenTree::Punct(p)) = trees.last_mut()
            && p.spacing() == Spacing::Joint
        {
            let mut alone = proc_macro2::Punct::new(p.as_char(), Spacing::Alone);
            alone.set_span(p.span());
            *p = alone;
        }
        let span = match trees.len() {
            1 => first,
            n => first.join(trees[n - 1].span()).unwrap_or(first),
        };
        Ok(((trees.into_iter().collect(), span), rest))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(src: &str) -> Vec<String> {
        let (input, spans) = parse(src.parse().expect("tokens")).expect("parses");
        assert!(spans.is_some(), "fast path for {src}");
        let Data::Struct(s) = input.data else { panic!("a struct") };
        for f in &s.fields {
            if let Some(TokenTree::Punct(p)) = quote::ToTokens::to_token_stream(&f.ty).into_iter().last() {
                assert_eq!(p.spacing(), Spacing::Alone, "the last `{}` of a type stands alone", p.as_char());
            }
        }
        s.fields.iter().map(|f| quote::ToTokens::to_token_stream(&f.ty).to_string()).collect()
    }

    #[test]
    fn field_types_end_at_their_top_level_comma() {
        assert_eq!(
            types(
                "pub struct S { #[gpu(x)] a: Buffer<u32>, pub(crate) b: HashMap<K, Vec<V>>, \
                 c: Box<dyn Fn(u8, u16) -> Vec<u8>>, d: [f32; 4], e: <T as Tr<A, B>>::X }"
            ),
            [
                "Buffer < u32 >",
                "HashMap < K , Vec < V >>",
                "Box < dyn Fn (u8 , u16) -> Vec < u8 >>",
                "[f32 ; 4]",
                "< T as Tr < A , B >>:: X"
            ]
        );
    }

    /// Values parsed by `attr::expr`: literals and arrays of literals without syn's expression
    /// parser, everything else through it.
    #[test]
    fn simple_values_skip_the_expression_parser() {
        use syn::Expr;
        let parse = |src: &str| syn::parse::Parser::parse_str(crate::attr::expr, src).expect("an expression");
        assert!(matches!(parse("64"), Expr::Lit(_)));
        for array in ["[1u32, 2, 3]", "[255u8; 16]", "[1.0, 2.0,]"] {
            let Expr::Verbatim(tokens) = parse(array) else { panic!("{array} verbatim") };
            assert!(matches!(tokens.into_iter().collect::<Vec<_>>().as_slice(), [TokenTree::Group(_)]), "{array}");
        }
        assert!(matches!(parse("[x, 1]"), Expr::Array(_)));
        assert!(matches!(parse("[]"), Expr::Array(_)));
        assert!(matches!(parse("-1"), Expr::Unary(_)));
        assert!(matches!(parse("N"), Expr::Path(_)));
        assert!(syn::parse::Parser::parse_str(crate::attr::expr, "struct").is_err());
        // Not expressions: syn's error, at the attribute (review12 finding 5).
        for bad in ["[1 2 3]", "[1, , 2]", "[1; 2; 3]", "[1;]", "[;1]", "[\"a\" \"b\"]", "[1, 2; 3]", "[,]"] {
            assert!(syn::parse::Parser::parse_str(crate::attr::expr, bad).is_err(), "{bad}");
        }
        assert!(matches!(parse("[1]"), Expr::Verbatim(_)));
    }

    #[test]
    fn other_shapes_take_syns_path() {
        for src in ["struct S<T> { a: T }", "struct S(u32);", "struct S;", "enum E { A }", "union U { a: u32 }"] {
            let parsed = parse(src.parse().expect("tokens"));
            assert!(parsed.map_or(true, |(_, spans)| spans.is_none()), "{src}");
        }
    }
}
