//! Acceleration-structure builds: vkres against the same work hand-written in ash + vk-mem,
//! side by side in one process, ways interleaved run by run.
//!
//! ```sh
//! cargo bench --bench accel                  # 1M-triangle BLAS, 10 000-instance TLAS, 1 000 small BLASes
//! cargo bench --bench accel -- --runs 9 --triangles 1000000 --instances 10000 --small 1000
//! ```
//! Every way builds from the same device-local inputs and includes what a caller waits for:
//! structure and scratch allocation, recording, submission and the wait (for the TLAS, also the
//! upload of the instance data from the host). Prints a Markdown table and the device.

#[path = "common.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{arg, stats};
use vkres::ash::vk;
use vkres::{
    Blas, BlasDesc, Buffer, BufferDesc, Context, ContextOptions, MemoryLocation, ResourceAllocator, TlasDesc,
    TlasInstance, Transform3x4, TriangleGeometry,
};

const INPUT: vk::BufferUsageFlags = vk::BufferUsageFlags::from_raw(
    vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR.as_raw()
        | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS.as_raw()
        | vk::BufferUsageFlags::TRANSFER_DST.as_raw(),
);

/// A grid of `quads_x * quads_y` quads (two triangles each) with u32 indices.
fn grid(quads_x: u32, quads_y: u32) -> (Vec<[f32; 3]>, Vec<u32>) {
    let mut vertices = Vec::new();
    for y in 0..=quads_y {
        for x in 0..=quads_x {
            let h = ((x * 7 + y * 13) % 17) as f32 * 0.01;
            vertices.push([x as f32, y as f32, h]);
        }
    }
    let row = quads_x + 1;
    let mut indices = Vec::new();
    for y in 0..quads_y {
        for x in 0..quads_x {
            let i = y * row + x;
            indices.extend_from_slice(&[i, i + 1, i + row, i + 1, i + row + 1, i + row]);
        }
    }
    (vertices, indices)
}

/// Triangle geometry in vk terms, for the hand-written way.
struct RawMesh {
    vertices: vk::DeviceAddress,
    vertex_count: u32,
    indices: vk::DeviceAddress,
    triangles: u32,
}

impl RawMesh {
    fn of(vertices: &Buffer<[f32; 3]>, indices: &Buffer<u32>) -> Self {
        RawMesh {
            vertices: vertices.device_address().expect("address"),
            vertex_count: vertices.len() as u32,
            indices: indices.device_address().expect("address"),
            triangles: (indices.len() / 3) as u32,
        }
    }

    fn geometry(&self) -> vk::AccelerationStructureGeometryKHR<'static> {
        let triangles = vk::AccelerationStructureGeometryTrianglesDataKHR::default()
            .vertex_format(vk::Format::R32G32B32_SFLOAT)
            .vertex_data(vk::DeviceOrHostAddressConstKHR { device_address: self.vertices })
            .vertex_stride(12)
            .max_vertex(self.vertex_count - 1)
            .index_type(vk::IndexType::UINT32)
            .index_data(vk::DeviceOrHostAddressConstKHR { device_address: self.indices });
        vk::AccelerationStructureGeometryKHR::default()
            .geometry_type(vk::GeometryTypeKHR::TRIANGLES)
            .geometry(vk::AccelerationStructureGeometryDataKHR { triangles })
            .flags(vk::GeometryFlagsKHR::OPAQUE)
    }
}

/// A structure the hand-written way made: storage, structure.
struct RawAccel {
    buffer: vk::Buffer,
    allocation: vk_mem::Allocation,
    handle: vk::AccelerationStructureKHR,
}

/// The hand-written baseline: VMA, one command pool and fence, the extension's functions.
struct HandWritten<'a> {
    ctx: &'a Context,
    vma: vk_mem::Allocator,
    fns: ash::khr::acceleration_structure::Device,
    pool: vk::CommandPool,
    fence: vk::Fence,
    scratch_align: u64,
}

