//! `texture` fields: image, view, upload (or transition) and sampler.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::Field;
use crate::attr::{Mips, SamplerRef, TextureAttr, is_input};

/// The `Result<FieldType>` expression that creates a texture field.
pub fn create(field: &Field<'_>, t: &TextureAttr, name: &str) -> TokenStream {
    let ty = field.ty;
    let spec = spec(field, t, name);
    let data = super::data_tokens(
        t.data.as_ref().map(|d| &d.value),
        field,
        |expr| quote_spanned!(expr.span()=> ::vkres::__private::texels(&(#expr))),
    );
    if field.collection.is_some() {
        return create_collection(field, t, &spec);
    }
    if t.per_frame.is_some() {
        return create_per_frame(field, t, &spec, &data);
    }
    match t.sampler.as_ref().map(|s| &s.value) {
        None => {
            let call = quote_spanned!(ty.span()=> ::vkres::__private::image::<#ty>);
            quote!(#call(__vkres_batch, #spec, #data))
        }
        Some(SamplerRef::Field(ident)) => {
            let sampler = super::local_of(ident);
            let call = quote_spanned!(ty.span()=> ::vkres::__private::texture::<#ty>);
            quote!(#call(__vkres_batch, #spec, #data, ::vkres::__private::sampler_of(&#sampler)))
        }
        Some(SamplerRef::Inline(s)) => {
            let desc = super::sampler::desc(s);
            let call = quote_spanned!(ty.span()=> ::vkres::__private::texture::<#ty>);
            quote!({
                let __vkres_sampler = ::vkres::__private::sampler(&*__vkres_batch, &#desc)?;
                #call(__vkres_batch, #spec, #data, &__vkres_sampler)
            })
        }
    }
}

/// The `Result<PerFrame<_>>` expression of a `texture(..., per_frame)` field: one texture per
/// frame in flight, each given the field's data.
fn create_per_frame(field: &Field<'_>, t: &TextureAttr, spec: &TokenStream, data: &TokenStream) -> TokenStream {
    let ty = field.ty;
    let frames = syn::Ident::new(crate::symbol::FRAMES_IN_FLIGHT, proc_macro2::Span::call_site());
    match t.sampler.as_ref().map(|s| &s.value) {
        None => {
            let call = quote_spanned!(ty.span()=> ::vkres::__private::per_frame_images::<#ty>);
            quote!(#call(__vkres_batch, #spec, #data, __vkres_inputs.#frames))
        }
        Some(SamplerRef::Field(ident)) => {
            let sampler = super::local_of(ident);
            let call = quote_spanned!(ty.span()=> ::vkres::__private::per_frame_textures::<#ty>);
            quote!(#call(__vkres_batch, #spec, #data, ::vkres::__private::sampler_of(&#sampler), __vkres_inputs.#frames))
        }
        Some(SamplerRef::Inline(s)) => {
            let desc = super::sampler::desc(s);
            let call = quote_spanned!(ty.span()=> ::vkres::__private::per_frame_textures::<#ty>);
            quote!({
                let __vkres_sampler = ::vkres::__private::sampler(&*__vkres_batch, &#desc)?;
                #call(__vkres_batch, #spec, #data, &__vkres_sampler, __vkres_inputs.#frames)
            })
        }
    }
}

/// The `&TextureSpec` of a texture (or of each texture of a collection); its run-time sizes
/// are read from `__vkres_inputs`.
pub fn spec(field: &Field<'_>, t: &TextureAttr, name: &str) -> TokenStream {
    let mut usage = crate::infer::texture_usage(t);
    if field.collection.is_some() && !usage.contains(&"TRANSFER_DST") {
        usage.push("TRANSFER_DST"); // each element may bring texels
    }
    let layout = syn::Ident::new(crate::infer::texture_layout(t, &usage), t.kind.span());
    let flags = usage.iter().map(|f| {
        let c = syn::Ident::new(f, t.kind.span());
        quote!(::vkres::vk::ImageUsageFlags::#c)
    });
    let input = |key: &str, span: proc_macro2::Span| {
        let input = super::size_input(field, key);
        quote_spanned!(span=> __vkres_inputs.#input)
    };
    let format = match &t.format {
        Some(f) if f.value == crate::symbol::INPUT => input("format", f.value.span()),
        Some(f) => {
            let f = &f.value;
            quote_spanned!(f.span()=> ::vkres::vk::Format::#f)
        }
        None => quote!(::vkres::vk::Format::UNDEFINED),
    };
    let dims = t.extent.as_ref().map_or(2u8, |e| e.value.len() as u8);
    let extent: Vec<TokenStream> = (0..3)
        .map(|i| match t.extent.as_ref().and_then(|e| e.value.get(i)) {
            Some(e) if is_input(e) => {
                let extent = input("extent", e.span());
                quote!(#extent[#i])
            }
            Some(e) => super::typed(e, "u32"),
            None => quote!(1u32),
        })
        .collect();
    let mips = match t.mips.as_ref().map(|m| &m.value) {
        Some(Mips::Generate) => quote!(::core::option::Option::None),
        Some(Mips::Count(e)) if is_input(e) => {
            let n = input("mips", e.span());
            quote!(::core::option::Option::Some(#n))
        }
        Some(Mips::Count(e)) => {
            let n = super::typed(e, "u32");
            quote!(::core::option::Option::Some(#n))
        }
        None => quote!(::core::option::Option::Some(1u32)),
    };
    let layers = match &t.layers {
        Some(l) if is_input(&l.value) => input("layers", l.value.span()),
        Some(l) => super::typed(&l.value, "u32"),
        None => quote!(1u32),
    };
    let view = match &t.view {
        Some(v) => {
            let c = syn::Ident::new(v.value, v.key.span());
            quote!(::core::option::Option::Some(::vkres::vk::ImageViewType::#c))
        }
        None => quote!(::core::option::Option::None),
    };
    let location = syn::Ident::new(t.location.as_ref().map_or("Auto", |l| l.value), proc_macro2::Span::call_site());
    let pool = super::pool_tokens(t.pool.as_ref().map(|p| &p.value), field);
    quote! {
        &::vkres::__private::TextureSpec {
            name: #name,
            format: #format,
            dims: #dims,
            extent: [#(#extent),*],
            mips: #mips,
            layers: #layers,
            view: #view,
            // One call of a `const fn` over a promoted array, not a call per flag.
            usage: ::vkres::__private::image_usage(&[#(#flags),*]),
            layout: ::vkres::vk::ImageLayout::#layout,
            location: ::vkres::MemoryLocation::#location,
            pool: #pool,
        }
    }
}

/// The `Result<Vec<_>>` expression of a `textures(...)` field: one texture per
/// `vkres::TextureInput` of its input, every one described by `spec` but for its size and format.
fn create_collection(field: &Field<'_>, t: &TextureAttr, spec: &TokenStream) -> TokenStream {
    let ty = field.ty;
    let ident = field.ident;
    let inputs = quote!(&__vkres_inputs.#ident);
    let check = match &field.binding {
        // A binding array: the device must have descriptor indexing (a typed error otherwise).
        Some(_) => quote!(::vkres::__private::binding_array_supported(&*__vkres_batch)?;),
        None => quote!(),
    };
    let create = match t.sampler.as_ref().map(|s| &s.value) {
        None => {
            let call = quote_spanned!(ty.span()=> ::vkres::__private::images::<#ty>);
            quote!(#call(__vkres_batch, #spec, #inputs))
        }
        Some(SamplerRef::Field(sampler)) => {
            let sampler = super::local_of(sampler);
            let call = quote_spanned!(ty.span()=> ::vkres::__private::textures::<#ty>);
            quote!(#call(__vkres_batch, #spec, #inputs, ::vkres::__private::sampler_of(&#sampler)))
        }
        Some(SamplerRef::Inline(s)) => {
            let desc = super::sampler::desc(s);
            let call = quote_spanned!(ty.span()=> ::vkres::__private::textures::<#ty>);
            quote!({
                let __vkres_sampler = ::vkres::__private::sampler(&*__vkres_batch, &#desc)?;
                #call(__vkres_batch, #spec, #inputs, &__vkres_sampler)
            })
        }
    };
    quote!({ #check #create })
}

/// The layout a texture's descriptor names.
pub fn layout(t: &TextureAttr) -> syn::Ident {
    let usage = crate::infer::texture_layout(t, &crate::infer::texture_usage(t));
    syn::Ident::new(usage, proc_macro2::Span::call_site())
}
