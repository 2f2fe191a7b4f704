// What the two ray-query tracers (shaders/raytrace_query.wgsl, shaders/gltf_query.wgsl) share:
// the closest hit along a ray. Not a shader of its own: `tests/runtime/shaders.rs` appends it
// to the sources that name it in a `// #append include/query.wgsl` line (after their
// `enable wgpu_ray_query;`). Needs a TLAS binding named `world`.

// The committed (closest) intersection of the ray from `origin` along `direction` with
// `world` between `T_MIN` and `T_MAX`.
fn closest_intersection(origin: vec3<f32>, direction: vec3<f32>) -> RayIntersection {
    var query: ray_query;
    rayQueryInitialize(&query, world, RayDesc(RAY_FLAG_NONE, 0xFFu, T_MIN, T_MAX, origin, direction));
    while rayQueryProceed(&query) {}
    return rayQueryGetCommittedIntersection(&query);
}
