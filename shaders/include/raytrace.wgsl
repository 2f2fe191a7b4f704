// What the two tracers of the ray-tracing example share: the view, the bindings, the mesh
// fetches, the surface at a hit, the sky and the shading (which calls each tracer's own
// `in_shadow`). Not a shader of its own: `tests/runtime/shaders.rs` appends it to the sources
// that name it in a `// #append include/raytrace.wgsl` line (WGSL's module-scope declarations
// may come in any order, and an `enable` must come before them).
struct View {
    origin: vec4<f32>,
    forward: vec4<f32>,
    right: vec4<f32>,
    up: vec4<f32>,
    sun: vec4<f32>,
    horizon: vec4<f32>,
    zenith: vec4<f32>,
    params: vec4<f32>,
    albedo: array<vec4<f32>, 8>,
}

@group(0) @binding(2) var<uniform> view: View;
@group(0) @binding(3) var checker: texture_2d<f32>;
@group(0) @binding(5) var<storage, read> plane_vertices: array<f32>;
@group(0) @binding(6) var<storage, read> plane_indices: array<u32>;
@group(0) @binding(7) var<storage, read> cube_vertices: array<f32>;
@group(0) @binding(8) var<storage, read> cube_indices: array<u32>;
@group(0) @binding(9) var<storage, read> icosphere_vertices: array<f32>;
@group(0) @binding(10) var<storage, read> icosphere_indices: array<u32>;
@group(0) @binding(11) var<storage, read> tetrahedron_vertices: array<f32>;
@group(0) @binding(12) var<storage, read> tetrahedron_indices: array<u32>;

const T_MIN: f32 = 0.001;
const T_MAX: f32 = 1000.0;

// Float `i` of mesh `mesh`'s vertex buffer.
fn vertex_float(mesh: u32, i: u32) -> f32 {
    switch mesh {
        case 0u: { return plane_vertices[i]; }
        case 1u: { return cube_vertices[i]; }
        case 2u: { return icosphere_vertices[i]; }
        default: { return tetrahedron_vertices[i]; }
    }
}

// Index `i` of mesh `mesh`'s index buffer.
fn vertex_index(mesh: u32, i: u32) -> u32 {
    switch mesh {
        case 0u: { return plane_indices[i]; }
        case 1u: { return cube_indices[i]; }
        case 2u: { return icosphere_indices[i]; }
        default: { return tetrahedron_indices[i]; }
    }
}

fn vertex_normal(mesh: u32, v: u32) -> vec3<f32> {
    let base = v * FLOATS_PER_VERTEX;
    return vec3<f32>(vertex_float(mesh, base + 3u), vertex_float(mesh, base + 4u), vertex_float(mesh, base + 5u));
}

fn vertex_uv(mesh: u32, v: u32) -> vec2<f32> {
    let base = v * FLOATS_PER_VERTEX;
    return vec2<f32>(vertex_float(mesh, base + 6u), vertex_float(mesh, base + 7u));
}

// What shading needs of a hit.
struct Surface {
    position: vec3<f32>,
    normal: vec3<f32>,
    uv: vec2<f32>,
    t: f32,
    instance: u32,
    mesh: u32,
}

// The surface at barycentrics `bary` of triangle `primitive` of mesh `mesh`.
fn surface(mesh: u32, primitive: u32, bary: vec2<f32>, object_to_world: mat4x3<f32>) -> Surface {
    let i0 = vertex_index(mesh, primitive * 3u);
    let i1 = vertex_index(mesh, primitive * 3u + 1u);
    let i2 = vertex_index(mesh, primitive * 3u + 2u);
    let w = vec3<f32>(1.0 - bary.x - bary.y, bary.x, bary.y);
    let n = w.x * vertex_normal(mesh, i0) + w.y * vertex_normal(mesh, i1) + w.z * vertex_normal(mesh, i2);
    var s: Surface;
    s.normal = normalize(object_to_world * vec4<f32>(n, 0.0));
    s.uv = w.x * vertex_uv(mesh, i0) + w.y * vertex_uv(mesh, i1) + w.z * vertex_uv(mesh, i2);
    s.mesh = mesh;
    return s;
}

fn sky(direction: vec3<f32>) -> vec3<f32> {
    let t = clamp(direction.y * 1.5 + 0.1, 0.0, 1.0);
    return mix(view.horizon.xyz, view.zenith.xyz, t);
}

// Lambert with a shadow ray; the ground's albedo is its texture at a level of detail from the
// distance.
fn shade(s: Surface, direction: vec3<f32>) -> vec3<f32> {
    var albedo = view.albedo[s.instance].xyz;
    if s.mesh == 0u {
        let lod = max(log2(max(s.t * view.params.x, 1e-6)), 0.0);
        albedo *= textureSampleLevel(checker, linear, s.uv, lod).xyz;
    }
    var n = s.normal;
    if dot(n, direction) > 0.0 {
        n = -n;
    }
    var light = view.sun.w;
    let lambert = dot(n, view.sun.xyz);
    if lambert > 0.0 && !in_shadow(s.position + n * 0.001) {
        light += lambert;
    }
    return albedo * light;
}

fn primary_direction(pixel: vec2<u32>) -> vec3<f32> {
    return pixel_direction(pixel, view.params.yz, view.forward.xyz, view.right.xyz, view.up.xyz);
}
