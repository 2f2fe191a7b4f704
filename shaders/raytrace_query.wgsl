// The ray-tracing example's picture, traced with ray queries from a compute shader: one
// invocation per pixel casts a primary ray into the TLAS; on a hit it fetches the triangle's
// vertices from the mesh's buffers (picked by the mesh number in the low 4 bits of the
// instance's custom index; the instance index is above them), interpolates the
// normal and texture coordinates with the hit's barycentrics, samples the checker texture on
// the ground, and shades with Lambert and a shadow ray towards the sun; on a miss it writes the
// sky. shaders/raytrace_pipeline.wgsl draws the same picture with a ray-tracing pipeline (for
// drivers without ray queries); the two share
// shaders/include/raytrace.wgsl (the picture test checks both against a CPU reference). Bindings: examples/raytrace/scene.rs (`RaytraceScene`).
enable wgpu_ray_query;
// #append include/raytrace.wgsl
// #append include/trace.wgsl
// #append include/query.wgsl

// Whether anything lies between `origin` and the sun.
fn in_shadow(origin: vec3<f32>) -> bool {
    var query: ray_query;
    rayQueryInitialize(&query, world, RayDesc(RAY_FLAG_TERMINATE_ON_FIRST_HIT, 0xFFu, T_MIN, T_MAX, origin, view.sun.xyz));
    while rayQueryProceed(&query) {}
    return rayQueryGetCommittedIntersection(&query).kind != RAY_QUERY_INTERSECTION_NONE;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if f32(id.x) >= view.params.y || f32(id.y) >= view.params.z {
        return;
    }
    let origin = view.origin.xyz;
    let direction = primary_direction(id.xy);
    let hit = closest_intersection(origin, direction);
    var color = sky(direction);
    if hit.kind != RAY_QUERY_INTERSECTION_NONE {
        var s = surface(hit.instance_custom_data & 15u, hit.primitive_index, hit.barycentrics, hit.object_to_world);
        s.t = hit.t;
        s.position = origin + direction * hit.t;
        s.instance = hit.instance_custom_data >> 4u;
        color = shade(s, direction);
    }
    textureStore(picture, id.xy, vec4<f32>(color, 1.0));
}
