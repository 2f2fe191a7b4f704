//! The CPU reference of the glTF picture: the same rays as `shaders/gltf_query.wgsl`, traced in
//! f64 against every placed triangle (culled by world-space boxes of 64-triangle chunks), shaded
//! the same way (interpolated normal through the instance's cofactor matrix, turned to the ray,
//! base colour factor times the texture sampled trilinearly with repeat at the mip level the
//! shader's ray cone chooses, from a mip chain made here as the device's linear blits make it,
//! sRGB decoded; Lambert plus ambient, the sun's share zero where a shadow ray towards it hits
//! something). Pixels whose answer a float-precision tracer may legitimately give differently
//! (closest hit within a hair of a triangle's edge, two surfaces at one distance, a miss
//! grazing an edge, a shadow ray grazing an edge or meeting a surface near its start) are
//! ambiguous, not compared.

use super::load::{Image, NO_TEXTURE, SceneData};
use super::scene::View;
use crate::cpu_trace::{V, add, cross, dot, moller_trumbore, normalize, scale, sub, wide};

/// Relative closeness (barycentric, or distance) below which a hit is too close to call.
const EDGE: f64 = 1e-4;

/// Triangles per culling box.
const CHUNK: usize = 64;

/// What the reference expects of one pixel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Expected {
    /// The sky.
    Miss,
    /// A surface of this linear colour.
    Hit([f32; 3]),
    /// A surface in shadow, of linear colour `color`; `lit` is its colour were the sun not
    /// blocked.
    Shadowed {
        /// What the device must draw.
        color: [f32; 3],
        /// What it would draw without the shadow ray.
        lit: [f32; 3],
    },
    /// Not compared.
    Ambiguous,
}

/// One placed triangle in world space, with where its shading data comes from.
struct Triangle {
    corners: [V; 3],
    /// Index of the placed primitive in [`Reference::placed`].
    placed: usize,
    /// The primitive's vertex numbers of its corners.
    vertices: [usize; 3],
}

/// A placed primitive: its mesh and primitive, and the instance's normal matrix.
struct Placed {
    mesh: usize,
    primitive: usize,
    /// Rows of the cofactor matrix of the instance's 3x3 part.
    normal_matrix: [V; 3],
}

/// A box around up to [`CHUNK`] triangles.
struct Chunk {
    lo: V,
    hi: V,
    triangles: std::ops::Range<usize>,
}

/// One mip level of an image: linear RGB texels, row by row.
pub struct Level {
    width: usize,
    height: usize,
    texels: Vec<[f64; 3]>,
}

/// The scene in world space, ready to trace.
pub struct Reference<'a> {
    data: &'a SceneData,
    view: View,
    triangles: Vec<Triangle>,
    placed: Vec<Placed>,
    chunks: Vec<Chunk>,
    /// Each image's full mip chain.
    mips: Vec<Vec<Level>>,
}

/// What a shadow ray meets.
enum Shadow {
    /// Nothing: the sun falls on the surface.
    Lit,
    /// A surface well inside a triangle, well past the ray's start.
    Shadowed,
    /// Only near an edge or near the ray's start: a float tracer may go either way.
    Unsure,
}

impl<'a> Reference<'a> {
    /// Places every triangle of `data` and boxes them.
    pub fn new(data: &'a SceneData, view: View) -> Self {
        let mips = data.images.iter().map(mip_chain).collect();
        let mut this = Self { data, view, triangles: Vec::new(), placed: Vec::new(), chunks: Vec::new(), mips };
        for instance in &data.instances {
            let m = instance.transform.0.map(wide);
            let apply = |p: [f32; 3]| {
                let p = wide(p);
                [0, 1, 2].map(|r| m[r][0] * p[0] + m[r][1] * p[1] + m[r][2] * p[2] + m[r][3])
            };
            let column = |c: usize| [m[0][c], m[1][c], m[2][c]];
            // n_world = cross(c1, c2) n.x + cross(c2, c0) n.y + cross(c0, c1) n.z, as the shader.
            let (k0, k1, k2) = (cross(column(1), column(2)), cross(column(2), column(0)), cross(column(0), column(1)));
            let normal_matrix = [[k0[0], k1[0], k2[0]], [k0[1], k1[1], k2[1]], [k0[2], k1[2], k2[2]]];
            let mesh = &data.meshes[instance.mesh as usize];
            for (p, primitive) in mesh.primitives.iter().enumerate() {
                let placed = this.placed.len();
                this.placed.push(Placed { mesh: instance.mesh as usize, primitive: p, normal_matrix });
                let first = this.triangles.len();
                for t in 0..primitive.triangles() {
                    let vertices = primitive.triangle(t);
                    let corners = vertices.map(|v| apply(primitive.vertices[v].position));
                    this.triangles.push(Triangle { corners, placed, vertices });
                }
                let mut start = first;
                while start < this.triangles.len() {
                    let end = (start + CHUNK).min(this.triangles.len());
                    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
                    for t in &this.triangles[start..end] {
                        for c in t.corners {
                            for k in 0..3 {
                                lo[k] = lo[k].min(c[k]);
                                hi[k] = hi[k].max(c[k]);
                            }
                        }
                    }
                    this.chunks.push(Chunk { lo, hi, triangles: start..end });
                    start = end;
                }
            }
        }
        this
    }

