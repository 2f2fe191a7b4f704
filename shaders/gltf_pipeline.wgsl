// The glTF example's picture traced with a ray-tracing pipeline (raygen, miss and closest-hit
// shaders; for drivers without ray queries, such as NVIDIA's): the same picture as
// shaders/gltf_query.wgsl, with which it shares shaders/include/gltf.wgsl. The closest-hit
// shader computes the barycentrics itself from the object-space hit point (naga has no hit
// attributes), finds the hit's surface (texture level from the ray cone) and hands it to the
// raygen shader in the payload; the miss shader says it missed. Where the sun falls on the
// surface, the raygen shader traces a shadow ray towards it (first hit ends it, no closest-hit
// shader: only a miss clears `hit`). Recursion depth 1. Bindings: examples/gltf/scene.rs.
enable wgpu_ray_tracing_pipeline;
enable wgpu_binding_array;
enable primitive_index;
// #append include/gltf.wgsl
// #append include/trace.wgsl

struct Payload {
    // The surface's base colour (on a hit).
    albedo: vec3<f32>,
    // 1 on a hit, 0 on a miss.
    hit: u32,
    // The surface's normal, facing the ray (on a hit).
    normal: vec3<f32>,
    // The hit's distance along the ray.
    t: f32,
}

var<ray_payload> payload: Payload;
var<incoming_ray_payload> incoming: Payload;

@ray_generation
fn raygen(@builtin(ray_invocation_id) id: vec3<u32>) {
    let origin = view.origin.xyz;
    let direction = primary_direction(id.xy);
    payload.hit = 0u;
    traceRay(world, RayDesc(RAY_FLAG_NONE, 0xFFu, T_MIN, T_MAX, origin, direction), &payload);
    var color = view.sky.xyz;
    if payload.hit != 0u {
        let surface = Surface(payload.albedo, payload.normal);
        var sun = sunlight(surface.normal);
        if sun > 0.0 {
            // The shadow ray: the miss shader clears `hit`; a hit keeps it (no closest hit).
            let shadow_origin = origin + direction * payload.t;
            let flags = RAY_FLAG_TERMINATE_ON_FIRST_HIT | RAY_FLAG_FORCE_OPAQUE | RAY_FLAG_SKIP_CLOSEST_HIT_SHADER;
            traceRay(world, RayDesc(flags, 0xFFu, view.params.w, T_MAX, shadow_origin, view.sun.xyz), &payload);
            if payload.hit != 0u {
                sun = 0.0;
            }
        }
        color = lit(surface, sun);
    }
    textureStore(picture, id.xy, vec4<f32>(color, 1.0));
}

@miss
@incoming_payload(incoming)
fn miss() {
    incoming.hit = 0u;
}

// Barycentrics of point `p` on the triangle of corners `v`.
fn barycentrics(v: vec3<u32>, p: vec3<f32>) -> vec2<f32> {
    return triangle_barycentrics(vertex_position(v.x), vertex_position(v.y), vertex_position(v.z), p);
}

@closest_hit
@incoming_payload(incoming)
fn closest_hit(
    @builtin(instance_custom_data) custom: u32,
    @builtin(geometry_index) geometry: u32,
    @builtin(primitive_index) primitive: u32,
    @builtin(object_ray_origin) object_origin: vec3<f32>,
    @builtin(object_ray_direction) object_direction: vec3<f32>,
    @builtin(world_ray_direction) direction: vec3<f32>,
    @builtin(ray_t_current_max) t: f32,
    @builtin(object_to_world) object_to_world: mat4x3<f32>,
) {
    let index = custom + geometry;
    let bary = barycentrics(corners(index, primitive), object_origin + object_direction * t);
    let surface = surface_at(index, primitive, bary, object_to_world, direction, t);
    incoming.albedo = surface.albedo;
    incoming.normal = surface.normal;
    incoming.t = t;
    incoming.hit = 1u;
}
