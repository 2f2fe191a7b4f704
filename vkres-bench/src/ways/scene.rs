//! Issue 17 item 8: a generated scene at scale in one `create` — 1 000 meshes (each its own
//! vertex and index buffer and BLAS), 10 000 TLAS instances naming them, 256 textures with
//! generated mips, a material buffer — through one `#[derive(GpuResources)]` struct whose
//! shape comes from run time, against the same scene written by hand in ash + vk-mem.
//!
//! Both ways do the same work and end when the scene is usable: every buffer and image made
//! (one VMA allocation each), all data through staging, the mip chains blitted, the BLASes
//! built in one build command after the uploads, the TLAS after them, one submission, one
//! wait. The hand-written way stages everything in one buffer (its instance records included)
//! and batches each mip level's blits over all the textures, as a careful author would; a
//! third way, the same with the blits recorded image by image behind a barrier each (the order
//! vkres's batch recorded them in before session 7, when it moved to the batched order), shows
//! what that order costs. Each
//! side allocates from an allocator of its own that holds only what its ways make (see
//! `ways/accel.rs` for why).

use std::time::{Duration, Instant};

use vkres::ash::{self, vk};
use vkres::{
    Blas, BlasInstance, Buffer, Context, GpuResources, ImageView, ResourceAllocator, TextureInput, Tlas, Transform3x4,
};

use super::bundle::sampled_texture;
use crate::BenchResult;
use crate::counting;
use crate::raw::{Raw, RawBuffer, barrier};
use vkres_bench::accel_raw::{RawMesh, build_info, build_sizes, grid};

/// Width and height of each texture (RGBA8, full mip chain).
pub const TEXTURE_SIDE: u32 = 64;
const TEXTURE_BYTES: usize = (TEXTURE_SIDE * TEXTURE_SIDE * 4) as usize;
const TEXTURE_FORMAT: vk::Format = vk::Format::R8G8B8A8_UNORM;

/// The scene, declared once: every collection's length comes from the inputs.
#[derive(GpuResources)]
pub struct StressScene {
    /// Instance `i` places mesh `i % meshes`.
    #[gpu(tlas(instances = input, blases = meshes))]
    pub world: Tlas,
    /// One BLAS per mesh over its vertex and index buffers.
    #[gpu(blases(vertices = positions, indices = indices))]
    pub meshes: Vec<Blas>,
    /// Each mesh's positions.
    #[gpu(buffers(data = input))]
    pub positions: Vec<Buffer<[f32; 3]>>,
    /// Each mesh's indices.
    #[gpu(buffers(data = input))]
    pub indices: Vec<Buffer<u32>>,
    /// The textures, mips generated.
    #[gpu(textures(mips = generate, usage = SAMPLED | TRANSFER_SRC))]
    pub textures: Vec<ImageView>,
    /// One colour per material.
    #[gpu(buffer(usage = STORAGE_BUFFER, data = input))]
    pub materials: Buffer<[f32; 4]>,
}

/// The sizes of the scene.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub meshes: usize,
    pub instances: usize,
    pub textures: usize,
}

/// The generated scene's data.
pub struct Data {
    positions: Vec<Vec<[f32; 3]>>,
    indices: Vec<Vec<u32>>,
    transforms: Vec<Transform3x4>,
    instances: Vec<BlasInstance>,
    textures: Vec<Vec<u8>>,
    materials: Vec<[f32; 4]>,
}

