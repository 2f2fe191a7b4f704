// The glTF example's picture traced with a ray-tracing pipeline (raygen, miss and closest-hit
// shaders; for drivers without ray queries, such as NVIDIA's): the same picture as
// shaders/gltf_query.wgsl, with which it shares shaders/include/gltf.wgsl. The closest-hit
// shader computes the barycentrics itself from the object-space hit point (naga has no hit
// attributes), shades the hit and hands the colour to the raygen shader in the payload; the
// miss shader hands back the sky. Recursion depth 1. Bindings: examples/gltf/scene.rs.
enable wgpu_ray_tracing_pipeline;
enable wgpu_binding_array;
enable primitive_index;
// #append include/gltf.wgsl
// #append include/trace.wgsl

struct Payload {
    color: vec3<f32>,
    hit: u32,
}

var<ray_payload> payload: Payload;
var<incoming_ray_payload> incoming: Payload;

@ray_generation
fn raygen(@builtin(ray_invocation_id) id: vec3<u32>) {
    let direction = primary_direction(id.xy);
    payload.hit = 0u;
    traceRay(world, RayDesc(RAY_FLAG_NONE, 0xFFu, T_MIN, T_MAX, view.origin.xyz, direction), &payload);
    textureStore(picture, id.xy, vec4<f32>(payload.color, 1.0));
}

@miss
@incoming_payload(incoming)
fn miss() {
    incoming.color = view.sky.xyz;
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
    incoming.color = shade_hit(index, primitive, bary, object_to_world, direction);
    incoming.hit = 1u;
}
