//! Rules that involve more than one key or field, one function each, with the reason.
//! References between fields (existence, kind, cycles) are checked in `graph`.

use crate::ast::{Container, Field};
use crate::attr::{BlasAttr, BufferAttr, Kind, Mips, SamplerRef, ShaderAttr, TextureAttr, TlasAttr};
use crate::ctxt::Ctxt;

/// Runs every rule on `cont`.
pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        match &field.kind {
            Kind::Buffer(buffer) => {
                if buffer.complete && !read_by_blas(cont, field) {
                    buffer_has_usage(cx, field, buffer);
                    buffer_has_size(cx, field, buffer);
                }
                buffer_size_given_once(cx, buffer);
                buffer_data_or_copy(cx, buffer);
                buffer_mapping_fits_location(cx, buffer);
                geometry_table_of_run_time_geometries(cx, cont, buffer);
            }
            Kind::Texture(texture) => {
                if texture.complete && field.collection.is_none() {
                    texture_has_format_and_extent(cx, field, texture);
                }
                texture_sampler_needs_sampled(cx, field, texture);
                if field.collection.is_none() {
                    texture_generated_mips_need_data(cx, field, texture);
                }
                texture_extent_all_or_no_input(cx, texture);
                crate::check_texture::check(cx, field, texture);
            }
            Kind::Shader(shader) => shader_has_path(cx, field, shader),
            Kind::Blas(blas) if blas.complete => {
                blas_has_one_geometry(cx, field, blas);
                blas_run_time_geometries(cx, field, blas);
                blas_indices_have_data(cx, cont, blas);
            }
            Kind::Tlas(tlas) if tlas.complete => {
                tlas_has_instances(cx, field, tlas);
                tlas_run_time_instances_index_blases(cx, field, tlas);
                tlases_from_inputs(cx, field, tlas);
            }
            Kind::Sampler(_) | Kind::Bundle(_) | Kind::Blas(_) | Kind::Tlas(_) => {}
        }
        crate::check_zero::check(cx, field);
        collection_from_inputs(cx, field);
        binding_fits_kind(cx, field);
        stages_need_binding(cx, field);
    }
    bindings_unique(cx, cont);
    crate::check_frames::check(cx, cont);
    crate::check_resize::check(cx, cont);
    crate::check_alias::check(cx, cont);
}

/// Whether a `blas` of the struct reads `field` (its usage is then inferred, and may be omitted).
fn read_by_blas(cont: &Container<'_>, field: &Field<'_>) -> bool {
    cont.fields.iter().any(|f| {
        crate::graph::references(f).iter().any(|(ident, role)| {
            matches!(role, crate::graph::Role::BuildInput(_) | crate::graph::Role::BuildInputs(_))
                && *ident == field.ident
        })
    })
}

/// A BLAS field holds one geometry: triangles (`vertices`, with optional `indices`, `format`,
/// `stride`, `transform`) or boxes (`aabbs`), never both.
fn blas_has_one_geometry(cx: &Ctxt, field: &Field<'_>, blas: &BlasAttr) {
    for geometry in blas.all_geometries() {
        geometry_is_triangles_or_boxes(cx, field, geometry);
    }
    // VUID-VkAccelerationStructureBuildGeometryInfoKHR-type-03791: one type per BLAS.
    // (A geometry with both is reported once, above.)
    let boxes = blas.all_geometries().any(|g| g.aabbs.is_some() && g.vertices.is_none());
    let triangles = blas.all_geometries().find(|g| g.vertices.is_some() && g.aabbs.is_none());
    if let (true, Some(first)) = (boxes, triangles) {
        let at = first.vertices.as_ref().map_or(&blas.kind, |v| &v.key);
        cx.error_spanned_by(at, "the geometries of one BLAS are all triangles or all boxes (`aabbs`)");
    }
}

