//! The handle-based `ResourceManager`: handles, lookups of every kind, stale and wrong-kind
//! handles, textures, shaders, materials (read back from the device) and batched updates.

mod bindless;
pub(crate) mod defrag;
mod defrag_pools;
mod defrag_threads;
mod faults;
mod materials;
mod shaders;
mod threads;

use vkres::manager::Error;
use vkres::manager::{ResourceManager, TextureDescriptor, TextureMips};
use vkres::{BufferType, ResourceHandle, ResourceType, SamplerDesc, vk};

use crate::support::{Gpu, noise};

fn words(bytes: &[u8]) -> Vec<u32> {
    bytemuck::pod_collect_to_vec(bytes)
}

#[test]
fn buffers_are_created_read_and_destroyed_by_handle() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let data: Vec<u32> = (0..256).map(|i| i * 3 + 1).collect();
    let filled = manager
        .create_buffer_with_data(&data, vk::BufferUsageFlags::TRANSFER_SRC, BufferType::Storage)
        .expect("buffer with data");
    let empty = manager.create_buffer(64, vk::BufferUsageFlags::empty(), BufferType::Vertex).expect("buffer");
    assert_eq!(manager.len(), 2);
    assert_eq!(manager.get_resource_type(filled), Some(ResourceType::Buffer(BufferType::Storage)));
    assert_eq!(manager.get_resource_type(empty), Some(ResourceType::Buffer(BufferType::Vertex)));

    let buffer = manager.get_buffer(filled).expect("live buffer");
    assert_eq!(buffer.size(), 1024);
    assert!(buffer.usage().contains(vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST));
    assert_eq!(words(&gpu.read_back(&buffer)), data, "the device holds the initial data");
    let vertex = manager.get_buffer(empty).expect("live buffer");
    assert!(vertex.usage().contains(vk::BufferUsageFlags::VERTEX_BUFFER), "the type's usage is added");

    manager.destroy_resource(filled).expect("destroy");
    assert!(manager.get_buffer(filled).is_none());
    assert_eq!(manager.get_resource_type(filled), None);
    assert!(matches!(manager.destroy_resource(filled), Err(Error::StaleHandle { .. })), "destroyed twice");
    assert_eq!(manager.len(), 1);
    // The clone taken before keeps the buffer alive and usable after its destruction in the table.
    assert_eq!(words(&gpu.read_back(&buffer)), data);
    drop((buffer, vertex));
    drop(manager); // releases `empty`: the harness checks that nothing is left alive
}

#[test]
fn stale_handles_are_rejected_after_their_slot_is_reused() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let old =
        manager.create_buffer_with_data(&[1u32; 4], vk::BufferUsageFlags::empty(), BufferType::Uniform).expect("old");
    manager.destroy_resource(old).expect("destroy");
    let new =
        manager.create_buffer_with_data(&[2u32; 4], vk::BufferUsageFlags::empty(), BufferType::Uniform).expect("new");
    assert_eq!(old.index(), new.index(), "the slot is reused");
    assert_ne!(old, new, "with a new generation");
    assert_eq!(new.generation(), old.generation() + 1);

    assert!(manager.get_buffer(old).is_none(), "the stale handle does not reach the newer buffer");
    assert_eq!(manager.get_resource_type(old), None);
    assert!(matches!(manager.buffer(old), Err(Error::StaleHandle { .. })));
    assert!(matches!(manager.update_buffers(&[(old, 0, &[0u8; 4][..])]), Err(Error::StaleHandle { .. })));
    assert!(matches!(manager.destroy_resource(old), Err(Error::StaleHandle { .. })));
    assert!(manager.get_buffer(new).is_some(), "destroying through the stale handle left the new one alone");

    // A slot reused by another kind: the old handle names nothing, of any kind.
    manager.destroy_resource(new).expect("destroy");
    let texture = manager.create_texture(&TextureDescriptor::default()).expect("texture");
    assert_eq!(texture.index(), old.index());
    for stale in [old, new] {
        assert!(manager.get_texture(stale).is_none());
        assert!(manager.get_buffer(stale).is_none());
        assert_eq!(manager.get_resource_type(stale), None);
    }
    assert!(manager.get_buffer(ResourceHandle::NULL).is_none());
    assert!(matches!(manager.buffer(ResourceHandle::NULL), Err(Error::StaleHandle { .. })));
}

