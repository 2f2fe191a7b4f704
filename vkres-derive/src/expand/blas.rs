//! `blas` fields: a `vkres::BlasDesc` of one geometry read from buffer fields created earlier
//! (the dependency order puts them first), built by the bundle's batch after its uploads.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::Field;
use crate::attr::BlasAttr;

/// The `Result<FieldType>` expression of a BLAS field.
pub fn create(field: &Field<'_>, b: &BlasAttr, name: &str) -> TokenStream {
    let ty = field.ty;
    let collection = field.collection.is_some();
    // A reference to the buffer field `ident` (its `__vkres_i`-th element for a collection).
    let src = |ident: &syn::Ident| {
        let local = super::local_of(ident);
        // Spanned at the user's field name: a buffer of the wrong type is reported there.
        if collection {
            quote_spanned!(ident.span()=> ::vkres::__private::element(#name, &#local, __vkres_i)?)
        } else {
            quote_spanned!(ident.span()=> &#local)
        }
    };
    let geometry = if let Some(aabbs) = &b.aabbs {
        let src = src(&aabbs.value);
        quote_spanned!(aabbs.value.span()=> ::vkres::__private::aabbs(#src))
    } else if let Some(vertices) = &b.vertices {
        let vsrc = src(&vertices.value);
        let format = b
            .format
            .as_ref()
            .map_or_else(|| syn::Ident::new("R32G32B32_SFLOAT", Span::call_site()), |f| f.value.clone());
        let mut g =
            quote_spanned!(vertices.value.span()=> ::vkres::__private::triangles(#vsrc, ::vkres::vk::Format::#format));
        if let Some(stride) = &b.stride {
            let stride = super::typed(&stride.value, "u64");
            g = quote!(#g.stride(#stride));
        }
        if let Some(indices) = &b.indices {
            let src = src(&indices.value);
            g = quote_spanned!(indices.value.span()=> ::vkres::__private::with_indices(#g, #src));
        }
        if let Some(transform) = &b.transform {
            let src = src(&transform.value);
            g = quote_spanned!(transform.value.span()=> ::vkres::__private::with_transform(#g, #src));
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
    if collection {
        // One BLAS per element of the collections it reads, which must be as long as each other.
        let lens = [&b.vertices, &b.indices, &b.transform, &b.aabbs].into_iter().flatten().map(|k| {
            let (key, local) = (k.key.to_string(), super::local_of(&k.value));
            quote!((#key, ::vkres::__private::count(&#local)))
        });
        let call = quote_spanned!(ty.span()=> ::vkres::__private::blases::<#ty>);
        return quote!({
            let __vkres_n = ::vkres::__private::common_len(#name, &[#(#lens),*])?;
            #call(__vkres_batch, __vkres_n, |__vkres_i| ::core::result::Result::Ok(#desc))
        });
    }
    let call = quote_spanned!(ty.span()=> ::vkres::__private::blas::<#ty>);
    quote!(#call(__vkres_batch, &#desc))
}