/// The index buffer a BLAS reads has data on the host (`data = ...`, or `copy = ...` of a
/// buffer that has): one with neither holds whatever the memory held, and an index past the
/// last vertex is undefined behaviour in the build (the spec's rule on `maxVertex`). The
/// build checks the data it has (`expand/blas.rs`); without any, there is nothing to check.
fn blas_indices_have_data(cx: &Ctxt, cont: &Container<'_>, blas: &BlasAttr) {
    for geometry in blas.all_geometries() {
        let Some(indices) = &geometry.indices else { continue };
        let mut ident = &indices.value;
        // A copy chain names each field once at most (the graph refuses cycles).
        for _ in 0..cont.fields.len() {
            let Some(field) = cont.fields.iter().find(|f| *f.ident == *ident) else { break };
            let Kind::Buffer(buffer) = &field.kind else { break };
            if buffer.data.is_some() || field.collection.is_some() {
                break;
            }
            match &buffer.copy {
                Some(copy) => ident = &copy.value,
                None => {
                    cx.error_spanned_by(
                        &indices.value,
                        format!(
                            "the indices of this BLAS come from `{ident}`, which has no `data`: the build would \
                             read indices of undefined value; give `{ident}` `data = ...` (or `data = input`)"
                        ),
                    );
                    break;
                }
            }
        }
    }
}

/// One geometry: triangles or boxes, with the keys of its type only.
fn geometry_is_triangles_or_boxes(cx: &Ctxt, field: &Field<'_>, blas: &BlasAttr) {
    match (&blas.vertices, &blas.aabbs) {
        (None, None) => cx.error_spanned_by(
            &blas.kind,
            format!(
                "`blas` of field `{}` needs `vertices = field` (triangles) or `aabbs = field` (boxes)",
                field.ident
            ),
        ),
        (Some(_), Some(aabbs)) => {
            cx.error_spanned_by(&aabbs.key, "a `blas` holds triangles (`vertices`) or boxes (`aabbs`), not both")
        }
        (None, Some(_)) => {
            for key in [blas.indices.as_ref().map(|k| &k.key), blas.transform.as_ref().map(|k| &k.key)]
                .into_iter()
                .chain([blas.format.as_ref().map(|k| &k.key), blas.stride.as_ref().map(|k| &k.key)])
                .flatten()
            {
                cx.error_spanned_by(key, format!("`{key}` describes triangles; this `blas` holds boxes (`aabbs`)"));
            }
        }
        (Some(_), None) => {}
    }
}

/// A TLAS needs instances, and each instance its BLAS.
fn tlas_has_instances(cx: &Ctxt, field: &Field<'_>, tlas: &TlasAttr) {
    if field.collection.is_some() {
        return; // a `tlases` collection: `tlases_from_inputs`
    }
    if tlas.instances.is_empty() && tlas.instances_input.is_none() {
        cx.error_spanned_by(
            &tlas.kind,
            format!("`tlas` of field `{}` needs at least one `instance(blas = field)`", field.ident),
        );
    }
    for instance in &tlas.instances {
        if instance.blas.is_none() {
            cx.error_spanned_by(&instance.token, "`instance` needs `blas = field`: the BLAS it places");
        }
    }
}

/// A buffer's usage says what it is for; vkres adds what it needs itself (`TRANSFER_DST` for
/// an upload), but cannot guess the rest, and Vulkan has no buffer without usage.
fn buffer_has_usage(cx: &Ctxt, field: &Field<'_>, buffer: &BufferAttr) {
    if buffer.usage.is_none() {
        cx.error_spanned_by(
            &buffer.kind,
            format!("`buffer` of field `{}` needs `usage = ...`, e.g. `usage = STORAGE | VERTEX`", field.ident),
        );
    }
}

/// The size of a buffer must be known: from its data or the buffer it copies, or given by
/// `len` or `size`.
fn buffer_has_size(cx: &Ctxt, field: &Field<'_>, buffer: &BufferAttr) {
    let table = buffer.geometry_table.is_some();
    if buffer.data.is_none() && buffer.copy.is_none() && buffer.len.is_none() && buffer.size.is_none() && !table {
        cx.error_spanned_by(
            &buffer.kind,
            format!(
                "`buffer` of field `{}` needs `data = ...`, `len = ...` (elements) or `size = ...` (bytes)",
                field.ident
            ),
        );
    }
}

