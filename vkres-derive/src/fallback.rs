//! What the derive emits beside its errors: a stub impl, so that uses of the type
//! (`Scene::create(&alloc)`, `Scene::descriptor_bindings()`, nesting it in another bundle)
//! compile and the user sees the real errors, not a cascade of follow-ups (after thiserror's
//! `fallback.rs`).

use proc_macro2::TokenStream;
use quote::quote;

/// The stub: `record` returns an error; it never runs, since the crate does not compile.
pub fn expand(ident: &syn::Ident, generics: &syn::Generics) -> TokenStream {
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::vkres::GpuResources for #ident #ty_generics #where_clause {
            type Inputs<'a> = ();
            fn record(_: &mut ::vkres::Batch<'_>, _: ()) -> ::vkres::Result<Self> {
                ::core::result::Result::Err(::vkres::__private::schema_error(::core::stringify!(#ident)))
            }
        }

        #[automatically_derived]
        impl #impl_generics ::vkres::__private::Release for #ident #ty_generics #where_clause {
            fn __vkres_release(&mut self) {}
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #impl_generics #ident #ty_generics #where_clause {
            pub fn create(alloc: &::vkres::ResourceAllocator) -> ::vkres::Result<Self> {
                <Self as ::vkres::GpuResources>::create(alloc, ())
            }
            pub fn record(batch: &mut ::vkres::Batch<'_>) -> ::vkres::Result<Self> {
                <Self as ::vkres::GpuResources>::record(batch, ())
            }
            pub fn descriptor_bindings() -> ::std::vec::Vec<::vkres::DescriptorBinding> {
                ::std::vec::Vec::new()
            }
            pub fn write_descriptors(&self, set: ::vkres::vk::DescriptorSet) -> ::vkres::DescriptorWrites {
                ::vkres::DescriptorWrites::new(set)
            }
        }
    }
}
