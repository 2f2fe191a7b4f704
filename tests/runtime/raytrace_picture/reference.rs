//! The example's picture traced on the CPU from the same data (meshes, instances, view,
//! texture), with the shaders' math: primary ray through the pixel centre, closest triangle,
//! interpolated normal and texture coordinates, Lambert plus a shadow ray, sky on a miss.

use super::scene::{self, CHECKER_SIZE, GROUND_HALF, HEIGHT, Instance, View, WIDTH, cross, dot, normalize, sub};

/// One triangle in world space.
struct Triangle {
    instance: usize,
    mesh: u32,
    p: [[f32; 3]; 3],
    /// World-space vertex normals.
    n: [[f32; 3]; 3],
    uv: [[f32; 2]; 3],
}

/// What the primary ray of one pixel sees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Seen {
    Sky,
    /// Instance index, whether the point is in shadow.
    Surface {
        instance: usize,
        shadowed: bool,
    },
}

/// The scene's triangles in world space, the view and the texture.
pub struct Reference {
    triangles: Vec<Triangle>,
    pub view: View,
    texels: Vec<u8>,
}

fn linear_part(t: &vkres::Transform3x4, v: [f32; 3]) -> [f32; 3] {
    let m = &t.0;
    std::array::from_fn(|r| m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2])
}

impl Reference {
    /// The main example's picture: its view and instances as placed.
    pub fn new(texels: Vec<u8>) -> Self {
        let transforms = scene::instances().map(|i| i.transform);
        Self::posed(texels, View::new(), &transforms)
    }

    /// The scene seen from `view` with its instances at `transforms` (in instance order): a
    /// frame of the animated window example.
    pub fn posed(texels: Vec<u8>, view: View, transforms: &[vkres::Transform3x4; 5]) -> Self {
        let meshes = scene::meshes();
        let mut triangles = Vec::new();
        for (instance, (Instance { mesh, .. }, transform)) in scene::instances().iter().zip(transforms).enumerate() {
            let m = &meshes[*mesh as usize];
            for tri in m.indices.chunks(3) {
                let v = |k: usize| m.vertices[tri[k] as usize];
                triangles.push(Triangle {
                    instance,
                    mesh: *mesh,
                    p: std::array::from_fn(|k| transform.apply(v(k).position)),
                    n: std::array::from_fn(|k| normalize(linear_part(transform, v(k).normal))),
                    uv: std::array::from_fn(|k| v(k).uv),
                });
            }
        }
        Self { triangles, view, texels }
    }

    /// The unit direction of the primary ray through pixel (`x`, `y`) offset by (`dx`, `dy`)
    /// pixels from its centre (y down).
    pub fn ray_direction(&self, x: f32, y: f32) -> [f32; 3] {
        let v = &self.view;
        let u = (x + 0.5) / WIDTH as f32 * 2.0 - 1.0;
        let w = 1.0 - (y + 0.5) / HEIGHT as f32 * 2.0;
        normalize(std::array::from_fn(|i| v.forward[i] + u * v.right[i] + w * v.up[i]))
    }

    pub fn sky(&self, d: [f32; 3]) -> [f32; 3] {
        let t = (d[1] * 1.5 + 0.1).clamp(0.0, 1.0);
        std::array::from_fn(|i| self.view.horizon[i] + (self.view.zenith[i] - self.view.horizon[i]) * t)
    }

    /// The closest hit along the ray: triangle, distance, barycentrics of vertices 1 and 2.
    fn closest(&self, origin: [f32; 3], d: [f32; 3], t_min: f32) -> Option<(&Triangle, f32, [f32; 2])> {
        let mut best: Option<(&Triangle, f32, [f32; 2])> = None;
        for tri in &self.triangles {
            // Möller-Trumbore, both faces.
            let e1 = sub(tri.p[1], tri.p[0]);
            let e2 = sub(tri.p[2], tri.p[0]);
            let h = cross(d, e2);
            let a = dot(e1, h);
            if a.abs() < 1e-12 {
                continue;
            }
            let s = sub(origin, tri.p[0]);
            let u = dot(s, h) / a;
            let q = cross(s, e1);
            let v = dot(d, q) / a;
            let t = dot(e2, q) / a;
            if u < 0.0 || v < 0.0 || u + v > 1.0 || t < t_min {
                continue;
            }
            if best.is_none_or(|(_, bt, _)| t < bt) {
                best = Some((tri, t, [u, v]));
            }
        }
        best
    }