/// `len` and `size` both fix the size; two sources could disagree, so only one is allowed.
fn buffer_size_given_once(cx: &Ctxt, buffer: &BufferAttr) {
    if let (Some(_), Some(size)) = (&buffer.len, &buffer.size) {
        cx.error_at(size.span(), "`len` and `size` both give the buffer's size; keep one");
    }
}

/// Initial contents come from one place: uploaded data or a copy of another buffer.
fn buffer_data_or_copy(cx: &Ctxt, buffer: &BufferAttr) {
    if let (Some(_), Some(copy)) = (&buffer.data, &buffer.copy) {
        cx.error_at(copy.span(), "`data` and `copy` both give the buffer's contents; keep one");
    }
}

/// `mapping = direct` asks for device-local memory the host writes into; placing the buffer in
/// host memory contradicts it (and would make every device read cross the bus).
fn buffer_mapping_fits_location(cx: &Ctxt, buffer: &BufferAttr) {
    let direct = buffer.mapping.as_ref().is_some_and(|m| m.value == "PreferDirectWrite");
    if let (true, Some(location)) = (direct, &buffer.location)
        && location.value == "PreferHost"
    {
        cx.error_at(
            location.span(),
            "`location = host` contradicts `mapping = direct`, which places the buffer in device memory \
             that the host writes directly; use `mapping = sequential_write` for a host buffer",
        );
    }
}

/// An image cannot be created without its format and size; vkres guesses neither.
fn texture_has_format_and_extent(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    let missing: Vec<&str> =
        [("`format = ...`", texture.format.is_none()), ("`extent = [...]`", texture.extent.is_none())]
            .into_iter()
            .filter_map(|(key, missing)| missing.then_some(key))
            .collect();
    if !missing.is_empty() {
        cx.error_spanned_by(
            &texture.kind,
            format!(
                "`texture` of field `{}` needs {}, e.g. `texture(format = R8G8B8A8_UNORM, extent = [256, 256])`",
                field.ident,
                missing.join(" and ")
            ),
        );
    }
}

/// A sampler only makes sense on an image shaders sample: with an explicit usage, that usage
/// must include `SAMPLED` (without one, a texture is sampled by default).
fn texture_sampler_needs_sampled(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    let (Some(sampler), Some(usage)) = (&texture.sampler, &texture.usage) else { return };
    if !usage.value.iter().any(|(_, f)| *f == "SAMPLED") {
        let which = match &sampler.value {
            SamplerRef::Field(ident) => format!("sampler `{ident}`"),
            SamplerRef::Inline(_) => "an inline sampler".into(),
        };
        cx.error_at(
            sampler.span(),
            format!(
                "texture `{}` has {which} but is not sampled: its `usage` lacks `SAMPLED`; add it or drop the sampler",
                field.ident
            ),
        );
    }
}

/// Generated mips are blitted from level 0, which must be uploaded first.
fn texture_generated_mips_need_data(cx: &Ctxt, field: &Field<'_>, texture: &TextureAttr) {
    if let Some(mips) = &texture.mips
        && matches!(mips.value, Mips::Generate)
        && texture.data.is_none()
    {
        cx.error_at(
            mips.span(),
            format!("texture `{}` generates its mips from level 0, so it needs `data = ...`", field.ident),
        );
    }
}

/// A shader module is made from a file; without one there is nothing to create.
fn shader_has_path(cx: &Ctxt, field: &Field<'_>, shader: &ShaderAttr) {
    if shader.complete && shader.path.is_none() {
        cx.error_spanned_by(
            &shader.kind,
            format!("`shader` of field `{}` needs `path = \"...\"` (SPIR-V, relative to Cargo.toml)", field.ident),
        );
    }
}

/// Only buffers, textures and samplers are descriptors; a bound buffer must say which kind.
fn binding_fits_kind(cx: &Ctxt, field: &Field<'_>) {
    let Some(binding) = &field.binding else { return };
    if let Err(reason) = crate::infer::descriptor_kind(&field.kind) {
        cx.error_spanned_by(&binding.value.0, format!("field `{}`: {reason}", field.ident));
    }
}

