//! Vulkan valid-usage rules decided at compile time, where the values involved are literals the
//! macro sees (a format, an extent of integer literals, a view type, a layout, usage flags).
//! Where a value is an expression evaluated at run time, the same rule is left to vkres's own
//! checks before the Vulkan call (docs/VALID_USAGE.md). One function per rule, each naming the
//! VUID it keeps the expansion from breaking.

use syn::{Expr, Lit};

use crate::ast::{Container, Field};
use crate::attr::{Keyed, Kind, TextureAttr};
use crate::ctxt::Ctxt;

/// Runs every rule on the texture fields of `cont`.
pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        if let Kind::Texture(t) = &field.kind {
            if !t.complete {
                continue;
            }
            let usage = crate::infer::texture_usage(t);
            bound_texture_has_descriptor_usage(cx, field, t, &usage);
            view_type_fits_extent(cx, t);
            view_layers_fit_type(cx, t);
            cube_view_is_square(cx, t);
            layout_fits_format(cx, t);
            layout_has_its_usage(cx, t, &usage);
        }
    }
}

/// The value of an integer literal (`6`, `6u32`), or `None` for any other expression.
fn literal(expr: &Expr) -> Option<u64> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(i) => i.base10_parse().ok(),
            _ => None,
        },
        Expr::Group(g) => literal(&g.expr),
        Expr::Paren(p) => literal(&p.expr),
        _ => None,
    }
}

