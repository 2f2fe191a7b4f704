//! `alias = field` fields: the group's `TransientMemory` (a local made just before the group's
//! root, sized for every member), each member bound to it, and `begin_<field>(recorder)`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::Container;
use crate::attr::{Kind, SamplerRef};
use crate::graph::Graph;

/// The root of field `i`'s alias group, where it is in one (it aliases a field, or a field
/// aliases it).
pub fn root_of(cont: &Container<'_>, i: usize) -> Option<usize> {
    let root = crate::check_alias::group_root(cont, i)?;
    let grouped = cont.fields[i].alias().is_some()
        || cont
            .fields
            .iter()
            .enumerate()
            .any(|(j, f)| j != i && f.alias().is_some() && crate::check_alias::group_root(cont, j) == Some(root));
    grouped.then_some(root)
}

/// The local holding a group's memory.
fn memory_local(cont: &Container<'_>, root: usize) -> syn::Ident {
    format_ident!("__vkres_alias_{}", cont.fields[root].ident)
}

/// `let __vkres_alias_<root> = alias_memory(...)?;`: made before the root, for every member.
fn make_memory(cont: &Container<'_>, graph: &Graph, root: usize) -> TokenStream {
    let mut buffers = Vec::new();
    let mut textures = Vec::new();
    for (i, field) in cont.fields.iter().enumerate() {
        if root_of(cont, i) != Some(root) {
            continue;
        }
        let name = super::debug_name(cont, field);
        let ty = field.ty;
        match &field.kind {
            Kind::Buffer(b) => {
                let spec = super::buffer::spec(field, b, &graph.users[i], &name);
                let elem = quote_spanned!(ty.span()=> <#ty as ::vkres::__private::BufferField>::Elem);
                buffers.push(quote!((#spec, ::core::mem::size_of::<#elem>() as u64)));
            }
            Kind::Texture(t) => textures.push(super::texture::spec(field, t, &name)),
            _ => {}
        }
    }
    let local = memory_local(cont, root);
    let name = format!("{} (alias group)", super::debug_name(cont, &cont.fields[root]));
    quote! {
        let #local = ::vkres::__private::alias_memory(&*__vkres_batch, #name, &[#(#buffers),*], &[#(#textures),*])?;
    }
}

/// The statements that create field `i` of the group of `root` (the memory first, for the root).
pub fn create(cont: &Container<'_>, graph: &Graph, i: usize, root: usize) -> TokenStream {
    let field = &cont.fields[i];
    let name = super::debug_name(cont, field);
    let ty = field.ty;
    let memory = memory_local(cont, root);
    let first = i == root;
    let value = match &field.kind {
        Kind::Buffer(b) => {
            let spec = super::buffer::spec(field, b, &graph.users[i], &name);
            let call = quote_spanned!(ty.span()=> ::vkres::__private::aliased_buffer::<#ty>);
            quote!(#call(&*__vkres_batch, &#memory, #spec))
        }
        Kind::Texture(t) => {
            let spec = super::texture::spec(field, t, &name);
            match t.sampler.as_ref().map(|s| &s.value) {
                None => {
                    let call = quote_spanned!(ty.span()=> ::vkres::__private::aliased_image::<#ty>);
                    quote!(#call(__vkres_batch, &#memory, #spec, #first))
                }
                Some(SamplerRef::Field(sampler)) => {
                    let sampler = super::local_of(sampler);
                    let call = quote_spanned!(ty.span()=> ::vkres::__private::aliased_texture::<#ty>);
                    quote!(#call(__vkres_batch, &#memory, #spec, #first, ::vkres::__private::sampler_of(&#sampler)))
                }
                Some(SamplerRef::Inline(s)) => {
                    let desc = super::sampler::desc(s);
                    let call = quote_spanned!(ty.span()=> ::vkres::__private::aliased_texture::<#ty>);
                    quote!({
                        let __vkres_sampler = ::vkres::__private::sampler(&*__vkres_batch, &#desc)?;
                        #call(__vkres_batch, &#memory, #spec, #first, &__vkres_sampler)
                    })
                }
            }
        }
        _ => return quote!(),
    };
    let local = super::local(field);
    let make_memory = if first { make_memory(cont, graph, root) } else { quote!() };
    quote! {
        #make_memory
        let #local = #value?;
    }
}

/// `begin_<field>(recorder)` for every field of an alias group.
pub fn begin_methods(cont: &Container<'_>) -> TokenStream {
    let methods = cont.fields.iter().enumerate().filter(|(i, _)| root_of(cont, *i).is_some()).map(|(_, field)| {
        let ident = field.ident;
        let ty = field.ty;
        let method = format_ident!("begin_{}", ident);
        let layout = match &field.kind {
            Kind::Texture(t) => super::texture::layout(t),
            _ => syn::Ident::new("UNDEFINED", proc_macro2::Span::call_site()),
        };
        let call = quote_spanned!(ty.span()=> ::vkres::__private::begin_alias);
        let doc = format!(
            "Records into `recorder` (the caller's command buffer) the barrier that makes `{ident}` the \
             live field of its alias group: every access recorded before, through any field of the group, \
             completes before any access after{} (generated by `#[derive(GpuResources)]`). Call it before \
             the device uses `{ident}` after another field of its group.",
            if matches!(field.kind, Kind::Texture(_)) {
                "; its contents are discarded and its layout set back to the field's"
            } else {
                ""
            }
        );
        quote! {
            #[doc = #doc]
            #[allow(dead_code)]
            pub fn #method(&self, recorder: &mut ::vkres::Recorder<'_>) -> ::vkres::Result<()> {
                #call(recorder, &self.#ident, ::vkres::vk::ImageLayout::#layout)
            }
        }
    });
    quote!(#(#methods)*)
}
