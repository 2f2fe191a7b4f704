//! Acceleration-structure builds of a [`Recorder`]: recorded when asked for, into the command
//! buffer when the round closes (after its transfers), BLASes first in one build command, then
//! TLASes.

use std::sync::Arc;

use ash::vk;

use super::{OneRound, Recorder, Rounds};
use crate::accel::{Blas, BlasDesc, Geometry, InstanceRecord, Tlas, TlasDesc, geometry};
use crate::error::{Error, Result};
use crate::handle_map::HandleSet;
use crate::memory::{MappingType, MemoryLocation};
use crate::resources::{AccelerationStructure, Buffer, BufferDesc, accel};

/// A build or update recorded, waiting for the end of the recording (or of the batch's round).
pub(in crate::allocator) struct PendingBuild {
    dst: AccelerationStructure,
    update: bool,
    geometries: Vec<GeometryRecord>,
    scratch: u64,
}

/// One geometry of a build as plain data (device addresses, counts): the Vulkan structs with
/// their pointers are made only while the build command is recorded.
#[derive(Debug, Clone, Copy)]
enum GeometryRecord {
    Triangles {
        vertices: vk::DeviceAddress,
        format: vk::Format,
        stride: u64,
        max_vertex: u32,
        index_type: vk::IndexType,
        indices: vk::DeviceAddress,
        transform: vk::DeviceAddress,
        count: u32,
        flags: vk::GeometryFlagsKHR,
    },
    Aabbs {
        data: vk::DeviceAddress,
        stride: u64,
        count: u32,
        flags: vk::GeometryFlagsKHR,
    },
    Instances {
        data: vk::DeviceAddress,
        count: u32,
    },
}

impl GeometryRecord {
    fn vk(&self) -> vk::AccelerationStructureGeometryKHR<'static> {
        let address = |a: vk::DeviceAddress| vk::DeviceOrHostAddressConstKHR { device_address: a };
        match *self {
            GeometryRecord::Triangles {
                vertices,
                format,
                stride,
                max_vertex,
                index_type,
                indices,
                transform,
                flags,
                ..
            } => {
                let triangles = vk::AccelerationStructureGeometryTrianglesDataKHR::default()
                    .vertex_format(format)
                    .vertex_data(address(vertices))
                    .vertex_stride(stride)
                    .max_vertex(max_vertex)
                    .index_type(index_type)
                    .index_data(address(indices))
                    .transform_data(address(transform));
                vk::AccelerationStructureGeometryKHR::default()
                    .geometry_type(vk::GeometryTypeKHR::TRIANGLES)
                    .geometry(vk::AccelerationStructureGeometryDataKHR { triangles })
                    .flags(flags)
            }
            GeometryRecord::Aabbs { data, stride, flags, .. } => {
                let aabbs = vk::AccelerationStructureGeometryAabbsDataKHR::default().data(address(data)).stride(stride);
                vk::AccelerationStructureGeometryKHR::default()
                    .geometry_type(vk::GeometryTypeKHR::AABBS)
                    .geometry(vk::AccelerationStructureGeometryDataKHR { aabbs })
                    .flags(flags)
            }
            GeometryRecord::Instances { data, .. } => {
                let instances = vk::AccelerationStructureGeometryInstancesDataKHR::default().data(address(data));
                vk::AccelerationStructureGeometryKHR::default()
                    .geometry_type(vk::GeometryTypeKHR::INSTANCES)
                    .geometry(vk::AccelerationStructureGeometryDataKHR { instances })
            }
        }
    }

    fn count(&self) -> u32 {
        match *self {
            GeometryRecord::Triangles { count, .. }
            | GeometryRecord::Aabbs { count, .. }
            | GeometryRecord::Instances { count, .. } => count,
        }
    }
}

const BOTTOM: vk::AccelerationStructureTypeKHR = vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL;
const TOP: vk::AccelerationStructureTypeKHR = vk::AccelerationStructureTypeKHR::TOP_LEVEL;

