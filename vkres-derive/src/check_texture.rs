//! Texture rules that Vulkan's valid usage imposes, checked at compile time wherever the
//! values involved are literals the macro sees (the same rules are checked at run time by
//! `vkres::valid`, where values come from expressions or the device). One function per rule,
//! each citing the VUID it anticipates.

use syn::{Expr, ExprLit, Lit, spanned::Spanned};

use crate::ast::Field;
use crate::attr::{Mips, TextureAttr};
use crate::ctxt::Ctxt;

/// Runs every texture rule on `field`.
pub fn check(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    bound_texture_is_usable(cx, field, texture);
    view_fits_extent(cx, field, texture);
    cube_view_fits_layers(cx, field, texture);
    layout_fits_format(cx, field, texture);
    layout_fits_usage(cx, field, texture);
    mips_fit_extent(cx, field, texture);
}

/// The value of a literal integer expression (`6`, `256u32`).
fn literal(expr: &Expr) -> Option<u64> {
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => int.base10_parse().ok(),
        Expr::Group(group) => literal(&group.expr),
        Expr::Paren(paren) => literal(&paren.expr),
        _ => None,
    }
}

/// The texture's layer count where it is a literal (1 without `layers`).
fn layers(texture: &TextureAttr) -> Option<u64> {
    texture.layers.as_ref().map_or(Some(1), |l| literal(&l.value))
}

/// Whether `format` (a `vk::Format` constant's name) has a depth or stencil aspect.
fn is_depth_stencil(format: &str) -> bool {
    matches!(
        format,
        "D16_UNORM"
            | "X8_D24_UNORM_PACK32"
            | "D32_SFLOAT"
            | "S8_UINT"
            | "D16_UNORM_S8_UINT"
            | "D24_UNORM_S8_UINT"
            | "D32_SFLOAT_S8_UINT"
    )
}

/// VUID-VkWriteDescriptorSet-descriptorType-00337 / -00339: a bound texture is written as a
/// sampled (or combined) image, which needs `SAMPLED`, or as a storage image, which needs
/// `STORAGE`; an explicit usage with neither can be bound as nothing.
fn bound_texture_is_usable(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    let (Some(binding), Some(usage)) = (&field.binding, &texture.usage) else { return };
    let has = |flag| usage.value.iter().any(|(_, f)| *f == flag);
    if texture.sampler.is_none() && !has("SAMPLED") && !has("STORAGE") {
        cx.error_spanned_by(
            &binding.value.0,
            format!(
                "texture `{}` is bound as a sampled image, but its `usage` lacks `SAMPLED`; add `SAMPLED` \
                 (or `STORAGE` for a storage image)",
                field.ident
            ),
        );
    }
}

/// VUID-VkImageViewCreateInfo-subResourceRange-01021 and -imageViewType-04973: the view type
/// fits the image the extent makes (1D, 2D or 3D) and, for a non-array view, one layer.
fn view_fits_extent(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    let (Some(view), Some(extent)) = (&texture.view, &texture.extent) else { return };
    let dims = extent.value.len();
    let layers = layers(texture);
    let wanted = match view.value {
        "TYPE_1D" | "TYPE_1D_ARRAY" => 1,
        "TYPE_3D" => 3,
        _ => 2,
    };
    if dims != wanted {
        let fits = match (dims, layers) {
            (1, Some(1)) => "TYPE_1D",
            (1, _) => "TYPE_1D_ARRAY",
            (3, _) => "TYPE_3D",
            (_, Some(1)) => "TYPE_2D",
            _ => "TYPE_2D_ARRAY",
        };
        cx.error_at(
            view.value_span(),
            format!(
                "a `{}` view needs a {wanted}D extent, but texture `{}` has a {dims}D `extent`; did you mean `view = {fits}`?",
                view.value, field.ident
            ),
        );
        return;
    }
    if matches!(view.value, "TYPE_1D" | "TYPE_2D" | "TYPE_3D")
        && let Some(n) = layers.filter(|n| *n > 1)
    {
        let array = if view.value == "TYPE_1D" { "TYPE_1D_ARRAY" } else { "TYPE_2D_ARRAY" };
        cx.error_at(
            view.value_span(),
            format!(
                "a `{}` view shows one layer, but texture `{}` has {n}; did you mean `view = {array}`?",
                view.value, field.ident
            ),
        );
    }
}

