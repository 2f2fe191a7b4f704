//! Code generation: the `GpuResources` impl, the inherent `create`/`record`, the inputs
//! struct, the ordered `Drop`, and the descriptor methods. One module per kind creates that
//! kind's fields.
//!
//! Everything is named by absolute path, the generated code is safe Rust, and locals carry a
//! `__vkres_` prefix so that they never shadow a name a `data` expression uses.

mod alias;
mod blas;
mod buffer;
mod bundle;
mod descriptors;
mod frames;
mod resize;
mod sampler;
mod shader;
mod texture;
mod tlas;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{Container, Field};
use crate::attr::{Kind, Source};
use crate::graph::Graph;

/// The local that holds a field's resource while the bundle is built.
pub fn local(field: &Field<'_>) -> syn::Ident {
    format_ident!("__vkres_field_{}", field.ident)
}

/// The local holding the field named `ident` (at that token: a reference's errors point at it).
pub fn local_of(ident: &syn::Ident) -> syn::Ident {
    format_ident!("__vkres_field_{}", ident)
}

/// `Bundle.field`.
pub fn debug_name(cont: &Container<'_>, field: &Field<'_>) -> String {
    format!("{}.{}", cont.ident, field.ident)
}

/// The name of the generated inputs struct.
fn inputs_ident(cont: &Container<'_>) -> syn::Ident {
    format_ident!("{}Inputs", cont.ident)
}

/// `Option<&[T]>`-typed tokens for a field's initial data: `None`, an expression, or an input.
pub fn data_tokens(
    source: Option<&Source>,
    field: &Field<'_>,
    wrap_expr: impl Fn(&syn::Expr) -> TokenStream,
) -> TokenStream {
    match source {
        None => quote!(::core::option::Option::None),
        Some(Source::Expr(expr)) => {
            let data = wrap_expr(expr);
            quote_spanned!(expr.span()=> ::core::option::Option::Some(#data))
        }
        Some(Source::Input(token)) => {
            let name = field.ident;
            quote_spanned!(token.span()=> ::core::option::Option::Some(__vkres_inputs.#name))
        }
    }
}

/// `{ let n: T = EXPR; n }`: an expression of type `ty`, so that a wrong type is an error at
/// the user's expression.
pub fn typed(expr: &syn::Expr, ty: &str) -> TokenStream {
    let ty = syn::Ident::new(ty, expr.span());
    quote_spanned!(expr.span()=> { let __vkres_n: #ty = #expr; __vkres_n })
}

/// [`typed`], or an unsuffixed integer literal as it is: the parameter it is passed to has
/// type `ty`, so a literal that does not fit is still rustc's error at the literal, and the
/// expansion has no block for it. One token tree (the literal, or the block as a group).
pub fn number(expr: &syn::Expr, ty: &str) -> Piece {
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), attrs }) if attrs.is_empty() && n.suffix().is_empty() => {
            Piece::Tree(n.token().into())
        }
        _ => Piece::Stream(typed(expr, ty)),
    }
}

/// A piece of the expansion: one token tree, or a stream. Interpolating a tree appends it;
/// interpolating a stream is a few calls through the compiler's bridge (issue 20 item 5).
pub enum Piece {
    /// One token (a literal).
    Tree(proc_macro2::TokenTree),
    /// Several.
    Stream(TokenStream),
}

impl Piece {
    /// An unsuffixed integer literal.
    pub fn int(n: u32) -> Self {
        Piece::Tree(proc_macro2::Literal::u32_unsuffixed(n).into())
    }
}

impl quote::ToTokens for Piece {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Piece::Tree(tree) => tree.to_tokens(tokens),
            Piece::Stream(stream) => stream.to_tokens(tokens),
        }
    }
}

/// The inputs-struct field of a `pool = input`: `<field>_pool`.
pub fn pool_input(field: &syn::Ident) -> syn::Ident {
    format_ident!("{}_pool", field)
}

