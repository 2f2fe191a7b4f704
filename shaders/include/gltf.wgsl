// What the two tracers of the glTF example share: the view, the bindings, the vertex fetches
// and the shading of a hit. Not a shader of its own: `tests/runtime/shaders.rs` appends it to the
// sources that name it in a `// #append include/gltf.wgsl` line. Bindings:
// examples/gltf/scene.rs (`GltfScene`).
struct View {
    origin: vec4<f32>,
    forward: vec4<f32>,
    right: vec4<f32>,
    up: vec4<f32>,
    sun: vec4<f32>,
    sky: vec4<f32>,
    // x, y: the picture's size in pixels; z: a pixel's spread angle (its ray cone); w: where
    // shadow rays start (t_min), against a surface's own triangles.
    params: vec4<f32>,
}

struct Record {
    first_vertex: u32,
    first_index: u32,
    indexed: u32,
    pad: u32,
}

// vkres::GeometryRecord: two device addresses (u64 as two u32), the material, padding.
struct GeometryRecord {
    vertices: vec2<u32>,
    indices: vec2<u32>,
    material: u32,
    pad: u32,
}

struct Material {
    base_color: vec4<f32>,
    texture: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(2) var<uniform> view: View;
@group(0) @binding(3) var textures: binding_array<texture_2d<f32>, 64>;
@group(0) @binding(5) var<storage, read> vertices: array<f32>;
@group(0) @binding(6) var<storage, read> indices: array<u32>;
@group(0) @binding(7) var<storage, read> records: array<Record>;
@group(0) @binding(8) var<storage, read> materials: array<Material>;
@group(0) @binding(9) var<storage, read> table: array<GeometryRecord>;

const NO_TEXTURE: u32 = 0xFFFFFFFFu;
const T_MIN: f32 = 0.0;
const T_MAX: f32 = 1.0e30;

fn vertex_normal(v: u32) -> vec3<f32> {
    let b = v * FLOATS_PER_VERTEX;
    return vec3<f32>(vertices[b + 3u], vertices[b + 4u], vertices[b + 5u]);
}

fn vertex_uv(v: u32) -> vec2<f32> {
    let b = v * FLOATS_PER_VERTEX;
    return vec2<f32>(vertices[b + 6u], vertices[b + 7u]);
}

fn vertex_position(v: u32) -> vec3<f32> {
    let b = v * FLOATS_PER_VERTEX;
    return vec3<f32>(vertices[b], vertices[b + 1u], vertices[b + 2u]);
}

// The primary ray of pixel `pixel`.
fn primary_direction(pixel: vec2<u32>) -> vec3<f32> {
    return pixel_direction(pixel, view.params.xy, view.forward.xyz, view.right.xyz, view.up.xyz);
}

// The absolute vertex numbers of triangle `primitive` of geometry record `index`.
fn corners(index: u32, primitive: u32) -> vec3<u32> {
    let record = records[index];
    var corner = vec3<u32>(primitive * 3u, primitive * 3u + 1u, primitive * 3u + 2u);
    if record.indexed != 0u {
        let i = record.first_index + primitive * 3u;
        corner = vec3<u32>(indices[i], indices[i + 1u], indices[i + 2u]);
    }
    return corner + vec3<u32>(record.first_vertex);
}

// What a ray sees where it hits: the surface's colour and its normal.
struct Surface {
    // The base colour (texture times factor), linear.
    albedo: vec3<f32>,
    // The interpolated normal in world space, unit length, turned to face the ray.
    normal: vec3<f32>,
}

// The mip level of texture `texture` for the hit at distance `t` along `direction` on the
// triangle of corners `v` placed by `m`: a ray cone of the pixel's spread (`view.params.z`)
// is `t * spread` wide there; seen at the angle between the ray and the triangle's plane it
// covers that width over the cosine of world space, which the triangle maps to texels by the
// square root of its texel-to-world area ratio. The level is the log2 of that texel footprint,
// clamped to the chain (0 where the triangle has no texture area). The CPU reference
// (tests/runtime/gltf/reference.rs) chooses it the same way.
fn texture_lod(texture: u32, v: vec3<u32>, m: mat4x3<f32>, direction: vec3<f32>, t: f32) -> f32 {
    let e1 = vertex_position(v.y) - vertex_position(v.x);
    let e2 = vertex_position(v.z) - vertex_position(v.x);
    // Twice the triangle's world area, as a vector along its geometric normal.
    let g = cross(m[0] * e1.x + m[1] * e1.y + m[2] * e1.z, m[0] * e2.x + m[1] * e2.y + m[2] * e2.z);
    let d1 = vertex_uv(v.y) - vertex_uv(v.x);
    let d2 = vertex_uv(v.z) - vertex_uv(v.x);
    let size = vec2<f32>(textureDimensions(textures[texture]));
    // Twice the triangle's area in texels.
    let texel_area = abs(d1.x * d2.y - d1.y * d2.x) * size.x * size.y;
    // t * spread / cos * sqrt(texel_area / world_area), with cos = |g.d| / |g|.
    let footprint = t * view.params.z * sqrt(texel_area * length(g)) / max(abs(dot(g, direction)), 1.0e-30);
    let last = f32(textureNumLevels(textures[texture]) - 1u);
    return clamp(log2(max(footprint, 1.0e-30)), 0.0, last);
}

// The surface of a hit on triangle `primitive` of geometry record `index` (the instance's
// custom index plus the geometry index) at barycentrics `bary`, at distance `t` along
// `direction`: the interpolated normal and texture coordinates, the base colour texture
// (trilinear, at the level of `texture_lod`) times the material's factor.
fn surface_at(index: u32, primitive: u32, bary: vec2<f32>, m: mat4x3<f32>, direction: vec3<f32>, t: f32) -> Surface {
    let material = materials[table[index].material];
    let v = corners(index, primitive);
    let b = vec3<f32>(1.0 - bary.x - bary.y, bary.x, bary.y);
    let n_object = vertex_normal(v.x) * b.x + vertex_normal(v.y) * b.y + vertex_normal(v.z) * b.z;
    let uv = vertex_uv(v.x) * b.x + vertex_uv(v.y) * b.y + vertex_uv(v.z) * b.z;
    // Normals transform by the inverse transpose: the cofactors of the 3x3 part (the
    // determinant's sign does not matter, the normal is turned to face the ray).
    let n_world = cross(m[1], m[2]) * n_object.x + cross(m[2], m[0]) * n_object.y + cross(m[0], m[1]) * n_object.z;
    var n = normalize(n_world);
    if dot(n, direction) > 0.0 {
        n = -n;
    }
    var albedo = material.base_color.xyz;
    if material.texture != NO_TEXTURE {
        let lod = texture_lod(material.texture, v, m, direction, t);
        albedo = albedo * textureSampleLevel(textures[material.texture], linear, uv, lod).xyz;
    }
    return Surface(albedo, n);
}

// How much of the sun falls on a surface of normal `n`: Lambert, two-sided (the normal faces
// the ray); 0 where the surface faces away. A shadow ray is cast only where it is above 0.
fn sunlight(n: vec3<f32>) -> f32 {
    return max(dot(n, view.sun.xyz), 0.0);
}

// The colour of `surface` lit by ambient light plus `sun` (its `sunlight`, 0 in shadow).
fn lit(surface: Surface, sun: f32) -> vec3<f32> {
    let ambient = view.sun.w;
    return surface.albedo * (ambient + (1.0 - ambient) * sun);
}
