//! Resources of another context (another `VkDevice`) given to this one's batches, recorders,
//! submissions and creation calls (issue 16, item 4): each is [`Error::WrongDevice`] before
//! anything is recorded or submitted; with the validation layer on, no `commonparent` message.
//! Each case makes a second context, without validation (the layer of the first is the one
//! that would see the misuse), and drops what it made from it before it.

use vkres::{
    BlasDesc, Buffer, BufferDesc, Error, Fence, Image, ImageDesc, ImageRegion, ImageUpload, TlasDesc, TlasInstance,
    TriangleGeometry, vk,
};

use super::{Case, case};
use crate::support::{Gpu, with_command_buffer};

const RGBA: vk::Format = vk::Format::R8G8B8A8_UNORM;
const INPUT: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR.as_raw()
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);
const TRIANGLE: [[f32; 3]; 3] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];

/// Runs `f` with a second context, which outlives everything `f` made from it.
fn foreign(f: impl FnOnce(&Gpu) -> vkres::Result<()>) -> vkres::Result<()> {
    let other = Gpu::without_validation();
    let result = f(&other);
    other.ctx().wait_idle()?;
    result
}

fn image(gpu: &Gpu, usage: vk::ImageUsageFlags) -> Image {
    gpu.alloc().create_image(&ImageDesc::new_2d(RGBA, 4, 4, usage).name("foreign image")).expect("image")
}

fn vertices(gpu: &Gpu) -> vkres::Result<Buffer<[f32; 3]>> {
    gpu.alloc().create_buffer_with_data(&BufferDesc::elements::<[f32; 3]>(3, INPUT).name("foreign vertices"), &TRIANGLE)
}

/// A TLAS of `gpu` over one triangle BLAS, built and waited for, named `name`.
fn tlas(gpu: &Gpu, name: &str) -> vkres::Result<vkres::Tlas> {
    let vertices = vertices(gpu)?;
    let mut batch = gpu.alloc().batch()?;
    let blas = batch
        .build_blas(&BlasDesc::new("blas").triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT)))?;
    let tlas = batch.build_tlas(&TlasDesc::new(name).instance(TlasInstance::new(&blas)))?;
    batch.submit_and_wait()?;
    Ok(tlas)
}

