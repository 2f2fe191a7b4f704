//! `shader` fields: the SPIR-V checked by `attr::shader`, included with `include_bytes!` (so a
//! change to the file rebuilds the crate).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::ast::Field;
use crate::attr::ShaderAttr;

/// The `Result<FieldType>` expression that creates a shader module.
pub fn create(field: &Field<'_>, s: &ShaderAttr, name: &str) -> TokenStream {
    let ty = field.ty;
    // Checked at parse time; a missing path or unreadable file was reported there.
    let path = s.resolved.as_ref().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let call = quote_spanned!(field.ty_span=> ::vkres::__private::shader::<#ty>);
    quote!(#call(&*__vkres_batch, ::core::include_bytes!(#path), #name))
}
