//! The CPU reference: closest hit of each ray against the scene, in f64, with rays whose
//! answer a float-precision tracer could legitimately give differently (grazing an edge, two
//! surfaces at the same distance) marked ambiguous rather than guessed.

use vkres::Transform3x4;

use super::scene::{BlasData, GpuHit, Ray, SceneData};
use crate::cpu_trace::{V, moller_trumbore, wide};

/// The closest hit, as the shader reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// 1 triangle, 2 box.
    pub kind: u32,
    pub custom_index: u32,
    pub instance_index: u32,
    pub geometry_index: u32,
    pub primitive_index: u32,
    pub t: f64,
}

/// What the reference expects of one ray.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expected {
    Miss,
    Hit(Hit),
    /// Too close to call in single precision: not compared.
    Ambiguous,
}

/// Relative closeness below which a hit is too close to call.
const EDGE: f64 = 1e-4;

fn apply(m: &[[f64; 4]; 3], p: V, w: f64) -> V {
    [0, 1, 2].map(|i| m[i][0] * p[0] + m[i][1] * p[1] + m[i][2] * p[2] + m[i][3] * w)
}

fn wide_matrix(t: &Transform3x4) -> [[f64; 4]; 3] {
    t.0.map(|row| row.map(f64::from))
}

/// Inverse of an affine 3x4 matrix.
fn inverse(m: &[[f64; 4]; 3]) -> [[f64; 4]; 3] {
    let a = |i: usize, j: usize| m[i][j];
    let det = a(0, 0) * (a(1, 1) * a(2, 2) - a(1, 2) * a(2, 1)) - a(0, 1) * (a(1, 0) * a(2, 2) - a(1, 2) * a(2, 0))
        + a(0, 2) * (a(1, 0) * a(2, 1) - a(1, 1) * a(2, 0));
    let cofactor = |i: usize, j: usize| {
        let (i1, i2, j1, j2) = ((j + 1) % 3, (j + 2) % 3, (i + 1) % 3, (i + 2) % 3);
        (a(i1, j1) * a(i2, j2) - a(i1, j2) * a(i2, j1)) / det
    };
    let r3: [[f64; 3]; 3] = [0, 1, 2].map(|i| [0, 1, 2].map(|j| cofactor(i, j)));
    r3.map(|row| [row[0], row[1], row[2], -(row[0] * m[0][3] + row[1] * m[1][3] + row[2] * m[2][3])])
}

/// A candidate: its hit, and whether it is too close to an edge to call.
struct Candidate {
    hit: Hit,
    uncertain: bool,
}

/// Möller-Trumbore; returns `t` and the smallest signed barycentric (negative: outside).
fn triangle(o: V, d: V, tri: [V; 3]) -> Option<(f64, f64)> {
    let (t, u, v) = moller_trumbore(o, d, tri, 1e-12)?;
    Some((t, u.min(v).min(1.0 - u - v)))
}

/// Slab test in object space; returns the entry `t` and how clearly the ray passes (negative:
/// misses), relative to the distance.
fn slab(o: V, d: V, lo: V, hi: V) -> (f64, f64) {
    let (mut near, mut far) = (f64::NEG_INFINITY, f64::INFINITY);
    for k in 0..3 {
        let (t0, t1) = ((lo[k] - o[k]) / d[k], (hi[k] - o[k]) / d[k]);
        near = near.max(t0.min(t1));
        far = far.min(t0.max(t1));
    }
    (near, (far - near) / near.abs().max(1.0))
}

pub fn trace(scene: &SceneData, ray: &Ray) -> Expected {
    let (o, d) = (wide(ray.origin), wide(ray.direction));
    let (t_min, t_max) = (f64::from(ray.t_min), f64::from(ray.t_max));
    let mut candidates = Vec::new();
    for (instance_index, instance) in scene.instances.iter().enumerate() {
        let m = wide_matrix(&instance.transform);
        let hit = |kind, geometry_index, primitive_index, t| Hit {
            kind,
            custom_index: instance.custom_index,
            instance_index: instance_index as u32,
            geometry_index,
            primitive_index,
            t,
        };
        match &scene.blases[instance.blas] {
            BlasData::Triangles(meshes) => {
                for (g, mesh) in meshes.iter().enumerate() {
                    for (p, tri) in mesh.triangles().iter().enumerate() {
                        let world = tri.map(|v| apply(&m, wide(v), 1.0));
                        if let Some((t, margin)) = triangle(o, d, world) {
                            if margin > -EDGE && t >= t_min && t <= t_max {
                                candidates
                                    .push(Candidate { hit: hit(1, g as u32, p as u32, t), uncertain: margin < EDGE });
                            }
                        }
                    }
                }
            }
            BlasData::Boxes(boxes) => {
                let inv = inverse(&m);
                let (ob, db) = (apply(&inv, o, 1.0), apply(&inv, d, 0.0));
                for (p, b) in boxes.iter().enumerate() {
                    let (t, margin) = slab(ob, db, wide(b.min), wide(b.max));
                    if margin > -EDGE && t >= t_min && t <= t_max {
                        candidates.push(Candidate { hit: hit(2, 0, p as u32, t), uncertain: margin < EDGE });
                    }
                }
            }
        }
    }
    candidates.sort_by(|a, b| a.hit.t.total_cmp(&b.hit.t));
    let Some(first) = candidates.first() else { return Expected::Miss };
    let tied = candidates.get(1).is_some_and(|second| (second.hit.t - first.hit.t) < EDGE * first.hit.t.abs());
    if first.uncertain || tied {
        return Expected::Ambiguous;
    }
    Expected::Hit(first.hit)
}

/// Compares the device's answers with the reference; returns how many rays were compared,
/// hit and ambiguous. Panics with the first rays that differ.
pub fn compare(scene: &SceneData, rays: &[Ray], gpu: &[GpuHit]) -> (usize, usize, usize) {
    let (mut compared, mut hits, mut ambiguous) = (0, 0, 0);
    let mut wrong = Vec::new();
    for (i, (ray, got)) in rays.iter().zip(gpu).enumerate() {
        let expected = trace(scene, ray);
        let ok = match expected {
            Expected::Ambiguous => {
                ambiguous += 1;
                continue;
            }
            Expected::Miss => got.kind == 0,
            Expected::Hit(h) => {
                hits += 1;
                got.kind == h.kind
                    && got.custom_index == h.custom_index
                    && got.instance_index == h.instance_index
                    && got.geometry_index == h.geometry_index
                    && got.primitive_index == h.primitive_index
                    && ((f64::from(got.t) - h.t) / h.t).abs() <= 1e-4
            }
        };
        compared += 1;
        if !ok {
            wrong.push(format!("ray {i}: expected {expected:?}, device gave {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {compared} rays differ from the CPU reference:\n{}",
        wrong.len(),
        wrong[..wrong.len().min(10)].join("\n")
    );
    (compared, hits, ambiguous)
}
