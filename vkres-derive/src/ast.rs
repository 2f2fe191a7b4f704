//! The derive input as the macro sees it: a struct of named fields, each with a resource
//! kind. Borrows the syn nodes so that later errors can point at the original tokens.

use syn::{Data, DeriveInput, Fields, Ident, LitInt, Type, Visibility};

use crate::attr::{self, Keyed, Kind};
use crate::ctxt::Ctxt;

/// The annotated struct.
pub struct Container<'a> {
    /// Its name.
    pub ident: &'a Ident,
    /// Its visibility (the generated inputs struct gets the same).
    pub vis: &'a Visibility,
    /// Its fields, in declaration order.
    pub fields: Vec<Field<'a>>,
}

/// One annotated field.
pub struct Field<'a> {
    /// Its name.
    pub ident: &'a Ident,
    /// Its declared type.
    pub ty: &'a Type,
    /// The span of `ty`, computed once: `Spanned::span` re-tokenizes the type through the
    /// compiler's bridge on every call, and the expansion spans several calls at it.
    pub ty_span: proc_macro2::Span,
    /// What `#[gpu(...)]` says it is.
    pub kind: Kind,
    /// `binding = N`.
    pub binding: Option<Keyed<(LitInt, u32)>>,
    /// `stages = A | B`.
    pub stages: Option<Keyed<Vec<(Ident, &'static str)>>>,
    /// `bundles` / `buffers(...)`: the field is a `Vec` of the kind (the plural token).
    pub collection: Option<Ident>,
}

impl Field<'_> {
    /// The `resize` token of a field re-created from new sizes by the generated `resize`.
    pub fn resize(&self) -> Option<&Ident> {
        match &self.kind {
            Kind::Buffer(b) => b.resize.as_ref(),
            Kind::Texture(t) => t.resize.as_ref(),
            _ => None,
        }
    }

    /// The `alias = field` of a field that shares memory with another.
    pub fn alias(&self) -> Option<&crate::attr::Keyed<Ident>> {
        match &self.kind {
            Kind::Buffer(b) => b.alias.as_ref(),
            Kind::Texture(t) => t.alias.as_ref(),
            _ => None,
        }
    }

    /// The `per_frame` token of a field with one copy per frame in flight.
    pub fn per_frame(&self) -> Option<&Ident> {
        match &self.kind {
            Kind::Buffer(b) => b.per_frame.as_ref(),
            Kind::Tlas(t) => t.per_frame.as_ref(),
            Kind::Texture(t) => t.per_frame.as_ref(),
            _ => None,
        }
    }

    /// The kind as written: "`bundles` collection" for a collection, else the kind's name.
    pub fn kind_name(&self) -> String {
        match &self.collection {
            Some(token) => format!("`{token}` collection"),
            None => self.kind.name().to_string(),
        }
    }
}

impl<'a> Container<'a> {
    /// Whether a field is re-created by the generated `resize`.
    pub fn has_resize(&self) -> bool {
        self.fields.iter().any(|f| f.resize().is_some())
    }

    /// Whether a field has one copy per frame in flight (the bundle then takes
    /// `frames_in_flight` and writes its descriptors per frame).
    pub fn has_per_frame(&self) -> bool {
        self.fields.iter().any(|f| f.per_frame().is_some())
    }

    /// Reads `input`; `None` where it is no struct of named fields. Every problem, the
    /// struct's and each field's, is reported to `cx`. `type_spans`: the span of each named
    /// field's type where the parse computed it (`input.rs`), else computed here.
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput, type_spans: Option<&[proc_macro2::Span]>) -> Option<Self> {
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(&input.generics, "`GpuResources` cannot be derived for a generic struct yet");
        }
        let named = match &input.data {
            Data::Struct(s) => match &s.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(fields) => {
                    cx.error_spanned_by(
                        fields,
                        "`GpuResources` needs named fields: the names become the resources' debug names",
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error_spanned_by(&input.ident, "`GpuResources` needs a struct with at least one resource field");
                    return None;
                }
            },
            Data::Enum(e) => {
                cx.error_spanned_by(e.enum_token, "`GpuResources` can only be derived for structs, not enums");
                return None;
            }
            Data::Union(u) => {
                cx.error_spanned_by(u.union_token, "`GpuResources` can only be derived for structs, not unions");
                return None;
            }
        };
        let mut fields = Vec::new();
        for (i, field) in named.named.iter().enumerate() {
            let Some(ident) = &field.ident else { continue };
            let has_attr = field.attrs.iter().any(|a| a.path().is_ident(crate::symbol::GPU));
            let parsed = attr::parse_field(cx, field);
            match parsed.kind {
                Some(kind) => fields.push(Field {
                    ident,
                    ty: &field.ty,
                    ty_span: match type_spans.and_then(|spans| spans.get(i)) {
                        Some(span) => *span,
                        None => syn::spanned::Spanned::span(&field.ty),
                    },
                    kind,
                    binding: parsed.binding,
                    stages: parsed.stages,
                    collection: parsed.collection,
                }),
                None if !has_attr => cx.error_spanned_by(
                    ident,
                    format!(
                        "field `{ident}` has no `#[gpu(...)]` attribute; every field of a `GpuResources` struct \
                         is a resource, e.g. `#[gpu(buffer(usage = STORAGE, len = 16))]`"
                    ),
                ),
                None if parsed.binding.is_some() || parsed.stages.is_some() => cx.error_spanned_by(
                    ident,
                    format!("field `{ident}` has `binding`/`stages` but no resource kind such as `buffer(...)`"),
                ),
                None => {} // its attribute's errors are reported already
            }
        }
        Some(Self { ident: &input.ident, vis: &input.vis, fields })
    }
}
