//! What the scenes of the two ray-traced examples (`examples/raytrace/scene.rs`,
//! `examples/gltf/load.rs`) share: the vertex the shaders read, and the few vector operations
//! their cameras and meshes use. Included with `#[path]` by one module of each example, which
//! re-exports it. Not an example of its own (no `main.rs`).

// A module of several examples and of the test binary: each uses part of it.
#![allow(dead_code)]

use vkres::bytemuck::{Pod, Zeroable};

/// One vertex as the shaders read it: position (what the BLAS builds read: the first 12
/// bytes), normal, texture coordinates. 32 bytes; the shaders read it as 8 floats.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct Vertex {
    /// Object-space position.
    pub position: [f32; 3],
    /// Object-space unit normal.
    pub normal: [f32; 3],
    /// Texture coordinates (of the material's base colour texture; in the ray-tracing
    /// example, used on the ground plane).
    pub uv: [f32; 2],
}

/// `a - b`.
pub fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// The cross product `a x b`.
pub fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

/// The dot product.
pub fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// `a` at unit length (not finite for a zero vector: see [`normalize_or`]).
pub fn normalize(a: [f32; 3]) -> [f32; 3] {
    let l = dot(a, a).sqrt();
    [a[0] / l, a[1] / l, a[2] / l]
}

/// `a` at unit length, or `fallback` where `a` has none.
pub fn normalize_or(a: [f32; 3], fallback: [f32; 3]) -> [f32; 3] {
    if dot(a, a).sqrt() > 0.0 { normalize(a) } else { fallback }
}