/// A handle carries the identity of its manager: with another manager it names nothing, even
/// where that manager holds a resource at the same index and generation.
#[test]
fn another_managers_handle_names_nothing() {
    let gpu = Gpu::new();
    let first = ResourceManager::new(gpu.alloc()).expect("first manager");
    let second = ResourceManager::new(gpu.alloc()).expect("second manager");
    let usage = vk::BufferUsageFlags::TRANSFER_SRC;
    let mine = first.create_buffer_with_data(&[1u32; 4], usage, BufferType::Storage).expect("first's");
    let theirs = second.create_buffer_with_data(&[2u32; 4], usage, BufferType::Storage).expect("second's");
    assert_eq!((mine.index(), mine.generation()), (theirs.index(), theirs.generation()), "same slot, same generation");
    assert_ne!(mine, theirs, "but not the same handle");

    assert!(second.get_buffer(mine).is_none(), "the first manager's handle does not reach the second's buffer");
    assert_eq!(second.get_resource_type(mine), None);
    assert!(matches!(second.buffer(mine), Err(Error::ForeignHandle { .. })));
    assert!(matches!(second.update_buffers(&[(mine, 0, &[0u8; 4][..])]), Err(Error::ForeignHandle { .. })));
    assert!(matches!(second.destroy_resource(mine), Err(Error::ForeignHandle { .. })));
    assert_eq!(second.len(), 1, "the second manager's buffer is still there");
    assert_eq!(gpu.read_back(&second.buffer(theirs).expect("theirs")), bytemuck::cast_slice::<u32, u8>(&[2; 4]));
    assert_eq!(gpu.read_back(&first.buffer(mine).expect("mine")), bytemuck::cast_slice::<u32, u8>(&[1; 4]));
    first.destroy_resource(mine).expect("destroyed by its own manager");
    assert!(matches!(first.buffer(mine), Err(Error::StaleHandle { .. })));
}

#[test]
fn wrong_kind_lookups_get_nothing() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let buffer = manager.create_buffer(16, vk::BufferUsageFlags::empty(), BufferType::Storage).expect("buffer");
    let texture = manager.create_texture(&TextureDescriptor::default()).expect("texture");
    let shader = manager.create_shader(&shaders::bindless_sum()).expect("shader");

    assert!(manager.get_buffer(texture).is_none());
    assert!(manager.get_buffer(shader).is_none());
    assert!(manager.get_texture(buffer).is_none());
    assert!(manager.get_shader_stage_info(texture).is_none());
    assert!(manager.get_material(shader).is_none());
    match manager.buffer(texture) {
        Err(Error::WrongResourceKind { expected: "buffer", found: "texture", .. }) => {}
        other => panic!("expected WrongResourceKind, got {other:?}"),
    }
    // A batch update naming a texture fails before anything is submitted.
    let before = gpu.ctx().submission_count();
    let result = manager.update_buffers(&[(buffer, 0, &[1u8; 4][..]), (texture, 0, &[1u8; 4][..])]);
    assert!(matches!(result, Err(Error::WrongResourceKind { found: "texture", .. })), "{result:?}");
    assert_eq!(gpu.ctx().submission_count(), before);
    // A material's shader must be a shader.
    let desc = vkres::manager::MaterialDescriptor { name: "m".into(), shader_handle: buffer, parameters: vec![] };
    assert!(matches!(manager.create_material(&desc), Err(Error::WrongResourceKind { found: "buffer", .. })));
    // The right kinds still resolve.
    assert!(manager.get_buffer(buffer).is_some() && manager.get_texture(texture).is_some());
    assert!(manager.get_shader_stage_info(shader).is_some());
}

#[test]
fn textures_have_view_sampler_and_uploaded_texels() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let texels = noise(16 * 16 * 4, 7);
    let handle = manager
        .create_texture(&TextureDescriptor {
            width: 16,
            height: 16,
            format: vk::Format::R8G8B8A8_UNORM,
            usage: vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_SRC,
            data: Some(&texels),
            mips: TextureMips::Generate,
            sampler: SamplerDesc::nearest(),
            name: "albedo".into(),
        })
        .expect("texture");
    assert_eq!(manager.get_resource_type(handle), Some(ResourceType::Texture));
    let texture = manager.get_texture(handle).expect("texture");
    assert_ne!(texture.view().handle(), vk::ImageView::null());
    assert_eq!(texture.sampler().desc(), &SamplerDesc::nearest());
    assert_eq!(texture.image().desc().mip_levels, 5, "16x16 has 5 levels");
    assert_eq!(texture.image().layout(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL);

    let back = gpu.download(texture.image());
    assert_eq!(&back[..texels.len()], &texels[..], "level 0 as uploaded");

    // Generated mips need data.
    let no_data = TextureDescriptor { mips: TextureMips::Generate, ..TextureDescriptor::default() };
    assert!(matches!(manager.create_texture(&no_data), Err(Error::Vkres(vkres::Error::InvalidDescription { .. }))));
    drop(texture);
}