impl<'a> HandWritten<'a> {
    fn new(ctx: &'a Context) -> Self {
        // SAFETY (whole benchmark baseline): raw Vulkan by design, on the context's live device;
        // every object is destroyed after the wait that ends its use.
        unsafe {
            let mut info = vk_mem::AllocatorCreateInfo::new(ctx.instance(), ctx.device(), ctx.physical_device());
            info.vulkan_api_version = vk::API_VERSION_1_3;
            info.flags = vk_mem::AllocatorCreateFlags::BUFFER_DEVICE_ADDRESS;
            let vma = vk_mem::Allocator::new(info).expect("vma");
            let fns = ash::khr::acceleration_structure::Device::new(ctx.instance(), ctx.device());
            let pool = ctx
                .device()
                .create_command_pool(
                    &vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index()),
                    None,
                )
                .expect("pool");
            let fence = ctx.device().create_fence(&vk::FenceCreateInfo::default(), None).expect("fence");
            let scratch_align = u64::from(ctx.capabilities().min_acceleration_structure_scratch_offset_alignment);
            Self { ctx, vma, fns, pool, fence, scratch_align }
        }
    }

    fn buffer(&self, size: u64, usage: vk::BufferUsageFlags) -> (vk::Buffer, vk_mem::Allocation, vk::DeviceAddress) {
        use vk_mem::Alloc;
        let info =
            vk::BufferCreateInfo::default().size(size).usage(usage | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS);
        let create =
            vk_mem::AllocationCreateInfo { usage: vk_mem::MemoryUsage::AutoPreferDevice, ..Default::default() };
        // SAFETY: see `new`.
        unsafe {
            let (buffer, allocation) = self.vma.create_buffer(&info, &create).expect("buffer");
            let address =
                self.ctx.device().get_buffer_device_address(&vk::BufferDeviceAddressInfo::default().buffer(buffer));
            (buffer, allocation, address)
        }
    }

    fn sizes(
        &self,
        ty: vk::AccelerationStructureTypeKHR,
        geometries: &[vk::AccelerationStructureGeometryKHR<'_>],
        counts: &[u32],
    ) -> vk::AccelerationStructureBuildSizesInfoKHR<'static> {
        let info = vk::AccelerationStructureBuildGeometryInfoKHR::default()
            .ty(ty)
            .flags(vk::BuildAccelerationStructureFlagsKHR::PREFER_FAST_TRACE)
            .geometries(geometries);
        let mut sizes = vk::AccelerationStructureBuildSizesInfoKHR::default();
        // SAFETY: see `new`.
        unsafe {
            self.fns.get_acceleration_structure_build_sizes(
                vk::AccelerationStructureBuildTypeKHR::DEVICE,
                &info,
                counts,
                &mut sizes,
            )
        };
        sizes
    }

    fn create(&self, ty: vk::AccelerationStructureTypeKHR, size: u64) -> RawAccel {
        let (buffer, allocation, _) = self.buffer(size, vk::BufferUsageFlags::ACCELERATION_STRUCTURE_STORAGE_KHR);
        let info = vk::AccelerationStructureCreateInfoKHR::default().buffer(buffer).size(size).ty(ty);
        // SAFETY: see `new`.
        let handle = unsafe { self.fns.create_acceleration_structure(&info, None) }.expect("create");
        RawAccel { buffer, allocation, handle }
    }

    fn destroy(&self, mut accel: RawAccel) {
        // SAFETY: see `new`; the build that wrote it was waited for.
        unsafe {
            self.fns.destroy_acceleration_structure(accel.handle, None);
            self.vma.destroy_buffer(accel.buffer, &mut accel.allocation);
        }
    }

    /// One command buffer recorded by `record`, submitted, waited for.
    fn submit(&self, record: impl FnOnce(vk::CommandBuffer)) {
        let device = self.ctx.device();
        // SAFETY: see `new`; the pool's previous command buffer finished (waited for).
        unsafe {
            device.reset_command_pool(self.pool, vk::CommandPoolResetFlags::empty()).expect("reset");
            let cmd = device
                .allocate_command_buffers(
                    &vk::CommandBufferAllocateInfo::default().command_pool(self.pool).command_buffer_count(1),
                )
                .expect("cmd")[0];
            let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
            device.begin_command_buffer(cmd, &begin).expect("begin");
            record(cmd);
            let barrier = [vk::MemoryBarrier2::default()
                .src_stage_mask(vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR)
                .src_access_mask(vk::AccessFlags2::ACCELERATION_STRUCTURE_WRITE_KHR)
                .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
                .dst_access_mask(vk::AccessFlags2::MEMORY_READ)];
            device.cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().memory_barriers(&barrier));
            device.end_command_buffer(cmd).expect("end");
            let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
            self.ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], self.fence).expect("submit");
            device.wait_for_fences(&[self.fence], true, u64::MAX).expect("wait");
            device.reset_fences(&[self.fence]).expect("reset fence");
        }
    }

    /// Builds one BLAS per mesh in one command (`batched`) or one submission each.
    fn build_blases(&self, meshes: &[RawMesh], batched: bool) -> Vec<RawAccel> {
        let ty = vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL;
        let geometries: Vec<[vk::AccelerationStructureGeometryKHR<'static>; 1]> =
            meshes.iter().map(|m| [m.geometry()]).collect();
        let sizes: Vec<_> = meshes.iter().zip(&geometries).map(|(m, g)| self.sizes(ty, g, &[m.triangles])).collect();
        let accels: Vec<RawAccel> = sizes.iter().map(|s| self.create(ty, s.acceleration_structure_size)).collect();
        let align = |s: u64| s.next_multiple_of(self.scratch_align);
        let scratch_size = if batched {
            sizes.iter().map(|s| align(s.build_scratch_size)).sum::<u64>()
        } else {
            sizes.iter().map(|s| align(s.build_scratch_size)).max().unwrap_or(0)
        };
        let (scratch, mut scratch_alloc, scratch_address) =
            self.buffer(scratch_size + self.scratch_align, vk::BufferUsageFlags::STORAGE_BUFFER);
        let base = scratch_address.next_multiple_of(self.scratch_align);
        let mut offset = base;
        let infos: Vec<_> = accels
            .iter()
            .zip(&geometries)
            .zip(&sizes)
            .map(|((a, g), s)| {
                let info = vk::AccelerationStructureBuildGeometryInfoKHR::default()
                    .ty(ty)
                    .flags(vk::BuildAccelerationStructureFlagsKHR::PREFER_FAST_TRACE)
                    .mode(vk::BuildAccelerationStructureModeKHR::BUILD)
                    .dst_acceleration_structure(a.handle)
                    .geometries(g)
                    .scratch_data(vk::DeviceOrHostAddressKHR { device_address: if batched { offset } else { base } });
                offset += align(s.build_scratch_size);
                info
            })
            .collect();
        let ranges: Vec<[vk::AccelerationStructureBuildRangeInfoKHR; 1]> = meshes
            .iter()
            .map(|m| [vk::AccelerationStructureBuildRangeInfoKHR::default().primitive_count(m.triangles)])
            .collect();
        let range_refs: Vec<&[vk::AccelerationStructureBuildRangeInfoKHR]> = ranges.iter().map(|r| &r[..]).collect();
        // SAFETY: see `new`: inputs live, one scratch range per build, waited for before reuse.
        unsafe {
            if batched {
                self.submit(|cmd| self.fns.cmd_build_acceleration_structures(cmd, &infos, &range_refs));
            } else {
                for (info, range) in infos.iter().zip(&range_refs) {
                    self.submit(|cmd| self.fns.cmd_build_acceleration_structures(cmd, &[*info], &[range]));
                }
            }
            self.vma.destroy_buffer(scratch, &mut scratch_alloc);
        }
        accels
    }

    /// Uploads `instances` (memcpy into mapped staging, copy, barrier) and builds a TLAS.
    fn build_tlas(&self, instances: &[vk::AccelerationStructureInstanceKHR]) -> RawAccel {
        use vk_mem::Alloc;
        let bytes = std::mem::size_of_val(instances) as u64;
        let ty = vk::AccelerationStructureTypeKHR::TOP_LEVEL;
        // SAFETY: see `new`; the staging mapping holds `bytes` bytes.
        unsafe {
            let staging_info = vk::BufferCreateInfo::default().size(bytes).usage(vk::BufferUsageFlags::TRANSFER_SRC);
            let host = vk_mem::AllocationCreateInfo {
                usage: vk_mem::MemoryUsage::AutoPreferHost,
                flags: vk_mem::AllocationCreateFlags::HOST_ACCESS_SEQUENTIAL_WRITE
                    | vk_mem::AllocationCreateFlags::MAPPED,
                ..Default::default()
            };
            let (staging, mut staging_alloc) = self.vma.create_buffer(&staging_info, &host).expect("staging");
            let mapped = self.vma.get_allocation_info(&staging_alloc).mapped_data.cast::<u8>();
            std::ptr::copy_nonoverlapping(instances.as_ptr().cast::<u8>(), mapped, bytes as usize);
            self.vma.flush_allocation(&staging_alloc, 0, bytes).expect("flush");
            let (buffer, mut alloc, address) = self.buffer(
                bytes,
                vk::BufferUsageFlags::ACCELERATION_STRUCTURE_BUILD_INPUT_READ_ONLY_KHR
                    | vk::BufferUsageFlags::TRANSFER_DST,
            );
            let data = vk::AccelerationStructureGeometryInstancesDataKHR::default()
                .data(vk::DeviceOrHostAddressConstKHR { device_address: address });
            let geometry = [vk::AccelerationStructureGeometryKHR::default()
                .geometry_type(vk::GeometryTypeKHR::INSTANCES)
                .geometry(vk::AccelerationStructureGeometryDataKHR { instances: data })];
            let count = instances.len() as u32;
            let sizes = self.sizes(ty, &geometry, &[count]);
            let tlas = self.create(ty, sizes.acceleration_structure_size);
            let (scratch, mut scratch_alloc, scratch_address) =
                self.buffer(sizes.build_scratch_size + self.scratch_align, vk::BufferUsageFlags::STORAGE_BUFFER);
            let info = vk::AccelerationStructureBuildGeometryInfoKHR::default()
                .ty(ty)
                .flags(vk::BuildAccelerationStructureFlagsKHR::PREFER_FAST_TRACE)
                .mode(vk::BuildAccelerationStructureModeKHR::BUILD)
                .dst_acceleration_structure(tlas.handle)
                .geometries(&geometry)
                .scratch_data(vk::DeviceOrHostAddressKHR {
                    device_address: scratch_address.next_multiple_of(self.scratch_align),
                });
            let range = [vk::AccelerationStructureBuildRangeInfoKHR::default().primitive_count(count)];
            self.submit(|cmd| {
                self.ctx.device().cmd_copy_buffer(cmd, staging, buffer, &[vk::BufferCopy::default().size(bytes)]);
                let barrier = [vk::MemoryBarrier2::default()
                    .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                    .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                    .dst_stage_mask(vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR)
                    .dst_access_mask(vk::AccessFlags2::SHADER_READ)];
                self.ctx.device().cmd_pipeline_barrier2(cmd, &vk::DependencyInfo::default().memory_barriers(&barrier));
                self.fns.cmd_build_acceleration_structures(cmd, &[info], &[&range]);
            });
            self.vma.destroy_buffer(scratch, &mut scratch_alloc);
            self.vma.destroy_buffer(buffer, &mut alloc);
            self.vma.destroy_buffer(staging, &mut staging_alloc);
            tlas
        }
    }
}

