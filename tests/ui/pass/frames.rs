//! The frame features expand to safe code without warnings in a crate that forbids `unsafe` and
//! denies warnings: per-frame buffers and TLASes, resize, aliasing, `tlases` and TLASes over
//! nested bundles.
#![forbid(unsafe_code)]
#![deny(warnings)]

use vkres::{Blas, Buffer, GpuResources, ImageView, PerFrame, Texture, Tlas};

#[derive(GpuResources)]
struct Mesh {
    #[gpu(buffer(data = input))]
    vertices: Buffer<[f32; 3]>,
    #[gpu(blas(vertices = vertices, allow_update))]
    blas: Blas,
}

#[derive(GpuResources)]
struct Frame {
    #[gpu(buffer(usage = UNIFORM, len = 4, mapping = sequential_write, per_frame), binding = 0)]
    camera: PerFrame<Buffer<[f32; 4]>>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, input], usage = STORAGE, resize), binding = 1)]
    target: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [input, input], resize, sampler(filter = nearest)), binding = 2)]
    history: Texture,
    #[gpu(buffer(usage = STORAGE, len = 256))]
    scratch: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, len = 64, alias = scratch))]
    partial: Buffer<u32>,
    #[gpu(bundles)]
    meshes: Vec<Mesh>,
    #[gpu(tlas(instances = input, blases = meshes.blas, allow_update, per_frame), binding = 3)]
    scene: PerFrame<Tlas>,
    #[gpu(tlases(instances = input, blases = meshes.blas))]
    levels: Vec<Tlas>,
}

fn main() {
    let _ = Frame::create;
    let _ = Frame::descriptor_bindings;
    let _ = Frame::write_frame_descriptors;
    let _ = Frame::write_camera;
    let _ = Frame::frames_in_flight;
    let _ = Frame::refit_scene;
    let _ = Frame::resize;
    let _ = Frame::begin_scratch;
    let _ = Frame::begin_partial;
    let _ = FrameSizes { target_extent: [1, 1], history_extent: [1, 1] };
}
