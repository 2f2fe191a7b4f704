//! `#[derive(GpuResources)]` for vkres: parse, then check, then expand.
//!
//! - `attr` and `ast` parse the struct and its `#[gpu(...)]` attributes, keeping spans;
//! - `check` applies the rules that span several keys or fields; `graph` resolves references
//!   between fields and sorts them in dependency order (a cycle is an error);
//! - `infer` derives usage flags, layouts and descriptor types from how fields use each other;
//! - `expand` generates the impl (one module per kind); `fallback` a stub impl when there are errors.
//!
//! Errors are collected in a `ctxt::Ctxt` and reported together, each at its tokens. The
//! macro never panics: every input gives either an impl or `compile_error!`s plus the stub.

mod ast;
mod attr;
mod check;
mod check_alias;
mod check_frames;
mod check_resize;
mod check_texture;
mod check_zero;
mod ctxt;
mod expand;
#[cfg(test)]
mod expansion_size;
mod fallback;
#[cfg(test)]
mod fuzz;
mod graph;
mod infer;
mod input;
mod raw;
mod spirv_module;
mod symbol;

use proc_macro::TokenStream;
use syn::DeriveInput;

/// Derives `vkres::GpuResources` for a struct whose fields are annotated with `#[gpu(...)]`.
/// The attribute grammar is documented in the vkres README.
#[proc_macro_derive(GpuResources, attributes(gpu))]
pub fn derive_gpu_resources(input: TokenStream) -> TokenStream {
    derive(input.into()).into()
}

/// The whole derive on `proc_macro2` tokens (callable outside a proc-macro context, for tests).
fn derive(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let (input, type_spans): (DeriveInput, _) = match input::parse(input) {
        Ok(parsed) => parsed,
        Err(e) => return e.to_compile_error(),
    };
    let cx = ctxt::Ctxt::default();
    let cont = ast::Container::from_ast(&cx, &input, type_spans.as_deref());
    let graph = cont.as_ref().and_then(|cont| {
        check::check(&cx, cont);
        graph::build(&cx, cont)
    });
    match (cx.check(), cont, graph) {
        (Ok(()), Some(cont), Some(graph)) => expand::expand(&cont, &graph),
        (Err(errors), _, _) => {
            let mut out = errors.to_compile_error();
            out.extend(fallback::expand(&input.ident, &input.generics));
            out
        }
        // No container means an error was reported; unreachable, but never a panic.
        (Ok(()), _, _) => fallback::expand(&input.ident, &input.generics),
    }
}