impl Drop for HandWritten<'_> {
    fn drop(&mut self) {
        // SAFETY: every submission was waited for.
        unsafe {
            self.ctx.device().destroy_fence(self.fence, None);
            self.ctx.device().destroy_command_pool(self.pool, None);
        }
    }
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

fn main() -> vkres::Result<()> {
    let runs = arg("--runs", 5).max(1) as usize;
    let triangles = arg("--triangles", 1_000_000);
    let instance_count = arg("--instances", 10_000) as u32;
    let small_count = arg("--small", 1_000) as usize;
    let ctx = Context::new(ContextOptions::new().debug_utils(false))?;
    let caps = ctx.capabilities().clone();
    if !caps.acceleration_structure {
        println!("{} has no VK_KHR_acceleration_structure: nothing to measure", caps.device_name);
        return Ok(());
    }
    let alloc = ResourceAllocator::new(&ctx)?;
    let upload =
        |name: &str, vertices: &[[f32; 3]], indices: &[u32]| -> vkres::Result<(Buffer<[f32; 3]>, Buffer<u32>)> {
            let v = alloc.create_buffer_with_data(
                &BufferDesc::elements::<[f32; 3]>(vertices.len() as u64, INPUT)
                    .location(MemoryLocation::PreferDevice)
                    .name(name),
                vertices,
            )?;
            let i = alloc.create_buffer_with_data(
                &BufferDesc::elements::<u32>(indices.len() as u64, INPUT).location(MemoryLocation::PreferDevice),
                indices,
            )?;
            Ok((v, i))
        };
    let quads_x = 1000u32;
    let quads_y = (triangles as u32 / 2).div_ceil(quads_x);
    let (big_vertices, big_indices) = grid(quads_x, quads_y);
    let big = upload("big", &big_vertices, &big_indices)?;
    let (small_vertices, small_indices) = grid(4, 2); // 16 triangles
    let small: Vec<_> = (0..small_count)
        .map(|i| upload(&format!("small{i}"), &small_vertices, &small_indices))
        .collect::<Result<_, _>>()?;
    let hand = HandWritten::new(&ctx);
    let blas_desc = |(v, i): &(Buffer<[f32; 3]>, Buffer<u32>), name: &str| {
        BlasDesc::new(name).triangles(TriangleGeometry::new(v, vk::Format::R32G32B32_SFLOAT).indices(i))
    };
    let big_desc = blas_desc(&big, "big");
    let small_descs: Vec<BlasDesc> = small.iter().map(|m| blas_desc(m, "small")).collect();
    let big_raw = [RawMesh::of(&big.0, &big.1)];
    let small_raw: Vec<RawMesh> = small.iter().map(|(v, i)| RawMesh::of(v, i)).collect();

    // The TLAS's BLAS, for both ways.
    let mut batch = alloc.batch()?;
    let instance_blas: Blas = batch.build_blas(&small_descs[0])?;
    batch.submit_and_wait()?;
    let transforms = instance_transforms(instance_count);
    let tlas_desc = TlasDesc::new("tlas")
        .instances(transforms.iter().map(|t| TlasInstance::new(&instance_blas).transform(*t).custom_index(7)));
    let names = [
        format!("BLAS of {} triangles: vkres", quads_x * quads_y * 2),
        "BLAS: ash (hand-written)".to_string(),
        format!("TLAS of {instance_count} instances: vkres"),
        "TLAS: ash (hand-written)".to_string(),
        format!("{small_count} small BLASes, one batch: vkres"),
        format!("{small_count} small BLASes, one command: ash (hand-written)"),
        format!("{small_count} small BLASes, one submit each: ash (hand-written)"),
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    for run in 0..runs + 1 {
        for (way, slot) in times.iter_mut().enumerate() {
            let t = Instant::now();
            match way {
                0 => {
                    let mut batch = alloc.batch()?;
                    let blas = batch.build_blas(&big_desc)?;
                    batch.submit_and_wait()?;
                    slot.push(t.elapsed());
                    drop(blas);
                }
                1 => {
                    let built = hand.build_blases(&big_raw, true);
                    slot.push(t.elapsed());
                    built.into_iter().for_each(|a| hand.destroy(a));
                }
                2 => {
                    let mut batch = alloc.batch()?;
                    let tlas = batch.build_tlas(&tlas_desc)?;
                    batch.submit_and_wait()?;
                    slot.push(t.elapsed());
                    drop(tlas);
                }
                3 => {
                    let tlas = hand.build_tlas(&raw_instances(&transforms, instance_blas.device_address()));
                    slot.push(t.elapsed());
                    hand.destroy(tlas);
                }
                4 => {
                    let mut batch = alloc.batch()?;
                    let blases = small_descs.iter().map(|d| batch.build_blas(d)).collect::<Result<Vec<_>, _>>()?;
                    batch.submit_and_wait()?;
                    slot.push(t.elapsed());
                    drop(blases);
                }
                _ => {
                    let built = hand.build_blases(&small_raw, way == 5);
                    slot.push(t.elapsed());
                    built.into_iter().for_each(|a| hand.destroy(a));
                }
            }
            if run == 0 {
                slot.clear(); // warm-up
            }
        }
    }

    println!("## Acceleration-structure builds, vkres against hand-written ash + vk-mem\n");
    println!(
        "device: {} ({:?}), {}; {runs} counted runs after 1 warm-up, ways interleaved\n",
        caps.device_name, caps.device_type, caps.driver
    );
    println!("| work | median ms | min ms | max ms | ratio |");
    println!("|---|---:|---:|---:|---:|");
    let medians: Vec<f64> = times.iter().map(|t| stats(t.clone()).0).collect();
    for (i, (name, t)) in names.iter().zip(&times).enumerate() {
        let (median, min, max) = stats(t.clone());
        let ratio = match i {
            0 | 2 | 4 => format!("{:.3} of hand-written time", median / medians[i + 1]),
            6 => format!("{:.1}x slower than the vkres batch", median / medians[4]),
            _ => String::new(),
        };
        println!("| {name} | {median:.2} | {min:.2} | {max:.2} | {ratio} |");
    }
    drop(hand);
    Ok(())
}
