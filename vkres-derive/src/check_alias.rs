//! Rules of `alias = field` (transient aliasing declared in the schema): the fields of an alias
//! group share one allocation, made for all of them when the first is created, so their
//! memory needs must be compatible where the schema already says what they are, and each
//! starts with undefined contents. An alias of the field itself is reported here; a cycle of
//! aliases by `graph` (a dependency cycle); a name of no buffer or texture by `graph` too.

use crate::ast::{Container, Field};
use crate::attr::Kind;
use crate::ctxt::Ctxt;

/// Runs the aliasing rules on `cont`.
pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        if let Some(alias) = field.alias()
            && &alias.value == field.ident
        {
            cx.error_spanned_by(&alias.value, format!("field `{}` cannot alias itself", field.ident));
        }
    }
    let roots: Vec<Option<usize>> = (0..cont.fields.len()).map(|i| group_root(cont, i)).collect();
    for (j, field) in cont.fields.iter().enumerate() {
        let Some(root) = roots[j] else { continue };
        let in_group = field.alias().is_some() || roots.iter().enumerate().any(|(i, r)| i != j && *r == Some(root));
        if !in_group {
            continue;
        }
        alias_starts_undefined(cx, field);
        // Every earlier member of the group against this one: one allocation, one memory type.
        let Some(at) = field.alias().map(|a| &a.value) else { continue };
        for (i, other) in cont.fields.iter().enumerate().take(j) {
            if roots[i] == Some(root) {
                memory_needs_agree(cx, field, other, at);
            }
        }
        for (i, other) in cont.fields.iter().enumerate().skip(j + 1) {
            if roots[i] == Some(root) && other.alias().is_none() {
                memory_needs_agree(cx, field, other, at);
            }
        }
    }
}

/// The field at the end of field `i`'s chain of aliases (itself without one); `None` for a
/// chain that loops or names no field (reported elsewhere).
pub fn group_root(cont: &Container<'_>, mut i: usize) -> Option<usize> {
    for _ in 0..=cont.fields.len() {
        let Some(alias) = cont.fields[i].alias() else { return Some(i) };
        i = cont.fields.iter().position(|f| f.ident == &alias.value)?;
    }
    None
}

/// Aliased resources see each other's bytes: none has initial contents, and each is one
/// resource in memory made for the group (no collection, no copy per frame, no re-creation,
/// no pool of its own).
fn alias_starts_undefined(cx: &Ctxt, field: &Field<'_>) {
    let (keys, flags) = match &field.kind {
        Kind::Buffer(b) => (
            vec![
                b.data.as_ref().map(|k| &k.key),
                b.copy.as_ref().map(|k| &k.key),
                b.geometry_table.as_ref().map(|k| &k.key),
                b.pool.as_ref().map(|k| &k.key),
            ],
            vec![b.per_frame.as_ref(), b.resize.as_ref()],
        ),
        Kind::Texture(t) => (
            vec![t.data.as_ref().map(|k| &k.key), t.pool.as_ref().map(|k| &k.key)],
            vec![t.resize.as_ref(), t.per_frame.as_ref()],
        ),
        _ => return,
    };
    for key in keys.into_iter().chain(flags).flatten() {
        cx.error_spanned_by(
            key,
            format!(
                "field `{}` shares memory (`alias`): it cannot have `{key}` (aliased fields are one resource each, \
                 in memory made for the group, with undefined contents)",
                field.ident
            ),
        );
    }
    if let Some(plural) = &field.collection {
        cx.error_spanned_by(plural, format!("a `{plural}` collection cannot share memory (`alias`)"));
    }
}

/// The host access and placement the schema gives each field of the pair must agree: one
/// allocation has one memory type.
fn memory_needs_agree(cx: &Ctxt, field: &Field<'_>, target: &Field<'_>, at: &syn::Ident) {
    let needs = |f: &Field<'_>| match &f.kind {
        Kind::Buffer(b) => {
            (b.mapping.as_ref().map(|m| m.value).filter(|m| *m != "None"), b.location.as_ref().map(|l| l.value))
        }
        Kind::Texture(t) => (None, t.location.as_ref().map(|l| l.value)),
        _ => (None, None),
    };
    let ((map_a, loc_a), (map_b, loc_b)) = (needs(field), needs(target));
    if let (Some(a), Some(b)) = (map_a, map_b)
        && a != b
    {
        cx.error_spanned_by(
            at,
            format!(
                "`{}` and `{}` share memory but ask for different host access (`mapping`)",
                field.ident, target.ident
            ),
        );
    }
    if let (Some(a), Some(b)) = (loc_a, loc_b)
        && a != b
        && a != "Auto"
        && b != "Auto"
    {
        cx.error_spanned_by(
            at,
            format!(
                "`{}` and `{}` share memory but ask for different placements (`location`)",
                field.ident, target.ident
            ),
        );
    }
    let is_texture = |f: &Field<'_>| matches!(f.kind, Kind::Texture(_));
    let mapped = |f: &Field<'_>| needs(f).0.is_some();
    if (is_texture(field) && mapped(target)) || (is_texture(target) && mapped(field)) {
        cx.error_spanned_by(
            at,
            format!(
                "`{}` and `{}` share memory, but one is a texture (optimal tiling, device memory) and the other a \
                 mapped buffer (host-visible memory): give the buffer no `mapping`",
                field.ident, target.ident
            ),
        );
    }
}
