//! `tlas` fields: a `vkres::TlasDesc` of instances of BLAS fields created earlier; the batch
//! uploads the instance buffer and builds it after every BLAS of the bundle.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::Field;
use crate::attr::TlasAttr;

/// The `Result<FieldType>` expression of a TLAS field.
pub fn create(field: &Field<'_>, t: &TlasAttr, name: &str) -> TokenStream {
    let ty = field.ty;
    let mut desc = quote!(::vkres::TlasDesc::new(#name));
    for instance in &t.instances {
        let Some(blas) = &instance.blas else {
            return quote!(::core::result::Result::Err(::vkres::__private::schema_error(#name)));
        };
        let src = super::local_of(&blas.value);
        let mut i = quote_spanned!(blas.value.span()=> ::vkres::TlasInstance::new(::vkres::__private::blas_of(&#src)));
        if let Some(transform) = &instance.transform {
            let e = &transform.value;
            let value = quote_spanned!(e.span()=> { let __vkres_t: ::vkres::Transform3x4 = #e; __vkres_t });
            i = quote!(#i.transform(#value));
        }
        for (slot, method, ty) in [
            (&instance.custom_index, quote!(custom_index), "u32"),
            (&instance.mask, quote!(mask), "u8"),
            (&instance.sbt_offset, quote!(sbt_offset), "u32"),
        ] {
            if let Some(v) = slot {
                let v = super::typed(&v.value, ty);
                i = quote!(#i.#method(#v));
            }
        }
        desc = quote!(#desc.instance(#i));
    }
    if let Some(prefer) = &t.prefer {
        let variant = syn::Ident::new(prefer.value, prefer.key.span());
        desc = quote!(#desc.prefer(::vkres::BuildPreference::#variant));
    }
    if t.allow_update.is_some() {
        desc = quote!(#desc.allow_update());
    }
    if let Some(blases) = &t.blases {
        let src = super::local_of(&blases.value);
        let ident = field.ident;
        let call = quote_spanned!(ty.span()=> ::vkres::__private::tlas_from_inputs::<#ty, _>);
        return quote!(#call(__vkres_batch, #desc, &#src, __vkres_inputs.#ident));
    }
    let call = quote_spanned!(ty.span()=> ::vkres::__private::tlas::<#ty>);
    quote!(#call(__vkres_batch, &#desc))
}