/// `stages` says which shaders see a binding; without a binding it would be silently ignored.
fn stages_need_binding(cx: &Ctxt, field: &Field<'_>) {
    if let (Some(stages), None) = (&field.stages, &field.binding) {
        cx.error_at(stages.span(), format!("field `{}` has `stages` but no `binding = N`", field.ident));
    }
}

/// One descriptor per binding: a second field on a binding would silently replace the first.
/// The error names both fields.
fn bindings_unique(cx: &Ctxt, cont: &Container<'_>) {
    for (i, field) in cont.fields.iter().enumerate() {
        let Some(binding) = &field.binding else { continue };
        let n = binding.value.1;
        let earlier = cont.fields[..i].iter().find(|f| f.binding.as_ref().is_some_and(|b| b.value.1 == n));
        if let Some(first) = earlier {
            cx.error_spanned_by(
                &binding.value.0,
                format!(
                    "binding {n} is used by both `{}` and `{}`; give each field its own binding",
                    first.ident, field.ident
                ),
            );
        }
    }
}

/// A collection's length is the number of its run-time inputs: `buffers` take their contents
/// from `data = input` (one slice per buffer), never from one expression or another field. (A
/// bound `buffers` is a binding array; `bundles` and `blases` are no descriptors: `infer`.)
fn collection_from_inputs(cx: &Ctxt, field: &Field<'_>) {
    let Some(token) = &field.collection else { return };
    if let Kind::Texture(texture) = &field.kind {
        textures_per_element(cx, texture);
    }
    if let Kind::Buffer(buffer) = &field.kind {
        if let Some(copy) = &buffer.copy {
            cx.error_at(copy.span(), "`buffers` cannot `copy` another field: each buffer's contents are an input");
        }
        match &buffer.data {
            Some(data) if !matches!(data.value, crate::attr::Source::Input(_)) => cx.error_at(
                data.span(),
                "`buffers` take their contents from run-time inputs: `data = input` (one slice per buffer)",
            ),
            None if buffer.copy.is_none() => cx.error_spanned_by(
                token,
                format!("`buffers` of field `{}` needs `data = input`: one slice per buffer", field.ident),
            ),
            _ => {}
        }
    }
}

/// `extent = [input, input]` makes the whole extent one input (`<field>_extent: [u32; N]`); a
/// mix of `input` and numbers would make it a half-filled array.
fn texture_extent_all_or_no_input(cx: &Ctxt, texture: &TextureAttr) {
    let Some(extent) = &texture.extent else { return };
    let inputs = extent.value.iter().filter(|e| crate::attr::is_input(e)).count();
    if inputs != 0 && inputs != extent.value.len() {
        cx.error_at(
            extent.span(),
            "`extent` comes from run time as a whole: write `input` for every dimension \
             (e.g. `extent = [input, input]`) or none",
        );
    }
}

/// A `tlases` collection has one run-time instance list per TLAS (`instances = input`, with
/// `blases = field`): fixed `instance(...)`s and a binding (an array of acceleration
/// structures) are not for it (`per_frame`: `check_frames`).
fn tlases_from_inputs(cx: &Ctxt, field: &Field<'_>, tlas: &TlasAttr) {
    let Some(plural) = &field.collection else { return };
    if let Some(first) = tlas.instances.first() {
        cx.error_spanned_by(
            &first.token,
            "a `tlases` collection takes its instances from run time: `instances = input`",
        );
    } else if tlas.instances_input.is_none() && tlas.blases.is_none() {
        cx.error_spanned_by(
            plural,
            format!(
                "`tlases` of field `{}` needs `instances = input, blases = field`: one instance list per TLAS",
                field.ident
            ),
        );
    }
    if let Some(binding) = &field.binding {
        cx.error_spanned_by(&binding.value.0, "a `tlases` collection cannot be bound yet: bind each TLAS on its own");
    }
}