    /// The primary ray of pixel (x, y), as the shader makes it.
    fn ray(&self, x: u32, y: u32) -> (V, V) {
        let v = &self.view;
        let (w, h) = (f64::from(v.params[0]), f64::from(v.params[1]));
        let ndc = [2.0 * (f64::from(x) + 0.5) / w - 1.0, 1.0 - 2.0 * (f64::from(y) + 0.5) / h];
        let xyz = |a: [f32; 4]| wide([a[0], a[1], a[2]]);
        let d = add(add(xyz(v.forward), scale(xyz(v.right), ndc[0])), scale(xyz(v.up), ndc[1]));
        (xyz(v.origin), normalize(d))
    }

    /// What pixel (x, y) shows.
    pub fn pixel(&self, x: u32, y: u32) -> Expected {
        let (o, d) = self.ray(x, y);
        // (t, margin, triangle, u, v) of every hit or near hit.
        let mut candidates: Vec<(f64, f64, usize, f64, f64)> = Vec::new();
        for chunk in &self.chunks {
            if !slab(o, d, chunk.lo, chunk.hi) {
                continue;
            }
            for i in chunk.triangles.clone() {
                if let Some((t, u, v)) = intersect(o, d, self.triangles[i].corners) {
                    let margin = u.min(v).min(1.0 - u - v);
                    if margin > -EDGE && t > 0.0 {
                        candidates.push((t, margin, i, u, v));
                    }
                }
            }
        }
        candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
        let Some(&(t, margin, i, u, v)) = candidates.first() else { return Expected::Miss };
        let tied = candidates.get(1).is_some_and(|second| second.0 - t < EDGE * t);
        if margin < EDGE || tied {
            return Expected::Ambiguous;
        }
        let (albedo, n) = self.surface(d, t, i, u, v);
        let sun = wide([self.view.sun[0], self.view.sun[1], self.view.sun[2]]);
        let light = dot(n, sun).max(0.0);
        let ambient = f64::from(self.view.sun[3]);
        let color = |light: f64| albedo.map(|c| (c * (ambient + (1.0 - ambient) * light)) as f32);
        if light == 0.0 {
            return Expected::Hit(color(0.0));
        }
        match self.shadow(add(o, scale(d, t)), sun) {
            Shadow::Lit => Expected::Hit(color(light)),
            Shadow::Shadowed => Expected::Shadowed { color: color(0.0), lit: color(light) },
            Shadow::Unsure => Expected::Ambiguous,
        }
    }

    /// What the shadow ray from `o` towards the sun `d` meets past the view's shadow bias
    /// (`params.w`), as the shader casts it.
    fn shadow(&self, o: V, d: V) -> Shadow {
        let start = f64::from(self.view.params[3]);
        let mut unsure = false;
        for chunk in &self.chunks {
            if !slab(o, d, chunk.lo, chunk.hi) {
                continue;
            }
            for i in chunk.triangles.clone() {
                let Some((t, u, v)) = intersect(o, d, self.triangles[i].corners) else { continue };
                let margin = u.min(v).min(1.0 - u - v);
                if margin <= -EDGE || t < 0.5 * start {
                    continue;
                }
                if margin >= EDGE && t > 2.0 * start {
                    return Shadow::Shadowed;
                }
                unsure = true;
            }
        }
        if unsure { Shadow::Unsure } else { Shadow::Lit }
    }

