//! `bundle` fields: a nested `GpuResources` struct recorded into the same batch.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::ast::Field;
use crate::attr::BundleAttr;

/// The `Result<FieldType>` expression that records a nested bundle.
pub fn create(field: &Field<'_>, b: &BundleAttr) -> TokenStream {
    let ty = field.ty;
    let name = field.ident;
    match &b.inputs {
        Some(_) if field.collection.is_some() => {
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::bundles::<#ty>);
            quote!(#call(__vkres_batch, __vkres_inputs.#name))
        }
        Some(_) => {
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::bundle_with_inputs::<#ty>);
            quote!(#call(__vkres_batch, __vkres_inputs.#name))
        }
        None => {
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::bundle::<#ty>);
            quote!(#call(__vkres_batch))
        }
    }
}