/// `f` with a recorder on a command buffer of `gpu`'s own, never submitted.
fn with_recorder(gpu: &Gpu, f: impl FnOnce(&mut vkres::Recorder<'_>) -> vkres::Result<()>) -> vkres::Result<()> {
    with_command_buffer(gpu, |cmd| {
        // SAFETY: `cmd` is recording, of the context's queue family, and never submitted.
        let mut recorder = unsafe { gpu.alloc().recorder(cmd) };
        f(&mut recorder)
    })
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("upload into another context's buffer", |gpu| foreign(|other| {
            let buffer = other.device_buffer(16, "foreign");
            gpu.alloc().batch()?.upload_bytes(&buffer, 0, &[1; 16])
        }) => Error::WrongDevice { .. }),
        case!("typed upload into another context's buffer", |gpu| foreign(|other| {
            let buffer: Buffer<u32> = other.device_buffer(16, "foreign").cast();
            gpu.alloc().batch()?.upload(&buffer, 0, &[1, 2, 3, 4])
        }) => Error::WrongDevice { .. }),
        case!("upload into a range of another context's arena", |gpu| foreign(|other| {
            let arena = other.alloc().create_buffer_arena(&BufferDesc::new(4096, vk::BufferUsageFlags::STORAGE_BUFFER))?;
            let range = arena.allocate_bytes(64)?;
            gpu.alloc().batch()?.upload_sub(&range, 0, &[0u8; 64])
        }) => Error::WrongDevice { .. }),
        case!("download of a range of another context's arena", |gpu| foreign(|other| {
            let arena = other.alloc().create_buffer_arena(&BufferDesc::new(4096, vk::BufferUsageFlags::STORAGE_BUFFER))?;
            let range = arena.allocate_bytes(64)?;
            gpu.alloc().batch()?.download_sub(&range).map(drop)
        }) => Error::WrongDevice { .. }),
        case!("copy from another context's buffer", |gpu| foreign(|other| {
            let src = other.device_buffer(16, "foreign");
            gpu.alloc().batch()?.copy_buffer(&src, 0, &gpu.device_buffer(16, "own"), 0, 16)
        }) => Error::WrongDevice { .. }),
        case!("copy into another context's buffer", |gpu| foreign(|other| {
            let dst = other.device_buffer(16, "foreign");
            gpu.alloc().batch()?.copy_buffer(&gpu.device_buffer(16, "own"), 0, &dst, 0, 16)
        }) => Error::WrongDevice { .. }),
        case!("download of another context's buffer", |gpu| foreign(|other| {
            gpu.alloc().batch()?.download_buffer(&other.device_buffer(16, "foreign")).map(drop)
        }) => Error::WrongDevice { .. }),
        case!("image upload into another context's image", |gpu| foreign(|other| {
            let image = image(other, vk::ImageUsageFlags::TRANSFER_DST);
            gpu.alloc().batch()?.upload_image(&image, &[0; 64], &ImageUpload::default())
        }) => Error::WrongDevice { .. }),
        case!("region upload into another context's image", |gpu| foreign(|other| {
            let image = image(other, vk::ImageUsageFlags::TRANSFER_DST);
            let region = ImageRegion::level(0).texels([0, 0, 0], [2, 2, 1]);
            gpu.alloc().batch()?.upload_image_region(&image, &region, &[0; 16], vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
        }) => Error::WrongDevice { .. }),
        case!("transition of another context's image", |gpu| foreign(|other| {
            let image = image(other, vk::ImageUsageFlags::SAMPLED);
            gpu.alloc().batch()?.transition_image(&image, vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)
        }) => Error::WrongDevice { .. }),
        case!("download of another context's image", |gpu| foreign(|other| {
            let usage = vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST | vk::ImageUsageFlags::SAMPLED;
            let image = image(other, usage);
            let mut batch = other.alloc().batch()?;
            batch.upload_image(&image, &[0; 64], &ImageUpload::default())?;
            batch.submit_and_wait()?;
            gpu.alloc().batch()?.download_image(&image).map(drop)
        }) => Error::WrongDevice { .. }),
        case!("alias barrier on another context's image", |gpu| foreign(|other| {
            let image = image(other, vk::ImageUsageFlags::SAMPLED);
            with_recorder(gpu, |recorder| recorder.alias_barrier(&[&image]))
        }) => Error::WrongDevice { .. }),
        case!("batch submitted with another context's fence", |gpu| foreign(|other| {
            let fence = Fence::new(other.ctx(), false)?;
            let mut batch = gpu.alloc().batch()?;
            batch.upload_bytes(&gpu.device_buffer(16, "own"), 0, &[1; 16])?;
            batch.submit_with_fence(&fence).map(drop)
        }) => Error::WrongDevice { .. }),
        case!("recorder finished with another context's fence", |gpu| foreign(|other| {
            let fence = Fence::new(other.ctx(), false)?;
            let own = gpu.device_buffer(16, "own");
            with_command_buffer(gpu, |cmd| {
                // SAFETY: `cmd` is recording, of the context's queue family, and never submitted.
                let mut recorder = unsafe { gpu.alloc().recorder(cmd) };
                recorder.upload_bytes(&own, 0, &[1; 16])?;
                recorder.finish(&fence).map(drop)
            })
        }) => Error::WrongDevice { .. }),
        case!("recorder upload into another context's buffer", |gpu| foreign(|other| {
            let buffer = other.device_buffer(16, "foreign");
            with_recorder(gpu, |recorder| recorder.upload_bytes(&buffer, 0, &[1; 16]))
        }) => Error::WrongDevice { .. }),
        case!("BLAS of another context's vertex buffer", |gpu| foreign(|other| {
            let geometry = TriangleGeometry::new(&vertices(other)?, vk::Format::R32G32B32_SFLOAT);
            gpu.alloc().batch()?.build_blas(&BlasDesc::new("b").triangles(geometry)).map(drop)
        }) => Error::WrongDevice { .. } | Error::MissingFeature { .. }),
        case!("BLAS of another context's index buffer", |gpu| foreign(|other| {
            let desc = BufferDesc::elements::<u32>(3, INPUT);
            let indices = other.alloc().create_buffer_with_data(&desc, &[0u32, 1, 2])?;
            let geometry = TriangleGeometry::new(&vertices(gpu)?, vk::Format::R32G32B32_SFLOAT).indices(&indices);
            gpu.alloc().batch()?.build_blas(&BlasDesc::new("b").triangles(geometry)).map(drop)
        }) => Error::WrongDevice { .. } | Error::MissingFeature { .. }),
        case!("BLAS update of another context's BLAS", |gpu| foreign(|other| {
            let desc = BlasDesc::new("b").allow_update();
            let geometry = TriangleGeometry::new(&vertices(other)?, vk::Format::R32G32B32_SFLOAT);
            let mut batch = other.alloc().batch()?;
            let blas = batch.build_blas(&desc.clone().triangles(geometry))?;
            batch.submit_and_wait()?;
            let own = TriangleGeometry::new(&vertices(gpu)?, vk::Format::R32G32B32_SFLOAT);
            gpu.alloc().batch()?.update_blas(&blas, &desc.triangles(own))
        }) => Error::WrongDevice { .. } | Error::MissingFeature { .. }),
        case!("TLAS of another context's BLAS", |gpu| foreign(|other| {
            let geometry = TriangleGeometry::new(&vertices(other)?, vk::Format::R32G32B32_SFLOAT);
            let mut batch = other.alloc().batch()?;
            let blas = batch.build_blas(&BlasDesc::new("b").triangles(geometry))?;
            batch.submit_and_wait()?;
            gpu.alloc().batch()?.build_tlas(&TlasDesc::new("t").instance(TlasInstance::new(&blas))).map(drop)
        }) => Error::WrongDevice { .. } | Error::MissingFeature { .. }),
        case!("compaction of another context's BLAS", |gpu| foreign(|other| {
            let geometry = TriangleGeometry::new(&vertices(other)?, vk::Format::R32G32B32_SFLOAT);
            let mut batch = other.alloc().batch()?;
            let blas = batch.build_blas(&BlasDesc::new("b").allow_compaction().triangles(geometry))?;
            batch.submit_and_wait()?;
            gpu.alloc().compact(&[blas]).map(drop)
        }) => Error::WrongDevice { .. } | Error::MissingFeature { .. }),
        case!("upload_now into another context's buffer", |gpu| foreign(|other| {
            gpu.alloc().upload_now(&other.device_buffer(16, "foreign"), 0, &[1u8; 16])
        }) => Error::WrongDevice { .. }),
        case!("another context's buffer registered with a manager", |gpu| {
            let manager = vkres::manager::ResourceManager::new(gpu.alloc())?;
            let other = Gpu::without_validation();
            let result = manager.register_buffer(&other.device_buffer(16, "foreign")).map(drop);
            drop(manager);
            result
        } => vkres::manager::Error::Vkres(Error::WrongDevice { .. })),
        case!("another context's texture registered with a manager", |gpu| {
            let manager = vkres::manager::ResourceManager::new(gpu.alloc())?;
            let other = Gpu::without_validation();
            let desc = ImageDesc::new_2d(RGBA, 4, 4, vk::ImageUsageFlags::SAMPLED | vk::ImageUsageFlags::TRANSFER_DST);
            let result = other.alloc().create_texture(&desc, &vkres::SamplerDesc::default()).map_err(Into::into).and_then(|texture| {
                let mut batch = other.alloc().batch()?;
                batch.transition_image(texture.image(), vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL)?;
                batch.submit_and_wait()?;
                manager.register_texture(&texture).map(drop)
            });
            drop(manager);
            result
        } => vkres::manager::Error::Vkres(Error::WrongDevice { .. })),
        case!("descriptor writes mixing two contexts' buffers", |gpu| foreign(|other| {
            let (own, theirs) = (gpu.device_buffer(16, "own"), other.device_buffer(16, "foreign"));
            let mut writes = vkres::DescriptorWrites::new(vk::DescriptorSet::null());
            writes.buffer(0, vkres::DescriptorKind::StorageBuffer, &own);
            writes.buffer(1, vkres::DescriptorKind::StorageBuffer, &theirs);
            writes.with_writes(|_| ())
        }) => Error::WrongDevice { ref name } if name == "foreign"),
        case!("descriptor writes with another context's buffer in an array", |gpu| foreign(|other| {
            let buffers = [gpu.device_buffer(16, "own"), other.device_buffer(16, "foreign")];
            let mut writes = vkres::DescriptorWrites::new(vk::DescriptorSet::null());
            writes.buffer_array(0, vkres::DescriptorKind::StorageBuffer, &buffers);
            writes.with_writes(|_| ())
        }) => Error::WrongDevice { ref name } if name == "foreign"),
        case!("descriptor writes with another context's sampler", |gpu| foreign(|other| {
            let sampler = other.alloc().create_sampler(&vkres::SamplerDesc::default())?;
            let mut writes = vkres::DescriptorWrites::new(vk::DescriptorSet::null());
            writes.buffer(0, vkres::DescriptorKind::StorageBuffer, &gpu.device_buffer(16, "own"));
            writes.sampler(1, &sampler);
            writes.with_writes(|_| ())
        }) => Error::WrongDevice { .. }),
        case!("descriptor writes with another context's image view", |gpu| foreign(|other| {
            let image = image(other, vk::ImageUsageFlags::STORAGE);
            let view = other.alloc().create_image_view(&image, &vkres::ImageViewDesc::default())?;
            let mut writes = vkres::DescriptorWrites::new(vk::DescriptorSet::null());
            writes.buffer(0, vkres::DescriptorKind::StorageBuffer, &gpu.device_buffer(16, "own"));
            writes.image(1, vkres::DescriptorKind::StorageImage, &view, vk::ImageLayout::GENERAL);
            writes.with_writes(|_| ())
        }) => Error::WrongDevice { ref name } if name == "foreign image"),
        case!("descriptor writes with another context's TLAS", |gpu| foreign(|other| {
            let theirs = tlas(other, "foreign tlas")?;
            let mut writes = vkres::DescriptorWrites::new(vk::DescriptorSet::null());
            writes.buffer(0, vkres::DescriptorKind::StorageBuffer, &gpu.device_buffer(16, "own"));
            writes.acceleration_structure(1, &theirs);
            writes.with_writes(|_| ())
        }) => Error::WrongDevice { ref name } if name == "foreign tlas"),
        case!("descriptor writes with another context's TLAS first", |gpu| foreign(|other| {
            let (own, theirs) = (tlas(gpu, "own tlas")?, tlas(other, "foreign tlas")?);
            let mut writes = vkres::DescriptorWrites::new(vk::DescriptorSet::null());
            writes.acceleration_structure(0, &theirs).acceleration_structure(1, &own);
            writes.with_writes(|_| ())
        }) => Error::WrongDevice { ref name } if name == "own tlas"),
        case!("descriptor writes of one context updated with another context's device", |gpu| foreign(|other| {
            let mut writes = vkres::DescriptorWrites::new(vk::DescriptorSet::null());
            writes.buffer(0, vkres::DescriptorKind::StorageBuffer, &gpu.device_buffer(16, "own"));
            // SAFETY: refused before Vulkan sees the (null) set: the buffer is not of `other`'s device.
            unsafe { writes.update(other.ctx()) }
        }) => Error::WrongDevice { ref name } if name == "own"),
        case!("descriptor writes of another context's sampler updated with this one", |gpu| foreign(|other| {
            let sampler = other.alloc().create_sampler(&vkres::SamplerDesc::default())?;
            let mut writes = vkres::DescriptorWrites::new(vk::DescriptorSet::null());
            writes.sampler(0, &sampler);
            // SAFETY: as above (the sampler is `other`'s).
            unsafe { writes.update(gpu.ctx()) }
        }) => Error::WrongDevice { .. }),
        case!("aliased buffer in another context's transient memory", |gpu| foreign(|other| {
            let desc = BufferDesc::new(256, vk::BufferUsageFlags::STORAGE_BUFFER);
            let memory = other.alloc().create_transient_memory(&[&desc], &[], "foreign")?;
            gpu.alloc().create_aliased_buffer(&memory, &desc).map(drop)
        }) => Error::WrongDevice { .. }),
    ]
}

#[test]
fn device_cases() {
    super::run("devices", cases);
}
