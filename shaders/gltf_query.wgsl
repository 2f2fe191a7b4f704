// The glTF example's picture (examples/gltf/), traced with ray queries from a compute shader:
// one invocation per pixel casts a primary ray into the TLAS. On a hit, the instance's custom
// index plus the hit's geometry index is the geometry's record (the derive's geometry table
// gives its material, `records` where its vertices and indices start in the concatenated
// buffers), shaded by shaders/include/gltf.wgsl; on a miss: the sky colour.
// shaders/gltf_pipeline.wgsl draws the same picture with a ray-tracing pipeline (for drivers
// without ray queries); tests/runtime/gltf/ checks both against a CPU trace of the same data.
enable wgpu_ray_query;
enable wgpu_binding_array;
// #append include/gltf.wgsl
// #append include/trace.wgsl
// #append include/query.wgsl

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
        color = shade_hit(hit.instance_custom_data + hit.geometry_index, hit.primitive_index, hit.barycentrics, hit.object_to_world, direction);
    }
    textureStore(picture, id.xy, vec4<f32>(color, 1.0));
}