#[test]
fn batch_updates_take_exactly_one_submission() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let handles: Vec<_> = (0..4)
        .map(|i| {
            manager
                .create_buffer_with_data(&[i as u32; 64], vk::BufferUsageFlags::TRANSFER_SRC, BufferType::Storage)
                .expect("buffer")
        })
        .collect();
    let patches: Vec<Vec<u8>> = (0..4).map(|i| noise(32 + i * 8, i as u64 + 1)).collect();
    let updates: Vec<_> =
        handles.iter().zip(&patches).enumerate().map(|(i, (h, p))| (*h, i as u64 * 16, &p[..])).collect();
    let before = gpu.ctx().submission_count();
    manager.update_buffers(&updates).expect("update");
    assert_eq!(gpu.ctx().submission_count() - before, 1, "four updates, one submission");

    for (i, (handle, patch)) in handles.iter().zip(&patches).enumerate() {
        let mut expected: Vec<u8> = bytemuck::cast_slice(&[i as u32; 64]).to_vec();
        expected[i * 16..i * 16 + patch.len()].copy_from_slice(patch);
        assert_eq!(gpu.read_back(&manager.get_buffer(*handle).expect("buffer")), expected, "buffer {i}");
    }
    // Past the end: nothing is submitted.
    let before = gpu.ctx().submission_count();
    let too_long = [0u8; 300];
    assert!(matches!(
        manager.update_buffers(&[(handles[0], 0, &too_long[..])]),
        Err(Error::Vkres(vkres::Error::DataTooLarge { .. }))
    ));
    assert_eq!(gpu.ctx().submission_count(), before);
}

#[test]
fn registered_bundle_resources_get_handles() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let desc = vkres::BufferDesc::elements::<u32>(
        8,
        vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST,
    );
    let buffer = gpu.alloc().create_buffer_with_data(&desc, &[5u32; 8]).expect("buffer");
    let handle = manager.register_buffer(&buffer).expect("register");
    assert_eq!(manager.get_resource_type(handle), Some(ResourceType::Buffer(BufferType::Storage)));
    assert_eq!(manager.get_buffer(handle).expect("buffer").handle(), buffer.handle(), "shared, not copied");

    // A texture whose image is not ready for sampling is refused.
    let image = vkres::ImageDesc::new_2d(vk::Format::R8G8B8A8_UNORM, 4, 4, vk::ImageUsageFlags::TRANSFER_DST);
    let texture = gpu.alloc().create_texture(&image, &SamplerDesc::linear()).expect("texture");
    assert!(matches!(manager.register_texture(&texture), Err(Error::Vkres(vkres::Error::ValidUsage { .. }))));
    let mut batch = gpu.alloc().batch().expect("batch");
    batch.transition_image(texture.image(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL).expect("transition");
    batch.submit_and_wait().expect("submit");
    let handle = manager.register_texture(&texture).expect("register");
    assert_eq!(manager.get_texture(handle).expect("texture").view().handle(), texture.view().handle());
    drop(manager);
    drop((buffer, texture));
}

#[test]
fn a_full_table_is_a_typed_error() {
    let gpu = Gpu::new();
    let config = vkres::manager::ManagerConfig { capacity: 2, ..Default::default() };
    let manager = ResourceManager::with_config(gpu.alloc(), config).expect("manager");
    let a = manager.create_buffer(4, vk::BufferUsageFlags::empty(), BufferType::Index).expect("a");
    manager.create_buffer(4, vk::BufferUsageFlags::empty(), BufferType::Index).expect("b");
    let full = manager.create_buffer(4, vk::BufferUsageFlags::empty(), BufferType::Index);
    assert!(matches!(full, Err(Error::ResourceTableFull { capacity: 2 })), "{full:?}");
    manager.destroy_resource(a).expect("destroy");
    manager.create_buffer(4, vk::BufferUsageFlags::empty(), BufferType::Index).expect("room again");
}