/// Run-time instances name their BLAS by index into one `blases` collection: `instances = input`
/// needs `blases = field`, `blases` is only for run-time instances, and fixed `instance(...)`s
/// do not mix with them (the instance index of each would depend on the run-time count).
fn tlas_run_time_instances_index_blases(cx: &Ctxt, field: &Field<'_>, tlas: &TlasAttr) {
    match (&tlas.instances_input, &tlas.blases) {
        (Some(input), None) => cx.error_at(
            input.span(),
            format!(
                "`tlas` of field `{}` has `instances = input` but no `blases = field`: the `blases` \
                 collection its instances index",
                field.ident
            ),
        ),
        (None, Some(blases)) => cx.error_at(
            blases.span(),
            "`blases = field` names the collection that run-time instances index; add `instances = input`",
        ),
        _ => {}
    }
    if let (Some(_), Some(first)) = (&tlas.instances_input, tlas.instances.first()) {
        cx.error_spanned_by(
            &first.token,
            "a `tlas` takes its instances from run time (`instances = input`) or from `instance(...)`s, not both",
        );
    }
}

/// Each texture of a `textures` collection has its own format, size, levels, layers and texels
/// (a `vkres::TextureInput`), so those keys have no place in the schema. The `view` is the
/// schema's: it says whether the images are 1D, 2D, 3D or cubes.
fn textures_per_element(cx: &Ctxt, texture: &TextureAttr) {
    let per_element = [
        texture.format.as_ref().map(|k| &k.key),
        texture.extent.as_ref().map(|k| &k.key),
        texture.layers.as_ref().map(|k| &k.key),
        texture.data.as_ref().map(|k| &k.key),
        texture.mips.as_ref().filter(|m| !matches!(m.value, Mips::Generate)).map(|k| &k.key),
    ];
    for key in per_element.into_iter().flatten() {
        cx.error_spanned_by(
            key,
            format!("`{key}` of a `textures` collection is per element: a field of each `vkres::TextureInput`"),
        );
    }
}

/// `geometries = input` gives each BLAS of a `blases` collection its own list of geometries,
/// with per-geometry flags: a single `blas` has no list, and `opaque` would contradict the
/// flags of each `vkres::GeometryInput`.
fn blas_run_time_geometries(cx: &Ctxt, field: &Field<'_>, blas: &BlasAttr) {
    let Some(geometries) = &blas.geometries else { return };
    if field.collection.is_none() {
        cx.error_at(geometries.span(), "`geometries = input` is for a `blases` collection; a `blas` has fixed keys");
    }
    if let Some(opaque) = &blas.opaque {
        cx.error_at(opaque.span(), "with `geometries = input`, each `vkres::GeometryInput` has its own `flags`");
    }
    if let Some(more) = blas.more.first() {
        cx.error_spanned_by(&more.kind, "`geometry(...)` is fixed; with `geometries = input` they come from run time");
    }
}

/// A geometry table's contents are computed from a `blases(geometries = input)` field: no other
/// source of contents or size, and the named field must list its geometries at run time.
fn geometry_table_of_run_time_geometries(cx: &Ctxt, cont: &Container<'_>, buffer: &BufferAttr) {
    let Some(table) = &buffer.geometry_table else { return };
    let others = [
        buffer.data.as_ref().map(|k| &k.key),
        buffer.copy.as_ref().map(|k| &k.key),
        buffer.len.as_ref().map(|k| &k.key),
        buffer.size.as_ref().map(|k| &k.key),
    ];
    for key in others.into_iter().flatten() {
        cx.error_spanned_by(key, format!("`{key}` and `geometry_table` both give the buffer's contents; keep one"));
    }
    let named = cont.fields.iter().find(|f| f.ident == &table.value);
    if let Some(Kind::Blas(blas)) = named.map(|f| &f.kind)
        && named.is_some_and(|f| f.collection.is_some())
        && (blas.geometries.is_none() || blas.aabbs.is_some())
    {
        cx.error_spanned_by(
            &table.value,
            format!("`geometry_table = {}` needs a triangle `blases(geometries = input, ...)` field", table.value),
        );
    }
}
