//! `buffer` fields.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::Field;
use crate::attr::BufferAttr;
use crate::graph::Role;

/// The `Result<FieldType>` expression that creates a buffer field.
pub fn create(field: &Field<'_>, b: &BufferAttr, users: &[(usize, Role)], name: &str) -> TokenStream {
    let ty = field.ty;
    let spec = spec(field, b, users, name);
    if let Some(copy) = &b.copy {
        let src = super::local_of(&copy.value);
        let call = quote_spanned!(field.ty_span=> ::vkres::__private::buffer_copy::<#ty, _>);
        return quote!(#call(__vkres_batch, #spec, &#src));
    }
    if b.data.is_none() {
        let call = quote_spanned!(field.ty_span=> ::vkres::__private::buffer_empty::<#ty>);
        return quote!(#call(__vkres_batch, #spec));
    }
    // The data as the last argument of `buffer_data::<T>`: an expression through `data`, whose
    // bound checks its element type at the user's expression.
    let bound = bound_data(field, b, users).map(|(local, _)| local);
    let data = match b.data.as_ref().map(|d| &d.value) {
        Some(crate::attr::Source::Expr(expr)) => {
            let elem = quote_spanned!(field.ty_span=> <#ty as ::vkres::__private::BufferField>::Elem);
            match &bound {
                Some(local) => quote_spanned!(expr.span()=> ::vkres::__private::data::<#elem, _>(#local)),
                None => quote_spanned!(expr.span()=> ::vkres::__private::data::<#elem, _>(&(#expr))),
            }
        }
        Some(crate::attr::Source::Input(token)) => {
            let name = field.ident;
            quote_spanned!(token.span()=> __vkres_inputs.#name)
        }
        None => quote!(),
    };
    let call = quote_spanned!(field.ty_span=> ::vkres::__private::buffer_data::<#ty>);
    quote!(#call(__vkres_batch, #spec, #data))
}

/// The `Result<PerFrame<Buffer<T>>>` expression of a `buffer(..., per_frame)` field: one
/// buffer per frame in flight, each given the field's data.
pub fn create_per_frame(field: &Field<'_>, b: &BufferAttr, users: &[(usize, Role)], name: &str) -> TokenStream {
    let ty = field.ty;
    let spec = spec(field, b, users, name);
    let elem = quote_spanned!(field.ty_span=> <#ty as ::vkres::__private::PerFrameBufferField>::Elem);
    let data = super::data_tokens(
        b.data.as_ref().map(|d| &d.value),
        field,
        |expr| quote_spanned!(expr.span()=> ::vkres::__private::data::<#elem, _>(&(#expr))),
    );
    let frames = syn::Ident::new(crate::symbol::FRAMES_IN_FLIGHT, proc_macro2::Span::call_site());
    let call = quote_spanned!(field.ty_span=> ::vkres::__private::per_frame_buffers::<#ty>);
    quote!(#call(__vkres_batch, #spec, #data, __vkres_inputs.#frames))
}

/// `let __vkres_index_data_x = &(EXPR);` before the buffer is created, for a buffer whose
/// `data = EXPR` a BLAS checks as its indices (directly, or through a buffer that copies it):
/// the expression is evaluated once, and both the upload and the check read the local.
pub fn bind_data(field: &Field<'_>, b: &BufferAttr, users: &[(usize, Role)]) -> Option<TokenStream> {
    bound_data(field, b, users).map(|(local, expr)| quote_spanned!(expr.span()=> let #local = &(#expr);))
}

/// The local and expression of [`bind_data`], where the buffer has one.
fn bound_data<'b>(
    field: &Field<'_>,
    b: &'b BufferAttr,
    users: &[(usize, Role)],
) -> Option<(syn::Ident, &'b syn::Expr)> {
    let Some(crate::attr::Source::Expr(expr)) = b.data.as_ref().map(|d| &d.value) else { return None };
    let read = users.iter().any(|(_, role)| matches!(role, Role::BuildInput("indices") | Role::CopySource));
    (read && field.collection.is_none()).then(|| (super::blas::index_data_local(field.ident), expr))
}

/// The `Result<Vec<Buffer<T>>>` expression of a `buffers(data = input, ...)` field: one buffer
/// per slice of its input.
pub fn create_collection(field: &Field<'_>, b: &BufferAttr, users: &[(usize, Role)], name: &str) -> TokenStream {
    let ty = field.ty;
    let spec = spec(field, b, users, name);
    let ident = field.ident;
    let call = quote_spanned!(field.ty_span=> ::vkres::__private::buffers::<#ty>);
    if field.binding.is_some() {
        // A binding array: the device must have descriptor indexing (a typed error otherwise).
        return quote!({
            ::vkres::__private::binding_array_supported(&*__vkres_batch)?;
            #call(__vkres_batch, #spec, &__vkres_inputs.#ident)
        });
    }
    quote!(#call(__vkres_batch, #spec, &__vkres_inputs.#ident))
}

/// The `Result<Buffer<GeometryRecord>>` expression of a `buffer(geometry_table = meshes)`
/// field: one record per run-time geometry of the `blases` field `meshes`, uploaded.
pub fn create_table(
    cont: &crate::ast::Container<'_>,
    field: &Field<'_>,
    b: &BufferAttr,
    users: &[(usize, Role)],
    name: &str,
) -> TokenStream {
    let ty = field.ty;
    let spec = spec(field, b, users, name);
    let Some(table) = &b.geometry_table else { return quote!() };
    let blases = cont.fields.iter().find(|f| f.ident == &table.value).map(|f| &f.kind);
    let Some(crate::attr::Kind::Blas(blas)) = blases else {
        return quote!(::core::result::Result::Err(::vkres::__private::schema_error(#name)));
    };
    let Some(vertices) = &blas.vertices else {
        return quote!(::core::result::Result::Err(::vkres::__private::schema_error(#name)));
    };
    let lists = &table.value;
    let vertices = super::local_of(&vertices.value);
    let indices = match &blas.indices {
        Some(i) => {
            let local = super::local_of(&i.value);
            quote!(::core::option::Option::Some(::vkres::__private::items(&#local)))
        }
        None => quote!(::core::option::Option::None::<&[::vkres::Buffer<u32>]>),
    };
    let call = quote_spanned!(field.ty_span=> ::vkres::__private::buffer::<#ty>);
    quote!(#call(__vkres_batch, #spec, ::core::option::Option::Some(&::vkres::__private::geometry_records(
        #name, &__vkres_inputs.#lists, ::vkres::__private::items(&#vertices), #indices)?)))
}

/// The `&BufferSpec` of a buffer (or of each buffer of a collection): one `const fn` call of
/// literal numbers (usage flags and memory code raw, see `raw.rs`), plus a builder call per
/// `len`, `size` or `pool` the schema gives.
pub fn spec(field: &Field<'_>, b: &BufferAttr, users: &[(usize, Role)], name: &str) -> TokenStream {
    let flags = crate::infer::buffer_usage(b, users);
    let memory = crate::raw::memory(b.mapping.as_ref().map(|m| m.value), b.location.as_ref().map(|l| l.value));
    let (Some(usage), Some(memory)) = (crate::raw::buffer_usage(flags.iter().copied()), memory) else {
        return super::internal_error(name);
    };
    let usage = proc_macro2::Literal::u32_unsuffixed(usage);
    let memory = proc_macro2::Literal::u8_unsuffixed(memory);
    let count = |e: Option<&crate::attr::Keyed<syn::Expr>>, key: &str| {
        Some(match e {
            Some(e) if crate::attr::is_input(&e.value) => {
                let input = super::size_input(field, key);
                let method = syn::Ident::new(key, proc_macro2::Span::call_site());
                quote_spanned!(e.value.span()=> .#method(__vkres_inputs.#input))
            }
            Some(e) => {
                let n = super::number(&e.value, "u64");
                let method = syn::Ident::new(key, proc_macro2::Span::call_site());
                quote!(.#method(#n))
            }
            None => return None,
        })
    };
    let len = count(b.len.as_ref(), "len");
    let size = count(b.size.as_ref(), "size");
    let pool = super::pool_builder(b.pool.as_ref().map(|p| &p.value), field);
    quote!(&::vkres::__private::BufferSpec::raw(#name, #usage, #memory) #len #size #pool)
}
