//! Acceleration-structure builds of a [`Recorder`]: recorded when asked for, into the command
//! buffer when the round closes (after its transfers), BLASes first in one build command, then
//! TLASes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ash::vk;

use super::{OneRound, Recorder, Rounds};
use crate::allocator::tables::Completion;

use crate::accel::{Blas, BlasDesc, Geometry, InstanceRecord, Tlas, TlasDesc, geometry};
use crate::error::{Error, Result};
use crate::handle_map::HandleSet;
use crate::memory::{MappingType, MemoryLocation};
use crate::resources::accel::{GeometryKey, RefitSet, RefitSets};
use crate::resources::{AccelerationStructure, Buffer, BufferDesc, accel};
use crate::valid::extension_bits;

/// A build or update recorded, waiting for the end of the recording (or of the batch's round).
///
/// The structure's handle, level and flags are copied here, not its shared state: the tables
/// hold the structure until the work has finished (a build's `Completion::Built`, a refit's
/// hold), and recording the builds reads none of 1000 structures' states again.
pub(crate) struct PendingBuild {
    handle: vk::AccelerationStructureKHR,
    ty: vk::AccelerationStructureTypeKHR,
    flags: vk::BuildAccelerationStructureFlagsKHR,
    update: bool,
    /// Its geometries: `tables.geometries[first..first + count]`.
    first: usize,
    count: usize,
    scratch: Scratch,
}

/// Where a build's scratch lies.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scratch {
    /// This many bytes of the scratch buffer the recording's builds share (made when they are
    /// recorded).
    Shared(u64),
    /// A refit's own persistent scratch (`RefitSet`), at this (aligned) address.
    Own(vk::DeviceAddress),
}

/// One geometry of a build as plain data (device addresses, counts): the Vulkan structs with
/// their pointers are made only while the build command is recorded.
#[derive(Debug, Clone, Copy)]
pub(crate) enum GeometryRecord {
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

