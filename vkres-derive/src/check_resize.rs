//! Rules of `resize` fields: re-created by the generated `resize(recorder, sizes)` from new
//! sizes, so their sizes are inputs, they have no contents to carry over, and no other field
//! holds on to them.

use crate::ast::{Container, Field};
use crate::attr::{Kind, Source, is_input};
use crate::ctxt::Ctxt;

/// Runs the `resize` rules on `cont`.
pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        if let Some(token) = field.resize() {
            resize_has_size_inputs(cx, field, token);
            resize_has_no_contents(cx, field, token);
        }
        no_reference_to_resized(cx, cont, field);
    }
}

/// `resize` re-creates a field from new sizes: at least one of its sizes is an input, and
/// none of its inputs borrows (a pool), since the sizes struct holds numbers only.
fn resize_has_size_inputs(cx: &Ctxt, field: &Field<'_>, token: &syn::Ident) {
    let (sized, pool) = match &field.kind {
        Kind::Buffer(b) => (
            b.len.as_ref().is_some_and(|l| is_input(&l.value)) || b.size.as_ref().is_some_and(|s| is_input(&s.value)),
            b.pool.as_ref(),
        ),
        Kind::Texture(t) => (t.extent.as_ref().is_some_and(|e| e.value.iter().any(is_input)), t.pool.as_ref()),
        _ => return,
    };
    if !sized && field.collection.is_none() {
        let example = match field.kind {
            Kind::Texture(_) => "`extent = [input, input]`",
            _ => "`len = input` or `size = input`",
        };
        cx.error_spanned_by(
            token,
            format!("`resize` re-creates field `{}` from new sizes: give it {example}", field.ident),
        );
    }
    if let Some(pool) = pool.filter(|p| matches!(p.value, Source::Input(_))) {
        cx.error_at(pool.span(), "a `resize` field takes its pool from the schema (`pool = EXPR`), not `pool = input`");
    }
}

/// A re-created field starts empty: it has no `data`, `copy` or `geometry_table` to carry over,
/// and is not a collection.
fn resize_has_no_contents(cx: &Ctxt, field: &Field<'_>, token: &syn::Ident) {
    let keys = match &field.kind {
        Kind::Buffer(b) => vec![
            b.data.as_ref().map(|k| &k.key),
            b.copy.as_ref().map(|k| &k.key),
            b.geometry_table.as_ref().map(|k| &k.key),
        ],
        Kind::Texture(t) => vec![t.data.as_ref().map(|k| &k.key)],
        _ => Vec::new(),
    };
    for key in keys.into_iter().flatten() {
        cx.error_spanned_by(
            key,
            format!("a `resize` field is re-created empty: `{key}` would be lost at the first resize"),
        );
    }
    if let Some(plural) = &field.collection {
        cx.error_spanned_by(token, format!("`resize` is for one field, not a `{plural}` collection"));
    }
}

/// A field that names another (a copy source, a BLAS's vertices, a texture's sampler) keeps
/// the resource it was made from; a `resize` field is replaced under it.
fn no_reference_to_resized(cx: &Ctxt, cont: &Container<'_>, field: &Field<'_>) {
    for (ident, _) in crate::graph::references(field) {
        if cont.fields.iter().any(|f| f.ident == ident && f.resize().is_some()) {
            cx.error_spanned_by(
                ident,
                format!(
                    "`{ident}` is `resize`d (re-created from new sizes); field `{}` would keep the old one and \
                     cannot name it",
                    field.ident
                ),
            );
        }
    }
}
