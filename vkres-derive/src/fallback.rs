//! What the derive emits beside its errors: a stub impl, so that uses of the type
//! (`Scene::create(&alloc)`) compile and the user sees the real errors, not a cascade of
//! "no function `create`" follow-ups (after thiserror's `fallback.rs`).

use proc_macro2::TokenStream;
use quote::quote;

/// The stub: `record` returns an error; it never runs, since the crate does not compile.
pub fn expand(ident: &syn::Ident, generics: &syn::Generics) -> TokenStream {
    crate::expand::wrap(
        ident,
        generics,
        quote!(::core::result::Result::Err(::vkres::__private::schema_error(::core::stringify!(#ident)))),
    )
}