impl Recorder<'_> {
    /// Creates a BLAS for `desc` and records its build, which runs at the end of the recording
    /// (of the batch's round), after its transfers (so vertex data uploaded before is read). The
    /// BLAS can be used in a TLAS of the same recording at once, and of others once this work
    /// has finished.
    ///
    /// [`Error::MissingFeature`] without acceleration structures; [`Error::InvalidDescription`],
    /// [`Error::ValidUsage`] or [`Error::DataTooLarge`] for geometry that does not fit its buffers or lacks build-input
    /// usage; nothing is created then.
    pub fn build_blas(&mut self, desc: &BlasDesc) -> Result<Blas> {
        self.alloc.context().acceleration_structure_fns("build a BLAS")?;
        let records = self.blas_records(desc)?;
        let flags = desc.options.flags();
        let sizes = self.build_sizes(BOTTOM, flags, &records)?;
        let blas = accel::create(
            &**self.alloc.memory_allocator(),
            BOTTOM,
            flags,
            sizes.acceleration_structure_size,
            &desc.name,
        )?;
        *blas.shape() = records.iter().map(GeometryRecord::count).collect();
        self.push_build(blas.clone(), false, records, sizes.build_scratch_size);
        Ok(Blas(blas))
    }

    /// Records a refit of `blas` from `desc`'s geometry (the same geometries with the same
    /// primitive counts, new vertex data or transforms). The BLAS must have been built with
    /// [`BlasDesc::allow_update`].
    pub fn update_blas(&mut self, blas: &Blas, desc: &BlasDesc) -> Result<()> {
        self.alloc.context().acceleration_structure_fns("update a BLAS")?;
        self.own_buffer(blas.0.buffer())?;
        self.check_updatable(blas, "BLAS")?;
        let records = self.blas_records(desc)?;
        let counts: Vec<u32> = records.iter().map(GeometryRecord::count).collect();
        if *blas.shape() != counts {
            return Err(geometry::invalid(
                blas.name(),
                format!("an update must keep the primitive counts {:?}, not {counts:?}", blas.shape()),
            ));
        }
        let sizes = self.build_sizes(BOTTOM, blas.build_flags(), &records)?;
        self.push_build(blas.0.clone(), true, records, sizes.update_scratch_size);
        Ok(())
    }

    /// Creates a TLAS for `desc`, fills its instance buffer (written in place where it lands in
    /// host-visible device memory, staged elsewhere) and records its build, which runs
    /// after every BLAS build recorded here. Each instance's BLAS must be built here or
    /// by one that finished ([`Error::NotReady`] otherwise) and belong to this allocator's device
    /// ([`Error::WrongDevice`]).
    pub fn build_tlas(&mut self, desc: &TlasDesc) -> Result<Tlas> {
        self.build_tlas_in(&mut OneRound, desc)
    }

    /// [`build_tlas`](Self::build_tlas) with `rounds` deciding what happens when staging runs out.
    pub(in crate::allocator) fn build_tlas_in<R: Rounds>(&mut self, rounds: &mut R, desc: &TlasDesc) -> Result<Tlas> {
        self.alloc.context().acceleration_structure_fns("build a TLAS")?;
        let flags = desc.options.flags();
        let (records, referenced) = self.tlas_records(rounds, desc)?;
        let sizes = self.build_sizes(TOP, flags, &records)?;
        let tlas =
            accel::create(&**self.alloc.memory_allocator(), TOP, flags, sizes.acceleration_structure_size, &desc.name)?;
        *tlas.shape() = vec![desc.instances.len() as u32];
        *tlas.references() = referenced;
        self.push_build(tlas.clone(), false, records, sizes.build_scratch_size);
        Ok(Tlas(tlas))
    }

    /// Records a refit of `tlas` with `desc`'s instances (as many as before; new transforms,
    /// masks, custom indices or BLASes). The TLAS must have been built with
    /// [`TlasDesc::allow_update`]. It keeps the BLASes of its earlier build alive too.
    pub fn update_tlas(&mut self, tlas: &Tlas, desc: &TlasDesc) -> Result<()> {
        self.update_tlas_in(&mut OneRound, tlas, desc)
    }

    /// [`update_tlas`](Self::update_tlas) with `rounds` deciding what happens when staging runs out.
    pub(in crate::allocator) fn update_tlas_in<R: Rounds>(
        &mut self,
        rounds: &mut R,
        tlas: &Tlas,
        desc: &TlasDesc,
    ) -> Result<()> {
        self.alloc.context().acceleration_structure_fns("update a TLAS")?;
        self.own_buffer(tlas.0.buffer())?;
        self.check_updatable(tlas, "TLAS")?;
        if *tlas.shape() != [desc.instances.len() as u32] {
            return Err(geometry::invalid(
                tlas.name(),
                format!("an update must keep {:?} instances, not {}", tlas.shape(), desc.instances.len()),
            ));
        }
        let (records, referenced) = self.tlas_records(rounds, desc)?;
        let sizes = self.build_sizes(TOP, tlas.build_flags(), &records)?;
        // Until the update has run, the structure may still point at the old BLASes.
        let mut references = tlas.references();
        // All of this device (checked by `tlas_records`), so a handle names a structure.
        let mut held: HandleSet<vk::AccelerationStructureKHR> = references.iter().map(|r| r.handle()).collect();
        references.extend(referenced.into_iter().filter(|blas| held.insert(blas.handle())));
        drop(references);
        self.push_build(tlas.0.clone(), true, records, sizes.update_scratch_size);
        Ok(())
    }

    fn check_updatable(&self, target: &AccelerationStructure, what: &str) -> Result<()> {
        if !target.build_flags().contains(vk::BuildAccelerationStructureFlagsKHR::ALLOW_UPDATE) {
            return Err(geometry::invalid(target.name(), format!("this {what} was not built with allow_update")));
        }
        self.check_built(target)
    }

    /// `target` was built by a finished batch or is built by this one.
    fn check_built(&self, target: &AccelerationStructure) -> Result<()> {
        if target.is_built() || self.built_here.contains(&target.handle()) {
            Ok(())
        } else {
            Err(Error::NotReady { name: target.name().into() })
        }
    }

    /// Checks `desc` and turns its geometries into records; holds their buffers.
    fn blas_records(&mut self, desc: &BlasDesc) -> Result<Vec<GeometryRecord>> {
        let name = desc.name.as_str();
        let first = desc.geometries.first().ok_or_else(|| geometry::invalid(name, "a BLAS needs a geometry"))?;
        let mut records = Vec::with_capacity(desc.geometries.len());
        for g in &desc.geometries {
            if std::mem::discriminant(g) != std::mem::discriminant(first) {
                return Err(geometry::invalid(name, "a BLAS holds either triangles or boxes, not both"));
            }
            records.push(match g {
                Geometry::Triangles(t) => {
                    t.check(name)?;
                    let indices = t.indices.as_ref().map(|(buffer, _)| buffer);
                    for buffer in
                        [Some(&t.vertices), indices, t.transform.as_ref().map(|(b, _)| b)].into_iter().flatten()
                    {
                        self.own_buffer(buffer)?;
                    }
                    self.check_vertex_format(name, t.vertex_format)?;
                    let (index_type, indices) = match &t.indices {
                        Some((buffer, ty)) => (*ty, self.read_address(buffer)),
                        None => (vk::IndexType::NONE_KHR, 0),
                    };
                    let transform =
                        t.transform.as_ref().map_or(0, |(buffer, offset)| self.read_address(buffer) + offset);
                    GeometryRecord::Triangles {
                        vertices: self.read_address(&t.vertices) + t.vertex_offset,
                        format: t.vertex_format,
                        stride: t.vertex_stride,
                        max_vertex: (t.vertex_count - 1) as u32,
                        index_type,
                        indices,
                        transform,
                        count: t.triangles as u32,
                        flags: t.flags,
                    }
                }
                Geometry::Aabbs(a) => {
                    a.check(name)?;
                    self.own_buffer(&a.boxes)?;
                    GeometryRecord::Aabbs {
                        data: self.read_address(&a.boxes) + a.offset,
                        stride: a.stride,
                        count: a.count as u32,
                        flags: a.flags,
                    }
                }
            });
        }
        Ok(records)
    }

    /// Checks `desc`'s instances, writes them into a new instance buffer and returns its
    /// record and the BLASes referred to (each once).
    fn tlas_records<R: Rounds>(
        &mut self,
        rounds: &mut R,
        desc: &TlasDesc,
    ) -> Result<(Vec<GeometryRecord>, Vec<AccelerationStructure>)> {
        let name = desc.name.as_str();
        let ctx = self.alloc.context();
        let count = desc.instances.len();
        if count == 0 {
            return Err(geometry::invalid(name, "a TLAS needs an instance"));
        }
        let count32 = u32::try_from(count).map_err(|_| geometry::invalid(name, "more than 2^32 instances"))?;
        // Where the device has host-visible device-local memory (ReBAR, unified memory, lavapipe)
        // the records are written into the instance buffer as they are made: no host copy, no
        // staging, no copy command, no transfer-to-build barrier. Elsewhere VMA picks
        // device-local memory and the records are staged.
        let buffer_desc = BufferDesc::elements::<InstanceRecord>(
            count as u64,
            geometry::BUILD_INPUT | vk::BufferUsageFlags::TRANSFER_DST,
        )
        .location(MemoryLocation::PreferDevice)
        .mapping(MappingType::PreferDirectWrite)
        .name(format!("{name}/instances"));
        let buffer: Buffer<InstanceRecord> = self.alloc.create_buffer(&buffer_desc)?.cast();
        let mapping = if buffer.direct_writable() { Some(buffer.map()?) } else { None };
        let in_place = mapping.as_ref().map(|m| m.as_ptr().cast::<InstanceRecord>()).filter(|p| p.is_aligned());
        let mut staged = Vec::with_capacity(if in_place.is_some() { 0 } else { count });
        let mut referenced: Vec<AccelerationStructure> = Vec::new();
        let mut seen: HandleSet<vk::AccelerationStructureKHR> = HandleSet::default();
        // The BLAS of the previous instance and its address: instances that place the same
        // BLAS one after another (the common case) skip the checks and the set.
        let mut last: Option<(&AccelerationStructure, vk::DeviceAddress)> = None;
        for (i, instance) in desc.instances.iter().enumerate() {
            let blas = &instance.blas.0;
            if instance.custom_index >= 1 << 24 || instance.sbt_offset >= 1 << 24 {
                return Err(geometry::invalid(name, format!("instance {i}: custom index and SBT offset have 24 bits")));
            }
            let blas_address = match last {
                Some((previous, address)) if previous.same(blas) => address,
                _ => {
                    if !Arc::ptr_eq(blas.buffer().context(), ctx) {
                        return Err(Error::WrongDevice { name: format!("{name}: instance {i} ({})", blas.name()) });
                    }
                    // Of this device, so its handle names it: each BLAS is checked and listed
                    // once, however many instances place it.
                    if seen.insert(blas.handle()) {
                        self.check_built(blas)?;
                        referenced.push(blas.clone());
                    }
                    let address = blas.device_address();
                    last = Some((blas, address));
                    address
                }
            };
            let record = InstanceRecord {
                transform: instance.transform,
                custom_index_and_mask: instance.custom_index | (u32::from(instance.mask) << 24),
                sbt_offset_and_flags: instance.sbt_offset | (instance.flags.as_raw() << 24),
                blas_address,
            };
            match in_place {
                // SAFETY: the mapping (alive until after the loop) holds the buffer's `count`
                // records and is aligned for them (checked); `i < count`. The buffer is new: no
                // command reads it yet, and nothing else writes it.
                Some(records) => unsafe { records.add(i).write(record) },
                None => staged.push(record),
            }
        }
        if in_place.is_some() {
            // Made visible to the device by the batch's submission.
            buffer.memory().flush(0, buffer.size())?;
        }
        drop(mapping);
        if in_place.is_none() {
            // The BLASes stay alive through the TLAS's references, which the batch holds.
            self.upload_in(rounds, &buffer, 0, &staged)?;
        }
        let record = GeometryRecord::Instances { data: self.read_address(&buffer.as_bytes()), count: count32 };
        Ok((vec![record], referenced))
    }

    /// The device builds from `format` vertices (asked once per allocator).
    fn check_vertex_format(&self, name: &str, format: vk::Format) -> Result<()> {
        let props = self.alloc.context().format_properties(format);
        if props.buffer_features.contains(vk::FormatFeatureFlags::ACCELERATION_STRUCTURE_VERTEX_BUFFER_KHR) {
            Ok(())
        } else {
            Err(geometry::invalid(name, format!("the device cannot build from {format:?} vertices")))
        }
    }

    /// The device address of a buffer a build reads; the batch holds the buffer until it finished.
    fn read_address(&mut self, buffer: &Buffer) -> vk::DeviceAddress {
        self.hold(buffer.keep_alive());
        // A direct host write into it would race the build that reads it.
        self.tables.touched.insert(buffer.handle());
        // `check` verified SHADER_DEVICE_ADDRESS usage, so the address exists.
        buffer.device_address().unwrap_or_default()
    }

    fn build_sizes(
        &self,
        ty: vk::AccelerationStructureTypeKHR,
        flags: vk::BuildAccelerationStructureFlagsKHR,
        records: &[GeometryRecord],
    ) -> Result<vk::AccelerationStructureBuildSizesInfoKHR<'static>> {
        // A BLAS of one geometry (a TLAS always has one) asks without allocating.
        if let [record] = records {
            return self.alloc.acceleration_structure_build_sizes(ty, flags, &[record.vk()], &[record.count()]);
        }
        let geometries: Vec<_> = records.iter().map(GeometryRecord::vk).collect();
        let counts: Vec<u32> = records.iter().map(GeometryRecord::count).collect();
        self.alloc.acceleration_structure_build_sizes(ty, flags, &geometries, &counts)
    }

    fn push_build(&mut self, dst: AccelerationStructure, update: bool, geometries: Vec<GeometryRecord>, scratch: u64) {
        self.hold_structure(&dst, true);
        self.builds.push(PendingBuild { dst, update, geometries, scratch });
        self.commands += 1;
    }

    /// Records every pending build: BLASes, then TLASes, in groups that each go into one
    /// `vkCmdBuildAccelerationStructuresKHR` (a structure built twice starts a new group), with
    /// one scratch buffer shared by the groups and a barrier before each group.
    pub(in crate::allocator) fn record_builds(&mut self) -> Result<()> {
        if self.builds.is_empty() {
            return Ok(());
        }
        let ctx = self.alloc.context();
        let fns = ctx.acceleration_structure_fns("build acceleration structures")?;
        let builds = std::mem::take(&mut self.builds);
        let (bottom, top): (Vec<_>, Vec<_>) = builds.into_iter().partition(|b| b.dst.ty() == BOTTOM);
        let mut groups: Vec<Vec<PendingBuild>> = Vec::new();
        // The structures of the group being filled (a set: a batch may build thousands).
        let mut in_group: HandleSet<vk::AccelerationStructureKHR> = HandleSet::default();
        for level in [bottom, top] {
            let mut group: Vec<PendingBuild> = Vec::new();
            in_group.clear();
            for build in level {
                if !in_group.insert(build.dst.handle()) {
                    groups.push(std::mem::take(&mut group));
                    in_group.clear();
                    in_group.insert(build.dst.handle());
                }
                group.push(build);
            }
            if !group.is_empty() {
                groups.push(group);
            }
        }
        let align = u64::from(ctx.capabilities().min_acceleration_structure_scratch_offset_alignment.max(1));
        let aligned = |size: u64| size.next_multiple_of(align);
        let scratch_size = groups.iter().map(|g| g.iter().map(|b| aligned(b.scratch)).sum::<u64>()).max().unwrap_or(0);
        let scratch_desc = BufferDesc::new(
            scratch_size + align,
            vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS,
        )
        .location(MemoryLocation::PreferDevice)
        .name("vkres batch/scratch");
        let scratch = self.alloc.create_buffer(&scratch_desc)?;
        self.hold(scratch.keep_alive());
        let base = scratch.device_address().unwrap_or_default().next_multiple_of(align);

        // Inputs written by this batch's transfers are read by the first group. Every buffer a
        // transfer wrote since the last barrier is in `written` (a build reads only buffers, and
        // only ones with build-input usage, which image downloads never write); with none, the
        // builds read only what earlier submissions (ordered by their closing barrier) or the
        // host (made visible by the submission) wrote, and need no barrier.
        if !self.tables.written.is_empty() {
            self.barrier(
                vk::MemoryBarrier2::default()
                    .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                    .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                    .dst_stage_mask(vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR)
                    .dst_access_mask(vk::AccessFlags2::ACCELERATION_STRUCTURE_READ_KHR | vk::AccessFlags2::SHADER_READ),
            );
        }
        for (i, group) in groups.iter().enumerate() {
            if i > 0 {
                // The TLAS reads the BLASes; every group reuses the scratch.
                self.barrier(
                    vk::MemoryBarrier2::default()
                        .src_stage_mask(vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR)
                        .src_access_mask(vk::AccessFlags2::ACCELERATION_STRUCTURE_WRITE_KHR)
                        .dst_stage_mask(vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR)
                        .dst_access_mask(
                            vk::AccessFlags2::ACCELERATION_STRUCTURE_READ_KHR
                                | vk::AccessFlags2::ACCELERATION_STRUCTURE_WRITE_KHR,
                        ),
                );
            }
            // Every build's geometries and ranges, one after another in two vectors; each build
            // gets its slice of them.
            let records = group.iter().flat_map(|b| &b.geometries);
            let geometries: Vec<_> = records.clone().map(GeometryRecord::vk).collect();
            let ranges: Vec<_> = records
                .map(|g| vk::AccelerationStructureBuildRangeInfoKHR::default().primitive_count(g.count()))
                .collect();
            let mut starts = Vec::with_capacity(group.len() + 1);
            starts.push(0);
            for b in group {
                starts.push(starts[starts.len() - 1] + b.geometries.len());
            }
            let mut offset = base;
            let infos: Vec<_> = group
                .iter()
                .zip(starts.windows(2))
                .map(|(b, range)| {
                    let geometries = &geometries[range[0]..range[1]];
                    let mode = if b.update {
                        vk::BuildAccelerationStructureModeKHR::UPDATE
                    } else {
                        vk::BuildAccelerationStructureModeKHR::BUILD
                    };
                    let info = vk::AccelerationStructureBuildGeometryInfoKHR::default()
                        .ty(b.dst.ty())
                        .flags(b.dst.build_flags())
                        .mode(mode)
                        .src_acceleration_structure(if b.update {
                            b.dst.handle()
                        } else {
                            vk::AccelerationStructureKHR::null()
                        })
                        .dst_acceleration_structure(b.dst.handle())
                        .geometries(geometries)
                        .scratch_data(vk::DeviceOrHostAddressKHR { device_address: offset });
                    offset += aligned(b.scratch);
                    info
                })
                .collect();
            let range_refs: Vec<&[vk::AccelerationStructureBuildRangeInfoKHR]> =
                starts.windows(2).map(|range| &ranges[range[0]..range[1]]).collect();
            // SAFETY: the command buffer is recording; every structure, input buffer and the
            // scratch buffer is held by this batch until its fence signalled; inputs were checked
            // to lie inside their buffers with build-input usage; each build has its own aligned
            // scratch range; no structure is written twice in one group, and the barrier before
            // each group orders it after the previous one (BLAS before the TLAS that reads it).
            unsafe { fns.cmd_build_acceleration_structures(self.cmd, &infos, &range_refs) };
        }
        self.accel_recorded = true;
        Ok(())
    }
}

impl Recorder<'_> {
    /// Records commands of the allocator's own (queries, copies of structures) with `record`;
    /// `writes_structures` when they write acceleration structures (so the closing barrier
    /// covers them). The closure must record only work on objects the batch holds.
    pub(in crate::allocator) fn record_accel_commands(
        &mut self,
        writes_structures: bool,
        record: impl FnOnce(vk::CommandBuffer),
    ) {
        record(self.cmd);
        self.commands += 1;
        self.accel_recorded |= writes_structures;
    }

    /// Holds `structure` until the batch finished; marks it built then if `builds` it.
    pub(in crate::allocator) fn hold_structure(&mut self, structure: &AccelerationStructure, builds: bool) {
        self.hold(structure.keep_alive());
        if builds {
            self.completions.push(structure.built_flag());
            self.built_here.insert(structure.handle());
        }
    }
}
