// Sums values from storage buffers and textures chosen by resource-manager handle index.
//
// Group 0 is the ResourceManager's bindless set: binding 0 holds every storage buffer at its
// handle's index, binding 1 every texture's view. Push constants name, by handle index, the
// buffer of queries and the buffer the sums go to. Invocation i answers query i: the sum of
// the first `count` values of buffer `buffer_index`, plus texel (x, y) of texture
// `texture_index` (an R32_UINT texture). Indices differ per invocation, so the accesses are
// non-uniform.
//
// The arrays have the manager's default capacity (4096) as fixed size: naga 30 writes
// unbounded `binding_array`s without the RuntimeDescriptorArray capability, which Vulkan
// requires for them.

enable wgpu_binding_array;

struct Words {
    values: array<u32>,
}

struct Query {
    buffer_index: u32,
    count: u32,
    texture_index: u32,
    x: u32,
    y: u32,
}

struct Params {
    queries: u32,
    sums: u32,
    query_count: u32,
}

@group(0) @binding(0) var<storage, read_write> buffers: binding_array<Words, 4096>;
@group(0) @binding(1) var textures: binding_array<texture_2d<u32>, 4096>;

var<immediate> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if i >= params.query_count {
        return;
    }
    let base = i * 5u;
    let buffer_index = buffers[params.queries].values[base];
    let count = buffers[params.queries].values[base + 1u];
    let texture_index = buffers[params.queries].values[base + 2u];
    let texel = vec2<u32>(buffers[params.queries].values[base + 3u], buffers[params.queries].values[base + 4u]);
    var sum = 0u;
    for (var k = 0u; k < count; k++) {
        sum += buffers[buffer_index].values[k];
    }
    sum += textureLoad(textures[texture_index], texel, 0).r;
    buffers[params.sums].values[i] = sum;
}