/// The texture's layer count where it is a literal (1 where `layers` is not given).
fn layers(t: &TextureAttr) -> Option<u64> {
    t.layers.as_ref().map_or(Some(1), |l| literal(&l.value))
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

/// A texture bound without a sampler is a sampled image, or a storage image when its usage has
/// `STORAGE`: a sampled image needs `SAMPLED` in its usage
/// (VUID-VkWriteDescriptorSet-descriptorType-00337; the write also crashed lavapipe).
fn bound_texture_has_descriptor_usage(cx: &Ctxt, field: &Field<'_>, t: &TextureAttr, usage: &[&str]) {
    let (Some(binding), None, Some(declared)) = (&field.binding, &t.sampler, &t.usage) else { return };
    if usage.contains(&"SAMPLED") || usage.contains(&"STORAGE") {
        return;
    }
    cx.error_spanned_by(
        &declared.key,
        format!(
            "field `{}` is bound (binding = {}) as a sampled image, but its usage has no `SAMPLED` \
             (VUID-VkWriteDescriptorSet-descriptorType-00337): add `SAMPLED`, or `STORAGE` to bind it \
             as a storage image",
            field.ident, binding.value.1
        ),
    );
}

/// A view's type must be one the image's type allows: `[w]` is a 1D image (1D views), `[w, h]`
/// 2D (2D and cube views), `[w, h, d]` 3D (3D views; vkres does not make 3D images
/// 2D-array-compatible) (VUID-VkImageViewCreateInfo-subResourceRange-01021, the image and view
/// type table).
fn view_type_fits_extent(cx: &Ctxt, t: &TextureAttr) {
    let (Some(view), Some(extent)) = (&t.view, &t.extent) else { return };
    let allowed: &[&str] = match extent.value.len() {
        1 => &["TYPE_1D", "TYPE_1D_ARRAY"],
        2 => &["TYPE_2D", "TYPE_2D_ARRAY", "CUBE", "CUBE_ARRAY"],
        _ => &["TYPE_3D"],
    };
    if !allowed.contains(&view.value) {
        let image = ["1D", "2D", "3D"][extent.value.len().clamp(1, 3) - 1];
        cx.error_spanned_by(
            &view.key,
            format!(
                "a `{}` view does not fit a {image} image (`extent` has {} value{}): use {} \
                 (VUID-VkImageViewCreateInfo-subResourceRange-01021)",
                view.value,
                extent.value.len(),
                if extent.value.len() == 1 { "" } else { "s" },
                allowed.join(" or ")
            ),
        );
    }
}

/// A cube view needs exactly 6 layers (VUID-VkImageViewCreateInfo-viewType-02960), a cube array
/// a multiple of 6 (VUID-VkImageViewCreateInfo-viewType-02961), and a 1D, 2D or 3D view exactly
/// one (VUID-VkImageViewCreateInfo-imageViewType-04973): vkres's view covers every layer.
fn view_layers_fit_type(cx: &Ctxt, t: &TextureAttr) {
    let (Some(view), Some(n)) = (&t.view, layers(t)) else { return };
    let problem = match view.value {
        "CUBE" if n != 6 => Some(("6 layers", "VUID-VkImageViewCreateInfo-viewType-02960")),
        "CUBE_ARRAY" if n == 0 || n % 6 != 0 => {
            Some(("a multiple of 6 layers", "VUID-VkImageViewCreateInfo-viewType-02961"))
        }
        "TYPE_1D" | "TYPE_2D" | "TYPE_3D" if n != 1 => {
            Some(("one layer (use the `_ARRAY` view type)", "VUID-VkImageViewCreateInfo-imageViewType-04973"))
        }
        _ => None,
    };
    if let Some((needs, vuid)) = problem {
        let at: &dyn quote::ToTokens = match &t.layers {
            Some(Keyed { value, .. }) => value,
            None => &view.key,
        };
        cx.error_spanned_by(at, format!("a `{}` view needs {needs}; the texture has {n} ({vuid})", view.value));
    }
}

/// A cube view's image is cube-compatible, which needs a square extent
/// (VUID-VkImageCreateInfo-flags-08865).
fn cube_view_is_square(cx: &Ctxt, t: &TextureAttr) {
    let (Some(view), Some(extent)) = (&t.view, &t.extent) else { return };
    if !matches!(view.value, "CUBE" | "CUBE_ARRAY") || extent.value.len() != 2 {
        return;
    }
    if let (Some(w), Some(h)) = (literal(&extent.value[0]), literal(&extent.value[1])) {
        if w != h {
            cx.error_spanned_by(
                &extent.value[1],
                format!(
                    "a cube's faces are square: width {w} and height {h} differ (VUID-VkImageCreateInfo-flags-08865)"
                ),
            );
        }
    }
}

/// A depth or stencil layout needs a depth or stencil format, and a colour attachment layout a
/// colour format (the image's aspects; VUID-VkImageMemoryBarrier2-oldLayout-01208/01209/01210:
/// the attachment usage those layouts need cannot be had on the other kind of format).
fn layout_fits_format(cx: &Ctxt, t: &TextureAttr) {
    let (Some(layout), Some(format)) = (&t.layout, &t.format) else { return };
    let depth = is_depth_stencil(&format.value.to_string());
    let depth_layout = matches!(layout.value, "DEPTH_STENCIL_ATTACHMENT_OPTIMAL" | "DEPTH_STENCIL_READ_ONLY_OPTIMAL");
    let colour_layout = layout.value == "COLOR_ATTACHMENT_OPTIMAL";
    if depth_layout && !depth {
        cx.error_spanned_by(
            &layout.key,
            format!(
                "`{}` is a layout of depth/stencil images; `{}` is a colour format \
                 (VUID-VkImageMemoryBarrier2-oldLayout-01209)",
                layout.value, format.value
            ),
        );
    } else if colour_layout && depth {
        cx.error_spanned_by(
            &layout.key,
            format!(
                "`COLOR_ATTACHMENT_OPTIMAL` is a layout of colour images; `{}` is a depth/stencil format \
                 (VUID-VkImageMemoryBarrier2-oldLayout-01208)",
                format.value
            ),
        );
    }
}

/// The usage each final layout needs, with the VUID of the transition into it.
fn layout_needs(layout: &str) -> Option<(&'static [&'static str], &'static str)> {
    Some(match layout {
        "COLOR_ATTACHMENT_OPTIMAL" => (&["COLOR_ATTACHMENT"], "VUID-VkImageMemoryBarrier2-oldLayout-01208"),
        "DEPTH_STENCIL_ATTACHMENT_OPTIMAL" => {
            (&["DEPTH_STENCIL_ATTACHMENT"], "VUID-VkImageMemoryBarrier2-oldLayout-01209")
        }
        "DEPTH_STENCIL_READ_ONLY_OPTIMAL" => {
            (&["DEPTH_STENCIL_ATTACHMENT"], "VUID-VkImageMemoryBarrier2-oldLayout-01210")
        }
        "SHADER_READ_ONLY_OPTIMAL" => (&["SAMPLED", "INPUT_ATTACHMENT"], "VUID-VkImageMemoryBarrier2-oldLayout-01211"),
        "TRANSFER_SRC_OPTIMAL" => (&["TRANSFER_SRC"], "VUID-VkImageMemoryBarrier2-oldLayout-01212"),
        "TRANSFER_DST_OPTIMAL" => (&["TRANSFER_DST"], "VUID-VkImageMemoryBarrier2-oldLayout-01213"),
        "ATTACHMENT_OPTIMAL" => (
            &["COLOR_ATTACHMENT", "DEPTH_STENCIL_ATTACHMENT"],
            "the synchronization2 form of VUID-VkImageMemoryBarrier2-oldLayout-01208/01209",
        ),
        "READ_ONLY_OPTIMAL" => (
            &["SAMPLED", "INPUT_ATTACHMENT", "DEPTH_STENCIL_ATTACHMENT"],
            "the synchronization2 form of VUID-VkImageMemoryBarrier2-oldLayout-01210/01211",
        ),
        _ => return None,
    })
}

/// The final layout a texture is transitioned to needs a usage the texture has (its own or one
/// the macro infers).
fn layout_has_its_usage(cx: &Ctxt, t: &TextureAttr, usage: &[&str]) {
    let Some(layout) = &t.layout else { return };
    let Some((needs, vuid)) = layout_needs(layout.value) else { return };
    if needs.iter().any(|n| usage.contains(n)) {
        return;
    }
    let has = if usage.is_empty() { "none".to_string() } else { usage.join(" | ") };
    cx.error_spanned_by(
        &layout.key,
        format!(
            "layout `{}` needs usage {}; the texture's usage is {has} ({vuid}): add it to `usage`",
            layout.value,
            needs.join(" or ")
        ),
    );
}
