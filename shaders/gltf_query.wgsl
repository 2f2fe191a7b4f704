// The glTF example's picture (examples/gltf/), traced with ray queries from a compute shader:
// one invocation per pixel casts a primary ray into the TLAS. On a hit, the instance's custom
// index plus the hit's geometry index is the geometry's record (the derive's geometry table
// gives its material, `records` where its vertices and indices start in the concatenated
// buffers); the normal and texture coordinates are interpolated with the hit's barycentrics,
// the base colour texture (binding array, level 0, bilinear) times the material's factor is
// lit by a sun (Lambert, two-sided, no shadow) plus ambient. On a miss: the sky colour.
// Bindings: examples/gltf/scene.rs (`GltfScene`); tests/runtime/gltf_picture.rs checks every
// pixel against a CPU trace of the same data.
enable wgpu_ray_query;
enable wgpu_binding_array;

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

@group(0) @binding(0) var world: acceleration_structure;
@group(0) @binding(1) var picture: texture_storage_2d<rgba32float, write>;
@group(0) @binding(2) var<uniform> view: View;
@group(0) @binding(3) var textures: binding_array<texture_2d<f32>, 64>;
@group(0) @binding(4) var linear: sampler;
@group(0) @binding(5) var<storage, read> vertices: array<f32>;
@group(0) @binding(6) var<storage, read> indices: array<u32>;
@group(0) @binding(7) var<storage, read> records: array<Record>;
@group(0) @binding(8) var<storage, read> materials: array<Material>;
@group(0) @binding(9) var<storage, read> table: array<GeometryRecord>;

const FLOATS_PER_VERTEX: u32 = 8u;
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

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if f32(id.x) >= view.params.x || f32(id.y) >= view.params.y {
        return;
    }
    let ndc = vec2<f32>(
        2.0 * (f32(id.x) + 0.5) / view.params.x - 1.0,
        1.0 - 2.0 * (f32(id.y) + 0.5) / view.params.y,
    );
    let origin = view.origin.xyz;
    let direction = normalize(view.forward.xyz + ndc.x * view.right.xyz + ndc.y * view.up.xyz);
    var query: ray_query;
    rayQueryInitialize(&query, world, RayDesc(RAY_FLAG_NONE, 0xFFu, T_MIN, T_MAX, origin, direction));
    while rayQueryProceed(&query) {}
    let hit = rayQueryGetCommittedIntersection(&query);
    var color = view.sky.xyz;
    if hit.kind != RAY_QUERY_INTERSECTION_NONE {
        let index = hit.instance_custom_data + hit.geometry_index;
        let record = records[index];
        let material = materials[table[index].material];
        var corner = vec3<u32>(hit.primitive_index * 3u, hit.primitive_index * 3u + 1u, hit.primitive_index * 3u + 2u);
        if record.indexed != 0u {
            let i = record.first_index + hit.primitive_index * 3u;
            corner = vec3<u32>(indices[i], indices[i + 1u], indices[i + 2u]);
        }
        let v = corner + vec3<u32>(record.first_vertex);
        let b = vec3<f32>(1.0 - hit.barycentrics.x - hit.barycentrics.y, hit.barycentrics.x, hit.barycentrics.y);
        let n_object = vertex_normal(v.x) * b.x + vertex_normal(v.y) * b.y + vertex_normal(v.z) * b.z;
        let uv = vertex_uv(v.x) * b.x + vertex_uv(v.y) * b.y + vertex_uv(v.z) * b.z;
        // Normals transform by the inverse transpose: the cofactors of the 3x3 part (the
        // determinant's sign does not matter, the normal is turned to face the ray).
        let m = hit.object_to_world;
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
        color = albedo * (ambient + (1.0 - ambient) * lambert);
    }
    textureStore(picture, id.xy, vec4<f32>(color, 1.0));
}
