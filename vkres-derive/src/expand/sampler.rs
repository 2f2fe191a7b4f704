//! `sampler` fields and inline texture samplers: a `vkres::SamplerDesc` taken from the pool,
//! so fields with the same description share one `VkSampler`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::ast::Field;
use crate::attr::{Keyed, SamplerAttr};

/// The `SamplerDesc` expression of a sampler attribute: one `const fn` call of raw codes for
/// filters and address modes (`raw.rs`), then a statement per rarer key where there is one.
pub fn desc(s: &SamplerAttr) -> TokenStream {
    let code = |v: &Option<Keyed<&'static str>>, of: fn(&str) -> Option<i32>| match v {
        Some(v) => of(v.value),
        None => Some(-1),
    };
    let pick = |general: Option<i32>, specific: Option<i32>| match (general, specific) {
        (g, Some(-1)) => g,
        (_, s) => s,
    };
    let filter = code(&s.filter, crate::raw::filter);
    let address = code(&s.address, crate::raw::address_mode);
    let codes = (
        pick(filter, code(&s.mag_filter, crate::raw::filter)),
        pick(filter, code(&s.min_filter, crate::raw::filter)),
        code(&s.mipmap, crate::raw::filter),
        pick(address, code(&s.address_u, crate::raw::address_mode)),
        pick(address, code(&s.address_v, crate::raw::address_mode)),
        pick(address, code(&s.address_w, crate::raw::address_mode)),
    );
    let rare = s.anisotropy.is_some()
        || s.min_lod.is_some()
        || s.max_lod.is_some()
        || s.lod_bias.is_some()
        || s.compare.is_some()
        || s.border.is_some();
    if let ((Some(mag), Some(min), Some(mip), Some(u), Some(v), Some(w)), false) = (codes, rare) {
        let [mag, min, mip, u, v, w] = [mag, min, mip, u, v, w].map(proc_macro2::Literal::i32_unsuffixed);
        return quote!(::vkres::__private::sampler_desc(#mag, #min, #mip, [#u, #v, #w]));
    }
    desc_statements(s)
}

/// The `SamplerDesc` expression of a sampler attribute with a rarer key: the default, then
/// each key.
fn desc_statements(s: &SamplerAttr) -> TokenStream {
    let mut sets = Vec::new();
    let constant = |ty: &str, v: &Keyed<&'static str>| {
        let ty = syn::Ident::new(ty, v.key.span());
        let c = syn::Ident::new(v.value, v.key.span());
        quote!(::vkres::vk::#ty::#c)
    };
    let mut set = |field: TokenStream, value: Option<TokenStream>| {
        if let Some(value) = value {
            sets.push(quote!(__vkres_d.#field = #value;));
        }
    };
    let filter = |v: &Option<Keyed<&'static str>>| v.as_ref().map(|v| constant("Filter", v));
    set(quote!(mag_filter), filter(&s.filter));
    set(quote!(min_filter), filter(&s.filter));
    set(quote!(mag_filter), filter(&s.mag_filter));
    set(quote!(min_filter), filter(&s.min_filter));
    set(quote!(mipmap_mode), s.mipmap.as_ref().map(|v| constant("SamplerMipmapMode", v)));
    let address = |v: &Option<Keyed<&'static str>>| v.as_ref().map(|v| constant("SamplerAddressMode", v));
    let index = proc_macro2::Literal::usize_unsuffixed;
    for i in 0..3 {
        let i = index(i);
        set(quote!(address_mode[#i]), address(&s.address));
    }
    for (i, a) in [&s.address_u, &s.address_v, &s.address_w].into_iter().enumerate() {
        let i = index(i);
        set(quote!(address_mode[#i]), address(a));
    }
    let float = |v: &Option<Keyed<syn::Expr>>| v.as_ref().map(|v| super::typed(&v.value, "f32"));
    set(quote!(max_anisotropy), float(&s.anisotropy).map(|f| quote!(::core::option::Option::Some(#f))));
    set(quote!(min_lod), float(&s.min_lod));
    set(quote!(max_lod), float(&s.max_lod));
    set(quote!(mip_lod_bias), float(&s.lod_bias));
    set(
        quote!(compare_op),
        s.compare.as_ref().map(|v| {
            let c = constant("CompareOp", v);
            quote!(::core::option::Option::Some(#c))
        }),
    );
    set(quote!(border_color), s.border.as_ref().map(|v| constant("BorderColor", v)));
    // From a constant rather than `Default::default()`: no call.
    quote! {{
        #[allow(unused_mut)]
        let mut __vkres_d = ::vkres::__private::SAMPLER_DEFAULT;
        #(#sets)*
        __vkres_d
    }}
}

/// The `Result<FieldType>` expression of a sampler field.
pub fn create(field: &Field<'_>, s: &SamplerAttr) -> TokenStream {
    let ty = field.ty;
    let desc = desc(s);
    let call = quote_spanned!(field.ty_span=> ::vkres::__private::sampler_field::<#ty>);
    quote!(#call(&*__vkres_batch, &#desc))
}
