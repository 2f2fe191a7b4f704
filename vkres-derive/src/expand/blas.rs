//! `blas` fields: a `vkres::BlasDesc` of one geometry read from buffer fields created earlier
//! (the dependency order puts them first), built by the bundle's batch after its uploads.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{Container, Field};
use crate::attr::{BlasAttr, Kind, Source};

/// The host data of the BLAS's index buffer field, for every data source a buffer field
/// takes: an `input` (of a `buffers` collection, the element's), an expression (evaluated
/// once, into the local that [`index_data_local`] names, by `create_field`), or, for
/// `copy = field`, the data of the field it copies (of the same type). The build checks every
/// index against the vertices, and that the data covers every index it reads (the rest of a
/// buffer longer than its data was never written). `None` only for a copy of another element
/// type; a buffer with neither data nor copy is refused at compile time (`check.rs`).
pub fn index_data(cont: &Container<'_>, b: &BlasAttr, collection: bool) -> Option<TokenStream> {
    let indices = &b.indices.as_ref()?.value;
    let first = cont.fields.iter().find(|f| *f.ident == *indices)?;
    let mut field = first;
    // A copy chain names each field once at most (the graph refuses cycles).
    for _ in 0..cont.fields.len() {
        let Kind::Buffer(buffer) = &field.kind else { return None };
        let name = field.ident;
        if field.collection.is_some() {
            // Collections are always filled from inputs, one slice per buffer.
            return collection.then(|| quote!(::vkres::__private::element_data(&__vkres_inputs.#name, __vkres_i)));
        }
        match buffer.data.as_ref().map(|d| &d.value) {
            Some(Source::Input(_)) => return Some(quote!(::vkres::__private::data(__vkres_inputs.#name))),
            Some(Source::Expr(_)) => {
                let local = index_data_local(name);
                return Some(quote!(::vkres::__private::data(#local)));
            }
            None => {
                let source = &buffer.copy.as_ref()?.value;
                let next = cont.fields.iter().find(|f| *f.ident == *source)?;
                // Another element type: its data is not this buffer's indices.
                let (next_ty, first_ty) = (next.ty, first.ty);
                if quote!(#next_ty).to_string() != quote!(#first_ty).to_string() {
                    return None;
                }
                field = next;
            }
        }
    }
    None
}

/// The local holding the evaluated `data = expr` of a buffer field that a BLAS reads as
/// indices: bound once by `create_field`, read by the buffer's upload and the BLAS's check.
pub fn index_data_local(field: &syn::Ident) -> syn::Ident {
    quote::format_ident!("__vkres_index_data_{}", field)
}

/// The `Result<FieldType>` expression of a BLAS field.
pub fn create(cont: &Container<'_>, field: &Field<'_>, b: &BlasAttr, name: &str) -> TokenStream {
    let ty = field.ty;
    let collection = field.collection.is_some();
    // A reference to the buffer field `ident` (its `__vkres_i`-th element for a collection).
    let src = |ident: &syn::Ident| {
        let local = super::local_of(ident);
        // Spanned at the user's field name: a buffer of the wrong type is reported there.
        if collection {
            quote_spanned!(ident.span()=> ::vkres::__private::element(#name, &#local, __vkres_i)?)
        } else {
            quote_spanned!(ident.span()=> &#local)
        }
    };
    if b.geometries.is_some() {
        return run_time_geometries(field, b, name);
    }
    let mut desc = quote!(::vkres::BlasDesc::new(#name));
    for g in b.all_geometries() {
        // The index data, checked on the host (per element of a collection).
        let data = index_data(cont, g, collection);
        let Some(add) = geometry(g, &src, data) else {
            return quote!(::core::result::Result::Err(::vkres::__private::schema_error(#name)));
        };
        desc = quote!(#desc #add);
    }
    let desc = options(b, desc);
    if collection {
        // One BLAS per element of the collections it reads, which must be as long as each other.
        let keys = b.all_geometries().flat_map(|g| [&g.vertices, &g.indices, &g.transform, &g.aabbs]);
        let lens = keys.flatten().map(|k| {
            let (key, local) = (k.key.to_string(), super::local_of(&k.value));
            quote!((#key, ::vkres::__private::count(&#local)))
        });
        let call = quote_spanned!(ty.span()=> ::vkres::__private::blases::<#ty>);
        return quote!({
            let __vkres_n = ::vkres::__private::common_len(#name, &[#(#lens),*])?;
            #call(__vkres_batch, __vkres_n, |__vkres_i| ::core::result::Result::Ok(#desc))
        });
    }
    let call = quote_spanned!(ty.span()=> ::vkres::__private::blas::<#ty>);
    quote!(#call(__vkres_batch, &#desc))
}

/// `.triangles(...)` or `.aabbs(...)` of one geometry (`None` without `vertices` or `aabbs`,
/// already a compile error), its buffers named by `src`.
fn geometry(
    b: &BlasAttr,
    src: &dyn Fn(&syn::Ident) -> TokenStream,
    index_data: Option<TokenStream>,
) -> Option<TokenStream> {
    let geometry = if let Some(aabbs) = &b.aabbs {
        let src = src(&aabbs.value);
        quote_spanned!(aabbs.value.span()=> ::vkres::__private::aabbs(#src))
    } else {
        let vertices = b.vertices.as_ref()?;
        let vsrc = src(&vertices.value);
        let format = b
            .format
            .as_ref()
            .map_or_else(|| syn::Ident::new("R32G32B32_SFLOAT", Span::call_site()), |f| f.value.clone());
        let mut g =
            quote_spanned!(vertices.value.span()=> ::vkres::__private::triangles(#vsrc, ::vkres::vk::Format::#format));
        if let Some(stride) = &b.stride {
            let stride = super::typed(&stride.value, "u64");
            g = quote!(#g.stride(#stride));
        }
        if let Some(indices) = &b.indices {
            let src = src(&indices.value);
            g = match index_data {
                Some(data) => {
                    quote_spanned!(indices.value.span()=> ::vkres::__private::with_indices_data(#g, #src, #data))
                }
                None => quote_spanned!(indices.value.span()=> ::vkres::__private::with_indices(#g, #src)),
            };
        }
        if let Some(transform) = &b.transform {
            let src = src(&transform.value);
            g = quote_spanned!(transform.value.span()=> ::vkres::__private::with_transform(#g, #src));
        }
        g
    };
    let opaque = b.opaque.as_ref().is_none_or(|o| o.value.value);
    let flags = match (opaque, b.no_duplicate_any_hit.is_some()) {
        (true, false) => quote!(),
        (false, false) => quote!(.flags(::vkres::vk::GeometryFlagsKHR::empty())),
        (true, true) => quote!(.flags(::vkres::vk::GeometryFlagsKHR::OPAQUE
            | ::vkres::vk::GeometryFlagsKHR::NO_DUPLICATE_ANY_HIT_INVOCATION)),
        (false, true) => quote!(.flags(::vkres::vk::GeometryFlagsKHR::NO_DUPLICATE_ANY_HIT_INVOCATION)),
    };
    let add = if b.aabbs.is_some() { quote!(aabbs) } else { quote!(triangles) };
    Some(quote!(.#add(#geometry #flags)))
}

/// `desc` with the build options of the attribute.
fn options(b: &BlasAttr, mut desc: TokenStream) -> TokenStream {
    if let Some(prefer) = &b.prefer {
        let variant = syn::Ident::new(prefer.value, prefer.key.span());
        desc = quote!(#desc.prefer(::vkres::BuildPreference::#variant));
    }
    if b.allow_update.is_some() {
        desc = quote!(#desc.allow_update());
    }
    if b.allow_compaction.is_some() {
        desc = quote!(#desc.allow_compaction());
    }
    desc
}

/// A `blases(geometries = input, ...)` field: BLAS `i` has the geometries of list `i` of its
/// input, each naming buffers of the collections by index (one helper call per BLAS).
fn run_time_geometries(field: &Field<'_>, b: &BlasAttr, name: &str) -> TokenStream {
    let ty = field.ty;
    let ident = field.ident;
    let desc = options(b, quote!(::vkres::BlasDesc::new(#name)));
    let items = |k: &crate::attr::Keyed<syn::Ident>| {
        let local = super::local_of(&k.value);
        quote_spanned!(k.value.span()=> ::vkres::__private::items(&#local))
    };
    let list = quote!(::vkres::__private::geometries_of(__vkres_lists, __vkres_i));
    let build = if let Some(aabbs) = &b.aabbs {
        let boxes = items(aabbs);
        quote!(::vkres::__private::aabb_geometries(#desc, #boxes, #list))
    } else if let Some(vertices) = &b.vertices {
        let vertices = items(vertices);
        let format = b
            .format
            .as_ref()
            .map_or_else(|| syn::Ident::new("R32G32B32_SFLOAT", Span::call_site()), |f| f.value.clone());
        let stride = match &b.stride {
            Some(stride) => {
                let stride = super::typed(&stride.value, "u64");
                quote!(::core::option::Option::Some(#stride))
            }
            None => quote!(::core::option::Option::None),
        };
        let optional = |k: Option<&crate::attr::Keyed<syn::Ident>>, none: TokenStream| match k {
            Some(k) => {
                let items = items(k);
                quote!(::core::option::Option::Some(#items))
            }
            None => quote!(::core::option::Option::None::<&[#none]>),
        };
        let indices = optional(b.indices.as_ref(), quote!(::vkres::Buffer<u32>));
        // The indices collection's inputs, one slice per buffer: every index is checked.
        let index_data = match &b.indices {
            Some(k) => {
                let ident = &k.value;
                quote!(::core::option::Option::Some(&__vkres_inputs.#ident))
            }
            None => quote!(::core::option::Option::None),
        };
        let transform = optional(b.transform.as_ref(), quote!(::vkres::Buffer<::vkres::Transform3x4>));
        quote!(::vkres::__private::triangle_geometries(#desc, &::vkres::__private::TriangleSources {
            vertices: #vertices,
            format: ::vkres::vk::Format::#format,
            stride: #stride,
            indices: #indices,
            index_data: #index_data,
            transform: #transform,
        }, #list))
    } else {
        return quote!(::core::result::Result::Err(::vkres::__private::schema_error(#name)));
    };
    let call = quote_spanned!(ty.span()=> ::vkres::__private::blases::<#ty>);
    quote!({
        let __vkres_lists = &__vkres_inputs.#ident;
        #call(__vkres_batch, __vkres_lists.len(), |__vkres_i| #build)
    })
}
