//! Field references and the dependency order: which fields a field names (a texture its
//! sampler, a buffer the buffer it copies), checked to exist and to be of the right kind, and
//! sorted topologically at compile time. A cycle is a compile error naming the cycle.

use syn::Ident;

use crate::ast::{Container, Field};
use crate::attr::{Kind, SamplerRef};
use crate::ctxt::Ctxt;

/// How a field uses a field it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `texture(sampler = field)`: the texture is paired with that sampler.
    Sampler,
    /// `buffer(copy = field)`: the buffer's contents are copied from that buffer.
    CopySource,
    /// `blas(vertices | indices | transform | aabbs = field)`: a buffer the build reads.
    BuildInput(&'static str),
    /// `tlas(instance(blas = field))`: a BLAS the TLAS refers to.
    Instance,
    /// `tlas(instances = input, blases = field)`: the `blases` collection the instances index.
    Instances,
    /// `tlas(instances = input, blases = meshes.blas)`: the `bundles` collection whose elements'
    /// BLAS field the instances index.
    InstanceBundles,
    /// `blases(vertices | indices | transform | aabbs = field)`: a `buffers` collection the
    /// builds read, element by element.
    BuildInputs(&'static str),
    /// `buffer(geometry_table = field)`: the `blases` collection whose geometries it lists.
    GeometryTable,
    /// `buffer(alias = field)` / `texture(alias = field)`: shares that field's memory.
    Alias,
}

impl Role {
    /// The kind the named field must have.
    fn expected_kind(self) -> &'static str {
        match self {
            Role::Sampler => crate::symbol::SAMPLER,
            Role::CopySource | Role::BuildInput(_) => crate::symbol::BUFFER,
            Role::Instance => crate::symbol::BLAS,
            Role::Instances | Role::GeometryTable => "`blases` collection",
            Role::InstanceBundles => "`bundles` collection",
            Role::BuildInputs(_) => "`buffers` collection",
            Role::Alias => "buffer or texture",
        }
    }

    /// Whether a field of kind `found` (as `Field::kind_name` writes it) can be named here.
    fn accepts(self, found: &str) -> bool {
        match self {
            Role::Alias => found == crate::symbol::BUFFER || found == crate::symbol::TEXTURE,
            _ => found == self.expected_kind(),
        }
    }

    /// The key that names the field.
    fn key(self) -> &'static str {
        match self {
            Role::Sampler => crate::symbol::SAMPLER,
            Role::CopySource => crate::symbol::COPY,
            Role::BuildInput(key) => key,
            Role::Instance => crate::symbol::BLAS,
            Role::Instances | Role::InstanceBundles => crate::symbol::BLASES,
            Role::BuildInputs(key) => key,
            Role::GeometryTable => crate::symbol::GEOMETRY_TABLE,
            Role::Alias => crate::symbol::ALIAS,
        }
    }
}

/// The fields one field names, with the token that names each.
pub fn references<'f>(field: &'f Field<'_>) -> Vec<(&'f Ident, Role)> {
    // An alias of the field itself is reported by `check_alias`, not as a cycle.
    let alias = field.alias().map(|a| &a.value).filter(|a| *a != field.ident).map(|a| (a, Role::Alias));
    match &field.kind {
        Kind::Buffer(b) => b
            .copy
            .iter()
            .map(|c| (&c.value, Role::CopySource))
            .chain(b.geometry_table.iter().map(|t| (&t.value, Role::GeometryTable)))
            .chain(alias)
            .collect(),
        Kind::Texture(t) => match t.sampler.as_ref().map(|s| &s.value) {
            Some(SamplerRef::Field(ident)) => vec![(ident, Role::Sampler)].into_iter().chain(alias).collect(),
            _ => alias.into_iter().collect(),
        },
        Kind::Blas(b) => {
            use crate::symbol::{AABBS, INDICES, TRANSFORM, VERTICES};
            std::iter::once(b)
                .chain(&b.more)
                .flat_map(|b| {
                    [(&b.vertices, VERTICES), (&b.indices, INDICES), (&b.transform, TRANSFORM), (&b.aabbs, AABBS)]
                })
                .filter_map(|(slot, key)| {
                    let role = if field.collection.is_some() { Role::BuildInputs(key) } else { Role::BuildInput(key) };
                    slot.as_ref().map(|k| (&k.value, role))
                })
                .collect()
        }
        Kind::Tlas(t) => {
            t.instances
                .iter()
                .filter_map(|i| i.blas.as_ref().map(|b| (&b.value, Role::Instance)))
                .chain(t.blases.iter().map(|b| {
                    (&b.value, if t.blases_member.is_some() { Role::InstanceBundles } else { Role::Instances })
                }))
                .collect()
        }
        Kind::Sampler(_) | Kind::Shader(_) | Kind::Bundle(_) => Vec::new(),
    }
}