impl Data {
    /// Meshes of 2 x 2 to 16 x 8 quads (8 to 256 triangles), instances on a grid, textures and
    /// materials of distinct patterns.
    pub fn new(sizes: Sizes) -> Self {
        let (mut positions, mut indices) = (Vec::new(), Vec::new());
        for m in 0..sizes.meshes {
            let (v, i) = grid(2 + (m % 15) as u32, 2 + (m % 7) as u32);
            positions.push(v);
            indices.push(i);
        }
        let transforms: Vec<Transform3x4> = (0..sizes.instances)
            .map(|i| Transform3x4::translation([(i % 100) as f32 * 20.0, (i / 100) as f32 * 12.0, (i % 7) as f32]))
            .collect();
        let instances = transforms
            .iter()
            .enumerate()
            .map(|(i, t)| BlasInstance::new((i % sizes.meshes) as u32).transform(*t).custom_index(i as u32))
            .collect();
        let textures = (0..sizes.textures)
            .map(|t| (0..TEXTURE_BYTES).map(|i| (i * 5 + t * 29 + (i >> 8)) as u8).collect())
            .collect();
        let materials = (0..sizes.textures).map(|t| [t as f32 / 256.0, 0.5, 1.0 - t as f32 / 256.0, 1.0]).collect();
        Self { positions, indices, transforms, instances, textures, materials }
    }

    /// The derive's inputs.
    fn inputs(&self) -> StressSceneInputs<'_> {
        StressSceneInputs {
            world: &self.instances,
            positions: self.positions.iter().map(Vec::as_slice).collect(),
            indices: self.indices.iter().map(Vec::as_slice).collect(),
            textures: self
                .textures
                .iter()
                .map(|t| TextureInput::new(TEXTURE_FORMAT, TEXTURE_SIDE, TEXTURE_SIDE, t))
                .collect(),
            materials: &self.materials,
        }
    }

    /// Bytes the scene uploads (vertices, indices, texels' level 0, materials, instance records).
    pub fn bytes(&self) -> u64 {
        let v: usize = self.positions.iter().map(|p| size_of_val(p.as_slice())).sum();
        let i: usize = self.indices.iter().map(|p| size_of_val(p.as_slice())).sum();
        let t: usize = self.textures.iter().map(Vec::len).sum();
        (v + i + t + size_of_val(self.materials.as_slice()) + self.instances.len() * 64) as u64
    }

    /// The triangle count over every mesh.
    pub fn triangles(&self) -> usize {
        self.indices.iter().map(|i| i.len() / 3).sum()
    }
}

/// The mip levels of a full chain.
const fn levels() -> u32 {
    32 - TEXTURE_SIDE.leading_zeros()
}

/// The scene written by hand: everything it made, destroyed by [`HandScene::destroy`].
struct HandScene {
    buffers: Vec<RawBuffer>,
    images: Vec<(vk::Image, vk_mem::Allocation)>,
    views: Vec<vk::ImageView>,
    accels: Vec<(vk::AccelerationStructureKHR, RawBuffer)>,
}

const INPUT_USAGE: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR.as_raw()
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

fn levels_range(base: u32, count: u32) -> vk::ImageSubresourceRange {
    vk::ImageSubresourceRange {
        aspect_mask: vk::ImageAspectFlags::COLOR,
        base_mip_level: base,
        level_count: count,
        base_array_layer: 0,
        layer_count: 1,
    }
}

fn image_barrier(
    image: vk::Image,
    range: vk::ImageSubresourceRange,
    (src_stage, src_access, from): (vk::PipelineStageFlags2, vk::AccessFlags2, vk::ImageLayout),
    (dst_stage, dst_access, to): (vk::PipelineStageFlags2, vk::AccessFlags2, vk::ImageLayout),
) -> vk::ImageMemoryBarrier2<'static> {
    vk::ImageMemoryBarrier2::default()
        .src_stage_mask(src_stage)
        .src_access_mask(src_access)
        .dst_stage_mask(dst_stage)
        .dst_access_mask(dst_access)
        .old_layout(from)
        .new_layout(to)
        .image(image)
        .subresource_range(range)
}

/// How the hand-written way orders its mip blits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mips {
    /// Level by level over every image: one barrier command per level for all the images.
    Batched,
    /// Image by image, a barrier before each level's blit: the order vkres's batch recorded
    /// before session 7 (it now batches each level's barriers over a batch's textures).
    PerImage,
}