/// VUID-VkImageViewCreateInfo-viewType-02960, -02961 and VUID-VkImageCreateInfo-imageType-00954:
/// a cube shows 6 square faces, a cube array whole cubes (and needs `imageCubeArray`, which vkres
/// does not enable: VUID-VkImageViewCreateInfo-viewType-01004).
fn cube_view_fits_layers(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    let Some(view) = &texture.view else { return };
    // A collection's layers and size are per element: checked when the image is created.
    if field.collection.is_some() && view.value == "CUBE" {
        return;
    }
    match view.value {
        "CUBE" => {
            if let Some(n) = layers(texture).filter(|n| *n != 6) {
                cx.error_at(
                    view.value_span(),
                    format!("a `CUBE` view shows 6 layers, but texture `{}` has {n}; add `layers = 6`", field.ident),
                );
            }
            if let Some(extent) = &texture.extent
                && let [w, h] = extent.value.as_slice()
                && let (Some(w), Some(h)) = (literal(w), literal(h))
                && w != h
            {
                cx.error_at(
                    extent.value[0].span(),
                    format!("a cube's faces are square, but texture `{}` is {w}x{h}", field.ident),
                );
            }
        }
        "CUBE_ARRAY" => cx.error_at(
            view.value_span(),
            format!(
                "texture `{}`: a `CUBE_ARRAY` view needs the `imageCubeArray` feature, which vkres does not enable; \
                 use `view = CUBE` per cube or `view = TYPE_2D_ARRAY`",
                field.ident
            ),
        ),
        _ => {}
    }
}

/// VUID-VkImageMemoryBarrier2-oldLayout-01208 / -01209 / -01210: a depth/stencil layout on a
/// colour format, or a colour-attachment layout on a depth/stencil format.
fn layout_fits_format(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    let (Some(layout), Some(format)) = (&texture.layout, &texture.format) else { return };
    let depth_format = is_depth_stencil(&format.value.to_string());
    let depth_layout = layout.value.starts_with("DEPTH_STENCIL");
    if depth_layout && !depth_format {
        cx.error_at(
            layout.value_span(),
            format!(
                "`{}` is a depth/stencil layout, but texture `{}` has the colour format `{}`",
                layout.value, field.ident, format.value
            ),
        );
    } else if layout.value == "COLOR_ATTACHMENT_OPTIMAL" && depth_format {
        cx.error_at(
            layout.value_span(),
            format!(
                "`COLOR_ATTACHMENT_OPTIMAL` is a colour layout, but texture `{}` has the depth/stencil format `{}`; \
                 did you mean `layout = DEPTH_STENCIL_ATTACHMENT_OPTIMAL`?",
                field.ident, format.value
            ),
        );
    }
}

/// VUID-VkImageMemoryBarrier2-oldLayout-01208 to -01213: the final layout needs a usage the
/// texture has (its own and the inferred ones).
fn layout_fits_usage(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    let Some(layout) = &texture.layout else { return };
    let needed: &[&str] = match layout.value {
        "COLOR_ATTACHMENT_OPTIMAL" => &["COLOR_ATTACHMENT"],
        "DEPTH_STENCIL_ATTACHMENT_OPTIMAL" | "DEPTH_STENCIL_READ_ONLY_OPTIMAL" => &["DEPTH_STENCIL_ATTACHMENT"],
        "SHADER_READ_ONLY_OPTIMAL" => &["SAMPLED", "INPUT_ATTACHMENT"],
        "TRANSFER_SRC_OPTIMAL" => &["TRANSFER_SRC"],
        "TRANSFER_DST_OPTIMAL" => &["TRANSFER_DST"],
        _ => return,
    };
    let usage = crate::infer::texture_usage(texture);
    if needed.iter().any(|n| usage.contains(n)) {
        return;
    }
    // The layout the usage would give, as the suggestion.
    let fitting = crate::infer::default_layout(&usage);
    cx.error_at(
        layout.value_span(),
        format!(
            "texture `{}` ends in `{}`, which needs `{}` usage; its usage is `{}`; add `{}` to `usage`, or did you mean \
             `layout = {fitting}`?",
            field.ident,
            layout.value,
            needed.join("` or `"),
            usage.join(" | "),
            needed[0]
        ),
    );
}

/// VUID-VkImageCreateInfo-mipLevels-00958: no more mips than the extent has.
fn mips_fit_extent(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    let (Some(mips), Some(extent)) = (&texture.mips, &texture.extent) else { return };
    let Mips::Count(count) = &mips.value else { return };
    let (Some(count), Some(sides)) = (literal(count), extent.value.iter().map(literal).collect::<Option<Vec<u64>>>())
    else {
        return;
    };
    let largest = sides.iter().copied().max().unwrap_or(1).max(1);
    let full = u64::from(u64::BITS - largest.leading_zeros());
    if count > full {
        cx.error_at(
            count_span(&mips.value),
            format!(
                "texture `{}` asks for {count} mip levels, but a {} extent has at most {full}",
                field.ident,
                sides.iter().map(u64::to_string).collect::<Vec<_>>().join("x")
            ),
        );
    }
}

/// The span of a `mips = N` value.
fn count_span(mips: &Mips) -> proc_macro2::Span {
    match mips {
        Mips::Count(expr) => expr.span(),
        Mips::Generate => proc_macro2::Span::call_site(),
    }
}