    /// What pixel (`x`, `y`) shows, offset by (`dx`, `dy`) pixels, and its color; `None` for
    /// the color where the texture lookup would blend texels (near a checker cell's edge, or
    /// at a coarse mip level), so that only exact expectations remain.
    pub fn trace(&self, x: f32, y: f32) -> (Seen, Option<[f32; 3]>) {
        let origin = [self.view.origin[0], self.view.origin[1], self.view.origin[2]];
        let d = self.ray_direction(x, y);
        let Some((tri, t, [b1, b2])) = self.closest(origin, d, 0.001) else {
            return (Seen::Sky, Some(self.sky(d)));
        };
        let w = [1.0 - b1 - b2, b1, b2];
        let mut n = normalize(std::array::from_fn(|i| (0..3).map(|k| w[k] * tri.n[k][i]).sum()));
        if dot(n, d) > 0.0 {
            n = n.map(|c| -c);
        }
        let p: [f32; 3] = std::array::from_fn(|i| origin[i] + d[i] * t + n[i] * 0.001);
        let sun = [self.view.sun[0], self.view.sun[1], self.view.sun[2]];
        let lambert = dot(n, sun);
        let shadowed = lambert > 0.0 && self.closest(p, sun, 0.001).is_some();
        let light = self.view.sun[3] + if lambert > 0.0 && !shadowed { lambert } else { 0.0 };
        let mut albedo =
            [self.view.albedo[tri.instance][0], self.view.albedo[tri.instance][1], self.view.albedo[tri.instance][2]];
        let seen = Seen::Surface { instance: tri.instance, shadowed };
        if tri.mesh == scene::PLANE {
            let uv: [f32; 2] = std::array::from_fn(|i| (0..3).map(|k| w[k] * tri.uv[k][i]).sum());
            match self.texel(uv, t) {
                Some(texel) => albedo = std::array::from_fn(|i| albedo[i] * texel[i]),
                None => return (seen, None),
            }
        }
        (seen, Some(albedo.map(|a| a * light)))
    }

    /// The filtered texture value at `uv` seen from distance `t`, where it is one texel's
    /// color: levels 0 to 1 (8x8-texel cells are 4x4 at level 1 and stay exact; bilinear
    /// filtering at level 1 reaches 1 level-0 texel from the point) and at least 1.5 texels from
    /// a cell's edge. `None` elsewhere.
    fn texel(&self, uv: [f32; 2], t: f32) -> Option<[f32; 3]> {
        let lod = (t * self.view.params[0]).max(1e-6).log2().max(0.0);
        if lod > 1.0 || uv.iter().any(|&c| c.abs() > 2.0 * GROUND_HALF) {
            return None;
        }
        let size = CHECKER_SIZE as f32;
        let texel = uv.map(|c| c.rem_euclid(1.0) * size);
        let edge = texel.map(|c| {
            let inside = c.rem_euclid(8.0);
            inside.min(8.0 - inside)
        });
        if edge.iter().any(|&e| e < 1.5) {
            return None;
        }
        let [x, y] = texel.map(|c| c as usize);
        let at = (y * CHECKER_SIZE as usize + x) * 4;
        Some(std::array::from_fn(|i| self.texels[at + i] as f32 / 255.0))
    }
}

/// Every `STEP`-th pixel in each direction is checked.
pub const STEP: u32 = 2;

/// What the checked pixels showed, by kind.
#[derive(Debug, Default)]
pub struct Tally {
    pub sky: usize,
    pub ground_lit: usize,
    pub ground_shadowed: usize,
    /// Per instance (the ground's too).
    pub instances: [usize; 5],
    pub skipped: usize,
}

/// What one checked pixel must show.
pub struct Expected {
    x: u32,
    y: u32,
    seen: Seen,
    color: [f32; 3],
    /// Whether the answer stays the same a third of a pixel away in each direction, and the
    /// color is exact (no texel blend): only such pixels are compared.
    robust: bool,
}

/// The reference's answer for every `STEP`-th pixel.
pub fn expectations(reference: &Reference) -> Vec<Expected> {
    let mut all = Vec::new();
    for y in (0..HEIGHT).step_by(STEP as usize) {
        for x in (0..WIDTH).step_by(STEP as usize) {
            let (seen, color) = reference.trace(x as f32, y as f32);
            let same_nearby = [(-0.33, 0.0), (0.33, 0.0), (0.0, -0.33), (0.0, 0.33)]
                .iter()
                .all(|&(dx, dy)| reference.trace(x as f32 + dx, y as f32 + dy).0 == seen);
            all.push(Expected { x, y, seen, color: color.unwrap_or_default(), robust: same_nearby && color.is_some() });
        }
    }
    all
}

/// Checks `pixels` (linear RGB, `WIDTH` x `HEIGHT`, row by row) against the robust
/// expectations, each channel within `tolerance` of the expected value clamped to `ceiling`
/// (1.0 for a picture stored as UNORM, infinity for a float one); the error names the first
/// pixel that differs.
pub fn check(expectations: &[Expected], pixels: &[[f32; 4]], tolerance: f32, ceiling: f32) -> Result<Tally, String> {
    let mut tally = Tally::default();
    for &Expected { x, y, seen, color: expected, robust } in expectations {
        if !robust {
            tally.skipped += 1;
            continue;
        }
        let got = pixels[(y * WIDTH + x) as usize];
        let expected = expected.map(|c| c.min(ceiling));
        if (0..3).any(|i| (got[i] - expected[i]).abs() > tolerance) {
            return Err(format!("pixel ({x}, {y}) shows {seen:?}: expected {expected:?}, the GPU drew {got:?}"));
        }
        match seen {
            Seen::Sky => tally.sky += 1,
            Seen::Surface { instance, shadowed } => {
                tally.instances[instance] += 1;
                if instance == 0 && shadowed {
                    tally.ground_shadowed += 1;
                } else if instance == 0 {
                    tally.ground_lit += 1;
                }
            }
        }
    }
    Ok(tally)
}
