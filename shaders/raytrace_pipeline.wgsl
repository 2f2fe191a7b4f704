// The ray-tracing example's picture, traced with a ray-tracing pipeline (raygen, miss and
// closest-hit shaders; for drivers without ray queries, such as NVIDIA's): the same picture as
// shaders/raytrace_query.wgsl, whose vertex fetch and shading this file repeats (keep the two
// in step; the picture test checks both against a CPU reference). The closest-hit shader
// computes the barycentrics itself (naga has no hit attributes) and hands the surface to the
// raygen shader in the payload; the raygen shader shades and casts the shadow ray, which skips
// closest-hit shaders, so the pipeline needs a recursion depth of 1. Bindings:
// examples/raytrace/scene.rs (`RaytraceScene`).
enable wgpu_ray_tracing_pipeline;
enable primitive_index;

struct View {
    origin: vec4<f32>,
    forward: vec4<f32>,
    right: vec4<f32>,
    up: vec4<f32>,
    sun: vec4<f32>,
    horizon: vec4<f32>,
    zenith: vec4<f32>,
    params: vec4<f32>,
    albedo: array<vec4<f32>, 8>,
}

@group(0) @binding(0) var world: acceleration_structure;
@group(0) @binding(1) var picture: texture_storage_2d<rgba32float, write>;
@group(0) @binding(2) var<uniform> view: View;
@group(0) @binding(3) var checker: texture_2d<f32>;
@group(0) @binding(4) var linear: sampler;
@group(0) @binding(5) var<storage, read> plane_vertices: array<f32>;
@group(0) @binding(6) var<storage, read> plane_indices: array<u32>;
@group(0) @binding(7) var<storage, read> cube_vertices: array<f32>;
@group(0) @binding(8) var<storage, read> cube_indices: array<u32>;
@group(0) @binding(9) var<storage, read> icosphere_vertices: array<f32>;
@group(0) @binding(10) var<storage, read> icosphere_indices: array<u32>;
@group(0) @binding(11) var<storage, read> tetrahedron_vertices: array<f32>;
@group(0) @binding(12) var<storage, read> tetrahedron_indices: array<u32>;

const FLOATS_PER_VERTEX: u32 = 8u;
const T_MIN: f32 = 0.001;
const T_MAX: f32 = 1000.0;

// Float `i` of mesh `mesh`'s vertex buffer.
fn vertex_float(mesh: u32, i: u32) -> f32 {
    switch mesh {
        case 0u: { return plane_vertices[i]; }
        case 1u: { return cube_vertices[i]; }
        case 2u: { return icosphere_vertices[i]; }
        default: { return tetrahedron_vertices[i]; }
    }
}

// Index `i` of mesh `mesh`'s index buffer.
fn vertex_index(mesh: u32, i: u32) -> u32 {
    switch mesh {
        case 0u: { return plane_indices[i]; }
        case 1u: { return cube_indices[i]; }
        case 2u: { return icosphere_indices[i]; }
        default: { return tetrahedron_indices[i]; }
    }
}

fn vertex_normal(mesh: u32, v: u32) -> vec3<f32> {
    let base = v * FLOATS_PER_VERTEX;
    return vec3<f32>(vertex_float(mesh, base + 3u), vertex_float(mesh, base + 4u), vertex_float(mesh, base + 5u));
}

fn vertex_uv(mesh: u32, v: u32) -> vec2<f32> {
    let base = v * FLOATS_PER_VERTEX;
    return vec2<f32>(vertex_float(mesh, base + 6u), vertex_float(mesh, base + 7u));
}

// What shading needs of a hit.
struct Surface {
    position: vec3<f32>,
    normal: vec3<f32>,
    uv: vec2<f32>,
    t: f32,
    instance: u32,
    mesh: u32,
}

// The surface at barycentrics `bary` of triangle `primitive` of mesh `mesh`.
fn surface(mesh: u32, primitive: u32, bary: vec2<f32>, object_to_world: mat4x3<f32>) -> Surface {
    let i0 = vertex_index(mesh, primitive * 3u);
    let i1 = vertex_index(mesh, primitive * 3u + 1u);
    let i2 = vertex_index(mesh, primitive * 3u + 2u);
    let w = vec3<f32>(1.0 - bary.x - bary.y, bary.x, bary.y);
    let n = w.x * vertex_normal(mesh, i0) + w.y * vertex_normal(mesh, i1) + w.z * vertex_normal(mesh, i2);
    var s: Surface;
    s.normal = normalize(object_to_world * vec4<f32>(n, 0.0));
    s.uv = w.x * vertex_uv(mesh, i0) + w.y * vertex_uv(mesh, i1) + w.z * vertex_uv(mesh, i2);
    s.mesh = mesh;
    return s;
}

fn sky(direction: vec3<f32>) -> vec3<f32> {
    let t = clamp(direction.y * 1.5 + 0.1, 0.0, 1.0);
    return mix(view.horizon.xyz, view.zenith.xyz, t);
}


