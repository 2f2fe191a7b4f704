//! What the CPU references of the tracing tests (`accel/reference.rs`, `gltf/reference.rs`)
//! share: double-precision vectors and the ray-triangle intersection.

/// A point or direction in double precision.
pub type V = [f64; 3];

/// `a - b`.
pub fn sub(a: V, b: V) -> V {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `a + b`.
pub fn add(a: V, b: V) -> V {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a * s`.
pub fn scale(a: V, s: f64) -> V {
    a.map(|c| c * s)
}

/// The dot product.
pub fn dot(a: V, b: V) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// The cross product `a x b`.
pub fn cross(a: V, b: V) -> V {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

/// `a` at unit length.
pub fn normalize(a: V) -> V {
    scale(a, 1.0 / dot(a, a).sqrt())
}

/// `v` in double precision.
pub fn wide<const N: usize>(v: [f32; N]) -> [f64; N] {
    v.map(f64::from)
}

/// Möller-Trumbore: `t` along the ray from `o` along `d`, and the barycentrics of corners 1
/// and 2, of the triangle's plane (also outside the triangle: the caller checks); `None` where
/// the ray is parallel to it (`|det|` below `min_det`).
pub fn moller_trumbore(o: V, d: V, tri: [V; 3], min_det: f64) -> Option<(f64, f64, f64)> {
    let e1 = sub(tri[1], tri[0]);
    let e2 = sub(tri[2], tri[0]);
    let p = cross(d, e2);
    let det = dot(e1, p);
    if det.abs() < min_det {
        return None;
    }
    let s = sub(o, tri[0]);
    let u = dot(s, p) / det;
    let q = cross(s, e1);
    let v = dot(d, q) / det;
    Some((dot(e2, q) / det, u, v))
}
