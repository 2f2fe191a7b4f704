// Samples a texture across a quad: output pixel (x, y) of the storage image is the texture
// sampled at the pixel's centre, in texture coordinates [0, 1]^2, at mip level `LEVEL`
// (nearest filtering: each output pixel is one texel). Used by examples/textured_quad.rs,
// which checks every pixel against the texels it uploaded and the mip level the batch generated.

const LEVEL: f32 = 1.0;

@group(0) @binding(0) var texture: texture_2d<f32>;
@group(0) @binding(1) var nearest: sampler;
@group(0) @binding(2) var quad: texture_storage_2d<rgba8unorm, write>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(quad);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let uv = (vec2<f32>(id.xy) + 0.5) / vec2<f32>(size);
    let level0 = textureSampleLevel(texture, nearest, uv, 0.0);
    let level1 = textureSampleLevel(texture, nearest, uv, LEVEL);
    // Left half: level 0; right half: level 1 (the generated mip).
    var color = level0;
    if id.x >= size.x / 2u {
        color = level1;
    }
    textureStore(quad, id.xy, color);
}
