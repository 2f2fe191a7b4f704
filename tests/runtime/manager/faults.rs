//! Fault injection on the manager: every Vulkan object the `ResourceManager` makes (its
//! bindless layout, pool and set, a shader module, a texture's view, the upload's submission)
//! passes the context's fault hook, as the allocator's do; each failure leaves nothing behind.

use vkres::ManagerError;
use vkres::manager::{ResourceManager, TextureDescriptor};

use super::shaders::bindless_sum;
use crate::faults::sweep_object_creation;
use crate::support::{Gpu, noise};

#[test]
fn every_failed_object_creation_of_a_manager_leaks_nothing() {
    let gpu = Gpu::new();
    let (alloc, ctx) = (gpu.alloc().clone(), gpu.ctx().clone());
    let texels = noise(4 * 4 * 4, 11);
    // The sweep wants the layers' own errors: an injected fault reaches the manager as one.
    let core = |e: ManagerError| match e {
        ManagerError::Vkres(e) => e,
        other => panic!("a fault gave a manager error of its own: {other}"),
    };
    let make = || {
        let manager = ResourceManager::new(&alloc).map_err(core)?;
        manager.create_shader(&bindless_sum()).map_err(core)?;
        let texture = TextureDescriptor {
            width: 4,
            height: 4,
            data: Some(&texels),
            name: "manager fault texture".into(),
            ..Default::default()
        };
        manager.create_texture(&texture).map_err(core)?;
        Ok(manager)
    };
    let before = ctx.faults_injected();
    let points = sweep_object_creation(&gpu, &alloc, make);
    // Shader module, view, submission; and the bindless layout, pool and set where the device
    // has descriptor indexing.
    let at_least = if ctx.capabilities().enabled.descriptor_indexing { 6 } else { 3 };
    assert!(points >= at_least, "{points} fault points in the manager, expected at least {at_least}");
    assert_eq!(ctx.faults_injected() - before, points);
    println!("FIGURE manager object-creation faults: {points} injected, {points} survived");
}
