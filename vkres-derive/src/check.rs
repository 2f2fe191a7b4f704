//! Rules that involve more than one key or field, one function each, with the reason.

use crate::ast::{Container, Field};
use crate::attr::{BufferAttr, Kind};
use crate::ctxt::Ctxt;

/// Runs every rule on `cont`.
pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        match &field.kind {
            Kind::Buffer(buffer) => {
                if buffer.complete {
                    buffer_has_usage(cx, field, buffer);
                    buffer_has_size(cx, field, buffer);
                }
                buffer_size_given_once(cx, buffer);
            }
        }
    }
}

/// A buffer's usage says what it is for; vkres adds what it needs itself (`TRANSFER_DST` for
/// an upload), but cannot guess the rest, and Vulkan has no buffer without usage.
fn buffer_has_usage(cx: &Ctxt, field: &Field<'_>, buffer: &BufferAttr) {
    if buffer.usage.is_none() {
        cx.error_spanned_by(
            &buffer.kind,
            format!("`buffer` of field `{}` needs `usage = ...`, e.g. `usage = STORAGE | VERTEX`", field.ident),
        );
    }
}

/// The size of a buffer must be known: from its data, or given by `len` or `size`.
fn buffer_has_size(cx: &Ctxt, field: &Field<'_>, buffer: &BufferAttr) {
    if buffer.data.is_none() && buffer.len.is_none() && buffer.size.is_none() {
        cx.error_spanned_by(
            &buffer.kind,
            format!(
                "`buffer` of field `{}` needs `data = ...`, `len = ...` (elements) or `size = ...` (bytes)",
                field.ident
            ),
        );
    }
}

/// `len` and `size` both fix the size; two sources could disagree, so only one is allowed.
fn buffer_size_given_once(cx: &Ctxt, buffer: &BufferAttr) {
    if let (Some(_), Some(size)) = (&buffer.len, &buffer.size) {
        cx.error_at(size.span(), "`len` and `size` both give the buffer's size; keep one");
    }
}
