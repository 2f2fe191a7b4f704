//! `tlas` fields: a `vkres::TlasDesc` of instances of BLAS fields created earlier; the batch
//! uploads the instance buffer and builds it after every BLAS of the bundle. A `per_frame`
//! TLAS is built once per frame in flight and refitted by the generated `refit_<field>`.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use crate::ast::Field;
use crate::attr::{InstanceAttr, TlasAttr};

/// The `TlasDesc` tokens of `t`: its fixed instances, each placing the BLAS `blas(field)` with
/// the transform `transform(i, instance)`, and its options; `None` where an instance lacks its
/// BLAS (an error reported already).
fn desc(
    t: &TlasAttr,
    name: &str,
    blas: impl Fn(&Ident) -> TokenStream,
    transform: impl Fn(usize, &InstanceAttr) -> Option<TokenStream>,
) -> Option<TokenStream> {
    let mut desc = quote!(::vkres::TlasDesc::new(#name));
    for (n, instance) in t.instances.iter().enumerate() {
        let field = &instance.blas.as_ref()?.value;
        let src = blas(field);
        let mut i = quote_spanned!(field.span()=> ::vkres::TlasInstance::new(::vkres::__private::blas_of(&#src)));
        if let Some(value) = transform(n, instance) {
            i = quote!(#i.transform(#value));
        }
        let i = placement(i, instance);
        desc = quote!(#desc.instance(#i));
    }
    if let Some(prefer) = &t.prefer {
        let variant = syn::Ident::new(prefer.value, prefer.key.span());
        desc = quote!(#desc.prefer(::vkres::BuildPreference::#variant));
    }
    if t.allow_update.is_some() {
        desc = quote!(#desc.allow_update());
    }
    Some(desc)
}

/// The schema's transform of an instance, typed at the user's expression.
fn schema_transform(instance: &InstanceAttr) -> Option<TokenStream> {
    instance.transform.as_ref().map(|transform| {
        let e = &transform.value;
        quote_spanned!(e.span()=> { let __vkres_t: ::vkres::Transform3x4 = #e; __vkres_t })
    })
}

/// The `Result<FieldType>` expression of a TLAS field.
pub fn create(field: &Field<'_>, t: &TlasAttr, name: &str) -> TokenStream {
    let ty = field.ty;
    let Some(desc) = desc(t, name, |b| super::local_of(b).into_token_stream(), |_, i| schema_transform(i)) else {
        return quote!(::core::result::Result::Err(::vkres::__private::schema_error(#name)));
    };
    let frames = format_ident!("{}", crate::symbol::FRAMES_IN_FLIGHT);
    if let (Some(blases), Some(_)) = (&t.blases, &field.collection) {
        // A `tlases` collection: one TLAS per instance list of its input.
        let src = super::local_of(&blases.value);
        let ident = field.ident;
        let place = match &t.blases_member {
            Some(member) => {
                let placed = placed_in_bundles(name, quote!(&#src), member, quote!(__vkres_list));
                quote!(|__vkres_list: &[::vkres::BlasInstance]| #placed)
            }
            None => {
                quote!(|__vkres_list: &[::vkres::BlasInstance]| ::vkres::__private::placed(#name, &#src, __vkres_list))
            }
        };
        let call = quote_spanned!(ty.span()=> ::vkres::__private::tlases::<#ty>);
        return quote!(#call(__vkres_batch, &#desc, &__vkres_inputs.#ident, #place));
    }
    if let (Some(blases), Some(member)) = (&t.blases, &t.blases_member) {
        // The instances index a `bundles` collection; each element's BLAS is its field `member`.
        let src = super::local_of(&blases.value);
        let ident = field.ident;
        let placed = placed_in_bundles(name, quote!(&#src), member, quote!(__vkres_inputs.#ident));
        let desc = quote!(&#desc.instances(#placed?));
        if t.per_frame.is_some() {
            let call = quote_spanned!(ty.span()=> ::vkres::__private::per_frame_tlases::<#ty>);
            return quote!(#call(__vkres_batch, #name, #desc, __vkres_inputs.#frames));
        }
        let call = quote_spanned!(ty.span()=> ::vkres::__private::tlas::<#ty>);
        return quote!(#call(__vkres_batch, #desc));
    }
    if let Some(blases) = &t.blases {
        let src = super::local_of(&blases.value);
        let ident = field.ident;
        if t.per_frame.is_some() {
            let call = quote_spanned!(ty.span()=> ::vkres::__private::per_frame_tlases_from_inputs::<#ty, _>);
            return quote!(#call(__vkres_batch, #name, #desc, &#src, __vkres_inputs.#ident, __vkres_inputs.#frames));
        }
        let call = quote_spanned!(ty.span()=> ::vkres::__private::tlas_from_inputs::<#ty, _>);
        return quote!(#call(__vkres_batch, #desc, &#src, __vkres_inputs.#ident));
    }
    if t.per_frame.is_some() {
        let call = quote_spanned!(ty.span()=> ::vkres::__private::per_frame_tlases::<#ty>);
        return quote!(#call(__vkres_batch, #name, &#desc, __vkres_inputs.#frames));
    }
    let call = quote_spanned!(ty.span()=> ::vkres::__private::tlas::<#ty>);
    quote!(#call(__vkres_batch, &#desc))
}

/// The `Result` of the checked `Vec<TlasInstance>` of run-time `instances` indexing the `bundles` collection
/// `bundles`, each element's BLAS its field `member` (a missing field is an error at `member`).
fn placed_in_bundles(name: &str, bundles: TokenStream, member: &Ident, instances: TokenStream) -> TokenStream {
    let blas = quote_spanned!(member.span()=> |__vkres_e| ::vkres::__private::blas_of(&__vkres_e.#member));
    quote!(::vkres::__private::placed_by(#name, ::vkres::__private::items(#bundles), #blas, #instances))
}

/// `refit_<field>(recorder, frame, transforms | instances)` of a `per_frame` TLAS: records
/// the refit of that frame's TLAS into the caller's command buffer.
pub fn refit(field: &Field<'_>, t: &TlasAttr, name: &str) -> TokenStream {
    let ident = field.ident;
    let ty = field.ty;
    let method = format_ident!("refit_{}", ident);
    let copies = quote_spanned!(ty.span()=> &self.#ident);
    if let Some(blases) = &t.blases {
        let collection = &blases.value;
        let refit = match &t.blases_member {
            Some(member) => {
                let blas = quote_spanned!(member.span()=> |__vkres_e| ::vkres::__private::blas_of(&__vkres_e.#member));
                quote!(::vkres::__private::refit_frame_tlas_by(recorder, #copies, frame, ::vkres::__private::items(&self.#collection), #blas, instances))
            }
            None => {
                quote!(::vkres::__private::refit_frame_tlas_from_inputs(recorder, #copies, frame, &self.#collection, instances))
            }
        };
        let blases = &blases.value;
        let doc = format!(
            "Records into `recorder` (the caller's command buffer) the refit of frame `frame`'s TLAS \
             `{name}` with `instances` (as many as at `create`, each naming a BLAS of `{blases}` by index; \
             generated by `#[derive(GpuResources)]`). Typed errors: `IndexOutOfRange` for a frame or a \
             BLAS index out of range, `ValueOutOfRange` for a 24-bit field, `InvalidDescription` for \
             another instance count."
        );
        return quote! {
            #[doc = #doc]
            #[allow(dead_code)]
            pub fn #method(
                &self,
                recorder: &mut ::vkres::Recorder<'_>,
                frame: usize,
                instances: &[::vkres::BlasInstance],
            ) -> ::vkres::Result<()> {
                #refit
            }
        };
    }
    let count = t.instances.len();
    let Some(instances) = refit_instances(t) else { return quote!() };
    let doc = format!(
        "Records into `recorder` (the caller's command buffer) the refit of frame `frame`'s TLAS `{name}` \
         with new transforms, one per instance of the schema ({count}), in order (generated by \
         `#[derive(GpuResources)]`). Typed errors: `IndexOutOfRange` for a frame out of range, \
         `LengthMismatch` for another number of transforms."
    );
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        pub fn #method(
            &self,
            recorder: &mut ::vkres::Recorder<'_>,
            frame: usize,
            transforms: &[::vkres::Transform3x4],
        ) -> ::vkres::Result<()> {
            let __vkres_t = ::vkres::__private::transforms_for::<#count>(#name, transforms)?;
            ::vkres::__private::refit_frame_tlas(recorder, #copies, frame, &[#(#instances),*])
        }
    }
}

/// The borrowed instances (`TlasInstanceRef`) of a refit of a TLAS with fixed instances: each
/// the schema's BLAS field of `self`, its transform the refit's `__vkres_t[i]`, its other
/// placement the schema's; `None` where an instance lacks its BLAS (an error reported already).
fn refit_instances(t: &TlasAttr) -> Option<Vec<TokenStream>> {
    t.instances
        .iter()
        .enumerate()
        .map(|(n, instance)| {
            let field = &instance.blas.as_ref()?.value;
            let i =
                quote_spanned!(field.span()=> ::vkres::TlasInstanceRef::new(::vkres::__private::blas_of(&self.#field)));
            let i = quote!(#i.transform(__vkres_t[#n]));
            Some(placement(i, instance))
        })
        .collect()
}

/// `i` (an instance expression) with the instance's literal custom index, mask and SBT offset,
/// each typed as its builder method takes it.
fn placement(mut i: TokenStream, instance: &InstanceAttr) -> TokenStream {
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
    i
}