    /// The base colour and the normal (facing the ray `d`) of the hit at distance `t` on
    /// triangle `i` at barycentrics (`u`, `v`).
    fn surface(&self, d: V, t: f64, i: usize, u: f64, v: f64) -> (V, V) {
        let triangle = &self.triangles[i];
        let placed = &self.placed[triangle.placed];
        let primitive = &self.data.meshes[placed.mesh].primitives[placed.primitive];
        let b = [1.0 - u - v, u, v];
        let corner = |k: usize| primitive.vertices[triangle.vertices[k]];
        let mut n = [0.0; 3];
        let mut uv = [0.0; 2];
        for (k, weight) in b.iter().enumerate() {
            n = add(n, scale(wide(corner(k).normal), *weight));
            uv = [uv[0] + weight * f64::from(corner(k).uv[0]), uv[1] + weight * f64::from(corner(k).uv[1])];
        }
        let nm = &placed.normal_matrix;
        let mut n = normalize([dot(nm[0], n), dot(nm[1], n), dot(nm[2], n)]);
        if dot(n, d) > 0.0 {
            n = scale(n, -1.0);
        }
        let material = self.data.materials[primitive.material as usize];
        let mut albedo = wide([material.base_color[0], material.base_color[1], material.base_color[2]]);
        if material.texture != NO_TEXTURE {
            let chain = &self.mips[material.texture as usize];
            let uvs = [0, 1, 2].map(|k| wide(corner(k).uv));
            let lod = texture_lod(&chain[0], triangle.corners, uvs, d, t, f64::from(self.view.params[2]), chain.len());
            let texel = trilinear(chain, uv, lod);
            albedo = [0, 1, 2].map(|k| albedo[k] * texel[k]);
        }
        (albedo, n)
    }
}

/// The mip level the shader's `texture_lod` chooses (see there) for a hit at distance `t`
/// along `d` on the world-space triangle `corners` with texture coordinates `uvs`, on a
/// texture whose level 0 is `base` and whose chain has `levels` levels.
pub fn texture_lod(base: &Level, corners: [V; 3], uvs: [[f64; 2]; 3], d: V, t: f64, spread: f64, levels: usize) -> f64 {
    let g = cross(sub(corners[1], corners[0]), sub(corners[2], corners[0]));
    let (d1, d2) = ([uvs[1][0] - uvs[0][0], uvs[1][1] - uvs[0][1]], [uvs[2][0] - uvs[0][0], uvs[2][1] - uvs[0][1]]);
    let texel_area = (d1[0] * d2[1] - d1[1] * d2[0]).abs() * (base.width * base.height) as f64;
    let footprint = t * spread * (texel_area * dot(g, g).sqrt()).sqrt() / dot(g, d).abs().max(1e-30);
    footprint.max(1e-30).log2().clamp(0.0, (levels - 1) as f64)
}

/// The full mip chain of `image` as the device generates it: level 0 decoded, each next level
/// (half the size, at least 1) a linear blit of the one before (each texel the bilinear sample,
/// clamped to the edge, of the source at its centre, in linear colour), stored as sRGB 8 bits.
pub fn mip_chain(image: &Image) -> Vec<Level> {
    let texels = image.rgba.chunks_exact(4).map(|t| [0, 1, 2].map(|k| decode(t[k]))).collect();
    let mut chain = vec![Level { width: image.width as usize, height: image.height as usize, texels }];
    while let Some(last) = chain.last().filter(|l| l.width > 1 || l.height > 1) {
        let (width, height) = ((last.width / 2).max(1), (last.height / 2).max(1));
        let (sx, sy) = (last.width as f64 / width as f64, last.height as f64 / height as f64);
        let texel = |i: i64, j: i64| {
            last.texels[(j.clamp(0, last.height as i64 - 1) as usize) * last.width
                + i.clamp(0, last.width as i64 - 1) as usize]
        };
        let mut texels = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                let (u, v) = ((x as f64 + 0.5) * sx - 0.5, (y as f64 + 0.5) * sy - 0.5);
                let c = bilinear_with(u, v, texel);
                texels.push(c.map(|c| decode(encode(c))));
            }
        }
        chain.push(Level { width, height, texels });
    }
    chain
}

/// `chain` at `uv` (repeating) and level `lod`: bilinear in the two nearest levels, blended.
fn trilinear(chain: &[Level], uv: [f64; 2], lod: f64) -> [f64; 3] {
    let low = (lod.floor() as usize).min(chain.len() - 1);
    let high = (low + 1).min(chain.len() - 1);
    let f = lod - low as f64;
    let (a, b) = (bilinear(&chain[low], uv), bilinear(&chain[high], uv));
    [0, 1, 2].map(|k| a[k] * (1.0 - f) + b[k] * f)
}

