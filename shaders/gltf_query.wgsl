// The glTF example's picture (examples/gltf/), traced with ray queries from a compute shader:
// one invocation per pixel casts a primary ray into the TLAS. On a hit, the instance's custom
// index plus the hit's geometry index is the geometry's record (the derive's geometry table
// gives its material, `records` where its vertices and indices start in the concatenated
// buffers), its surface found by shaders/include/gltf.wgsl, and where the sun falls on it a
// shadow ray towards the sun says whether anything opaque is in the way; on a miss: the sky
// colour.
// shaders/gltf_pipeline.wgsl draws the same picture with a ray-tracing pipeline (for drivers
// without ray queries); tests/runtime/gltf/ checks both against a CPU trace of the same data.
enable wgpu_ray_query;
enable wgpu_binding_array;
// #append include/gltf.wgsl
// #append include/trace.wgsl
// #append include/query.wgsl

// Whether anything lies along the shadow ray from `origin` towards the sun (past the
// `view.params.w` that keeps a surface from shadowing itself): the first hit ends the search.
fn in_shadow(origin: vec3<f32>) -> bool {
    var query: ray_query;
    let flags = RAY_FLAG_TERMINATE_ON_FIRST_HIT | RAY_FLAG_FORCE_OPAQUE;
    rayQueryInitialize(&query, world, RayDesc(flags, 0xFFu, view.params.w, T_MAX, origin, view.sun.xyz));
    while rayQueryProceed(&query) {}
    return rayQueryGetCommittedIntersection(&query).kind != RAY_QUERY_INTERSECTION_NONE;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if f32(id.x) >= view.params.x || f32(id.y) >= view.params.y {
        return;
    }
    let origin = view.origin.xyz;
    let direction = primary_direction(id.xy);
    let hit = closest_intersection(origin, direction);
    var color = view.sky.xyz;
    if hit.kind != RAY_QUERY_INTERSECTION_NONE {
        let surface = surface_at(hit.instance_custom_data + hit.geometry_index, hit.primitive_index, hit.barycentrics, hit.object_to_world, direction, hit.t);
        var sun = sunlight(surface.normal);
        if sun > 0.0 && in_shadow(origin + direction * hit.t) {
            sun = 0.0;
        }
        color = lit(surface, sun);
    }
    textureStore(picture, id.xy, vec4<f32>(color, 1.0));
}