    /// What an update must keep of this geometry besides its count.
    fn key(&self) -> GeometryKey {
        let mut key = GeometryKey {
            ty: vk::GeometryTypeKHR::INSTANCES,
            flags: vk::GeometryFlagsKHR::empty(),
            format: vk::Format::UNDEFINED,
            max_vertex: 0,
            index_type: vk::IndexType::NONE_KHR,
            transform: false,
        };
        match *self {
            GeometryRecord::Triangles { format, max_vertex, index_type, transform, flags, .. } => {
                key = GeometryKey {
                    ty: vk::GeometryTypeKHR::TRIANGLES,
                    flags,
                    format,
                    max_vertex,
                    index_type,
                    transform: transform != 0,
                };
            }
            GeometryRecord::Aabbs { flags, .. } => {
                key.ty = vk::GeometryTypeKHR::AABBS;
                key.flags = flags;
            }
            GeometryRecord::Instances { .. } => {}
        }
        key
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
pub(super) const TOP: vk::AccelerationStructureTypeKHR = vk::AccelerationStructureTypeKHR::TOP_LEVEL;

impl Recorder<'_> {
    /// Creates a BLAS for `desc` and records its build, which runs at the end of the recording
    /// (of the batch's round), after its transfers (so vertex data uploaded before is read). An
    /// upload or copy vkres records into one of its geometry buffers after this call records
    /// the queued builds first: the build reads the data of before the write, in program order.
    /// Commands the caller records itself into a [`Recorder`]'s command buffer are recorded at
    /// once, so one recorded after this call that writes a geometry buffer runs before the
    /// build: record such a write in a later recording. The
    /// BLAS can be used in a TLAS of the same recording at once, and of others once this work
    /// has finished.
    ///
    /// [`Error::MissingFeature`] without acceleration structures; [`Error::InvalidDescription`],
    /// [`Error::ValidUsage`] or [`Error::DataTooLarge`] for geometry that does not fit its buffers or lacks build-input
    /// usage; nothing is created then.
    pub fn build_blas(&mut self, desc: &BlasDesc) -> Result<Blas> {
        self.alloc.context().acceleration_structure_fns("build a BLAS")?;
        let first = self.tables.geometries.len();
        let made = self.blas_records(desc).and_then(|transient| {
            let flags = desc.options.flags();
            let records = &self.tables.geometries[first..];
            let sizes = self.build_sizes(&desc.name, BOTTOM, flags, records)?;
            let storage = accel::storage_name_reusing(&desc.name, &mut self.tables.last_storage_name);
            let shape = match records {
                [record] => smallvec::smallvec![(record.count(), record.key())],
                _ => records.iter().map(|r| (r.count(), r.key())).collect(),
            };
            let blas = accel::create_in(
                &**self.alloc.memory_allocator(),
                BOTTOM,
                flags,
                sizes.acceleration_structure_size,
                &desc.name,
                storage,
                shape,
                sizes.update_scratch_size,
            )?;
            // Last: a build refused by any check claims no transient memory.
            self.use_geometry(desc, transient)?;
            Ok((blas, sizes.build_scratch_size))
        });
        match made {
            Ok((blas, scratch)) => {
                self.push_build(&blas, false, first, Scratch::Shared(scratch));
                Ok(Blas(blas))
            }
            Err(e) => {
                self.tables.geometries.truncate(first);
                Err(e)
            }
        }
    }

    /// Records a refit of `blas` from `desc`'s geometry (the same geometries with the same
    /// primitive counts, new vertex data or transforms). The BLAS must have been built with
    /// [`BlasDesc::allow_update`]. Queued as a build is ([`build_blas`](Self::build_blas)): a
    /// later upload or copy vkres records into one of its geometry buffers records it first.
    ///
    /// The refit's scratch is the BLAS's own, made at its first refit and reused by every later
    /// one whose earlier use has finished (one per refit in flight): a refit per frame
    /// allocates nothing once each frame in flight has refitted once.
    pub fn update_blas(&mut self, blas: &Blas, desc: &BlasDesc) -> Result<()> {
        self.alloc.context().acceleration_structure_fns("update a BLAS")?;
        self.own_buffer(blas.0.buffer())?;
        self.sync_built_here();
        self.check_updatable(blas, "BLAS")?;
        let first = self.tables.geometries.len();
        let planned = self.blas_records(desc).and_then(|transient| {
            let records = &self.tables.geometries[first..];
            let shape = blas.shape();
            if shape.len() != records.len() || shape.iter().zip(records).any(|(&(n, _), r)| n != r.count()) {
                let counts: Vec<u32> = records.iter().map(GeometryRecord::count).collect();
                return Err(geometry::invalid(
                    blas.name(),
                    format!(
                        "an update must keep the primitive counts {:?}, not {counts:?}",
                        shape.iter().map(|e| e.0).collect::<Vec<_>>()
                    ),
                ));
            }
            for (i, (&(_, built), record)) in shape.iter().zip(records).enumerate() {
                update_keeps(blas.name(), i, &built, &record.key())?;
            }
            drop(shape);
            let scratch = match blas.update_scratch_size() {
                0 => self.build_sizes(blas.name(), BOTTOM, blas.build_flags(), records)?.update_scratch_size,
                known => known,
            };
            // The geometry is claimed last, inside: a refit refused by any check (or by its
            // refit set's allocation) claims no transient memory.
            self.refit_set(&blas.0, scratch, 0, |me, set| {
                me.use_geometry(desc, transient)?;
                Ok(set.scratch_address)
            })
        });
        match planned {
            Ok(address) => {
                self.push_build(&blas.0, true, first, Scratch::Own(address));
                Ok(())
            }
            Err(e) => {
                self.tables.geometries.truncate(first);
                Err(e)
            }
        }
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
        self.sync_built_here();
        let flags = desc.options.flags();
        let (record, referenced) = self.tlas_records(rounds, desc)?;
        let sizes = self.build_sizes(&desc.name, TOP, flags, &[record])?;
        let tlas =
            accel::create(&**self.alloc.memory_allocator(), TOP, flags, sizes.acceleration_structure_size, &desc.name)?;
        let record_key = record.key();
        *tlas.shape() = smallvec::smallvec![(desc.instances.len() as u32, record_key)];
        *tlas.references() = referenced;
        tlas.set_update_scratch_size(sizes.update_scratch_size);
        let first = self.tables.geometries.len();
        self.tables.geometries.push(record);
        self.push_build(&tlas, false, first, Scratch::Shared(sizes.build_scratch_size));
        Ok(Tlas(tlas))
    }

    /// Records a refit of `tlas` with `desc`'s instances (as many as before; new transforms,
    /// masks, custom indices or BLASes). The TLAS must have been built with
    /// [`TlasDesc::allow_update`]. It keeps the BLASes of its earlier content alive as
    /// [`refit_tlas`](Self::refit_tlas) says.
    ///
    /// As [`refit_tlas`](Self::refit_tlas), which takes the instances without a description
    /// (and so without a handle clone per instance).
    pub fn update_tlas(&mut self, tlas: &Tlas, desc: &TlasDesc) -> Result<()> {
        self.refit_tlas(tlas, desc.instances.iter().map(|i| i.with_blas(&i.blas)))
    }

    /// Runs `fill` on a free refit set of `target` (see [`RefitSet`]) with at least `scratch`
    /// bytes of scratch and room for `capacity` instance records, made (or replaced by a larger
    /// one) when none is; holds the set until the recorded work has finished if `fill`
    /// succeeds.
    ///
    /// The set is taken out of the structure's list under its lock and filled without it
    /// (session 10, helper "mend13", review13 #2): `fill` runs the caller's instance iterator,
    /// whose own code may refit the same structure (another batch of this thread): that refit
    /// then finds no free set and makes one, as a second refit of one recording does. It goes
    /// back into the list after, free again if `fill` failed.
    pub(super) fn refit_set<T>(
        &mut self,
        target: &AccelerationStructure,
        scratch: u64,
        capacity: u64,
        fill: impl FnOnce(&mut Self, &mut RefitSet) -> Result<T>,
    ) -> Result<T> {
        let fits = |s: &RefitSet| s.scratch_size >= scratch && s.capacity >= capacity;
        let taken = {
            let mut refits = target.refits();
            settle(target, &mut refits);
            let sets = &mut refits.sets;
            match sets.iter_mut().position(|s| Arc::get_mut(s).is_some()) {
                // Too small (more instances than before): replaced below, not kept beside.
                Some(i) if !fits(&sets[i]) => {
                    drop(sets.swap_remove(i));
                    None
                }
                Some(i) => Some(sets.swap_remove(i)),
                None => None,
            }
        };
        let mut taken = match taken {
            Some(set) => set,
            None => Arc::new(self.new_refit_set(target, scratch, capacity)?),
        };
        // Taken out of the list while it was unique (free: no recorded work holds it, and
        // every holder clones it under the lock): still unique.
        let Some(set) = Arc::get_mut(&mut taken) else {
            return Err(geometry::invalid(target.name(), "a refit set in use"));
        };
        let value = fill(self, &mut *set);
        if value.is_err() {
            // Nothing recorded: the set stays free, holding no BLAS until its next refit.
            set.seen.clear();
            set.referenced.clear();
        } else {
            // Held until the work has finished, and stamped when it is handed off
            // (`Recorder::stamp_refits`).
            self.tables.refit_sets.push(taken.clone());
        }
        target.refits().sets.push(taken);
        value
    }

    /// Stamps the refit sets of this recording with the hand-off order (see [`RefitSets`]):
    /// called where its work is handed off (a batch's successful submission of a round, under
    /// the queue's lock; a recorder's `finish`, after which the caller submits in that order).
    /// Sets stamped by an earlier round keep their stamp.
    pub(in crate::allocator) fn stamp_refits(&mut self) {
        for set in &self.tables.refit_sets {
            if set.handed.load(Ordering::Relaxed) == 0 {
                set.handed.store(crate::resources::accel::next_hand_off(), Ordering::Relaxed);
            }
        }
    }

    /// A refit set of `target`: `scratch` bytes of update scratch and, for `capacity` > 0, a
    /// mapped instance buffer of `capacity` records.
    fn new_refit_set(&self, target: &AccelerationStructure, scratch: u64, capacity: u64) -> Result<RefitSet> {
        let name = target.name();
        let align =
            u64::from(self.alloc.context().capabilities().min_acceleration_structure_scratch_offset_alignment).max(1);
        let scratch_desc = BufferDesc::new(
            scratch.max(1) + align,
            vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS,
        )
        .location(MemoryLocation::PreferDevice)
        .name(format!("{name}/refit scratch"));
        let scratch_buffer = self.alloc.create_buffer(&scratch_desc)?;
        let scratch_address = scratch_buffer.device_address().unwrap_or_default().next_multiple_of(align);
        let instances = if capacity > 0 {
            // Host-visible and mapped (device-local where the device has such memory): the
            // records are written in place each refit, as a hand-written renderer does.
            let desc = BufferDesc::elements::<InstanceRecord>(capacity, geometry::BUILD_INPUT)
                .location(MemoryLocation::PreferDevice)
                .mapping(MappingType::HostAccessSequentialWrite)
                .name(format!("{name}/refit instances"));
            Some(self.alloc.create_buffer(&desc)?)
        } else {
            None
        };
        Ok(RefitSet {
            scratch: scratch_buffer,
            scratch_address,
            scratch_size: scratch,
            instances,
            capacity,
            seen: HandleSet::default(),
            referenced: Vec::new(),
            handed: AtomicU64::new(0),
        })
    }

    pub(super) fn check_updatable(&self, target: &AccelerationStructure, what: &str) -> Result<()> {
        if !target.build_flags().contains(vk::BuildAccelerationStructureFlagsKHR::ALLOW_UPDATE) {
            return Err(geometry::invalid(target.name(), format!("this {what} was not built with allow_update")));
        }
        self.check_built(target)
    }

    /// `target` was built by a finished batch or is built by this one (known to the caller's
    /// last [`sync_built_here`](Self::sync_built_here)).
    pub(super) fn check_built(&self, target: &AccelerationStructure) -> Result<()> {
        if target.is_built() || self.tables.built_here.contains(&target.handle()) {
            Ok(())
        } else {
            Err(Error::NotReady { name: target.name().into() })
        }
    }

    /// Checks `desc` and turns its geometries into records, pushed onto the tables'
    /// geometries (the caller truncates them on an error). Neither claims nor holds their
    /// buffers: the caller does that with [`use_geometry`](Self::use_geometry) once every
    /// check of the build has passed. Returns whether any of them is in transient memory.
    fn blas_records(&mut self, desc: &BlasDesc) -> Result<bool> {
        let mut transient = false;
        let name = desc.name.as_str();
        let first = desc.geometries.first().ok_or_else(|| geometry::invalid(name, "a BLAS needs a geometry"))?;
        for g in &desc.geometries {
            if std::mem::discriminant(g) != std::mem::discriminant(first) {
                return Err(geometry::invalid(name, "a BLAS holds either triangles or boxes, not both"));
            }
            let record = match g {
                Geometry::Triangles(t) => {
                    t.check(name)?;
                    transient |= self.own_unclaimed(&t.vertices)?;
                    if let Some((buffer, _)) = &t.indices {
                        transient |= self.own_unclaimed(buffer)?;
                    }
                    if let Some((buffer, _)) = &t.transform {
                        transient |= self.own_unclaimed(buffer)?;
                    }
                    self.check_vertex_format(name, t.vertex_format)?;
                    let (index_type, indices) = match &t.indices {
                        Some((buffer, ty)) => (*ty, read_address(buffer)),
                        None => (vk::IndexType::NONE_KHR, 0),
                    };
                    let transform = t.transform.as_ref().map_or(0, |(buffer, offset)| read_address(buffer) + offset);
                    GeometryRecord::Triangles {
                        vertices: read_address(&t.vertices) + t.vertex_offset,
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
                    transient |= self.own_unclaimed(&a.boxes)?;
                    GeometryRecord::Aabbs {
                        data: read_address(&a.boxes) + a.offset,
                        stride: a.stride,
                        count: a.count as u32,
                        flags: a.flags,
                    }
                }
            };
            self.tables.geometries.push(record);
        }
        Ok(transient)
    }

    /// Checks `desc`'s instances, writes them into a new instance buffer (a build's) and
    /// returns its record and the BLASes referred to (each once).
    fn tlas_records<R: Rounds>(
        &mut self,
        rounds: &mut R,
        desc: &TlasDesc,
    ) -> Result<(GeometryRecord, Vec<AccelerationStructure>)> {
        let name = desc.name.as_str();
        let ctx = self.alloc.context();
        let allowed_flags = extension_bits::instance_flags_allowed(ctx.capabilities());
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
        let mapping = if buffer.direct_writable() { Some(buffer.map_unchecked()?) } else { None };
        let in_place = mapping.as_ref().map(|m| m.as_ptr().cast::<InstanceRecord>()).filter(|p| p.is_aligned());
        let mut staged = Vec::with_capacity(if in_place.is_some() { 0 } else { count });
        let mut referenced: Vec<AccelerationStructure> = Vec::new();
        let mut seen: HandleSet<vk::AccelerationStructureKHR> = HandleSet::default();
        // One loop for each destination, each with its write inlined (one loop that chose per
        // instance kept the record on the stack for either: ~40 instructions per instance,
        // issue 20 item 3).
        match in_place {
            // SAFETY: the mapping (alive until after the loop) holds the buffer's `count`
            // records and is aligned for them (checked); `i < count` (`instance_records` calls
            // `emit` once per instance of `desc`, which has `count`). The buffer is new: no
            // command reads it yet, and nothing else writes it.
            Some(records) => {
                self.instance_records(desc, allowed_flags, &mut seen, &mut referenced, |i, record| unsafe {
                    records.add(i).write(record)
                })?
            }
            None => {
                self.instance_records(desc, allowed_flags, &mut seen, &mut referenced, |_, record| staged.push(record))?
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
        let buffer = buffer.as_bytes();
        self.hold_input(&buffer);
        let record = GeometryRecord::Instances { data: read_address(&buffer), count: count32 };
        Ok((record, referenced))
    }

    /// Checks each instance of `desc` and hands its record, with its index, to `emit`; the
    /// BLASes referred to go into `referenced`, each once (`seen`).
    #[inline(always)]
    fn instance_records(
        &self,
        desc: &TlasDesc,
        allowed_flags: u32,
        seen: &mut HandleSet<vk::AccelerationStructureKHR>,
        referenced: &mut Vec<AccelerationStructure>,
        mut emit: impl FnMut(usize, InstanceRecord),
    ) -> Result<()> {
        let (name, ctx) = (desc.name.as_str(), self.alloc.context());
        // The BLAS of the previous instance and its address: instances that place the same
        // BLAS one after another (the common case) skip the checks and the set.
        let mut last: Option<(&AccelerationStructure, vk::DeviceAddress)> = None;
        for (i, instance) in desc.instances.iter().enumerate() {
            let blas = &instance.blas.0;
            // The refit's checks (`refit.rs`): one test for a placement's three, then a new
            // BLAS's (of this device, built; each listed once) out of line.
            let bad =
                (instance.flags.as_raw() & !allowed_flags) | ((instance.custom_index | instance.sbt_offset) >> 24);
            if bad != 0 {
                return Err(super::refit::placement_error(name, i, instance.flags, allowed_flags));
            }
            let blas_address = match last {
                Some((previous, address)) if previous.same(blas) => address,
                _ => {
                    let address = self.instance_blas(seen, referenced, ctx, name, i, blas)?;
                    last = Some((blas, address));
                    address
                }
            };
            emit(i, InstanceRecord::new(instance, blas_address));
        }
        Ok(())
    }

    /// The device builds from `format` vertices (asked once per allocator).
    fn check_vertex_format(&mut self, name: &str, format: vk::Format) -> Result<()> {
        if format == self.vertex_format_ok && format != vk::Format::UNDEFINED {
            return Ok(());
        }
        let props = self.alloc.context().format_properties(format);
        if props.buffer_features.contains(vk::FormatFeatureFlags::ACCELERATION_STRUCTURE_VERTEX_BUFFER_KHR) {
            self.vertex_format_ok = format;
            Ok(())
        } else {
            Err(geometry::invalid(name, format!("the device cannot build from {format:?} vertices")))
        }
    }

    /// `buffer`, read by a build, is of this recorder's device and off other batches'
    /// transfer lanes; its transient memory's claim is left to [`use_geometry`](Self::use_geometry).
    /// Returns whether it is in transient memory.
    #[inline(always)]
    fn own_unclaimed(&self, buffer: &Buffer) -> Result<bool> {
        crate::valid::device::same_device(self.alloc.context(), buffer.context(), || buffer.name().to_owned())?;
        // Marking its first use refuses nothing later.
        self.off_other_lanes(buffer, true)?;
        Ok(buffer.memory().alias_member().is_some())
    }

    /// The last step of a BLAS build or update that every check passed: claims the buffers
    /// `desc`'s geometries read as their transient memories' active members (all or none:
    /// `AliasMember::claim_all`), then holds them until the work has finished and marks them
    /// touched (a direct host write into one would race the build that reads it). Issue 16:
    /// a refused build claims nothing (the claims were made geometry by geometry, before the
    /// later checks, and a refused build left a member active).
    /// `transient`: whether any of them is in transient memory (from `blas_records`: the
    /// others claim nothing, and are not asked again).
    fn use_geometry(&mut self, desc: &BlasDesc, transient: bool) -> Result<()> {
        if transient {
            let members: smallvec::SmallVec<[(crate::memory::AliasMember<'_>, &str); 4]> = desc
                .geometries
                .iter()
                .flat_map(geometry_buffers)
                .filter_map(|b| b.memory().alias_member().map(|m| (m, b.name())))
                .collect();
            crate::memory::AliasMember::claim_all(&members)?;
        }
        for g in &desc.geometries {
            match g {
                Geometry::Triangles(t) => {
                    self.hold_input(&t.vertices);
                    if let Some((buffer, _)) = &t.indices {
                        self.hold_input(buffer);
                    }
                    if let Some((buffer, _)) = &t.transform {
                        self.hold_input(buffer);
                    }
                }
                Geometry::Aabbs(a) => self.hold_input(&a.boxes),
            }
        }
        Ok(())
    }

    /// Holds `buffer`, read by a build, until the work has finished, and marks it touched (a
    /// direct host write into it would race the build), read by a queued build (a transfer
    /// that writes it records the build first: [`builds_before_write`](Self::builds_before_write)),
    /// and used by the main queue (a later upload into it is not copied on the transfer lane,
    /// whose copies land before the main queue's work).
    #[inline]
    fn hold_input(&mut self, buffer: &Buffer) {
        self.hold(buffer.keep_alive());
        self.tables.touched.insert(buffer.handle());
        self.tables.build_inputs.insert(buffer.handle());
        if self.lane_on {
            self.lane.touch(buffer.handle());
        }
    }

    /// Before a transfer that writes `dst`: where a queued build reads `dst`, records the
    /// staged copies taken so far and the queued builds, then a barrier that orders the builds
    /// (their reads, and the structures they write) before the transfers and builds recorded
    /// after it. Builds are queued until the round's end (one build command for many); without
    /// this, an upload into a vertex buffer taken after `build_blas` landed before the build,
    /// which then read the later data (issue 16: a wrong result from safe code, found by
    /// session 11's review15).
    #[inline]
    pub(super) fn builds_before_write(&mut self, dst: vk::Buffer) -> Result<()> {
        if self.tables.build_inputs.is_empty() || !self.tables.build_inputs.contains(&dst) {
            return Ok(());
        }
        self.record_builds_now()
    }

    #[inline(never)]
    fn record_builds_now(&mut self) -> Result<()> {
        self.flush_buffer_uploads();
        self.record_builds()?;
        self.barrier(
            vk::MemoryBarrier2::default()
                .src_stage_mask(vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR)
                .src_access_mask(vk::AccessFlags2::ACCELERATION_STRUCTURE_WRITE_KHR)
                .dst_stage_mask(
                    vk::PipelineStageFlags2::ALL_TRANSFER | vk::PipelineStageFlags2::ACCELERATION_STRUCTURE_BUILD_KHR,
                )
                .dst_access_mask(
                    vk::AccessFlags2::TRANSFER_WRITE
                        | vk::AccessFlags2::ACCELERATION_STRUCTURE_READ_KHR
                        | vk::AccessFlags2::ACCELERATION_STRUCTURE_WRITE_KHR,
                ),
        );
        Ok(())
    }

    pub(super) fn build_sizes(
        &self,
        name: &str,
        ty: vk::AccelerationStructureTypeKHR,
        flags: vk::BuildAccelerationStructureFlagsKHR,
        records: &[GeometryRecord],
    ) -> Result<vk::AccelerationStructureBuildSizesInfoKHR<'static>> {
        self.check_build_limits(name, ty, records)?;
        // A BLAS of one geometry (a TLAS always has one) asks without allocating.
        // The records come from checked descriptions (`blas_records`, `tlas_records`: one
        // geometry type per structure, triangles and boxes for a BLAS and instances for a TLAS,
        // known formats and flags); `GeometryRecord::vk` sets the union member of its type with
        // its `s_type` and no `p_next`; `flags` are a `BuildPreference`'s and the update and
        // compaction bits.
        if let [record] = records {
            // SAFETY: one checked record, as said above, with its count.
            return unsafe {
                self.alloc.acceleration_structure_build_sizes(ty, flags, &[record.vk()], &[record.count()])
            };
        }
        let geometries: Vec<_> = records.iter().map(GeometryRecord::vk).collect();
        let counts: Vec<u32> = records.iter().map(GeometryRecord::count).collect();
        // SAFETY: the checked records, as said above, one count each.
        unsafe { self.alloc.acceleration_structure_build_sizes(ty, flags, &geometries, &counts) }
    }

    /// The device's acceleration-structure limits on one build (issue 16, helper "sound4"):
    /// VUID-VkAccelerationStructureBuildGeometryInfoKHR-type-03793 (geometries of a BLAS),
    /// -03794 and -03795 (boxes or triangles over all of them), and `maxInstanceCount` for a
    /// TLAS. Every build, update and size query of a structure goes through here.
    fn check_build_limits(
        &self,
        name: &str,
        ty: vk::AccelerationStructureTypeKHR,
        records: &[GeometryRecord],
    ) -> Result<()> {
        let caps = self.alloc.context().capabilities();
        let total: u64 = records.iter().map(|r| u64::from(r.count())).sum();
        let (what, requested, limit) = if ty == TOP {
            ("TLAS instances (maxInstanceCount)", total, caps.max_acceleration_structure_instance_count)
        } else if records.len() as u64 > caps.max_acceleration_structure_geometry_count {
            ("BLAS geometries (maxGeometryCount)", records.len() as u64, caps.max_acceleration_structure_geometry_count)
        } else {
            (
                "BLAS primitives over all geometries (maxPrimitiveCount)",
                total,
                caps.max_acceleration_structure_primitive_count,
            )
        };
        match requested <= limit {
            true => Ok(()),
            false => Err(Error::LimitExceeded { name: name.into(), what, requested, limit }),
        }
    }

    /// Queues a build of `dst` from the geometries the tables hold from `first` on.
    pub(super) fn push_build(&mut self, dst: &AccelerationStructure, update: bool, first: usize, scratch: Scratch) {
        // A refit's structure is built already (by finished work, or earlier in this one, which
        // then marks it built): it is only held.
        self.hold_structure(dst, !update);
        let count = self.tables.geometries.len() - first;
        let (handle, ty, flags) = (dst.handle(), dst.ty(), dst.build_flags());
        self.tables.builds.push(PendingBuild { handle, ty, flags, update, first, count, scratch });
        self.commands += 1;
    }

    /// Records every pending build: BLASes, then TLASes, in groups that each go into one
    /// `vkCmdBuildAccelerationStructuresKHR` (a structure built twice starts a new group), with
    /// one scratch buffer shared by the groups' builds (refits bring their own) and a barrier
    /// before each group. A frame's refits (a group or two of few builds) allocate nothing.
    pub(in crate::allocator) fn record_builds(&mut self) -> Result<()> {
        if self.tables.builds.is_empty() {
            return Ok(());
        }
        let ctx = self.alloc.context();
        let fns = ctx.acceleration_structure_fns("build acceleration structures")?;
        // A frame's refit (one update of one geometry with its own scratch, after no transfer
        // of this recording): recorded at once, past none of the groups' code below (a few
        // lines of code touched a frame, not the whole of this function).
        if let [b] = &self.tables.builds[..]
            && b.count == 1
            && let Scratch::Own(scratch) = b.scratch
            && self.tables.written.is_empty()
            && let Some(record) = self.tables.geometries.get(b.first)
        {
            self.record_one(fns, b, record, scratch);
            self.tables.builds.clear();
            self.tables.geometries.clear();
            self.tables.build_inputs.clear();
            self.accel_recorded = true;
            return Ok(());
        }
        // Taken out of the tables while recorded (the barriers borrow the recorder), put back
        // emptied: their room is kept.
        let mut builds = std::mem::take(&mut self.tables.builds);
        let mut ends = std::mem::take(&mut self.tables.group_ends);
        // BLASes first (a stable sort keeps the order of each level; most recordings are in order).
        if !builds.is_sorted_by_key(|b| b.ty != BOTTOM) {
            builds.sort_by_key(|b| b.ty != BOTTOM);
        }
        // Groups: a new one at the first TLAS and where a structure is built a second time.
        ends.clear();
        // A build (not a refit) is of a structure made by the same call that queued it: with no
        // refit queued, every structure is built once, and only the level change splits
        // (no set of handles: one hash insert per build saved, issue 20 item 3).
        // One build (a frame's refit) is one group.
        if builds.len() > 1 && builds.iter().any(|b| b.update) {
            let in_group = &mut self.tables.in_group;
            in_group.clear();
            for (i, build) in builds.iter().enumerate() {
                let level_starts = i > 0 && build.ty != builds[i - 1].ty;
                if level_starts || !in_group.insert(build.handle) {
                    ends.push(i);
                    in_group.clear();
                    in_group.insert(build.handle);
                }
            }
            in_group.clear();
        } else {
            ends.extend((1..builds.len()).filter(|&i| builds[i].ty != builds[i - 1].ty));
        }
        ends.push(builds.len());

        let align = u64::from(ctx.capabilities().min_acceleration_structure_scratch_offset_alignment.max(1));
        let aligned = |size: u64| size.next_multiple_of(align);
        let shared_size = |b: &PendingBuild| match b.scratch {
            Scratch::Shared(size) => aligned(size),
            Scratch::Own(_) => 0,
        };
        let mut scratch_size = 0;
        let mut start = 0;
        for &end in &ends {
            scratch_size = scratch_size.max(builds[start..end].iter().map(shared_size).sum::<u64>());
            start = end;
        }
        let base = if scratch_size > 0 {
            let scratch_desc = BufferDesc::new(
                scratch_size + align,
                vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS,
            )
            .location(MemoryLocation::PreferDevice)
            .name("vkres batch/scratch");
            // Refused (out of memory), the builds stay queued, as they were: a later round's
            // end records them, or the batch fails there.
            let scratch = match self.alloc.create_buffer(&scratch_desc) {
                Ok(scratch) => scratch,
                Err(e) => {
                    self.tables.builds = builds;
                    self.tables.group_ends = ends;
                    return Err(e);
                }
            };
            self.hold(scratch.keep_alive());
            scratch.device_address().unwrap_or_default().next_multiple_of(align)
        } else {
            0
        };

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
        let mut start = 0;
        for (i, &end) in ends.iter().enumerate() {
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
            self.record_group(fns, &builds[start..end], base, aligned);
            start = end;
        }
        builds.clear();
        ends.clear();
        self.tables.builds = builds;
        self.tables.group_ends = ends;
        self.tables.geometries.clear();
        // Recorded: no transfer after this waits for these builds' reads.
        self.tables.build_inputs.clear();
        self.accel_recorded = true;
        Ok(())
    }

    /// Records the one build `b` of the one geometry `record` in one command, with `scratch`.
    #[inline(never)]
    fn record_one(
        &self,
        fns: &ash::khr::acceleration_structure::Device,
        b: &PendingBuild,
        record: &GeometryRecord,
        scratch: vk::DeviceAddress,
    ) {
        let geometry = [record.vk()];
        let range = vk::AccelerationStructureBuildRangeInfoKHR::default().primitive_count(record.count());
        let info = build_info(b, &geometry, scratch);
        let range_ref = std::ptr::from_ref(&range);
        // SAFETY: as in `record_group`, for one build of one geometry: the command buffer is
        // recording, the structure, its inputs and its scratch are held by this work until it
        // has finished, and the range pointer addresses one range, alive until the call returns.
        unsafe { (fns.fp().cmd_build_acceleration_structures_khr)(self.cmd, 1, &info, &range_ref) };
    }

    /// Records one group of builds in one command: each build's geometries and ranges one
    /// after another (on the stack for up to [`ON_STACK`] of each), each build its slice of them
    /// and its scratch (its own, or the next range of the shared scratch from `base`).
    fn record_group(
        &self,
        fns: &ash::khr::acceleration_structure::Device,
        group: &[PendingBuild],
        base: vk::DeviceAddress,
        aligned: impl Fn(u64) -> u64,
    ) {
        let records = &self.tables.geometries;
        // One build of one geometry (a frame's refit): no arrays to fill.
        if let [b] = group
            && b.count == 1
            && let Some(record) = records.get(b.first)
        {
            let scratch = match b.scratch {
                Scratch::Own(address) => address,
                Scratch::Shared(_) => base,
            };
            return self.record_one(fns, b, record, scratch);
        }
        let total: usize = group.iter().map(|b| b.count).sum();
        let mut stack_geometries = [vk::AccelerationStructureGeometryKHR::default(); ON_STACK];
        let mut stack_ranges = [vk::AccelerationStructureBuildRangeInfoKHR::default(); ON_STACK];
        let (mut heap_geometries, mut heap_ranges);
        let (geometries, ranges): (&mut [_], &mut [_]) = if total <= ON_STACK {
            (&mut stack_geometries[..total], &mut stack_ranges[..total])
        } else {
            heap_geometries = vec![vk::AccelerationStructureGeometryKHR::default(); total];
            heap_ranges = vec![vk::AccelerationStructureBuildRangeInfoKHR::default(); total];
            (&mut heap_geometries, &mut heap_ranges)
        };
        let mut at = 0;
        for b in group {
            for record in &records[b.first..b.first + b.count] {
                geometries[at] = record.vk();
                ranges[at] = vk::AccelerationStructureBuildRangeInfoKHR::default().primitive_count(record.count());
                at += 1;
            }
        }
        let (geometries, ranges) = (&*geometries, &*ranges);
        let mut stack_infos = [vk::AccelerationStructureBuildGeometryInfoKHR::default(); ON_STACK];
        // The pointer to each build's ranges, as the command takes them (ash's wrapper would
        // collect them into a new `Vec` per command: one allocation per frame).
        let mut stack_refs = [std::ptr::null::<vk::AccelerationStructureBuildRangeInfoKHR>(); ON_STACK];
        let (mut heap_infos, mut heap_refs);
        let (infos, range_refs): (&mut [_], &mut [_]) = if group.len() <= ON_STACK {
            (&mut stack_infos[..group.len()], &mut stack_refs[..group.len()])
        } else {
            heap_infos = vec![vk::AccelerationStructureBuildGeometryInfoKHR::default(); group.len()];
            heap_refs = vec![std::ptr::null(); group.len()];
            (&mut heap_infos, &mut heap_refs)
        };
        let mut offset = base;
        let mut at = 0;
        for (i, b) in group.iter().enumerate() {
            let scratch = match b.scratch {
                Scratch::Own(address) => address,
                Scratch::Shared(size) => {
                    let address = offset;
                    offset += aligned(size);
                    address
                }
            };
            infos[i] = build_info(b, &geometries[at..at + b.count], scratch);
            range_refs[i] = ranges[at..at + b.count].as_ptr();
            at += b.count;
        }
        // SAFETY: the command buffer is recording; every structure, input buffer and scratch
        // buffer (shared, or a refit set) is held by this work until it has finished; inputs
        // were checked to lie inside their buffers with build-input usage; each build has its
        // own aligned scratch range (a refit set is held by one refit only); no structure is
        // written twice in one group, and the barrier before each group orders it after the
        // previous one (BLAS before the TLAS that reads it).
        // Each build's range pointer addresses its `geometry_count` ranges (`b.count`, the
        // length of its geometries slice), alive until the call returns.
        unsafe {
            (fns.fp().cmd_build_acceleration_structures_khr)(
                self.cmd,
                infos.len() as u32,
                infos.as_ptr(),
                range_refs.as_ptr(),
            )
        };
    }
}

/// The build info of `b` (a build or an update in place) of `geometries`, with `scratch`.
fn build_info<'g>(
    b: &PendingBuild,
    geometries: &'g [vk::AccelerationStructureGeometryKHR<'g>],
    scratch: vk::DeviceAddress,
) -> vk::AccelerationStructureBuildGeometryInfoKHR<'g> {
    let (mode, src) = if b.update {
        (vk::BuildAccelerationStructureModeKHR::UPDATE, b.handle)
    } else {
        (vk::BuildAccelerationStructureModeKHR::BUILD, vk::AccelerationStructureKHR::null())
    };
    vk::AccelerationStructureBuildGeometryInfoKHR::default()
        .ty(b.ty)
        .flags(b.flags)
        .mode(mode)
        .src_acceleration_structure(src)
        .dst_acceleration_structure(b.handle)
        .geometries(geometries)
        .scratch_data(vk::DeviceOrHostAddressKHR { device_address: scratch })
}

/// The device address of a buffer a build reads (`check` verified its SHADER_DEVICE_ADDRESS
/// usage, so it exists).
fn read_address(buffer: &Buffer) -> vk::DeviceAddress {
    buffer.device_address().unwrap_or_default()
}

/// The buffers geometry `g` reads.
fn geometry_buffers(g: &Geometry) -> impl Iterator<Item = &Buffer> {
    match g {
        Geometry::Triangles(t) => {
            [Some(&t.vertices), t.indices.as_ref().map(|(b, _)| b), t.transform.as_ref().map(|(b, _)| b)]
        }
        Geometry::Aabbs(a) => [Some(&a.boxes), None, None],
    }
    .into_iter()
    .flatten()
}

/// Geometries, ranges and builds of one build command held on the stack (more go to the heap).
const ON_STACK: usize = 8;

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
    ///
    /// A build's completion is its hold: the tables keep their completions until the work has
    /// finished (drained then, or forgotten with the rest where a wait timed out), as they keep
    /// `keep_alive`: one reference count and one entry per structure, not two. Structures
    /// built here are found by [`sync_built_here`](Self::sync_built_here) from the completions
    /// when a TLAS or refit asks, not inserted into a set per build (1000 BLASes of a batch
    /// that builds no TLAS insert nothing).
    pub(in crate::allocator) fn hold_structure(&mut self, structure: &AccelerationStructure, builds: bool) {
        if builds {
            self.tables.completions.push(Completion::Built(structure.clone()));
        } else {
            self.hold(structure.keep_alive());
        }
    }

    /// Brings `tables.built_here` up to date with the structures this recording builds (its
    /// `Completion::Built`s since the last call): called where a structure built here may be
    /// asked for ([`check_built`](Self::check_built): a TLAS build, a refit), before its checks.
    pub(super) fn sync_built_here(&mut self) {
        let tables = &mut *self.tables;
        if tables.built_synced > tables.completions.len() {
            // Drained: that work finished, its structures are marked built.
            tables.built_here.clear();
            tables.built_synced = 0;
        }
        for done in &tables.completions[tables.built_synced..] {
            if let Completion::Built(structure) = done {
                tables.built_here.insert(structure.handle());
            }
        }
        tables.built_synced = tables.completions.len();
    }
}

/// VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03761 to -03766: an update keeps each
/// geometry's type, flags, vertex format, highest vertex, index type and whether it reads a
/// transform, as the last build of the structure `name` had them (geometry `i`).
fn update_keeps(name: &str, i: usize, built: &GeometryKey, now: &GeometryKey) -> Result<()> {
    type Shown = fn(&GeometryKey) -> String;
    // Each kept property: whether it differs, its VUID, its name, how it is shown.
    let checks: [(bool, &'static str, &str, Shown); 6] = [
        (built.ty != now.ty, "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03761", "geometry type", |k| {
            format!("{:?}", k.ty)
        }),
        (built.flags != now.flags, "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03762", "geometry flags", |k| {
            format!("{:?}", k.flags)
        }),
        (built.format != now.format, "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03763", "vertex format", |k| {
            format!("{:?}", k.format)
        }),
        (
            built.max_vertex != now.max_vertex,
            "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03764",
            "highest vertex (maxVertex)",
            |k| k.max_vertex.to_string(),
        ),
        (
            built.index_type != now.index_type,
            "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03765",
            "index type",
            |k| format!("{:?}", k.index_type),
        ),
        (
            built.transform != now.transform,
            "VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03766",
            "transform's presence",
            |k| if k.transform { "a transform" } else { "no transform" }.to_string(),
        ),
    ];
    let Some(&(_, vuid, what, shown)) = checks.iter().find(|c| c.0) else { return Ok(()) };
    Err(Error::ValidUsage {
        name: name.into(),
        vuid,
        detail: format!(
            "geometry {i}: an update must keep the {what} of the last build ({}), not {}",
            shown(built),
            shown(now)
        ),
    })
}

/// Settles the BLAS references of `target` against its free refit sets (see [`RefitSets`]):
/// the newest one handed off, if newer than what the references hold, becomes them; every
/// free set's list is dropped and its stamp cleared. Swaps vectors: allocates nothing.
fn settle(target: &AccelerationStructure, refits: &mut RefitSets) {
    let mut newest: Option<usize> = None;
    let mut newest_stamp = refits.settled;
    for (i, set) in refits.sets.iter_mut().enumerate() {
        if let Some(set) = Arc::get_mut(set) {
            let stamp = *set.handed.get_mut();
            if stamp > newest_stamp {
                (newest, newest_stamp) = (Some(i), stamp);
            }
        }
    }
    if let Some(i) = newest
        && let Some(set) = Arc::get_mut(&mut refits.sets[i])
    {
        std::mem::swap(&mut *target.references(), &mut set.referenced);
        refits.settled = newest_stamp;
    }
    for set in &mut refits.sets {
        if let Some(set) = Arc::get_mut(set) {
            *set.handed.get_mut() = 0;
            set.seen.clear();
            set.referenced.clear();
        }
    }
}
