// What the two tracers of the glTF example share: the view, the bindings, the vertex fetches
// and the shading of a hit. Not a shader of its own: `tests/runtime/shaders.rs` appends it to the
// sources that name it in a `// #append include/gltf.wgsl` line. Bindings:
// examples/gltf/scene.rs (`GltfScene`).
struct View {
    origin: vec4<f32>,
    forward: vec4<f32>,
    right: vec4<f32>,
    up: vec4<f32>,
    sun: vec4<f32>,
    sky: vec4<f32>,
    params: vec4<f32>,
}

struct Record {
    first_vertex: u32,
    first_index: u32,
    indexed: u32,
    pad: u32,
}

// vkres::GeometryRecord: two device addresses (u64 as two u32), the material, padding.
struct GeometryRecord {
    vertices: vec2<u32>,
    indices: vec2<u32>,
    material: u32,
    pad: u32,
}

struct Material {
    base_color: vec4<f32>,
    texture: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(2) var<uniform> view: View;
@group(0) @binding(3) var textures: binding_array<texture_2d<f32>, 64>;
@group(0) @binding(5) var<storage, read> vertices: array<f32>;
@group(0) @binding(6) var<storage, read> indices: array<u32>;
@group(0) @binding(7) var<storage, read> records: array<Record>;
@group(0) @binding(8) var<storage, read> materials: array<Material>;
@group(0) @binding(9) var<storage, read> table: array<GeometryRecord>;

const NO_TEXTURE: u32 = 0xFFFFFFFFu;
const T_MIN: f32 = 0.0;
const T_MAX: f32 = 1.0e30;

fn vertex_normal(v: u32) -> vec3<f32> {
    let b = v * FLOATS_PER_VERTEX;
    return vec3<f32>(vertices[b + 3u], vertices[b + 4u], vertices[b + 5u]);
}

fn vertex_uv(v: u32) -> vec2<f32> {
    let b = v * FLOATS_PER_VERTEX;
    return vec2<f32>(vertices[b + 6u], vertices[b + 7u]);
}

fn vertex_position(v: u32) -> vec3<f32> {
    let b = v * FLOATS_PER_VERTEX;
    return vec3<f32>(vertices[b], vertices[b + 1u], vertices[b + 2u]);
}

// The primary ray of pixel `pixel`.
fn primary_direction(pixel: vec2<u32>) -> vec3<f32> {
    return pixel_direction(pixel, view.params.xy, view.forward.xyz, view.right.xyz, view.up.xyz);
}

// The absolute vertex numbers of triangle `primitive` of geometry record `index`.
fn corners(index: u32, primitive: u32) -> vec3<u32> {
    let record = records[index];
    var corner = vec3<u32>(primitive * 3u, primitive * 3u + 1u, primitive * 3u + 2u);
    if record.indexed != 0u {
        let i = record.first_index + primitive * 3u;
        corner = vec3<u32>(indices[i], indices[i + 1u], indices[i + 2u]);
    }
    return corner + vec3<u32>(record.first_vertex);
}

// The colour of a hit on triangle `primitive` of geometry record `index` (the instance's custom
// index plus the geometry index) at barycentrics `bary`, seen along `direction`: the
// interpolated normal and texture coordinates, the base colour texture (level 0, bilinear)
// times the material's factor, lit by the sun (Lambert, two-sided, no shadow) plus ambient.
fn shade_hit(index: u32, primitive: u32, bary: vec2<f32>, m: mat4x3<f32>, direction: vec3<f32>) -> vec3<f32> {
    let material = materials[table[index].material];
    let v = corners(index, primitive);
    let b = vec3<f32>(1.0 - bary.x - bary.y, bary.x, bary.y);
    let n_object = vertex_normal(v.x) * b.x + vertex_normal(v.y) * b.y + vertex_normal(v.z) * b.z;
    let uv = vertex_uv(v.x) * b.x + vertex_uv(v.y) * b.y + vertex_uv(v.z) * b.z;
    // Normals transform by the inverse transpose: the cofactors of the 3x3 part (the
    // determinant's sign does not matter, the normal is turned to face the ray).
    let n_world = cross(m[1], m[2]) * n_object.x + cross(m[2], m[0]) * n_object.y + cross(m[0], m[1]) * n_object.z;
    var n = normalize(n_world);
    if dot(n, direction) > 0.0 {
        n = -n;
    }
    var albedo = material.base_color.xyz;
    if material.texture != NO_TEXTURE {
        albedo = albedo * textureSampleLevel(textures[material.texture], linear, uv, 0.0).xyz;
    }
    let ambient = view.sun.w;
    let lambert = max(dot(n, view.sun.xyz), 0.0);
    return albedo * (ambient + (1.0 - ambient) * lambert);
}
