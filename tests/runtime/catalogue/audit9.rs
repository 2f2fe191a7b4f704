//! Session 9's hostile-user audit (issue 16, helper "audit9"): the surfaces added since session
//! 6 tried as a new user would: texture collections of the derive given elements no image can
//! be (0x0, past the device's dimensions, billions of texels, zero levels or layers, formats
//! without a blit), arenas asked for absurd groups, staging chunks no buffer can be, each refused with a typed error before
//! Vulkan (or VMA) sees it.

use vkres::{BufferDesc, Error, GpuResources, MappingType, TextureInput, vk};

use super::{Case, case};
use crate::support::Gpu;

/// Texture collections of each kind: levels given, levels generated, storage images.
#[derive(GpuResources)]
struct Collections {
    #[gpu(textures(usage = SAMPLED | TRANSFER_SRC, sampler(filter = nearest)), binding = 0)]
    given: Vec<vkres::Texture>,
    #[gpu(textures(usage = SAMPLED | TRANSFER_SRC, mips = generate, sampler(filter = linear)))]
    generated: Vec<vkres::Texture>,
    #[gpu(textures(usage = STORAGE), binding = 1)]
    storage: Vec<vkres::ImageView>,
}

const RGBA: vk::Format = vk::Format::R8G8B8A8_UNORM;

/// The collections with `given`, `generated` and `storage` as their only elements (an empty
/// slot where `None`).
fn collections(
    gpu: &Gpu,
    given: Option<TextureInput<'_>>,
    generated: Option<TextureInput<'_>>,
    storage: Option<TextureInput<'_>>,
) -> vkres::Result<Collections> {
    let inputs = CollectionsInputs {
        given: given.into_iter().collect(),
        generated: generated.into_iter().collect(),
        storage: storage.into_iter().collect(),
    };
    Collections::create(gpu.alloc(), inputs)
}

/// A storage element of `width` x `height` without data (nothing to upload: the extent alone).
fn storage(width: u32, height: u32) -> TextureInput<'static> {
    TextureInput { data: None, ..TextureInput::new(vk::Format::R32_SFLOAT, width, height, &[]) }
}

fn max_2d(gpu: &Gpu) -> u32 {
    gpu.ctx().capabilities().limits.max_image_dimension2_d
}

const STORAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::STORAGE_BUFFER.as_raw() | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

fn arena(gpu: &Gpu) -> vkres::Result<vkres::BufferArena> {
    gpu.alloc().create_buffer_arena(&BufferDesc::new(1 << 16, STORAGE).mapping(MappingType::None).name("arena9"))
}

/// A 16-byte upload through an allocator whose staging is `budget` bytes in chunks of
/// `chunk_size` (a chunk past `maxBufferSize` is refused when the first upload makes it).
fn staged_upload(gpu: &Gpu, budget: u64, chunk_size: u64) -> vkres::Result<()> {
    let alloc = gpu.alloc().with_staging(vkres::StagingConfig { budget, chunk_size })?;
    let buffer: vkres::Buffer<u32> = alloc.create_typed_buffer(&BufferDesc::elements::<u32>(4, STORAGE))?;
    let mut batch = alloc.batch()?;
    batch.upload(&buffer, 0, &[1u32, 2, 3, 4])?;
    batch.submit_and_wait()
}

