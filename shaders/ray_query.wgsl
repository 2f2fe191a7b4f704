// Traces one ray per invocation against a TLAS with a ray query and writes what it hit.
// Triangles are opaque and committed by the traversal; AABBs are procedural boxes whose
// intersection this shader computes (a slab test in object space) and commits by hand.
// Used by tests/runtime/accel.rs, which compares every result with a CPU reference.
enable wgpu_ray_query;

struct Ray {
    origin: vec3<f32>,
    t_min: f32,
    direction: vec3<f32>,
    t_max: f32,
}

// 32 bytes: kind (0 miss, 1 triangle, 2 generated), then the committed intersection.
struct Hit {
    kind: u32,
    custom_index: u32,
    instance_index: u32,
    geometry_index: u32,
    primitive_index: u32,
    t: f32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(0) var scene: acceleration_structure;
@group(0) @binding(1) var<storage, read> rays: array<Ray>;
@group(0) @binding(2) var<storage, read_write> hits: array<Hit>;
// The boxes of the procedural BLAS: min xyz, max xyz per primitive (VkAabbPositionsKHR).
@group(0) @binding(3) var<storage, read> boxes: array<f32>;

// Entry distance of the ray into box `primitive` in object space, or -1 for a miss.
fn box_entry(primitive: u32, origin: vec3<f32>, direction: vec3<f32>, t_min: f32) -> f32 {
    let base = primitive * 6u;
    let lo = vec3<f32>(boxes[base], boxes[base + 1u], boxes[base + 2u]);
    let hi = vec3<f32>(boxes[base + 3u], boxes[base + 4u], boxes[base + 5u]);
    let t0 = (lo - origin) / direction;
    let t1 = (hi - origin) / direction;
    let near = min(t0, t1);
    let far = max(t0, t1);
    let t_near = max(max(near.x, near.y), near.z);
    let t_far = min(min(far.x, far.y), far.z);
    if t_near <= t_far && t_near >= t_min {
        return t_near;
    }
    return -1.0;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let index = id.x;
    if index >= arrayLength(&rays) {
        return;
    }
    let ray = rays[index];
    var query: ray_query;
    rayQueryInitialize(&query, scene, RayDesc(RAY_FLAG_NONE, 0xFFu, ray.t_min, ray.t_max, ray.origin, ray.direction));
    while rayQueryProceed(&query) {
        let candidate = rayQueryGetCandidateIntersection(&query);
        if candidate.kind != RAY_QUERY_INTERSECTION_AABB {
            continue;
        }
        let origin = candidate.world_to_object * vec4<f32>(ray.origin, 1.0);
        let direction = candidate.world_to_object * vec4<f32>(ray.direction, 0.0);
        let t = box_entry(candidate.primitive_index, origin, direction, ray.t_min);
        let committed = rayQueryGetCommittedIntersection(&query);
        var limit = ray.t_max;
        if committed.kind != RAY_QUERY_INTERSECTION_NONE {
            limit = committed.t;
        }
        if t >= 0.0 && t <= limit {
            rayQueryGenerateIntersection(&query, t);
        }
    }
    let hit = rayQueryGetCommittedIntersection(&query);
    var out: Hit;
    out.kind = hit.kind;
    out.custom_index = hit.instance_custom_data;
    out.instance_index = hit.instance_index;
    out.geometry_index = hit.geometry_index;
    out.primitive_index = hit.primitive_index;
    out.t = hit.t;
    if hit.kind == RAY_QUERY_INTERSECTION_NONE {
        out.t = -1.0;
    }
    hits[index] = out;
}
