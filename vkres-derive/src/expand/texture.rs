//! `texture` fields: image, view, upload (or transition) and sampler.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::Piece;
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
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::image::<#ty>);
            quote!(#call(__vkres_batch, #spec, #data))
        }
        Some(SamplerRef::Field(ident)) => {
            let sampler = super::local_of(ident);
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::texture::<#ty>);
            quote!(#call(__vkres_batch, #spec, #data, ::vkres::__private::sampler_of(&#sampler)))
        }
        Some(SamplerRef::Inline(s)) => {
            let desc = super::sampler::desc(s);
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::texture::<#ty>);
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
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::per_frame_images::<#ty>);
            quote!(#call(__vkres_batch, #spec, #data, __vkres_inputs.#frames))
        }
        Some(SamplerRef::Field(ident)) => {
            let sampler = super::local_of(ident);
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::per_frame_textures::<#ty>);
            quote!(#call(__vkres_batch, #spec, #data, ::vkres::__private::sampler_of(&#sampler), __vkres_inputs.#frames))
        }
        Some(SamplerRef::Inline(s)) => {
            let desc = super::sampler::desc(s);
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::per_frame_textures::<#ty>);
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
    let layout = crate::raw::layout(crate::infer::texture_layout(t, &usage));
    let memory = crate::raw::memory(None, t.location.as_ref().map(|l| l.value));
    let view = match &t.view {
        Some(v) => crate::raw::view_type(v.value),
        None => Some(-1),
    };
    let (Some(usage), Some(layout), Some(memory), Some(view)) =
        (crate::raw::image_usage(usage.iter().copied()), layout, memory, view)
    else {
        return super::internal_error(name);
    };
    let usage = proc_macro2::Literal::u32_unsuffixed(usage);
    let layout = proc_macro2::Literal::i32_unsuffixed(layout);
    let memory = proc_macro2::Literal::u8_unsuffixed(memory);
    let view = proc_macro2::Literal::i32_unsuffixed(view);
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
    let dims = proc_macro2::Literal::u8_unsuffixed(t.extent.as_ref().map_or(2u8, |e| e.value.len() as u8));
    let extent: Vec<Piece> = (0..3)
        .map(|i| match t.extent.as_ref().and_then(|e| e.value.get(i)) {
            Some(e) if is_input(e) => {
                let extent = input("extent", e.span());
                Piece::Stream(quote!(#extent[#i]))
            }
            Some(e) => super::number(e, "u32"),
            None => Piece::int(1),
        })
        .collect();
    let (mips, generate) = match t.mips.as_ref().map(|m| &m.value) {
        Some(Mips::Generate) => (Piece::int(1), Some(quote!(.generate_mips()))),
        Some(Mips::Count(e)) if is_input(e) => (Piece::Stream(input("mips", e.span())), None),
        Some(Mips::Count(e)) => (super::number(e, "u32"), None),
        None => (Piece::int(1), None),
    };
    let layers = match &t.layers {
        Some(l) if is_input(&l.value) => Piece::Stream(input("layers", l.value.span())),
        Some(l) => super::number(&l.value, "u32"),
        None => Piece::int(1),
    };
    let pool = super::pool_builder(t.pool.as_ref().map(|p| &p.value), field);
    quote! {
        &::vkres::__private::TextureSpec::raw(#name, #format, #dims, [#(#extent),*], #mips, #layers, #view, #usage,
            #layout, #memory) #generate #pool
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
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::images::<#ty>);
            quote!(#call(__vkres_batch, #spec, #inputs))
        }
        Some(SamplerRef::Field(sampler)) => {
            let sampler = super::local_of(sampler);
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::textures::<#ty>);
            quote!(#call(__vkres_batch, #spec, #inputs, ::vkres::__private::sampler_of(&#sampler)))
        }
        Some(SamplerRef::Inline(s)) => {
            let desc = super::sampler::desc(s);
            let call = quote_spanned!(field.ty_span=> ::vkres::__private::textures::<#ty>);
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
