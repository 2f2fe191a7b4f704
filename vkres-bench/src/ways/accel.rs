//! Acceleration-structure builds: a BLAS of 1M triangles, a TLAS of 10 000 instances and
//! 1 000 small BLASes, through vkres and hand-written ash + vk-mem.
//!
//! Every way builds from the same device-local inputs and includes what a caller waits for:
//! structure and scratch allocation, recording, submission and the wait (for the TLAS, also
//! turning transforms into instance records and uploading them). Both write the instance records
//! directly where the instance buffer lands in host-visible device-local memory and stage them
//! elsewhere; a third TLAS row always stages, as the hand-written way did before.
//!
//! Each side allocates from a memory allocator of its own that holds nothing but what its ways
//! make: the hand-written ways from their VMA, vkres's from a [`ResourceAllocator`] made for the
//! section (the inputs live in the program's allocator). With vkres's ways on the program's
//! allocator, whose VMA also held the inputs and staging, the TLAS way emptied a block while
//! the BLAS's 256 MiB block was still empty, VMA (which keeps one empty block) freed the BLAS's,
//! and every vkres BLAS build allocated it again: on lavapipe 25 000 page faults (100 MB of the
//! structure's storage touched anew) and 40-50 ms per build that the hand-written way, whose
//! VMA kept its only block, never paid.
//!
//! The TLAS ways have one allocator more each as well (vkres's, the hand-written direct and the
//! hand-written staged way's): sharing one with the 1000 small BLASes, each TLAS build found
//! the blocks as whichever way ran before it in the shuffled order had left them.
//!
//! The 1M-triangle BLAS ways have one allocator more each, for that BLAS alone: with the ways
//! run in a new order every run, the vkres BLAS that followed vkres's 1000 small BLASes found
//! VMA had kept the other empty block and paid the page faults again (1.43x-1.51x on lavapipe;
//! 1.03x in the fixed order); the hand-written side, with another mix of ways on its VMA, did
//! not. Each on its own allocator, both reuse one block, as a program building such a BLAS
//! every frame would.

use std::time::{Duration, Instant};

use vkres::ash::vk;
use vkres::{
    Blas, BlasDesc, Buffer, BufferDesc, Context, MemoryLocation, ResourceAllocator, TlasDesc, TlasInstance,
    Transform3x4, TriangleGeometry,
};

use crate::BenchResult;
use crate::raw::{Raw, RawBuffer, barrier};
use vkres_bench::accel_raw::{RawMesh, build_info, build_sizes, grid, grid_quads};

pub(crate) const INPUT: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR.as_raw()
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

/// A structure the hand-written way made: its storage and the structure.
pub(crate) struct RawAccel {
    storage: RawBuffer,
    handle: vk::AccelerationStructureKHR,
}

/// The hand-written baseline: VMA with device addresses, one command buffer and fence, the
/// extension's functions.
pub(crate) struct HandWritten<'a> {
    raw: Raw<'a>,
    fns: ash::khr::acceleration_structure::Device,
    scratch_align: u64,
}

impl<'a> HandWritten<'a> {
    pub(crate) fn new(ctx: &'a Context) -> BenchResult<Self> {
        let raw = Raw::new(ctx, vk_mem::AllocatorCreateFlags::BUFFER_DEVICE_ADDRESS)?;
        let fns = ash::khr::acceleration_structure::Device::new(ctx.instance(), ctx.device());
        let scratch_align = u64::from(ctx.capabilities().min_acceleration_structure_scratch_offset_alignment).max(1);
        Ok(Self { raw, fns, scratch_align })
    }

    /// A device-local buffer with a device address.
    fn buffer(&self, size: u64, usage: vk::BufferUsageFlags) -> BenchResult<(RawBuffer, vk::DeviceAddress)> {
        let buffer = self.raw.device_buffer(size, usage | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS)?;
        let address = self.raw.address(&buffer);
        Ok((buffer, address))
    }