/// Records the blits of every level after the first of `images` (level 0 written, every level
/// in `TRANSFER_DST_OPTIMAL`), leaving all but the last level in `TRANSFER_SRC_OPTIMAL`.
///
/// # Safety
/// `cmd` must be recording, and the images live, of this bench's texture size and levels.
unsafe fn record_mips(device: &ash::Device, cmd: vk::CommandBuffer, images: &[vk::Image], mips: Mips) {
    let transfer = vk::PipelineStageFlags2::ALL_TRANSFER;
    let to_src = |image, level| {
        image_barrier(
            image,
            levels_range(level - 1, 1),
            (transfer, vk::AccessFlags2::TRANSFER_WRITE, vk::ImageLayout::TRANSFER_DST_OPTIMAL),
            (transfer, vk::AccessFlags2::TRANSFER_READ, vk::ImageLayout::TRANSFER_SRC_OPTIMAL),
        )
    };
    let side = |l: u32| (TEXTURE_SIDE >> l).max(1) as i32;
    let layers = |l: u32| {
        vk::ImageSubresourceLayers::default().aspect_mask(vk::ImageAspectFlags::COLOR).mip_level(l).layer_count(1)
    };
    let blit = |image, level: u32| {
        let regions = [vk::ImageBlit2::default()
            .src_subresource(layers(level - 1))
            .src_offsets([vk::Offset3D::default(), vk::Offset3D { x: side(level - 1), y: side(level - 1), z: 1 }])
            .dst_subresource(layers(level))
            .dst_offsets([vk::Offset3D::default(), vk::Offset3D { x: side(level), y: side(level), z: 1 }])];
        let info = vk::BlitImageInfo2::default()
            .src_image(image)
            .src_image_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL)
            .dst_image(image)
            .dst_image_layout(vk::ImageLayout::TRANSFER_DST_OPTIMAL)
            .regions(&regions)
            .filter(vk::Filter::LINEAR);
        // SAFETY: the caller's contract; the source level was made TRANSFER_SRC by a barrier
        // recorded before.
        unsafe { device.cmd_blit_image2(cmd, &info) };
    };
    // SAFETY: the caller's contract: `cmd` is recording, the images live.
    unsafe {
        match mips {
            Mips::Batched => {
                for level in 1..levels() {
                    let barriers: Vec<_> = images.iter().map(|&i| to_src(i, level)).collect();
                    device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&barriers));
                    images.iter().for_each(|&i| blit(i, level));
                }
            }
            Mips::PerImage => {
                for &image in images {
                    for level in 1..levels() {
                        let barrier = [to_src(image, level)];
                        device
                            .cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&barrier));
                        blit(image, level);
                    }
                }
            }
        }
    }
}

impl HandScene {
    fn create(
        mips: Mips,
        raw: &Raw<'_>,
        fns: &ash::khr::acceleration_structure::Device,
        scratch_align: u64,
        data: &Data,
    ) -> BenchResult<Self> {
        let mut out = HandScene { buffers: Vec::new(), images: Vec::new(), views: Vec::new(), accels: Vec::new() };
        match out.fill(mips, raw, fns, scratch_align, data) {
            Ok(()) => Ok(out),
            Err(e) => {
                out.destroy(raw, fns);
                Err(e)
            }
        }
    }

    /// A device-local buffer kept by the scene; its index in `buffers`.
    fn buffer(&mut self, raw: &Raw<'_>, size: u64, usage: vk::BufferUsageFlags) -> BenchResult<usize> {
        self.buffers.push(raw.device_buffer(size, usage)?);
        Ok(self.buffers.len() - 1)
    }