/// The resolved dependencies of a container.
pub struct Graph {
    /// Field indices in creation order: every field after the fields it names.
    pub order: Vec<usize>,
    /// For each field, the fields that name it and how.
    pub users: Vec<Vec<(usize, Role)>>,
}

/// Resolves every reference and sorts the fields; `None` (with errors in `cx`) where a
/// reference is dangling, of the wrong kind, or part of a cycle.
pub fn build(cx: &Ctxt, cont: &Container<'_>) -> Option<Graph> {
    let n = cont.fields.len();
    let mut deps: Vec<Vec<(usize, &Ident)>> = vec![Vec::new(); n];
    let mut users = vec![Vec::new(); n];
    let mut ok = true;
    for (i, field) in cont.fields.iter().enumerate() {
        for (ident, role) in references(field) {
            let Some(j) = cont.fields.iter().position(|f| f.ident == ident) else {
                let names = cont.fields.iter().map(|f| f.ident.to_string()).collect::<Vec<_>>();
                let hint = crate::symbol::closest(&ident.to_string(), names.iter().map(String::as_str))
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                cx.error_spanned_by(
                    ident,
                    format!("`{} = {ident}`: no field `{ident}` in `{}`{hint}", role.key(), cont.ident),
                );
                ok = false;
                continue;
            };
            let found = cont.fields[j].kind_name();
            if !role.accepts(&found) {
                cx.error_spanned_by(
                    ident,
                    format!(
                        "`{} = {ident}` must name a {} field; `{ident}` is a {found}",
                        role.key(),
                        role.expected_kind()
                    ),
                );
                ok = false;
                continue;
            }
            deps[i].push((j, ident));
            users[j].push((i, role));
        }
    }
    if !ok {
        return None;
    }
    // Kahn's algorithm, always taking the first ready field in declaration order, so that
    // independent fields are created in the order they are declared.
    let mut remaining: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while let Some(next) = (0..n).find(|&i| !done[i] && remaining[i] == 0) {
        done[next] = true;
        order.push(next);
        for &(user, _) in &users[next] {
            remaining[user] -= 1;
        }
    }
    if order.len() < n {
        report_cycle(cx, cont, &deps, &done);
        return None;
    }
    Some(Graph { order, users })
}

/// Finds one cycle among the fields not sorted and reports it at the reference that opens it.
fn report_cycle(cx: &Ctxt, cont: &Container<'_>, deps: &[Vec<(usize, &Ident)>], done: &[bool]) {
    let Some(start) = (0..deps.len()).find(|&i| !done[i]) else { return };
    // Every unsorted field waits for an unsorted one: walking those edges must repeat a field.
    let mut path = vec![start];
    let mut at = start;
    loop {
        let Some(&(next, _)) = deps[at].iter().find(|(d, _)| !done[*d]) else { return };
        if let Some(pos) = path.iter().position(|&p| p == next) {
            let cycle = &path[pos..];
            let names: Vec<String> =
                cycle.iter().chain([&next]).map(|&i| format!("`{}`", cont.fields[i].ident)).collect();
            let first = cycle[0];
            let second = cycle.get(1).copied().unwrap_or(first);
            let token = deps[first].iter().find(|(d, _)| *d == second).map(|(_, t)| *t);
            let message = format!(
                "dependency cycle: {} (each field is created after the fields it names)",
                names.join(" needs ")
            );
            match token {
                Some(t) => cx.error_spanned_by(t, message),
                None => cx.error_spanned_by(cont.fields[first].ident, message),
            }
            return;
        }
        path.push(next);
        at = next;
    }
}