fn vertex_position(mesh: u32, v: u32) -> vec3<f32> {
    let base = v * FLOATS_PER_VERTEX;
    return vec3<f32>(vertex_float(mesh, base), vertex_float(mesh, base + 1u), vertex_float(mesh, base + 2u));
}

// What a trace hands back: `hit` is 0 for a miss; for a primary ray the closest-hit shader
// fills in the rest (world-space normal, texture coordinates, distance, instance, mesh).
struct Payload {
    normal: vec3<f32>,
    t: f32,
    uv: vec2<f32>,
    instance: u32,
    mesh: u32,
    hit: u32,
}

var<ray_payload> payload: Payload;
var<incoming_ray_payload> incoming: Payload;

// Whether anything lies between `origin` and the sun: the miss shader clears `hit`.
fn in_shadow(origin: vec3<f32>) -> bool {
    payload.hit = 1u;
    traceRay(world, RayDesc(RAY_FLAG_TERMINATE_ON_FIRST_HIT | RAY_FLAG_SKIP_CLOSEST_HIT_SHADER, 0xFFu, T_MIN, T_MAX, origin, view.sun.xyz), &payload);
    return payload.hit != 0u;
}

// Lambert with a shadow ray; the ground's albedo is its texture at a level of detail from the
// distance.
fn shade(s: Surface, direction: vec3<f32>) -> vec3<f32> {
    var albedo = view.albedo[s.instance].xyz;
    if s.mesh == 0u {
        let lod = max(log2(max(s.t * view.params.x, 1e-6)), 0.0);
        albedo *= textureSampleLevel(checker, linear, s.uv, lod).xyz;
    }
    var n = s.normal;
    if dot(n, direction) > 0.0 {
        n = -n;
    }
    var light = view.sun.w;
    let lambert = dot(n, view.sun.xyz);
    if lambert > 0.0 && !in_shadow(s.position + n * 0.001) {
        light += lambert;
    }
    return albedo * light;
}

fn primary_direction(pixel: vec2<u32>) -> vec3<f32> {
    let u = (f32(pixel.x) + 0.5) / view.params.y * 2.0 - 1.0;
    let v = 1.0 - (f32(pixel.y) + 0.5) / view.params.z * 2.0;
    return normalize(view.forward.xyz + u * view.right.xyz + v * view.up.xyz);
}

@ray_generation
fn raygen(@builtin(ray_invocation_id) id: vec3<u32>) {
    let origin = view.origin.xyz;
    let direction = primary_direction(id.xy);
    payload.hit = 0u;
    traceRay(world, RayDesc(RAY_FLAG_NONE, 0xFFu, T_MIN, T_MAX, origin, direction), &payload);
    var color = sky(direction);
    if payload.hit != 0u {
        var s: Surface;
        s.position = origin + direction * payload.t;
        s.normal = payload.normal;
        s.uv = payload.uv;
        s.t = payload.t;
        s.instance = payload.instance;
        s.mesh = payload.mesh;
        color = shade(s, direction);
    }
    textureStore(picture, id.xy, vec4<f32>(color, 1.0));
}

@miss
@incoming_payload(incoming)
fn miss() {
    incoming.hit = 0u;
}

// Barycentrics of the hit point on triangle `primitive`, from the object-space ray.
fn barycentrics(mesh: u32, primitive: u32, p: vec3<f32>) -> vec2<f32> {
    let p0 = vertex_position(mesh, vertex_index(mesh, primitive * 3u));
    let p1 = vertex_position(mesh, vertex_index(mesh, primitive * 3u + 1u));
    let p2 = vertex_position(mesh, vertex_index(mesh, primitive * 3u + 2u));
    let e1 = p1 - p0;
    let e2 = p2 - p0;
    let d = p - p0;
    let d11 = dot(e1, e1);
    let d12 = dot(e1, e2);
    let d22 = dot(e2, e2);
    let d1 = dot(d, e1);
    let d2 = dot(d, e2);
    let denominator = d11 * d22 - d12 * d12;
    return vec2<f32>(d22 * d1 - d12 * d2, d11 * d2 - d12 * d1) / denominator;
}

@closest_hit
@incoming_payload(incoming)
fn closest_hit(
    @builtin(instance_custom_data) custom: u32,
    @builtin(primitive_index) primitive: u32,
    @builtin(object_ray_origin) object_origin: vec3<f32>,
    @builtin(object_ray_direction) object_direction: vec3<f32>,
    @builtin(ray_t_current_max) t: f32,
    @builtin(object_to_world) object_to_world: mat4x3<f32>,
) {
    // The custom index: mesh number in the low 4 bits, instance index above (scene.rs).
    let mesh = custom & 15u;
    let bary = barycentrics(mesh, primitive, object_origin + object_direction * t);
    let s = surface(mesh, primitive, bary, object_to_world);
    incoming.normal = s.normal;
    incoming.uv = s.uv;
    incoming.t = t;
    incoming.instance = custom >> 4u;
    incoming.mesh = mesh;
    incoming.hit = 1u;
}