    /// An acceleration structure of `size` bytes with its own storage buffer.
    fn accel(
        &mut self,
        raw: &Raw<'_>,
        fns: &ash::khr::acceleration_structure::Device,
        ty: vk::AccelerationStructureTypeKHR,
        size: u64,
    ) -> BenchResult<vk::AccelerationStructureKHR> {
        let usage =
            vk::BufferUsageFlags::ACCELERATION_STRUCTURE_STORAGE_KHR | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS;
        let storage = raw.device_buffer(size, usage)?;
        let info = vk::AccelerationStructureCreateInfoKHR::default().buffer(storage.buffer).size(size).ty(ty);
        // SAFETY: the storage buffer is live, large enough, and destroyed after the structure.
        match unsafe { fns.create_acceleration_structure(&info, None) } {
            Ok(handle) => {
                self.accels.push((handle, storage));
                Ok(handle)
            }
            Err(e) => {
                raw.destroy_buffer(storage);
                Err(e.into())
            }
        }
    }

    fn fill(
        &mut self,
        mips: Mips,
        raw: &Raw<'_>,
        fns: &ash::khr::acceleration_structure::Device,
        scratch_align: u64,
        data: &Data,
    ) -> BenchResult<()> {
        let device = raw.ctx.device();
        // Buffers: vertices and indices of each mesh, the materials.
        let mut uploads: Vec<(usize, &[u8])> = Vec::new();
        for (v, i) in data.positions.iter().zip(&data.indices) {
            let vb = self.buffer(raw, size_of_val(v.as_slice()) as u64, INPUT_USAGE)?;
            let ib = self.buffer(raw, size_of_val(i.as_slice()) as u64, INPUT_USAGE)?;
            uploads.push((vb, bytemuck::cast_slice(v)));
            uploads.push((ib, bytemuck::cast_slice(i)));
        }
        let materials = self.buffer(
            raw,
            size_of_val(data.materials.as_slice()) as u64,
            vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST,
        )?;
        uploads.push((materials, bytemuck::cast_slice(&data.materials)));
        // Images with full mip chains, and their views.
        for _ in &data.textures {
            sampled_texture(raw, TEXTURE_FORMAT, TEXTURE_SIDE, levels(), &mut self.images, &mut self.views)?;
        }
        // BLASes: sizes, structures, one scratch buffer for all.
        let meshes: Vec<RawMesh> = (0..data.positions.len())
            .map(|m| {
                let (v, i) = (&self.buffers[uploads[2 * m].0], &self.buffers[uploads[2 * m + 1].0]);
                RawMesh {
                    vertices: raw.address(v),
                    vertex_count: data.positions[m].len() as u32,
                    indices: raw.address(i),
                    triangles: (data.indices[m].len() / 3) as u32,
                }
            })
            .collect();
        let blas_ty = vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL;
        let geometries: Vec<[vk::AccelerationStructureGeometryKHR<'static>; 1]> =
            meshes.iter().map(|m| [m.geometry()]).collect();
        let sizes: Vec<_> =
            meshes.iter().zip(&geometries).map(|(m, g)| build_sizes(fns, blas_ty, g, &[m.triangles])).collect();
        let mut blases = Vec::with_capacity(sizes.len());
        for s in &sizes {
            blases.push(self.accel(raw, fns, blas_ty, s.acceleration_structure_size)?);
        }
        let align = |s: u64| s.next_multiple_of(scratch_align);
        let blas_scratch: u64 = sizes.iter().map(|s| align(s.build_scratch_size)).sum();
        // The instance records, with each BLAS's address.
        let addresses: Vec<vk::DeviceAddress> = blases
            .iter()
            .map(|&a| {
                let info = vk::AccelerationStructureDeviceAddressInfoKHR::default().acceleration_structure(a);
                // SAFETY: a live structure of this device.
                unsafe { fns.get_acceleration_structure_device_address(&info) }
            })
            .collect();
        let records: Vec<vk::AccelerationStructureInstanceKHR> = data
            .instances
            .iter()
            .zip(&data.transforms)
            .enumerate()
            .map(|(i, (instance, t))| vk::AccelerationStructureInstanceKHR {
                transform: vk::TransformMatrixKHR { matrix: bytemuck::cast(t.0) },
                instance_custom_index_and_mask: vk::Packed24_8::new(i as u32, 0xFF),
                instance_shader_binding_table_record_offset_and_flags: vk::Packed24_8::new(0, 0),
                acceleration_structure_reference: vk::AccelerationStructureReferenceKHR {
                    device_handle: addresses[instance.blas as usize],
                },
            })
            .collect();
        // SAFETY: the struct is `repr(C)`, 64 bytes of plain data without padding.
        let record_bytes: &[u8] =
            unsafe { std::slice::from_raw_parts(records.as_ptr().cast::<u8>(), size_of_val(records.as_slice())) };
        let instance_buffer = self.buffer(raw, record_bytes.len() as u64, INPUT_USAGE)?;
        uploads.push((instance_buffer, record_bytes));
        // The TLAS.
        let tlas_ty = vk::AccelerationStructureTypeKHR::TOP_LEVEL;
        let instances_data = vk::AccelerationStructureGeometryInstancesDataKHR::default()
            .data(vk::DeviceOrHostAddressConstKHR { device_address: raw.address(&self.buffers[instance_buffer]) });
        let tlas_geometry = [vk::AccelerationStructureGeometryKHR::default()
            .geometry_type(vk::GeometryTypeKHR::INSTANCES)
            .geometry(vk::AccelerationStructureGeometryDataKHR { instances: instances_data })];
        let count = records.len() as u32;
        let tlas_sizes = build_sizes(fns, tlas_ty, &tlas_geometry, &[count]);
        let tlas = self.accel(raw, fns, tlas_ty, tlas_sizes.acceleration_structure_size)?;
        let scratch_size = blas_scratch.max(align(tlas_sizes.build_scratch_size)) + scratch_align;
        let scratch = raw.device_buffer(
            scratch_size,
            vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS,
        )?;
        let scratch_base = raw.address(&scratch).next_multiple_of(scratch_align);

        // Everything through one staging buffer.
        let texel_bytes: usize = data.textures.iter().map(Vec::len).sum();
        let total: usize = uploads.iter().map(|(_, b)| b.len()).sum::<usize>() + texel_bytes;
        let staged = raw.staging_buffer(total as u64).and_then(|staging| {
            let mut at = 0u64;
            let mut offsets = Vec::with_capacity(uploads.len() + data.textures.len());
            for bytes in uploads.iter().map(|(_, b)| *b).chain(data.textures.iter().map(Vec::as_slice)) {
                if let Err(e) = raw.write(&staging, at, bytes) {
                    raw.destroy_buffer(staging);
                    return Err(e);
                }
                offsets.push(at);
                at += bytes.len() as u64;
            }
            Ok((staging, offsets))
        });
        let (staging, offsets) = match staged {
            Ok(s) => s,
            Err(e) => {
                raw.destroy_buffer(scratch);
                return Err(e);
            }
        };
        let mut offset = scratch_base;
        let blas_infos: Vec<_> = blases
            .iter()
            .zip(&geometries)
            .zip(&sizes)
            .map(|((&a, g), s)| {
                let info = build_info(blas_ty, a, g, offset);
                offset += align(s.build_scratch_size);
                info
            })
            .collect();
        let blas_ranges: Vec<_> = meshes.iter().map(RawMesh::range).collect();
        let blas_range_refs: Vec<&[vk::AccelerationStructureBuildRangeInfoKHR]> =
            blas_ranges.iter().map(|r| &r[..]).collect();
        let tlas_info = build_info(tlas_ty, tlas, &tlas_geometry, scratch_base);
        let tlas_range = [vk::AccelerationStructureBuildRangeInfoKHR::default().primitive_count(count)];
        let images: Vec<vk::Image> = self.images.iter().map(|(i, _)| *i).collect();
        let buffer_copies = uploads.len();
        let buffers = &self.buffers;
        let ctx = raw.ctx;
        let submitted = raw.submit(|cmd| {
            let transfer = vk::PipelineStageFlags2::ALL_TRANSFER;
            let all_to = |from, to, range| {
                images
                    .iter()
                    .map(|&i| {
                        image_barrier(
                            i,
                            range,
                            (transfer, vk::AccessFlags2::TRANSFER_WRITE, from),
                            (transfer, vk::AccessFlags2::TRANSFER_READ | vk::AccessFlags2::TRANSFER_WRITE, to),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            // SAFETY: every buffer, image and structure is live and sized for its region or
            // build; `cmd` is recording; each step is ordered after the one it reads by a barrier.
            unsafe {
                let to_dst = all_to(
                    vk::ImageLayout::UNDEFINED,
                    vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                    levels_range(0, levels()),
                );
                device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&to_dst));
                for ((b, bytes), &at) in uploads.iter().zip(&offsets) {
                    let region = vk::BufferCopy { src_offset: at, dst_offset: 0, size: bytes.len() as u64 };
                    device.cmd_copy_buffer(cmd, staging.buffer, buffers[*b].buffer, &[region]);
                }
                for (&image, &at) in images.iter().zip(&offsets[buffer_copies..]) {
                    let region = vk::BufferImageCopy::default()
                        .buffer_offset(at)
                        .image_subresource(
                            vk::ImageSubresourceLayers::default()
                                .aspect_mask(vk::ImageAspectFlags::COLOR)
                                .layer_count(1),
                        )
                        .image_extent(vk::Extent3D { width: TEXTURE_SIDE, height: TEXTURE_SIDE, depth: 1 });
                    device.cmd_copy_buffer_to_image(
                        cmd,
                        staging.buffer,
                        image,
                        vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                        &[region],
                    );
                }
                // The mip chains.
                record_mips(device, cmd, &images, mips);
                // Every level to shader reads: the last one from its writes, the rest from reads.
                let last = levels() - 1;
                let read = vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL;
                let shaders = vk::PipelineStageFlags2::ALL_COMMANDS;
                let finals: Vec<_> = images
                    .iter()
                    .flat_map(|&i| {
                        [
                            image_barrier(
                                i,
                                levels_range(0, last),
                                (transfer, vk::AccessFlags2::TRANSFER_READ, vk::ImageLayout::TRANSFER_SRC_OPTIMAL),
                                (shaders, vk::AccessFlags2::SHADER_SAMPLED_READ, read),
                            ),
                            image_barrier(
                                i,
                                levels_range(last, 1),
                                (transfer, vk::AccessFlags2::TRANSFER_WRITE, vk::ImageLayout::TRANSFER_DST_OPTIMAL),
                                (shaders, vk::AccessFlags2::SHADER_SAMPLED_READ, read),
                            ),
                        ]
                    })
                    .collect();
                device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&finals));
                // The copies before the builds that read them.
                barrier(
                    ctx,
                    cmd,
                    (transfer, vk::AccessFlags2::TRANSFER_WRITE),
                    (vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR, vk::AccessFlags2::SHADER_READ),
                );
                fns.cmd_build_acceleration_structures(cmd, &blas_infos, &blas_range_refs);
                // The BLASes before the TLAS that reads them (and reuses the scratch).
                barrier(
                    ctx,
                    cmd,
                    (
                        vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR,
                        vk::AccessFlags2::ACCELERATION_STRUCTURE_WRITE_KHR,
                    ),
                    (
                        vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR,
                        vk::AccessFlags2::ACCELERATION_STRUCTURE_READ_KHR
                            | vk::AccessFlags2::ACCELERATION_STRUCTURE_WRITE_KHR,
                    ),
                );
                fns.cmd_build_acceleration_structures(cmd, &[tlas_info], &[&tlas_range]);
            }
        });
        raw.destroy_buffer(staging);
        raw.destroy_buffer(scratch);
        submitted
    }

    /// Destroys everything (the device is done with it: creation waited).
    fn destroy(self, raw: &Raw<'_>, fns: &ash::khr::acceleration_structure::Device) {
        let device = raw.ctx.device();
        // SAFETY: no submission uses these objects any more; each is destroyed once, views
        // before their images, structures before their storage.
        unsafe {
            for (handle, storage) in self.accels {
                fns.destroy_acceleration_structure(handle, None);
                raw.destroy_buffer(storage);
            }
            self.views.iter().for_each(|&v| device.destroy_image_view(v, None));
            for (image, mut allocation) in self.images {
                raw.vma.destroy_image(image, &mut allocation);
            }
        }
        self.buffers.into_iter().for_each(|b| raw.destroy_buffer(b));
    }
}

/// What the section measured.
pub struct Measured {
    /// vkres's `create` times.
    pub vkres: Vec<Duration>,
    /// The hand-written creation's times.
    pub ash: Vec<Duration>,
    /// The same with its mip blits recorded image by image, as vkres recorded them before
    /// session 7.
    pub ash_per_image_mips: Vec<Duration>,
    /// Queue submissions of one `create`.
    pub submissions: u64,
    /// The most staging memory vkres held during one `create`, and its budget.
    pub peak_staging: (u64, u64),
    /// Heap bytes each way keeps while its scene lives (median over the counted runs): vkres's
    /// bundle bookkeeping, the hand-written way's handle vectors.
    pub host_bytes: (u64, u64),
    /// The scene's data.
    pub data_bytes: u64,
    /// Triangles over every mesh.
    pub triangles: usize,
}

/// Times both ways interleaved; `None` without `VK_KHR_acceleration_structure`.
pub fn measure(
    ctx: &std::sync::Arc<Context>,
    sizes: Sizes,
    warmups: usize,
    runs: usize,
) -> BenchResult<Option<Measured>> {
    if !ctx.capabilities().enabled.acceleration_structure {
        return Ok(None);
    }
    let data = Data::new(sizes);
    let alloc = ResourceAllocator::new(ctx)?;
    let raw = Raw::new(ctx, vk_mem::AllocatorCreateFlags::BUFFER_DEVICE_ADDRESS)?;
    let fns = ash::khr::acceleration_structure::Device::new(ctx.instance(), ctx.device());
    let scratch_align = u64::from(ctx.capabilities().min_acceleration_structure_scratch_offset_alignment).max(1);
    let mut host = [Vec::new(), Vec::new()];
    let times = crate::stats::interleaved(warmups, runs, 3, |way| -> BenchResult<Option<Duration>> {
        let before = counting::live_bytes();
        let t = Instant::now();
        let elapsed = if way == 0 {
            let scene = StressScene::create(&alloc, data.inputs())?;
            let elapsed = t.elapsed();
            host[0].push(counting::live_bytes().saturating_sub(before) as f64);
            drop(scene);
            elapsed
        } else {
            let mips = if way == 1 { Mips::Batched } else { Mips::PerImage };
            let scene = HandScene::create(mips, &raw, &fns, scratch_align, &data)?;
            let elapsed = t.elapsed();
            if way == 1 {
                host[1].push(counting::live_bytes().saturating_sub(before) as f64);
            }
            scene.destroy(&raw, &fns);
            elapsed
        };
        Ok(Some(elapsed))
    })?;
    // One more `create` of each, counted and checked.
    alloc.staging().trim();
    alloc.staging().reset_peak();
    let before = ctx.submission_count();
    let scene = StressScene::create(&alloc, data.inputs())?;
    let submissions = ctx.submission_count() - before;
    let peak_staging = (alloc.staging().peak_bytes(), alloc.staging().config().budget);
    let hand = HandScene::create(Mips::Batched, &raw, &fns, scratch_align, &data)?;
    let checked = check(&alloc, &raw, &scene, &hand, &data);
    hand.destroy(&raw, &fns);
    checked?;
    let median = |v: &[f64]| crate::stats::median(v).unwrap_or_default() as u64;
    let host_bytes = (median(&host[0]), median(&host[1]));
    let mut times = times.into_iter();
    Ok(Some(Measured {
        vkres: times.next().unwrap_or_default(),
        ash: times.next().unwrap_or_default(),
        ash_per_image_mips: times.next().unwrap_or_default(),
        submissions,
        peak_staging,
        host_bytes,
        data_bytes: data.bytes(),
        triangles: data.triangles(),
    }))
}

/// Both scenes hold what they should: as many BLASes and textures as meshes and images, the
/// TLAS built, and the last texture's second mip level the same texels in both (each a blit of
/// the same level 0 on the same device).
fn check(
    alloc: &ResourceAllocator,
    raw: &Raw<'_>,
    scene: &StressScene,
    hand: &HandScene,
    data: &Data,
) -> BenchResult<()> {
    if scene.meshes.len() != data.positions.len() || scene.textures.len() != data.textures.len() {
        return Err("vkres scene: wrong collection lengths".into());
    }
    if !scene.world.is_built() || scene.world.blases().len() != data.positions.len().min(data.instances.len()) {
        return Err("vkres scene: the TLAS is not built over every mesh".into());
    }
    if hand.accels.len() != data.positions.len() + 1 || hand.images.len() != data.textures.len() {
        return Err("hand-written scene: wrong counts".into());
    }
    let (Some(texture), Some(&(image, _))) = (scene.textures.last(), hand.images.last()) else {
        return Ok(());
    };
    let side = TEXTURE_SIDE / 2;
    let bytes = u64::from(side * side * 4);
    // vkres's: every level downloaded by a batch, packed level by level.
    let mut batch = alloc.batch()?;
    let levels = batch.download_image(texture.image())?;
    batch.submit_and_wait()?;
    let all_levels = levels.bytes()?;
    let ours = all_levels.get(TEXTURE_BYTES..TEXTURE_BYTES + bytes as usize).unwrap_or_default().to_vec();
    // The hand-written one's, by a copy.
    let back = raw.readback(bytes)?;
    let device = raw.ctx.device();
    let range = levels_range(1, 1);
    let read = vk::ImageLayout::SHADER_READ_ONLY_OPTIMAL;
    let src = vk::ImageLayout::TRANSFER_SRC_OPTIMAL;
    let all = vk::PipelineStageFlags2::ALL_COMMANDS;
    let rw = vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE;
    let copied = raw.submit(|cmd| {
        // SAFETY: the image and the read-back buffer are live; `cmd` is recording.
        unsafe {
            let to = [image_barrier(image, range, (all, rw, read), (all, rw, src))];
            device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&to));
            let region = vk::BufferImageCopy::default()
                .image_subresource(
                    vk::ImageSubresourceLayers::default()
                        .aspect_mask(vk::ImageAspectFlags::COLOR)
                        .mip_level(1)
                        .layer_count(1),
                )
                .image_extent(vk::Extent3D { width: side, height: side, depth: 1 });
            device.cmd_copy_image_to_buffer(cmd, image, src, back.buffer, &[region]);
            let from = [image_barrier(image, range, (all, rw, src), (all, rw, read))];
            device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().image_memory_barriers(&from));
        }
    });
    let theirs = match copied {
        Ok(()) => raw.take(back)?,
        Err(e) => {
            raw.destroy_buffer(back);
            return Err(e);
        }
    };
    if ours != theirs {
        return Err("the two scenes' generated mip level 1 differ".into());
    }
    Ok(())
}