    fn create(&self, ty: vk::AccelerationStructureTypeKHR, size: u64) -> BenchResult<RawAccel> {
        let (storage, _) = self.buffer(size, vk::BufferUsageFlags::ACCELERATION_STRUCTURE_STORAGE_KHR)?;
        let info = vk::AccelerationStructureCreateInfoKHR::default().buffer(storage.buffer).size(size).ty(ty);
        // SAFETY: the storage buffer is live, large enough, and outlives the structure.
        match unsafe { self.fns.create_acceleration_structure(&info, None) } {
            Ok(handle) => Ok(RawAccel { storage, handle }),
            Err(e) => {
                self.raw.destroy_buffer(storage);
                Err(e.into())
            }
        }
    }

    pub(crate) fn destroy(&self, accel: RawAccel) {
        // SAFETY: the build that wrote it was waited for; destroyed before its storage.
        unsafe { self.fns.destroy_acceleration_structure(accel.handle, None) };
        self.raw.destroy_buffer(accel.storage);
    }

    /// Builds one BLAS per mesh in one command (`batched`) or one submission each.
    pub(crate) fn build_blases(&self, meshes: &[RawMesh], batched: bool) -> BenchResult<Vec<RawAccel>> {
        let ty = vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL;
        let geometries: Vec<[vk::AccelerationStructureGeometryKHR<'static>; 1]> =
            meshes.iter().map(|m| [m.geometry()]).collect();
        let sizes: Vec<_> =
            meshes.iter().zip(&geometries).map(|(m, g)| build_sizes(&self.fns, ty, g, &[m.triangles])).collect();
        let accels =
            sizes.iter().map(|s| self.create(ty, s.acceleration_structure_size)).collect::<BenchResult<Vec<_>>>()?;
        let align = |s: u64| s.next_multiple_of(self.scratch_align);
        let scratch_size = if batched {
            sizes.iter().map(|s| align(s.build_scratch_size)).sum::<u64>()
        } else {
            sizes.iter().map(|s| align(s.build_scratch_size)).max().unwrap_or(0)
        };
        let (scratch, scratch_address) =
            self.buffer(scratch_size + self.scratch_align, vk::BufferUsageFlags::STORAGE_BUFFER)?;
        let base = scratch_address.next_multiple_of(self.scratch_align);
        let mut offset = base;
        let infos: Vec<_> = accels
            .iter()
            .zip(&geometries)
            .zip(&sizes)
            .map(|((a, g), s)| {
                let info = build_info(ty, a.handle, g, if batched { offset } else { base });
                offset += align(s.build_scratch_size);
                info
            })
            .collect();
        let ranges: Vec<_> = meshes.iter().map(RawMesh::range).collect();
        let range_refs: Vec<&[vk::AccelerationStructureBuildRangeInfoKHR]> = ranges.iter().map(|r| &r[..]).collect();
        // SAFETY: inputs live, one scratch range per build (or one build per submission), each
        // submission waited for before the next reuses the scratch; `cmd` is recording.
        let built = if batched {
            self.raw.submit(|cmd| unsafe { self.fns.cmd_build_acceleration_structures(cmd, &infos, &range_refs) })
        } else {
            infos.iter().zip(&range_refs).try_for_each(|(info, range)| {
                // SAFETY: as above.
                self.raw.submit(|cmd| unsafe { self.fns.cmd_build_acceleration_structures(cmd, &[*info], &[range]) })
            })
        };
        self.raw.destroy_buffer(scratch);
        match built {
            Ok(()) => Ok(accels),
            Err(e) => {
                accels.into_iter().for_each(|a| self.destroy(a));
                Err(e)
            }
        }
    }

    /// Writes `instances` into an instance buffer as `upload` says and builds a TLAS.
    fn build_tlas(
        &self,
        instances: &[vk::AccelerationStructureInstanceKHR],
        upload: InstanceUpload,
    ) -> BenchResult<RawAccel> {
        let bytes = size_of_val(instances) as u64;
        let words: &[u8] = bytemuck::cast_slice(instances_as_words(instances));
        let ty = vk::AccelerationStructureTypeKHR::TOP_LEVEL;
        let usage = vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR
            | vk::BufferUsageFlags::TRANSFER_DST
            | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS;
        let buffer = match upload {
            // VMA's pattern for data the host writes once and the device reads: device-local
            // memory, mapped where it is host-visible, else a transfer.
            InstanceUpload::DirectOrStaged => {
                let create = vk_mem::AllocationCreateInfo {
                    usage: vk_mem::MemoryUsage::AutoPreferDevice,
                    flags: vk_mem::AllocationCreateFlags::HOST_ACCESS_SEQUENTIAL_WRITE
                        | vk_mem::AllocationCreateFlags::HOST_ACCESS_ALLOW_TRANSFER_INSTEAD
                        | vk_mem::AllocationCreateFlags::MAPPED,
                    ..Default::default()
                };
                self.raw.buffer(bytes, usage, &create)?
            }
            InstanceUpload::Staged => self.raw.device_buffer(bytes, usage)?,
        };
        let address = self.raw.address(&buffer);
        // VMA maps the buffer only where its memory is host-visible.
        let staging = if buffer.mapped.is_null() {
            let staging = self.raw.staging_buffer(bytes)?;
            self.raw.write(&staging, 0, words)?;
            Some(staging)
        } else {
            self.raw.write(&buffer, 0, words)?;
            None
        };
        let data = vk::AccelerationStructureGeometryInstancesDataKHR::default()
            .data(vk::DeviceOrHostAddressConstKHR { device_address: address });
        let geometry = [vk::AccelerationStructureGeometryKHR::default()
            .geometry_type(vk::GeometryTypeKHR::INSTANCES)
            .geometry(vk::AccelerationStructureGeometryDataKHR { instances: data })];
        let count = instances.len() as u32;
        let sizes = build_sizes(&self.fns, ty, &geometry, &[count]);
        let tlas = self.create(ty, sizes.acceleration_structure_size)?;
        let (scratch, scratch_address) =
            self.buffer(sizes.build_scratch_size + self.scratch_align, vk::BufferUsageFlags::STORAGE_BUFFER)?;
        let info = build_info(ty, tlas.handle, &geometry, scratch_address.next_multiple_of(self.scratch_align));
        let range = [vk::AccelerationStructureBuildRangeInfoKHR::default().primitive_count(count)];
        let ctx = self.raw.ctx;
        let built = self.raw.submit(|cmd| {
            // SAFETY: the buffers are live and sized for the copy and the build; `cmd` is recording.
            // Host writes before the submission need no barrier.
            unsafe {
                if let Some(staging) = &staging {
                    ctx.device().cmd_copy_buffer(
                        cmd,
                        staging.buffer,
                        buffer.buffer,
                        &[vk::BufferCopy::default().size(bytes)],
                    );
                    barrier(
                        ctx,
                        cmd,
                        (vk::PipelineStageFlags2::ALL_TRANSFER, vk::AccessFlags2::TRANSFER_WRITE),
                        (vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR, vk::AccessFlags2::SHADER_READ),
                    );
                }
                self.fns.cmd_build_acceleration_structures(cmd, &[info], &[&range]);
            }
        });
        for b in [Some(scratch), Some(buffer), staging].into_iter().flatten() {
            self.raw.destroy_buffer(b);
        }
        match built {
            Ok(()) => Ok(tlas),
            Err(e) => {
                self.destroy(tlas);
                Err(e)
            }
        }
    }
}

/// How the hand-written TLAS gets its instance records into the instance buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InstanceUpload {
    /// Written directly where the buffer lands in host-visible device-local memory (ReBAR,
    /// unified memory, lavapipe), else staged and copied: what vkres does.
    DirectOrStaged,
    /// Always a staging buffer, a copy and a barrier (the baseline before vkres wrote directly).
    Staged,
}