/// Möller-Trumbore: `t` and the barycentrics of corners 1 and 2.
fn intersect(o: V, d: V, tri: [V; 3]) -> Option<(f64, f64, f64)> {
    moller_trumbore(o, d, tri, 1e-300)
}

/// Whether the ray passes through the box, widened a little so that near misses are tested.
fn slab(o: V, d: V, lo: V, hi: V) -> bool {
    let (mut near, mut far) = (0.0f64, f64::INFINITY);
    for k in 0..3 {
        let pad = (hi[k] - lo[k]).abs() * 1e-3 + 1e-9;
        let (a, b) = ((lo[k] - pad - o[k]) / d[k], (hi[k] + pad - o[k]) / d[k]);
        near = near.max(a.min(b));
        far = far.min(a.max(b));
    }
    near <= far
}

/// sRGB-encoded 8 bits to linear.
fn decode(c: u8) -> f64 {
    let s = f64::from(c) / 255.0;
    if s <= 0.04045 { s / 12.92 } else { ((s + 0.055) / 1.055).powf(2.4) }
}

/// Linear to sRGB-encoded 8 bits, rounded to nearest.
fn encode(c: f64) -> u8 {
    let c = c.clamp(0.0, 1.0);
    let s = if c <= 0.003_130_8 { c * 12.92 } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 };
    (s * 255.0 + 0.5) as u8
}

/// `level` at `uv`, bilinear, repeating.
fn bilinear(level: &Level, uv: [f64; 2]) -> [f64; 3] {
    let (w, h) = (level.width as i64, level.height as i64);
    let texel = |i: i64, j: i64| level.texels[(j.rem_euclid(h) * w + i.rem_euclid(w)) as usize];
    bilinear_with(uv[0] * w as f64 - 0.5, uv[1] * h as f64 - 0.5, texel)
}

/// The bilinear blend at texel coordinates (`x`, `y`) (texel centres at whole numbers) of the
/// texels `texel` gives.
fn bilinear_with(x: f64, y: f64, texel: impl Fn(i64, i64) -> [f64; 3]) -> [f64; 3] {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let (a, b, c, d) = (texel(x0, y0), texel(x0 + 1, y0), texel(x0, y0 + 1), texel(x0 + 1, y0 + 1));
    [0, 1, 2].map(|k| (a[k] * (1.0 - fx) + b[k] * fx) * (1.0 - fy) + (c[k] * (1.0 - fx) + d[k] * fx) * fy)
}

/// `expected` as it would be without shadow rays: what a picture without shadows matches.
pub fn without_shadows(expected: &[Expected]) -> Vec<Expected> {
    expected
        .iter()
        .map(|&e| match e {
            Expected::Shadowed { lit, .. } => Expected::Hit(lit),
            other => other,
        })
        .collect()
}

/// Counts of a comparison.
#[derive(Debug, Default)]
pub struct Tally {
    /// Sky pixels that matched.
    pub sky: usize,
    /// Surface pixels that matched.
    pub surface: usize,
    /// Of those, the ones in shadow.
    pub shadowed: usize,
    /// Pixels not compared.
    pub ambiguous: usize,
    /// The largest channel difference over matched surface pixels.
    pub worst: f32,
}

/// Compares the device's picture with the reference; `Err` lists the first pixels that differ.
pub fn check(
    expected: &[Expected],
    pixels: &[[f32; 4]],
    sky: [f32; 3],
    width: u32,
    tolerance: f32,
) -> Result<Tally, String> {
    let mut tally = Tally::default();
    let mut wrong = Vec::new();
    for (i, (e, p)) in expected.iter().zip(pixels).enumerate() {
        let close = |c: [f32; 3]| (0..3).map(|k| (c[k] - p[k]).abs()).fold(0.0f32, f32::max);
        match *e {
            Expected::Ambiguous => tally.ambiguous += 1,
            Expected::Miss if close(sky) <= 1e-6 => tally.sky += 1,
            Expected::Hit(c) | Expected::Shadowed { color: c, .. } if close(c) <= tolerance && close(sky) > 1e-6 => {
                tally.surface += 1;
                tally.shadowed += usize::from(matches!(e, Expected::Shadowed { .. }));
                tally.worst = tally.worst.max(close(c));
            }
            _ => wrong.push(format!(
                "pixel ({}, {}): expected {e:?}, device drew {p:?}",
                i as u32 % width,
                i as u32 / width
            )),
        }
    }
    if wrong.is_empty() {
        Ok(tally)
    } else {
        Err(format!("{} pixels differ:\n{}", wrong.len(), wrong[..wrong.len().min(10)].join("\n")))
    }
}
