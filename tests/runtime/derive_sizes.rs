//! Sizes from run time in a derived schema (issue 17 item 4): buffer `len`/`size`, texture
//! `format`, `extent`, `mips` and `layers` given as `input`, each a field of the generated
//! inputs struct, checked when `create` runs with a typed error.

use vkres::{Buffer, GpuResources, ImageView, Texture, vk};

use crate::support::{Gpu, noise};

#[derive(GpuResources)]
struct Sized {
    #[gpu(buffer(usage = STORAGE_BUFFER, len = input))]
    particles: Buffer<[f32; 4]>,
    #[gpu(buffer(usage = STORAGE_BUFFER, size = input))]
    bytes: Buffer,
    #[gpu(buffer(usage = STORAGE_BUFFER | TRANSFER_SRC, len = input, data = input))]
    padded: Buffer<u32>,
    #[gpu(texture(format = input, extent = [input, input], mips = input, layers = input, view = TYPE_2D_ARRAY, usage = SAMPLED | TRANSFER_SRC, data = input, sampler(filter = nearest)))]
    albedo: Texture,
    #[gpu(texture(format = R32_SFLOAT, extent = [input, input, input], usage = STORAGE))]
    volume: ImageView,
}

/// A 2D texture of `format` with `mips` levels and `layers` layers, level by level.
fn texel_bytes(w: u32, h: u32, mips: u32, layers: u32, texel: u32) -> usize {
    (0..mips).map(|m| ((w >> m).max(1) * (h >> m).max(1) * layers * texel) as usize).sum()
}

struct Run {
    format: vk::Format,
    extent: [u32; 2],
    mips: u32,
    layers: u32,
    texels: Vec<u8>,
    padded: Vec<u32>,
    len: u64,
}

impl Run {
    fn new() -> Self {
        let (extent, mips, layers) = ([8, 4], 3, 2);
        let texels = noise(texel_bytes(extent[0], extent[1], mips, layers, 4), 5);
        Self { format: vk::Format::R8G8B8A8_UNORM, extent, mips, layers, texels, padded: vec![1, 2, 3], len: 8 }
    }

    fn inputs(&self) -> SizedInputs<'_> {
        SizedInputs {
            padded: &self.padded,
            albedo: &self.texels,
            particles_len: 100,
            bytes_size: 48,
            padded_len: self.len,
            albedo_format: self.format,
            albedo_extent: self.extent,
            albedo_mips: self.mips,
            albedo_layers: self.layers,
            volume_extent: [4, 4, 2],
        }
    }
}

#[test]
fn sizes_come_from_the_inputs() {
    let gpu = Gpu::new();
    let run = Run::new();
    let sized = Sized::create(gpu.alloc(), run.inputs()).expect("sized");
    assert_eq!(sized.particles.len(), 100);
    assert_eq!(sized.bytes.size(), 48);
    assert_eq!(sized.padded.len(), 8, "`len` wins over the data's length");
    let mut expected = bytemuck::cast_slice::<_, u8>(&run.padded).to_vec();
    expected.resize(32, 0);
    assert_eq!(gpu.read_back(&sized.padded)[..12], expected[..12], "the data fills the start");
    let desc = sized.albedo.image().desc();
    assert_eq!(desc.format, vk::Format::R8G8B8A8_UNORM);
    assert_eq!((desc.extent.width, desc.extent.height, desc.extent.depth), (8, 4, 1));
    assert_eq!((desc.mip_levels, desc.array_layers), (3, 2));
    assert_eq!(gpu.download(sized.albedo.image()), run.texels);
    let volume = sized.volume.image().desc();
    assert_eq!((volume.ty, volume.extent.depth), (vk::ImageType::TYPE_3D, 2));

    // Another format at run time: the same schema, other texels.
    let mut other = Run::new();
    other.format = vk::Format::R8_UNORM;
    other.texels = noise(texel_bytes(8, 4, 3, 2, 1), 6);
    let sized = Sized::create(gpu.alloc(), other.inputs()).expect("R8");
    assert_eq!(sized.albedo.image().desc().format, vk::Format::R8_UNORM);
    assert_eq!(gpu.download(sized.albedo.image()), other.texels);
}

/// `create` with `change` applied to the inputs must fail with an error `check` accepts and
/// leave nothing behind.
fn fails(change: impl FnOnce(&mut SizedInputs<'_>), check: impl FnOnce(&vkres::Error) -> bool) {
    let gpu = Gpu::new();
    let run = Run::new();
    let mut inputs = run.inputs();
    change(&mut inputs);
    let err = Sized::create(gpu.alloc(), inputs).map(|_| ()).expect_err("bad run-time size");
    assert!(check(&err), "unexpected error: {err}");
    assert_eq!(gpu.alloc().leak_report(), Vec::<String>::new(), "rolled back");
}

#[test]
fn a_zero_length_is_a_typed_error() {
    fails(|i| i.particles_len = 0, |e| matches!(e, vkres::Error::ZeroSize { name, .. } if name == "Sized.particles"));
}

#[test]
fn an_overflowing_length_is_a_typed_error() {
    fails(
        |i| i.particles_len = u64::MAX / 8,
        |e| matches!(e, vkres::Error::Overflow { name, .. } if name == "Sized.particles"),
    );
}

#[test]
fn a_length_shorter_than_the_data_is_a_typed_error() {
    fails(|i| i.padded_len = 2, |e| e.to_string().contains("Sized.padded"));
}

#[test]
fn a_zero_extent_is_a_typed_error() {
    fails(
        |i| i.volume_extent = [4, 0, 2],
        |e| matches!(e, vkres::Error::ZeroSize { name, .. } if name == "Sized.volume"),
    );
}

#[test]
fn too_many_mips_are_a_typed_error() {
    fails(
        |i| i.albedo_mips = 5, // 8x4 has 4 levels
        |e| matches!(e, vkres::Error::ValidUsage { name, vuid: "VUID-VkImageCreateInfo-mipLevels-00958", .. } if name == "Sized.albedo"),
    );
}

#[test]
fn data_that_does_not_fit_the_run_time_format_is_a_typed_error() {
    // The texels are for 4-byte RGBA; a 2-byte format expects half as many.
    fails(
        |i| i.albedo_format = vk::Format::R8G8_UNORM,
        |e| matches!(e, vkres::Error::ImageDataSize { name, .. } if name == "Sized.albedo"),
    );
}

#[test]
fn an_undefined_format_is_a_typed_error() {
    fails(
        |i| i.albedo_format = vk::Format::UNDEFINED,
        |e| matches!(e, vkres::Error::ValidUsage { name, vuid: "VUID-VkImageCreateInfo-pNext-01975", .. } if name == "Sized.albedo"),
    );
}