/// The instance records as plain words (`AccelerationStructureInstanceKHR` is 64 bytes of
/// plain data, but not `Pod` in ash).
fn instances_as_words(instances: &[vk::AccelerationStructureInstanceKHR]) -> &[u32] {
    // SAFETY: the struct is `repr(C)`, 64 bytes without padding, every bit pattern a valid u32.
    unsafe { std::slice::from_raw_parts(instances.as_ptr().cast::<u32>(), size_of_val(instances) / 4) }
}

/// The instance records the hand-written way builds from (part of its timed work, as turning
/// transforms into instances is part of vkres's).
fn raw_instances(transforms: &[Transform3x4], blas: vk::DeviceAddress) -> Vec<vk::AccelerationStructureInstanceKHR> {
    transforms
        .iter()
        .map(|t| vk::AccelerationStructureInstanceKHR {
            transform: vk::TransformMatrixKHR { matrix: bytemuck::cast(t.0) },
            instance_custom_index_and_mask: vk::Packed24_8::new(7, 0xFF),
            instance_shader_binding_table_record_offset_and_flags: vk::Packed24_8::new(0, 0),
            acceleration_structure_reference: vk::AccelerationStructureReferenceKHR { device_handle: blas },
        })
        .collect()
}

/// The TLAS instances: `count` copies of a BLAS on a grid.
fn instance_transforms(count: u32) -> Vec<Transform3x4> {
    (0..count).map(|i| Transform3x4::translation([(i % 100) as f32 * 3.0, (i / 100) as f32 * 3.0, 0.0])).collect()
}

