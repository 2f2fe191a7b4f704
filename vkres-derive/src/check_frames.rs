//! Rules of per-frame fields (`buffer(..., per_frame)`): one buffer per frame in flight, so
//! nothing that needs one buffer can take it.

use crate::ast::{Container, Field};
use crate::ctxt::Ctxt;
use crate::symbol::FRAMES_IN_FLIGHT;

/// Runs the per-frame rules on `cont`.
pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        if let Some(token) = field.per_frame() {
            per_frame_is_one_buffer(cx, field, token);
        }
        no_reference_to_per_frame(cx, cont, field);
    }
    if cont.has_per_frame()
        && let Some(clash) = cont.fields.iter().find(|f| f.ident == FRAMES_IN_FLIGHT)
    {
        cx.error_spanned_by(
            clash.ident,
            "a bundle with `per_frame` fields takes `frames_in_flight` as an input; rename this field",
        );
    }
    // `write_<field>` of a host-written per-frame field must not be the generated
    // `write_frame_descriptors`.
    if let Some(clash) = cont.fields.iter().find(|f| f.ident == "frame_descriptors" && f.per_frame().is_some()) {
        cx.error_spanned_by(
            clash.ident,
            "a `per_frame` field named `frame_descriptors` would get a `write_frame_descriptors` method, \
             which the bundle already has; rename this field",
        );
    }
}

/// `per_frame` makes one field `PerFrame<Buffer<T>>` (or `PerFrame<Tlas>`): not a collection,
/// not a copy of another buffer (whose one copy the frames would share anyway); a per-frame
/// TLAS is there to be refitted, so it allows updates.
fn per_frame_is_one_buffer(cx: &Ctxt, field: &Field<'_>, token: &syn::Ident) {
    if let Some(plural) = &field.collection {
        cx.error_spanned_by(
            token,
            format!("`per_frame` is for one field, not a `{plural}` collection: a collection has no copy per frame"),
        );
    }
    if let crate::attr::Kind::Tlas(t) = &field.kind
        && t.allow_update.is_none()
    {
        cx.error_spanned_by(
            token,
            "a `per_frame` TLAS is refitted in each frame (`refit_<field>`): give it `allow_update`",
        );
    }
    if let crate::attr::Kind::Buffer(b) = &field.kind
        && let Some(copy) = &b.copy
    {
        cx.error_at(
            copy.span(),
            "a `per_frame` buffer cannot `copy` another field: give it `data = ...` (copied into every frame's buffer) or none",
        );
    }
}

/// A field that names another (a copy source, a BLAS's vertices, ...) needs one resource; a
/// per-frame field has one per frame.
fn no_reference_to_per_frame(cx: &Ctxt, cont: &Container<'_>, field: &Field<'_>) {
    for (ident, _) in crate::graph::references(field) {
        if cont.fields.iter().any(|f| f.ident == ident && f.per_frame().is_some()) {
            cx.error_spanned_by(
                ident,
                format!(
                    "`{ident}` is `per_frame` (one buffer per frame in flight); field `{}` needs one buffer and \
                     cannot name it",
                    field.ident
                ),
            );
        }
    }
}