/// `.pool(P)` on a spec of a field with `pool = ...` (an expression of type `&MemoryPool`, a
/// wrong type an error at the expression, or the field's pool input); nothing without one.
pub fn pool_builder(pool: Option<&Source>, field: &Field<'_>) -> Option<TokenStream> {
    Some(match pool? {
        Source::Expr(expr) => quote_spanned!(expr.span()=>
            .pool({ let __vkres_pool: &::vkres::MemoryPool = #expr; __vkres_pool })),
        Source::Input(token) => {
            let name = pool_input(field.ident);
            quote_spanned!(token.span()=> .pool(__vkres_inputs.#name))
        }
    })
}

/// What a name without a raw value (`raw.rs`; its tests make this unreachable) expands to.
pub fn internal_error(name: &str) -> TokenStream {
    let msg = format!("vkres-derive: a name of `{name}`'s schema has no raw value (a bug in vkres-derive)");
    quote!(::core::compile_error!(#msg))
}

/// The fields of the inputs struct: name and type.
fn input_fields(cont: &Container<'_>) -> Vec<(syn::Ident, TokenStream, &'static str)> {
    let sizes = cont.fields.iter().flat_map(size_inputs);
    let data = cont.fields.iter().filter_map(|f| {
        let ty = f.ty;
        // Spanned at the field's type: a type that is no collection is reported there. Made
        // only where an input names it (most fields have none).
        let item = || quote_spanned!(f.ty_span=> <#ty as ::vkres::__private::CollectionField>::Item);
        match &f.kind {
            Kind::Buffer(_) if f.collection.is_some() => Some((
                f.ident.clone(),
                {
                    let item = item();
                    quote_spanned!(f.ty_span=> ::std::vec::Vec<&'a [<#item as ::vkres::__private::BufferField>::Elem]>)
                },
                "initial contents of each buffer of the collection (one slice per buffer)",
            )),
            Kind::Blas(b) if b.geometries.is_some() => Some((
                f.ident.clone(),
                quote!(::std::vec::Vec<::std::vec::Vec<::vkres::GeometryInput>>),
                "geometries of each BLAS of the collection (one list per BLAS)",
            )),
            Kind::Texture(_) if f.collection.is_some() => Some((
                f.ident.clone(),
                quote!(::std::vec::Vec<::vkres::TextureInput<'a>>),
                "format, size and texels of each texture of the collection",
            )),
            Kind::Bundle(_) if f.collection.is_some() => Some((
                f.ident.clone(),
                {
                    let item = item();
                    quote_spanned!(f.ty_span=> ::std::vec::Vec<<#item as ::vkres::GpuResources>::Inputs<'a>>)
                },
                "inputs of each nested bundle of the collection (one per bundle)",
            )),
            Kind::Tlas(t) if t.instances_input.is_some() && f.collection.is_some() => Some((
                f.ident.clone(),
                quote!(::std::vec::Vec<&'a [::vkres::BlasInstance]>),
                "instances of each TLAS of the collection (one list per TLAS), naming BLASes of its `blases` collection by index",
            )),
            Kind::Tlas(t) if t.instances_input.is_some() => Some((
                f.ident.clone(),
                quote!(&'a [::vkres::BlasInstance]),
                "instances of the TLAS, each naming a BLAS of its `blases` collection by index",
            )),
            Kind::Buffer(b)
                if b.per_frame.is_some() && matches!(b.data.as_ref().map(|d| &d.value), Some(Source::Input(_))) =>
            {
                Some((
                    f.ident.clone(),
                    quote!(&'a [<#ty as ::vkres::__private::PerFrameBufferField>::Elem]),
                    "initial contents of every frame's copy of the buffer",
                ))
            }
            Kind::Buffer(b) if matches!(b.data.as_ref().map(|d| &d.value), Some(Source::Input(_))) => Some((
                f.ident.clone(),
                quote!(&'a [<#ty as ::vkres::__private::BufferField>::Elem]),
                "initial contents of the buffer",
            )),
            Kind::Texture(t) if matches!(t.data.as_ref().map(|d| &d.value), Some(Source::Input(_))) => {
                Some((f.ident.clone(), quote!(&'a [u8]), "texel bytes of the texture (mip by mip, layer by layer)"))
            }
            Kind::Bundle(b) if b.inputs.is_some() => Some((
                f.ident.clone(),
                quote!(<#ty as ::vkres::GpuResources>::Inputs<'a>),
                "inputs of the nested bundle",
            )),
            _ => None,
        }
    });
    let frames = cont.has_per_frame().then(|| {
        let name = syn::Ident::new(crate::symbol::FRAMES_IN_FLIGHT, proc_macro2::Span::call_site());
        (name, quote!(usize), "frames in flight: how many copies each `per_frame` field has (at least 1)")
    });
    data.chain(sizes).chain(cont.fields.iter().flat_map(pool_inputs)).chain(frames).collect()
}

/// The inputs struct fields of a field's `pool = input`: `<field>_pool`.
fn pool_inputs(f: &Field<'_>) -> Option<(syn::Ident, TokenStream, &'static str)> {
    let (pool, what) = match &f.kind {
        Kind::Buffer(b) => (b.pool.as_ref(), "the memory pool of the buffer"),
        Kind::Texture(t) => (t.pool.as_ref(), "the memory pool of the texture"),
        _ => return None,
    };
    matches!(pool.map(|p| &p.value), Some(Source::Input(_)))
        .then(|| (pool_input(f.ident), quote!(&'a ::vkres::MemoryPool), what))
}

/// The inputs struct field of a size key given as `input`: `<field>_<key>`.
pub fn size_input(field: &Field<'_>, key: &str) -> syn::Ident {
    format_ident!("{}_{}", field.ident, key)
}

/// The inputs struct fields of a field's sizes given as `input` (`len = input`, ...).
pub(super) fn size_inputs(f: &Field<'_>) -> Vec<(syn::Ident, TokenStream, &'static str)> {
    use crate::attr::{Mips, is_input};
    let mut out = Vec::new();
    let mut add = |key: &str, ty: TokenStream, what: &'static str| out.push((size_input(f, key), ty, what));
    match &f.kind {
        Kind::Buffer(b) => {
            if b.len.as_ref().is_some_and(|l| is_input(&l.value)) {
                add("len", quote!(u64), "length of the buffer in elements");
            }
            if b.size.as_ref().is_some_and(|l| is_input(&l.value)) {
                add("size", quote!(u64), "size of the buffer in bytes");
            }
        }
        Kind::Texture(t) => {
            if t.format.as_ref().is_some_and(|k| k.value == crate::symbol::INPUT) {
                add("format", quote!(::vkres::vk::Format), "format of the texture");
            }
            if let Some(extent) = t.extent.as_ref().filter(|e| e.value.iter().any(is_input)) {
                let n = extent.value.len();
                add("extent", quote!([u32; #n]), "extent of the texture (width, height, depth)");
            }
            if matches!(t.mips.as_ref().map(|m| &m.value), Some(Mips::Count(e)) if is_input(e)) {
                add("mips", quote!(u32), "mip levels of the texture");
            }
            if t.layers.as_ref().is_some_and(|l| is_input(&l.value)) {
                add("layers", quote!(u32), "array layers of the texture");
            }
        }
        _ => {}
    }
    out
}

/// Whether `tokens` name the lifetime `'a` (an input that borrows).
fn mentions_lifetime_a(tokens: TokenStream) -> bool {
    let mut after_quote = false;
    for token in tokens {
        match token {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '\'' => {
                after_quote = true;
                continue;
            }
            proc_macro2::TokenTree::Ident(i) if after_quote && i == "a" => return true,
            proc_macro2::TokenTree::Group(g) if mentions_lifetime_a(g.stream()) => return true,
            _ => {}
        }
        after_quote = false;
    }
    false
}

/// Tokens of generated text that carries no user span: the compiler lexes it in one call,
/// where `quote!` makes a call per token (issue 20 item 5: the skeleton of every impl is
/// text, the parts that must point at the user's tokens are `quote_spanned!`).
pub fn text(s: &str) -> TokenStream {
    // Straight to the compiler's lexer where there is one: `proc_macro2`'s own parse lexes the
    // text a second time (unoptimized, as a user's dev profile builds this crate) to validate
    // it first. The text is this crate's, and the unit tests lex every form of it that way.
    if proc_macro::is_available() {
        if let Ok(tokens) = s.parse::<proc_macro::TokenStream>() {
            return tokens.into();
        }
    }
    s.parse().unwrap_or_else(|e: proc_macro2::LexError| {
        let msg = format!("vkres-derive: generated text does not lex ({e:?}; a bug in vkres-derive)");
        quote!(::core::compile_error!(#msg))
    })
}

/// `None` for an empty stream: interpolating `None` costs nothing, an empty stream a few
/// calls through the compiler's bridge.
fn nonempty(tokens: TokenStream) -> Option<TokenStream> {
    (!tokens.is_empty()).then_some(tokens)
}

/// The impl for a checked container.
pub fn expand(cont: &Container<'_>, graph: &Graph) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let name = ident.to_string();
    let creates = graph.order.iter().map(|&i| create_field(cont, graph, i));
    // Quoted, not text: each local carries its field's span, and with it the hygiene of a
    // `macro_rules!` that declared the struct.
    let inits = cont.fields.iter().map(|f| {
        let name = f.ident;
        let local = local(f);
        quote!(#name: #local)
    });
    let drop_needed = !declaration_order_releases(cont, graph);
    let inits = if drop_needed {
        quote!(::core::result::Result::Ok(Self { #(#inits),* }))
    } else {
        // Without the generated `Drop`, nothing else reads a field that the user keeps only
        // to hold its resource (a BLAS under a TLAS): one read of each field that
        // `write_descriptors` does not read, so that such fields are not reported as never
        // read (the `Drop` read them all before).
        let written = |f: &Field<'_>| {
            f.binding.is_some()
                && matches!(f.kind, Kind::Buffer(_) | Kind::Texture(_) | Kind::Sampler(_) | Kind::Tlas(_))
        };
        let reads = cont.fields.iter().filter(|f| !written(f)).map(|f| {
            let name = f.ident;
            quote!(&__vkres_bundle.#name)
        });
        let reads: Vec<TokenStream> = reads.collect();
        let read = (!reads.is_empty()).then(|| quote!(let _ = (#(#reads,)*);));
        quote! {
            let __vkres_bundle = Self { #(#inits),* };
            #read
            ::core::result::Result::Ok(__vkres_bundle)
        }
    };
    let inputs = input_fields(cont);
    let (inputs_def, inputs_ty, pass_ty) = if inputs.is_empty() {
        (None, "()".to_string(), None)
    } else {
        let inputs_ident = inputs_ident(cont);
        let fields = inputs.iter().map(|(name, ty, what)| {
            let doc = format!("`{}.{name}`: {what}.", cont.ident);
            quote!(#[doc = #doc] pub #name: #ty)
        });
        let doc = format!("Run-time inputs of [`{ident}::create`] (generated by `#[derive(GpuResources)]`).");
        // Inputs that are all numbers (sizes, `frames_in_flight`) borrow nothing: no lifetime,
        // which the struct would otherwise declare unused.
        let borrows = inputs.iter().any(|(_, ty, _)| mentions_lifetime_a(ty.clone()));
        let (params, lifetime) = if borrows { ("<'a>", "<'_>") } else { ("", "") };
        let params_tokens = text(params);
        let def = quote! {
            #[doc = #doc]
            #vis struct #inputs_ident #params_tokens {
                #(#fields,)*
            }
        };
        (Some(def), format!("{inputs_ident}{params}"), Some(format!("{inputs_ident}{lifetime}")))
    };
    let (inputs_arg, pass) = match &pass_ty {
        None => (String::new(), "()"),
        Some(ty) => (format!(", inputs: {ty}"), "inputs"),
    };
    // Through autoref dispatch: a field type without `Release` (already an error where the
    // field is created) falls back to a no-op instead of raising a second error here.
    let release: String =
        graph.order.iter().rev().map(|&i| format!("(&mut self.{}).__vkres_release();", cont.fields[i].ident)).collect();
    let (bindings, writes) = descriptors::expand(cont);
    let writes = nonempty(writes);
    let frame_methods = nonempty(frames::expand(cont));
    let (sizes_def, resize_method) = resize::expand(cont, graph);
    let (sizes_def, resize_method) = (nonempty(sizes_def), nonempty(resize_method));
    let alias_methods = nonempty(alias::begin_methods(cont));
    let trait_head = text(&format!("#[automatically_derived] impl ::vkres::GpuResources for {name}"));
    let record_sig = text(&format!(
        "type Inputs<'a> = {inputs_ty};
        #[inline]
        fn record(__vkres_batch: &mut ::vkres::Batch<'_>, __vkres_inputs: Self::Inputs<'_>) -> ::vkres::Result<Self>"
    ));
    let methods = text(&format!(
        "#[doc = \"Creates every resource of the bundle in dependency order, uploads its data in one \
        submission and waits for it (generated by `#[derive(GpuResources)]`).\"]
        #[inline]
        pub fn create(alloc: &::vkres::ResourceAllocator{inputs_arg}) -> ::vkres::Result<Self> {{
            <Self as ::vkres::GpuResources>::create(alloc, {pass})
        }}

        #[doc = \"Creates every resource of the bundle and records its uploads into `batch`, to be \
        submitted with other work (generated by `#[derive(GpuResources)]`).\"]
        #[inline]
        pub fn record(batch: &mut ::vkres::Batch<'_>{inputs_arg}) -> ::vkres::Result<Self> {{
            <Self as ::vkres::GpuResources>::record(batch, {pass})
        }}"
    ));
    let impl_head = text(&format!("#[allow(dead_code)] impl {name}"));
    let drop = if !drop_needed {
        None
    } else {
        Some(text(&format!(
            "#[automatically_derived]
            impl ::vkres::__private::Release for {name} {{
                #[inline]
                fn __vkres_release(&mut self) {{
                    #[allow(unused_imports)]
                    use ::vkres::__private::{{Release as _, ReleaseFallback as _}};
                    {release}
                }}
            }}

            /// Releases the fields in reverse dependency order (generated by `#[derive(GpuResources)]`).
            #[automatically_derived]
            impl ::core::ops::Drop for {name} {{
                #[inline]
                fn drop(&mut self) {{
                    ::vkres::__private::Release::__vkres_release(self);
                }}
            }}"
        )))
    };
    quote! {
        #inputs_def
        #sizes_def
        #trait_head {
            #record_sig {
                #(#creates)*
                #inits
            }
        }
        #impl_head {
            #methods
            #bindings
            #writes
            #frame_methods
            #resize_method
            #alias_methods
        }
        #drop
    }
}

/// Whether Rust's own drop order, the declaration order, already releases every field before
/// the fields it names (a texture before its sampler, a copy before its source), so that the
/// expansion needs no `Drop` and no `Release` (issue 20 item 5: the two impls were an eighth of
/// what an incremental rebuild of the bench's structs compiles). Only for fields whose own drop
/// is a single resource's: a collection or per-frame field releases its elements last to first
/// (its natural drop is first to last), an aliased field shares memory whose order the alias
/// group decides, and a nested bundle keeps its ordered release inside the outer one's `Drop`.
/// A bundle without the impls is released by the outer bundle's fallback no-op and then
/// dropped with the outer's fields, after every field that could name it.
fn declaration_order_releases(cont: &Container<'_>, graph: &Graph) -> bool {
    let single = |f: &Field<'_>| {
        f.collection.is_none()
            && f.per_frame().is_none()
            && f.alias().is_none()
            && f.resize().is_none()
            && !matches!(f.kind, Kind::Bundle(_))
    };
    cont.fields.iter().all(single)
        && graph.users.iter().enumerate().all(|(named, users)| users.iter().all(|&(user, _)| user < named))
}

/// `let __vkres_field_x = ...?;` for one field.
fn create_field(cont: &Container<'_>, graph: &Graph, i: usize) -> TokenStream {
    let field = &cont.fields[i];
    if let Some(root) = alias::root_of(cont, i) {
        return alias::create(cont, graph, i, root);
    }
    let local = local(field);
    let name = debug_name(cont, field);
    let value = match &field.kind {
        Kind::Buffer(b) if b.geometry_table.is_some() => buffer::create_table(cont, field, b, &graph.users[i], &name),
        Kind::Buffer(b) if b.per_frame.is_some() => buffer::create_per_frame(field, b, &graph.users[i], &name),
        Kind::Buffer(b) if field.collection.is_some() => buffer::create_collection(field, b, &graph.users[i], &name),
        Kind::Buffer(b) => buffer::create(field, b, &graph.users[i], &name),
        Kind::Texture(t) => texture::create(field, t, &name),
        Kind::Sampler(s) => sampler::create(field, s),
        Kind::Shader(s) => shader::create(field, s, &name),
        Kind::Bundle(b) => bundle::create(field, b),
        Kind::Blas(b) => blas::create(cont, field, b, &name),
        Kind::Tlas(t) => tlas::create(field, t, &name),
    };
    // The data a BLAS checks as indices, evaluated once before the buffer is made.
    let bound = match &field.kind {
        Kind::Buffer(b) => buffer::bind_data(field, b, &graph.users[i]),
        _ => None,
    };
    // Spanned at the field's type: a type that is not of the kind is reported there, once.
    // (`Option`s rather than empty streams here and below: interpolating a stream is a few
    // calls through the compiler's bridge even when it is empty.)
    quote_spanned!(field.ty_span=> #bound let #local = #value?;)
}