/// The sizes of the section.
pub struct Sizes {
    pub triangles: u64,
    pub instances: u32,
    pub small: usize,
}

/// Each row's name and counted times.
pub type Rows = Vec<(String, Vec<Duration>)>;

/// Row names and times, in table order: BLAS vkres, BLAS ash, TLAS vkres, TLAS ash, TLAS ash
/// always staged, small vkres batch, small ash one command, small ash one submit each. `None`
/// without `VK_KHR_acceleration_structure`.
pub fn measure(
    ctx: &Context,
    alloc: &ResourceAllocator,
    sizes: &Sizes,
    warmups: usize,
    runs: usize,
) -> BenchResult<Option<Rows>> {
    if !ctx.capabilities().enabled.acceleration_structure {
        return Ok(None);
    }
    // Every input in one batch: one submission for the whole set-up.
    let mut batch = alloc.batch()?;
    let mut upload =
        |name: &str, vertices: &[[f32; 3]], indices: &[u32]| -> vkres::Result<(Buffer<[f32; 3]>, Buffer<u32>)> {
            let v: Buffer<[f32; 3]> = alloc.create_typed_buffer(
                &BufferDesc::elements::<[f32; 3]>(vertices.len() as u64, INPUT)
                    .location(MemoryLocation::PreferDevice)
                    .name(name),
            )?;
            let i: Buffer<u32> = alloc.create_typed_buffer(
                &BufferDesc::elements::<u32>(indices.len() as u64, INPUT).location(MemoryLocation::PreferDevice),
            )?;
            batch.upload(&v, 0, vertices)?;
            batch.upload(&i, 0, indices)?;
            Ok((v, i))
        };
    let (quads_x, quads_y) = grid_quads(sizes.triangles as u32);
    let (big_vertices, big_indices) = grid(quads_x, quads_y);
    let big = upload("big", &big_vertices, &big_indices)?;
    let (small_vertices, small_indices) = grid(4, 2); // 16 triangles
    let small: Vec<_> = (0..sizes.small)
        .map(|i| upload(&format!("small{i}"), &small_vertices, &small_indices))
        .collect::<Result<_, _>>()?;
    let instanced = upload("instanced", &small_vertices, &small_indices)?;
    let blas_desc = |(v, i): &(Buffer<[f32; 3]>, Buffer<u32>), name: &str| {
        BlasDesc::new(name).triangles(TriangleGeometry::new(v, vk::Format::R32G32B32_SFLOAT).indices(i))
    };
    // The TLAS's BLAS, for both ways, built after the uploads of the same batch.
    let instance_blas: Blas = batch.build_blas(&blas_desc(&instanced, "instanced"))?;
    batch.submit_and_wait()?;
    let hand = HandWritten::new(ctx)?;
    // vkres's timed ways allocate from an allocator of their own, as the hand-written ways do
    // from their VMA (see the module's docs); the large BLAS, on each side, from one more.
    let alloc = &ResourceAllocator::new(alloc.context())?;
    let (big_alloc, big_hand) = (&ResourceAllocator::new(alloc.context())?, HandWritten::new(ctx)?);
    // The TLAS ways too (session 11, accel11): each keeps its own blocks whatever ran before
    // it, as a program that builds a TLAS every frame does (see the module's docs).
    let (tlas_alloc, tlas_hand, staged_hand) =
        (&ResourceAllocator::new(alloc.context())?, HandWritten::new(ctx)?, HandWritten::new(ctx)?);
    let big_desc = blas_desc(&big, "big");
    let small_descs: Vec<BlasDesc> = small.iter().map(|m| blas_desc(m, "small")).collect();
    let big_raw = [RawMesh::of(&big.0, &big.1)];
    let small_raw: Vec<RawMesh> = small.iter().map(|(v, i)| RawMesh::of(v, i)).collect();
    let transforms = instance_transforms(sizes.instances);
    let tlas_desc = TlasDesc::new("tlas")
        .instances(transforms.iter().map(|t| TlasInstance::new(&instance_blas).transform(*t).custom_index(7)));
    let names = [
        format!("BLAS of {} triangles: vkres", quads_x * quads_y * 2),
        "BLAS: ash + vk-mem (hand-written)".to_string(),
        format!("TLAS of {} instances: vkres", sizes.instances),
        "TLAS: ash + vk-mem (hand-written, instances written directly where host-visible)".to_string(),
        "TLAS: ash + vk-mem, instances always staged".to_string(),
        format!("{} small BLASes, one batch: vkres", sizes.small),
        format!("{} small BLASes, one command: ash + vk-mem", sizes.small),
        format!("{} small BLASes, one submit each: ash + vk-mem", sizes.small),
    ];
    let times = crate::stats::interleaved(warmups, runs, names.len(), |way| -> BenchResult<Option<Duration>> {
        let t = Instant::now();
        let elapsed = match way {
            0 => {
                let mut batch = big_alloc.batch()?;
                let blas = batch.build_blas(&big_desc)?;
                batch.submit_and_wait()?;
                let elapsed = t.elapsed();
                drop(blas);
                elapsed
            }
            1 => {
                let built = big_hand.build_blases(&big_raw, true)?;
                let elapsed = t.elapsed();
                built.into_iter().for_each(|a| big_hand.destroy(a));
                elapsed
            }
            2 => {
                let mut batch = tlas_alloc.batch()?;
                let tlas = batch.build_tlas(&tlas_desc)?;
                batch.submit_and_wait()?;
                let elapsed = t.elapsed();
                drop(tlas);
                elapsed
            }
            3 | 4 => {
                let (hand, upload) = match way {
                    3 => (&tlas_hand, InstanceUpload::DirectOrStaged),
                    _ => (&staged_hand, InstanceUpload::Staged),
                };
                let tlas = hand.build_tlas(&raw_instances(&transforms, instance_blas.device_address()), upload)?;
                let elapsed = t.elapsed();
                hand.destroy(tlas);
                elapsed
            }
            5 => {
                let mut batch = alloc.batch()?;
                // Sized once, as the hand-written way's vectors are (a `Result` collect
                // grows its vector ten times over 1000 BLASes: ~100 instructions per BLAS).
                let mut blases = Vec::with_capacity(small_descs.len());
                for d in &small_descs {
                    blases.push(batch.build_blas(d)?);
                }
                batch.submit_and_wait()?;
                let elapsed = t.elapsed();
                drop(blases);
                elapsed
            }
            _ => {
                let built = hand.build_blases(&small_raw, way == 6)?;
                let elapsed = t.elapsed();
                built.into_iter().for_each(|a| hand.destroy(a));
                elapsed
            }
        };
        Ok(Some(elapsed))
    })?;
    Ok(Some(names.into_iter().zip(times).collect()))
}
