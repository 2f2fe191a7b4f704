// What every ray-traced picture's shaders share (the ray-tracing example's and the glTF
// example's, each tracer of both): the primary ray of a pixel and the barycentrics of a point
// on a triangle. Not a shader of its own: `tests/runtime/shaders.rs` appends it to the sources
// that name it in a `// #append include/trace.wgsl` line. Bindings 0, 1 and 4 are the same in
// every one of them (each example's scene struct declares the others, 2, 3 and 5 on).

@group(0) @binding(0) var world: acceleration_structure;
@group(0) @binding(1) var picture: texture_storage_2d<rgba32float, write>;
@group(0) @binding(4) var linear: sampler;

// Floats per vertex in the vertex buffers: position, normal, texture coordinates.
const FLOATS_PER_VERTEX: u32 = 8u;

// The unit direction through the centre of pixel `pixel` of a picture of `size` pixels, for a
// camera looking along `forward` whose `right` and `up` reach the picture's edges at
// distance 1.
fn pixel_direction(pixel: vec2<u32>, size: vec2<f32>, forward: vec3<f32>, right: vec3<f32>, up: vec3<f32>) -> vec3<f32> {
    let ndc = vec2<f32>(
        2.0 * (f32(pixel.x) + 0.5) / size.x - 1.0,
        1.0 - 2.0 * (f32(pixel.y) + 0.5) / size.y,
    );
    return normalize(forward + ndc.x * right + ndc.y * up);
}

// Barycentrics (of the second and third corner) of point `p` on the triangle `p0 p1 p2`.
fn triangle_barycentrics(p0: vec3<f32>, p1: vec3<f32>, p2: vec3<f32>, p: vec3<f32>) -> vec2<f32> {
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
