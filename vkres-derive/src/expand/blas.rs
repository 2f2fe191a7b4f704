//! `blas` fields: a `vkres::BlasDesc` of one geometry read from buffer fields created earlier
//! (the dependency order puts them first), built by the bundle's batch after its uploads.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{Container, Field};
use crate::attr::{BlasAttr, Kind, Source};

/// The host data of the BLAS's index buffer field, where the macro can name it again without
/// evaluating anything twice: an `input`, or a path (a constant or a static). The build then
/// checks every index against the vertices.
pub fn index_data(cont: &Container<'_>, b: &BlasAttr) -> Option<TokenStream> {
    let indices = &b.indices.as_ref()?.value;
    let field = cont.fields.iter().find(|f| *f.ident == *indices)?;
    let Kind::Buffer(buffer) = &field.kind else { return None };
    match &buffer.data.as_ref()?.value {
        Source::Input(_) => {
            let name = field.ident;
            Some(quote!(::vkres::__private::data(__vkres_inputs.#name)))
        }
        Source::Expr(expr @ syn::Expr::Path(_)) => Some(quote!(::vkres::__private::data(&(#expr)))),
        Source::Expr(_) => None,
    }
}

/// The `Result<FieldType>` expression of a BLAS field.
pub fn create(field: &Field<'_>, b: &BlasAttr, name: &str, index_data: Option<TokenStream>) -> TokenStream {
    let ty = field.ty;
    let geometry = if let Some(aabbs) = &b.aabbs {
        let src = super::local_of(&aabbs.value);
        quote_spanned!(aabbs.value.span()=> ::vkres::__private::aabbs(&#src))
    } else if let Some(vertices) = &b.vertices {
        let src = super::local_of(&vertices.value);
        let format = b
            .format
            .as_ref()
            .map_or_else(|| syn::Ident::new("R32G32B32_SFLOAT", Span::call_site()), |f| f.value.clone());
        let mut g =
            quote_spanned!(vertices.value.span()=> ::vkres::__private::triangles(&#src, ::vkres::vk::Format::#format));
        if let Some(stride) = &b.stride {
            let stride = super::typed(&stride.value, "u64");
            g = quote!(#g.stride(#stride));
        }
        if let Some(indices) = &b.indices {
            let src = super::local_of(&indices.value);
            g = match index_data {
                Some(data) => {
                    quote_spanned!(indices.value.span()=> ::vkres::__private::with_indices_data(#g, &#src, #data))
                }
                None => quote_spanned!(indices.value.span()=> ::vkres::__private::with_indices(#g, &#src)),
            };
        }
        if let Some(transform) = &b.transform {
            let src = super::local_of(&transform.value);
            g = quote_spanned!(transform.value.span()=> ::vkres::__private::with_transform(#g, &#src));
        }
        g
    } else {
        return quote!(::core::result::Result::Err(::vkres::__private::schema_error(#name)));
    };
    let flags = match &b.opaque {
        Some(opaque) if !opaque.value.value => quote!(.flags(::vkres::vk::GeometryFlagsKHR::empty())),
        _ => quote!(),
    };
    let add = if b.aabbs.is_some() { quote!(aabbs) } else { quote!(triangles) };
    let mut desc = quote!(::vkres::BlasDesc::new(#name).#add(#geometry #flags));
    if let Some(prefer) = &b.prefer {
        let variant = syn::Ident::new(prefer.value, prefer.key.span());
        desc = quote!(#desc.prefer(::vkres::BuildPreference::#variant));
    }
    if b.allow_update.is_some() {
        desc = quote!(#desc.allow_update());
    }
    if b.allow_compaction.is_some() {
        desc = quote!(#desc.allow_compaction());
    }
    let call = quote_spanned!(ty.span()=> ::vkres::__private::blas::<#ty>);
    quote!(#call(__vkres_batch, &#desc))
}
