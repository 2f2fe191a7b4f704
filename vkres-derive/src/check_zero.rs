//! Sizes and formats no resource can have, refused at compile time where the macro sees them
//! as literals (issue 16, session 9 audit: each compiled and failed only at `create`, with
//! `Error::ZeroSize` or `Error::ValidUsage`). One function per rule, each citing its VUID; the
//! same rules are checked at run time by `vkres::valid` and the creation paths.

use syn::{Expr, ExprLit, Lit};

use crate::ast::Field;
use crate::attr::{BufferAttr, Kind, Mips, Source, TextureAttr};
use crate::ctxt::Ctxt;

/// Runs every rule on `field`.
pub fn check(cx: &Ctxt, field: &Field<'_>) {
    match &field.kind {
        Kind::Buffer(buffer) => buffer_not_empty(cx, field, buffer),
        Kind::Texture(texture) => {
            texture_extent_not_zero(cx, field, texture);
            texture_counts_not_zero(cx, field, texture);
            texture_format_defined(cx, field, texture);
        }
        _ => {}
    }
}

/// Whether `expr` is the integer literal 0 (`0`, `0u64`, `(0)`).
fn is_zero(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => int.base10_parse::<u64>().is_ok_and(|n| n == 0),
        Expr::Group(group) => is_zero(&group.expr),
        Expr::Paren(paren) => is_zero(&paren.expr),
        _ => false,
    }
}

/// Whether `expr` is an empty array literal (`[]`, `&[]`).
fn is_empty_array(expr: &Expr) -> bool {
    match expr {
        Expr::Array(array) => array.elems.is_empty(),
        Expr::Reference(reference) => is_empty_array(&reference.expr),
        Expr::Group(group) => is_empty_array(&group.expr),
        Expr::Paren(paren) => is_empty_array(&paren.expr),
        _ => false,
    }
}

/// VUID-VkBufferCreateInfo-size-00912: a buffer has at least one byte (`len = 0`, `size = 0`,
/// `data = []` without `len` or `size`).
fn buffer_not_empty(cx: &Ctxt, field: &Field<'_>, buffer: &BufferAttr) {
    for (key, value) in [("len", &buffer.len), ("size", &buffer.size)] {
        if let Some(keyed) = value
            && is_zero(&keyed.value)
        {
            cx.error_spanned_by(
                &keyed.value,
                format!("buffer `{}` has `{key} = 0`: a buffer holds at least one byte", field.ident),
            );
        }
    }
    // With `len` or `size` the buffer takes its size from them and an empty `data` uploads
    // nothing: that compiled and ran before this check, and still does (review12 finding 4).
    if let Some(data) = &buffer.data
        && buffer.len.is_none()
        && buffer.size.is_none()
        && let Source::Expr(expr) = &data.value
        && is_empty_array(expr)
    {
        cx.error_spanned_by(
            expr,
            format!("buffer `{}` is made from an empty array: a buffer holds at least one byte", field.ident),
        );
    }
}

/// VUID-VkImageCreateInfo-extent-00944, -00945, -00946: every side of an image is at least 1.
fn texture_extent_not_zero(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    let Some(extent) = &texture.extent else { return };
    for (side, expr) in ["width", "height", "depth"].iter().zip(&extent.value) {
        if is_zero(expr) {
            cx.error_spanned_by(
                expr,
                format!("texture `{}` has a {side} of 0: every side of an image is at least 1", field.ident),
            );
        }
    }
}

/// VUID-VkImageCreateInfo-mipLevels-00947 and -arrayLayers-00948: at least one level and one
/// layer.
fn texture_counts_not_zero(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    if let Some(mips) = &texture.mips
        && let Mips::Count(count) = &mips.value
        && is_zero(count)
    {
        cx.error_spanned_by(
            count,
            format!("texture `{}` has `mips = 0`: an image has at least one mip level", field.ident),
        );
    }
    if let Some(layers) = &texture.layers
        && is_zero(&layers.value)
    {
        cx.error_spanned_by(
            &layers.value,
            format!("texture `{}` has `layers = 0`: an image has at least one array layer", field.ident),
        );
    }
}

/// VUID-VkImageCreateInfo-pNext-01975: an image has a format (`UNDEFINED` is for external
/// formats only, which vkres does not make).
fn texture_format_defined(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    if let Some(format) = &texture.format
        && format.value == "UNDEFINED"
    {
        cx.error_spanned_by(
            &format.value,
            format!("texture `{}` has `format = UNDEFINED`: an image needs a format", field.ident),
        );
    }
}
