//! A scene from a real file under fault injection: every allocation and every Vulkan object
//! creation of `GltfScene::create` for the textured box (its buffers and images, the BLAS and
//! TLAS with their storage, the views, the submission) failed in turn, each a typed
//! error that leaves nothing behind (`crate::faults::sweep` checks the leak report and the
//! validation log after each).

use super::load::load;
use super::model;
use super::scene::{GltfScene, SceneInputs};
use crate::support::Gpu;

fn inputs() -> SceneInputs {
    let data = load(&model("BoxTextured-glTF-Binary/BoxTextured.glb")).expect("load");
    SceneInputs::new(&data, 16, 16).expect("fits")
}

#[test]
fn every_failed_allocation_of_a_gltf_scene_leaks_nothing() {
    let Some(gpu) = Gpu::with_accel().filter(|gpu| gpu.ctx().capabilities().enabled.descriptor_indexing) else {
        return;
    };
    let inputs = inputs();
    let points = crate::faults::sweep_allocations(&gpu, |alloc| GltfScene::create(alloc, inputs.inputs()));
    // The picture, the texture, 6 buffers (view, vertices, indices, records, materials, table),
    // 1 position and 1 index buffer, the BLAS's and TLAS's storage, the instances.
    assert!(points >= 12, "{points} allocation fault points");
    println!("FIGURE glTF scene allocation faults: {points} injected, {points} survived");
}

#[test]
fn every_failed_object_creation_of_a_gltf_scene_leaks_nothing() {
    let Some(gpu) = Gpu::with_accel().filter(|gpu| gpu.ctx().capabilities().enabled.descriptor_indexing) else {
        return;
    };
    let inputs = inputs();
    let make = || GltfScene::create(gpu.alloc(), inputs.inputs());
    let points = crate::faults::sweep_object_creation(&gpu, gpu.alloc(), make);
    // At least the picture's and the texture's views, the BLAS, the TLAS and the submission.
    assert!(points >= 5, "{points} object-creation fault points");
    println!("FIGURE glTF scene object-creation faults: {points} injected, {points} survived");
}
