//! `binding = N` fields: `descriptor_bindings()` (the layout) and `write_descriptors(set)`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Container;
use crate::attr::Kind;

/// The two inherent methods, for a container whose bindings were checked.
pub fn expand(cont: &Container<'_>) -> (TokenStream, TokenStream) {
    let mut bindings = Vec::new();
    let mut writes = Vec::new();
    let mut arrays = false;
    // `(binding, kind code, stages, name)` of each single binding, for the table without
    // binding arrays (`raw.rs` codes: literals, no paths).
    let mut table = Vec::new();
    // The writes of single bindings as text: one table entry each for `__private::writes`
    // (`None` where a field needs the quoted form: per-frame fields).
    let mut simple_writes = Some(String::new());
    for field in &cont.fields {
        let Some(binding) = &field.binding else { continue };
        let Ok(kind) = crate::infer::descriptor_kind(&field.kind) else { continue };
        let n = binding.value.1;
        let kind_ident = syn::Ident::new(kind, proc_macro2::Span::call_site());
        let stages: Vec<TokenStream> = match &field.stages {
            Some(s) => s
                .value
                .iter()
                .map(|(spelled, c)| {
                    let c = syn::Ident::new(c, spelled.span());
                    quote!(::vkres::vk::ShaderStageFlags::#c)
                })
                .collect(),
            None => vec![quote!(::vkres::vk::ShaderStageFlags::ALL)],
        };
        let name = field.ident.to_string();
        let f = field.ident;
        let kind_path = quote!(::vkres::DescriptorKind::#kind_ident);
        let stage_flags = quote!(::vkres::__private::stages(&[#(#stages),*]));
        if field.collection.is_some() {
            // A binding array: as many descriptors as the created collection has elements.
            arrays = true;
            bindings.push(quote! {
                ::vkres::DescriptorBinding::array(#n, #kind_path, #stage_flags, #name,
                    ::vkres::__private::array_count(&self.#f))
            });
            writes.push(match &field.kind {
                Kind::Texture(t) if t.sampler.is_some() => {
                    let layout = super::texture::layout(t);
                    quote!(__vkres_w.texture_array(#n, &self.#f, ::vkres::vk::ImageLayout::#layout);)
                }
                Kind::Texture(t) => {
                    let layout = super::texture::layout(t);
                    quote!(__vkres_w.image_array(#n, #kind_path, &self.#f, ::vkres::vk::ImageLayout::#layout);)
                }
                _ => quote!(__vkres_w.buffer_array(#n, #kind_path, &self.#f);),
            });
            continue;
        }
        bindings.push(quote! {
            ::vkres::DescriptorBinding::single(#n, #kind_path, #stage_flags, #name)
        });
        let stage_names: Vec<&str> = match &field.stages {
            Some(s) => s.value.iter().map(|(_, c)| *c).collect(),
            None => vec!["ALL"],
        };
        match (crate::raw::descriptor_kind(kind), crate::raw::stages(stage_names)) {
            (Some(code), Some(stages)) => table.push(format!("({n}, {code}, {stages}, {name:?}),")),
            _ => return (super::internal_error(&name), quote!()),
        }
        // `(binding, kind code, layout code, field)` of the write's table entry.
        let simple = match &field.kind {
            _ if field.per_frame().is_some() => None,
            Kind::Shader(_) | Kind::Bundle(_) | Kind::Blas(_) => Some(String::new()),
            _ => {
                let layout = match &field.kind {
                    Kind::Texture(t) => crate::raw::layout(&super::texture::layout(t).to_string()),
                    _ => Some(0),
                };
                match (crate::raw::descriptor_kind(kind), layout) {
                    (Some(code), Some(l)) => Some(format!("({n}, {code}, {l}, &self.{f}),")),
                    _ => None,
                }
            }
        };
        match (&mut simple_writes, simple) {
            (Some(all), Some(one)) => all.push_str(&one),
            _ => simple_writes = None,
        }
        let ty = field.ty;
        writes.push(match &field.kind {
            Kind::Buffer(_) if field.per_frame().is_some() => quote! {
                __vkres_w.buffer(#n, ::vkres::DescriptorKind::#kind_ident,
                    ::vkres::__private::frame_buffer(&self.#f, frame)?);
            },
            Kind::Buffer(_) => quote! {
                __vkres_w.buffer(#n, ::vkres::DescriptorKind::#kind_ident,
                    <#ty as ::vkres::__private::BufferField>::buffer(&self.#f));
            },
            Kind::Texture(t) if t.per_frame.is_some() && t.sampler.is_some() => {
                let layout = super::texture::layout(t);
                quote! {
                    __vkres_w.texture(#n, ::vkres::__private::SampledTextureField::texture(
                        ::vkres::__private::frame_copy(&self.#f, frame)?), ::vkres::vk::ImageLayout::#layout);
                }
            }
            Kind::Texture(t) if t.per_frame.is_some() => {
                let layout = super::texture::layout(t);
                quote! {
                    __vkres_w.image(#n, ::vkres::DescriptorKind::#kind_ident,
                        ::vkres::__private::TextureField::view(::vkres::__private::frame_copy(&self.#f, frame)?),
                        ::vkres::vk::ImageLayout::#layout);
                }
            }
            Kind::Texture(t) if t.sampler.is_some() => {
                let layout = super::texture::layout(t);
                quote! {
                    __vkres_w.texture(#n, <#ty as ::vkres::__private::SampledTextureField>::texture(&self.#f),
                        ::vkres::vk::ImageLayout::#layout);
                }
            }
            Kind::Texture(t) => {
                let layout = super::texture::layout(t);
                quote! {
                    __vkres_w.image(#n, ::vkres::DescriptorKind::#kind_ident,
                        <#ty as ::vkres::__private::TextureField>::view(&self.#f),
                        ::vkres::vk::ImageLayout::#layout);
                }
            }
            Kind::Sampler(_) => quote! {
                __vkres_w.sampler(#n, <#ty as ::vkres::__private::SamplerField>::sampler(&self.#f));
            },
            Kind::Tlas(_) if field.per_frame().is_some() => quote! {
                __vkres_w.acceleration_structure(#n, ::vkres::__private::frame_tlas_handle(&self.#f, frame)?);
            },
            Kind::Tlas(_) => quote! {
                __vkres_w.acceleration_structure(#n, ::vkres::__private::tlas_handle(&self.#f));
            },
            Kind::Shader(_) | Kind::Bundle(_) | Kind::Blas(_) => quote!(),
        });
    }
    // With a binding array the count is known once the bundle exists: a method of the bundle.
    let receiver = if arrays { quote!(&self) } else { quote!() };
    // Without a binding array the layout is known at compile time: a promoted table of
    // literals, turned into the `Vec` by one non-generic function (data, not code per struct).
    let body = if arrays {
        quote!(::std::vec![#(#bindings),*])
    } else {
        super::text(&format!("::vkres::__private::bindings_raw(&[{}])", table.concat()))
    };
    if let (false, false, Some(simple_writes)) = (arrays, cont.has_per_frame(), simple_writes) {
        let table: String = table.concat();
        let methods = super::text(&format!(
            "#[doc = \"The descriptor set layout bindings of the fields with `binding = N` (generated by \
            `#[derive(GpuResources)]`).\"]
            pub fn descriptor_bindings() -> ::std::vec::Vec<::vkres::DescriptorBinding> {{
                ::vkres::__private::bindings_raw(&[{table}])
            }}

            #[doc = \"The writes that point `set` (made with the layout of \
            [`descriptor_bindings`](Self::descriptor_bindings)) at this bundle's resources \
            (generated by `#[derive(GpuResources)]`).\"]
            pub fn write_descriptors(&self, set: ::vkres::vk::DescriptorSet) -> ::vkres::DescriptorWrites {{
                ::vkres::__private::writes(set, &[{simple_writes}])
            }}"
        ));
        return (methods, quote!());
    }
    let bindings = quote! {
        /// The descriptor set layout bindings of the fields with `binding = N` (generated by
        /// `#[derive(GpuResources)]`; a method of the bundle where a collection is bound, whose
        /// binding array has one descriptor per element).
        #[allow(dead_code)]
        pub fn descriptor_bindings(#receiver) -> ::std::vec::Vec<::vkres::DescriptorBinding> {
            #body
        }
    };
    if cont.has_per_frame() {
        let writes = quote! {
            /// The writes that point `set` (made with the layout of
            /// [`descriptor_bindings`](Self::descriptor_bindings)) at the resources of frame
            /// `frame`: its copy of each `per_frame` field, the one shared copy of the others
            /// (generated by `#[derive(GpuResources)]`). `Error::IndexOutOfRange` for a frame
            /// past `frames_in_flight`.
            #[allow(dead_code)]
            pub fn write_frame_descriptors(
                &self,
                frame: usize,
                set: ::vkres::vk::DescriptorSet,
            ) -> ::vkres::Result<::vkres::DescriptorWrites> {
                #[allow(unused_mut)]
                let mut __vkres_w = ::vkres::DescriptorWrites::new(set);
                #(#writes)*
                ::core::result::Result::Ok(__vkres_w)
            }
        };
        return (bindings, writes);
    }
    let writes = quote! {
        /// The writes that point `set` (made with the layout of
        /// [`descriptor_bindings`](Self::descriptor_bindings)) at this bundle's resources
        /// (generated by `#[derive(GpuResources)]`).
        #[allow(dead_code)]
        pub fn write_descriptors(&self, set: ::vkres::vk::DescriptorSet) -> ::vkres::DescriptorWrites {
            #[allow(unused_mut)]
            let mut __vkres_w = ::vkres::DescriptorWrites::new(set);
            #(#writes)*
            __vkres_w
        }
    };
    (bindings, writes)
}
