// The ray-tracing example's picture, traced with a ray-tracing pipeline (raygen, miss and
// closest-hit shaders; for drivers without ray queries, such as NVIDIA's): the same picture as
// shaders/raytrace_query.wgsl, with which it shares shaders/include/raytrace.wgsl (vertex
// fetch and shading; the picture test checks both against a CPU reference). The closest-hit shader
// computes the barycentrics itself (naga has no hit attributes) and hands the surface to the
// raygen shader in the payload; the raygen shader shades and casts the shadow ray, which skips
// closest-hit shaders, so the pipeline needs a recursion depth of 1. Bindings:
// examples/raytrace/scene.rs (`RaytraceScene`).
enable wgpu_ray_tracing_pipeline;
enable primitive_index;
// #append include/raytrace.wgsl
// #append include/trace.wgsl

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
    return triangle_barycentrics(p0, p1, p2, p);
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