pub fn cases() -> Vec<Case> {
    vec![
        case!("staging chunks of 2^62 bytes, used by an upload", |gpu| staged_upload(gpu, u64::MAX, 1 << 62)
            => Error::LimitExceeded { .. }),
        case!("staging chunks of 2^40 bytes, used by an upload", |gpu| staged_upload(gpu, u64::MAX, 1 << 40)
            => Error::LimitExceeded { .. }),
        case!("texture element of 0x0", |gpu| collections(gpu, Some(TextureInput::new(RGBA, 0, 0, &[])), None, None)
            => Error::ZeroSize { .. }),
        case!("generated-mips element of 0x4", |gpu| collections(gpu, None, Some(TextureInput::new(RGBA, 0, 4, &[])), None)
            => Error::ZeroSize { .. }),
        case!("storage element of 4x0 without data", |gpu| collections(gpu, None, None, Some(storage(4, 0)))
            => Error::ZeroSize { .. }),
        case!("texture element one texel wider than maxImageDimension2D", |gpu| {
            let width = max_2d(gpu) + 1;
            let texels = vec![0u8; width as usize * 4];
            collections(gpu, Some(TextureInput::new(RGBA, width, 1, &texels)), None, None)
        } => Error::LimitExceeded { .. }),
        case!("storage element of 65536x65536 without data", |gpu| collections(gpu, None, None, Some(storage(65536, 65536)))
            => Error::LimitExceeded { .. }),
        case!("texture element of u32::MAX x u32::MAX given 16 bytes", |gpu| {
            collections(gpu, Some(TextureInput::new(RGBA, u32::MAX, u32::MAX, &[0; 16])), None, None)
        } => Error::LimitExceeded { .. }),
        case!("texture element of zero levels", |gpu| {
            collections(gpu, Some(TextureInput::new(RGBA, 4, 4, &[0; 64]).mips(0)), None, None)
        } => Error::ZeroSize { .. }),
        case!("texture element of u32::MAX levels", |gpu| {
            collections(gpu, Some(TextureInput::new(RGBA, 4, 4, &[0; 64]).mips(u32::MAX)), None, None)
        } => Error::ValidUsage { .. }),
        case!("texture element of zero layers", |gpu| {
            collections(gpu, Some(TextureInput::new(RGBA, 4, 4, &[0; 64]).layers(0)), None, None)
        } => Error::ZeroSize { .. }),
        case!("texture element of u32::MAX layers", |gpu| {
            collections(gpu, Some(TextureInput::new(RGBA, 4, 4, &[0; 64]).layers(u32::MAX)), None, None)
        } => Error::LimitExceeded { .. }),
        case!("generated-mips element of BC1", |gpu| {
            collections(gpu, None, Some(TextureInput::new(vk::Format::BC1_RGBA_UNORM_BLOCK, 8, 8, &[0; 32])), None)
        } => Error::MipGenerationUnsupported { .. }),
        case!("texture element of format UNDEFINED", |gpu| {
            collections(gpu, Some(TextureInput::new(vk::Format::UNDEFINED, 4, 4, &[0; 64])), None, None)
        } => Error::ValidUsage { .. }),
        case!("texture element of a format no Vulkan defines", |gpu| {
            collections(gpu, Some(TextureInput::new(vk::Format::from_raw(0x7fff_0000), 4, 4, &[0; 64])), None, None)
        } => Error::UnsupportedFormat { .. }),
        case!("depth texture element with generated mips", |gpu| {
            collections(gpu, None, Some(TextureInput::new(vk::Format::D32_SFLOAT, 4, 4, &[0; 64])), None)
        } => Error::MipGenerationUnsupported { .. }),
        case!("3D texture element in a 2D collection", |gpu| {
            collections(gpu, Some(TextureInput::new(RGBA, 4, 4, &[0; 128]).depth(2)), None, None)
        } => Error::InvalidDescription { .. }),
        case!("allocate_group of usize::MAX ranges", |gpu| arena(gpu)?.allocate_group::<u8>(usize::MAX, 1).map(drop)
            => Error::Overflow { .. }),
        case!("allocate_group of 2^40 one-byte ranges", |gpu| arena(gpu)?.allocate_group::<u8>(1 << 40, 1).map(drop)
            => Error::ArenaExhausted { .. }),
        case!("allocate_many of usize::MAX ranges", |gpu| arena(gpu)?.allocate_many::<u8>(usize::MAX, 1).map(drop)
            => Error::Overflow { .. }),
        case!("allocate_group of a zero-sized element type", |gpu| arena(gpu)?.allocate_group::<()>(4, 0).map(drop)
            => Error::ZeroSize { .. }),
    ]
}

#[test]
fn audit9_cases() {
    super::run("audit9", cases);
}
