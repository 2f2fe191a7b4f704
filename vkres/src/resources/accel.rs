//! [`AccelerationStructure`] storage: a buffer and the `VkAccelerationStructureKHR` in it.
//! Building into it is the job of a batch (`crate::accel` and `Batch::build_blas`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use ash::vk;

use super::buffer::{self, Buffer, BufferDesc};
use super::spare::{Shared, spare_slots};
use crate::error::{Error, Result};
use crate::handle_map::HandleSet;
use crate::memory::MemoryAllocator;

/// The persistent buffers of one refit (an update-mode build) of a structure, reused by every
/// later refit once the work that used them has finished: the update scratch and, for a TLAS,
/// a mapped instance buffer the host writes the instance records into. A structure keeps as
/// many as refits are in flight at once (one per frame in flight); a set is free when no
/// recorded work holds it (its `Arc` is unique), so a recording dropped unsubmitted frees it
/// and work whose wait timed out (leaked) never gives it back.
pub(crate) struct RefitSet {
    /// Update scratch, `scratch_size` usable bytes from `scratch_address` (aligned).
    #[expect(dead_code, reason = "held for its memory; builds use its address")]
    pub(crate) scratch: Buffer,
    pub(crate) scratch_address: vk::DeviceAddress,
    pub(crate) scratch_size: u64,
    /// A TLAS's instance records (host-visible, mapped), room for `capacity` of them.
    pub(crate) instances: Option<Buffer>,
    pub(crate) capacity: u64,
    /// The BLASes the last refit made with the set places, each once, in first-seen order:
    /// held by the set until that refit is known to be superseded or abandoned (see
    /// [`RefitSets`]); the vectors are kept between refits so that a refit allocates nothing.
    pub(crate) seen: HandleSet<vk::AccelerationStructureKHR>,
    pub(crate) referenced: Vec<AccelerationStructure>,
    /// When the work of the set's last refit was handed off ([`next_hand_off`]: submitted by a
    /// batch, or finished by a recorder for the caller's submission, which is made in that
    /// order); 0 while not handed off (a recording open, or dropped unsubmitted).
    pub(crate) handed: AtomicU64,
}

/// The hand-off stamps of [`RefitSet::handed`]: increasing, never 0.
pub(crate) fn next_hand_off() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A structure's refit sets, and what its BLAS references are settled to (session 10, helper
/// "mend13", review13 #3: they no longer only grow).
///
/// What a TLAS must keep alive is every BLAS its content may point to, now or once recorded
/// work has run: the content of the last update (build or refit) that ran, and that of each
/// recorded refit that may still run. The structure's `references` hold the first (the
/// build's BLASes, stamp 0, or a refit's that ran: `settled` is its stamp); each refit set
/// holds its own refit's `referenced`. At each refit, every free set (no recording or
/// `InFlight` holds it) is settled: one handed off has run (its work was waited for, or it
/// would not be free; a timed-out wait leaks the hold), so the newest of them, if newer than
/// `settled`, becomes the structure's references (work is submitted in hand-off order, so the
/// structure now holds its content, and every earlier submission that read an older content
/// has finished before it: a fence signals after all earlier submissions of its queue); the
/// others, older, are superseded; one never handed off never ran. Their lists are dropped. So
/// a TLAS holds at most its settled content plus one list per refit set.
#[derive(Default)]
pub(crate) struct RefitSets {
    pub(crate) sets: Vec<Arc<RefitSet>>,
    /// The hand-off stamp of the update whose BLASes the structure's `references` are.
    pub(crate) settled: u64,
}

/// The owner of one `VkAccelerationStructureKHR`.
struct AccelShared {
    handle: vk::AccelerationStructureKHR,
    ty: vk::AccelerationStructureTypeKHR,
    /// Asked of the driver on first use (only TLAS instances need it).
    address: OnceLock<vk::DeviceAddress>,
    /// The build flags it was created for (an update needs `ALLOW_UPDATE`).
    flags: vk::BuildAccelerationStructureFlagsKHR,
    /// Set once a batch that built it has finished: only then may a TLAS refer to it. (Set
    /// through the structure itself, which the batch holds anyway: no allocation of its own.)
    built: AtomicBool,
    /// What the last build read: for a BLAS the primitive count of each geometry (an update
    /// must keep them), for a TLAS the instance count.
    shape: Mutex<Shape>,
    /// The structures this one refers to (a TLAS's BLASes): dropped after this one is destroyed.
    references: Mutex<Vec<AccelerationStructure>>,
    /// The update scratch size of its build (0: not known), which every refit needs.
    update_scratch: AtomicU64,
    /// The persistent refit buffers (`RefitSet`), one per refit in flight.
    refits: Mutex<RefitSets>,
    /// The storage, named `{name}/storage` (the structure's debug name is read from it: one
    /// string per structure, moved into the buffer, instead of three copies); released after
    /// the acceleration structure is destroyed.
    buffer: Buffer,
}

impl Drop for AccelShared {
    fn drop(&mut self) {
        let ctx = self.buffer.context();
        // The loader exists: the structure could only be created through it. A released
        // placeholder has a null handle, which destroying ignores.
        if let Some(fns) = ctx.extensions().acceleration_structure.as_ref() {
            // SAFETY: no handle or batch refers to the structure any more; its buffer is
            // destroyed after this, when the `buffer` field drops.
            unsafe { fns.destroy_acceleration_structure(self.handle, None) };
        }
    }
}

/// A `VkAccelerationStructureKHR` and the buffer that stores it. A shared handle: a TLAS
/// that references it, and batches that build with it, keep it alive.
///
/// `Send + Sync`: a shared handle (an `Arc` of the owner of Vulkan objects that do not change after
/// creation); clones may be used and dropped on any thread.
#[derive(Clone)]
pub struct AccelerationStructure {
    /// The structure's slot (see [`spare`](super::spare)).
    shared: Shared<AccelShared>,
}

spare_slots! {
    /// This thread's spare slots of dropped structures ([`spare`](super::spare)).
    SPARE: AccelShared
}

impl std::fmt::Debug for AccelerationStructure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccelerationStructure")
            .field("name", &self.name())
            .field("ty", &self.shared.ty)
            .field("size", &self.shared.buffer.size())
            .finish()
    }
}

impl AccelerationStructure {
    /// The `VkAccelerationStructureKHR`.
    pub fn handle(&self) -> vk::AccelerationStructureKHR {
        self.shared.handle
    }

    /// Top or bottom level.
    pub fn ty(&self) -> vk::AccelerationStructureTypeKHR {
        self.shared.ty
    }

    /// Its device address (what TLAS instances refer to).
    pub fn device_address(&self) -> vk::DeviceAddress {
        *self.shared.address.get_or_init(|| {
            let ctx = self.shared.buffer.context();
            let info =
                vk::AccelerationStructureDeviceAddressInfoKHR::default().acceleration_structure(self.shared.handle);
            // The structure exists, so the extension's functions do.
            ctx.extensions().acceleration_structure.as_ref().map_or(0, |fns| {
                // SAFETY: a live structure of this device.
                unsafe { fns.get_acceleration_structure_device_address(&info) }
            })
        })
    }

    /// The buffer that stores it.
    pub fn buffer(&self) -> &Buffer {
        &self.shared.buffer
    }

    /// Debug name.
    pub fn name(&self) -> &str {
        let storage = self.shared.buffer.name();
        storage.strip_suffix(STORAGE_SUFFIX).unwrap_or(storage)
    }

    /// The build flags it was created for.
    pub fn build_flags(&self) -> vk::BuildAccelerationStructureFlagsKHR {
        self.shared.flags
    }

    /// Whether a batch that built it has finished (a TLAS may only refer to a built BLAS).
    pub fn is_built(&self) -> bool {
        self.shared.built.load(Ordering::Acquire)
    }

    /// Marks it built: a batch's build of it has finished.
    pub(crate) fn set_built(&self) {
        self.shared.built.store(true, Ordering::Release)
    }

    /// The primitive counts (BLAS) or instance count (TLAS) of the last recorded build.
    pub(crate) fn shape(&self) -> MutexGuard<'_, Shape> {
        self.shared.shape.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The structures this one refers to.
    pub(crate) fn references(&self) -> MutexGuard<'_, Vec<AccelerationStructure>> {
        self.shared.references.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The update scratch size its build was recorded with (0: not recorded by a vkres build).
    pub(crate) fn update_scratch_size(&self) -> u64 {
        self.shared.update_scratch.load(Ordering::Relaxed)
    }

    /// Records the update scratch size of its build.
    pub(crate) fn set_update_scratch_size(&self, size: u64) {
        self.shared.update_scratch.store(size, Ordering::Relaxed);
    }

    /// The persistent refit buffers (see `RefitSet`).
    pub(crate) fn refits(&self) -> MutexGuard<'_, RefitSets> {
        self.shared.refits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether both handles are the same structure.
    pub fn same(&self, other: &AccelerationStructure) -> bool {
        Arc::ptr_eq(self.shared.arc(), other.shared.arc())
    }

    /// Drops this handle's reference (destroying the structure if it was the last one),
    /// leaving a placeholder with a null handle: the ordered drop of derived bundles.
    pub(crate) fn release(&mut self) {
        if self.shared.handle == vk::AccelerationStructureKHR::null() {
            return;
        }
        let mut buffer = self.shared.buffer.clone();
        buffer.release();
        let placeholder = AccelShared {
            handle: vk::AccelerationStructureKHR::null(),
            ty: self.shared.ty,
            address: OnceLock::from(0),
            flags: vk::BuildAccelerationStructureFlagsKHR::empty(),
            built: AtomicBool::new(false),
            shape: Mutex::new(Shape::new()),
            references: Mutex::new(Vec::new()),
            update_scratch: AtomicU64::new(0),
            refits: Mutex::new(RefitSets::default()),
            buffer,
        };
        // The only handle (the usual case): the state is replaced in its slot, no allocation.
        match self.shared.get_mut() {
            Some(state) => *state = placeholder,
            // The placeholder's slot filled first, then this handle's reference retired.
            None => self.shared = Shared::new(placeholder),
        }
    }

    /// Keeps the structure alive (for a batch that builds or reads it).
    pub(crate) fn keep_alive(&self) -> Arc<dyn Send + Sync> {
        Arc::<Option<AccelShared>>::clone(self.shared.arc())
    }
}

/// The primitive counts of a BLAS's geometries or a TLAS's instance count, each with what
/// else an update must keep of that geometry: inline up to two (no allocation per structure
/// for the usual one or two geometries).
pub(crate) type Shape = smallvec::SmallVec<[(u32, GeometryKey); 2]>;

/// What an update must keep of each geometry of the last build besides its primitive count
/// (VUID-vkCmdBuildAccelerationStructuresKHR-pInfos-03761 to -03766, issue 16, helper
/// "sound4"): its type and flags; for triangles the vertex format, the highest vertex, the
/// index type and whether a transform is read. Zero values where a kind has no such field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GeometryKey {
    pub ty: vk::GeometryTypeKHR,
    pub flags: vk::GeometryFlagsKHR,
    pub format: vk::Format,
    pub max_vertex: u32,
    pub index_type: vk::IndexType,
    pub transform: bool,
}

/// What the storage buffer's name adds to the structure's.
const STORAGE_SUFFIX: &str = "/storage";

/// `{name}/storage`, in the one allocation that the buffer and the leak table share: put
/// together on the stack where it fits (`format!` grew a string twice, and the string was then
/// copied into the shared one).
fn storage_name(name: &str) -> Arc<str> {
    let mut joined = [0u8; 128];
    let len = name.len() + STORAGE_SUFFIX.len();
    if let Some(dst) = joined.get_mut(..len) {
        dst[..name.len()].copy_from_slice(name.as_bytes());
        dst[name.len()..].copy_from_slice(STORAGE_SUFFIX.as_bytes());
        // SAFETY: `dst` is two strings one after the other (both whole: a `str` ends on a
        // character boundary), so it is UTF-8 (checking it cost 100 instructions a BLAS).
        let joined = unsafe { std::str::from_utf8_unchecked(dst) };
        return Arc::from(joined);
    }
    Arc::from(format!("{name}{STORAGE_SUFFIX}"))
}

/// [`storage_name`], reusing `last` (the previous structure's, which the caller keeps) where
/// `name` is the same: the structures of one batch are often named alike (a derived bundle's
/// collection field, a scene's meshes), and each then shares one string with the others
/// instead of allocating its own (issue 20 item 3: one allocation of three per small BLAS).
pub(crate) fn storage_name_reusing(name: &str, last: &mut Option<Arc<str>>) -> Arc<str> {
    if let Some(previous) = last.as_ref()
        && previous.len() == name.len() + STORAGE_SUFFIX.len()
        && previous.starts_with(name)
        && previous.ends_with(STORAGE_SUFFIX)
    {
        return previous.clone();
    }
    let joined = storage_name(name);
    *last = Some(joined.clone());
    joined
}

/// Creates storage of `size` bytes (from `vkGetAccelerationStructureBuildSizesKHR`) and the
/// acceleration structure in it.
pub(crate) fn create(
    memory: &dyn MemoryAllocator,
    ty: vk::AccelerationStructureTypeKHR,
    flags: vk::BuildAccelerationStructureFlagsKHR,
    size: u64,
    name: &str,
) -> Result<AccelerationStructure> {
    create_in(memory, ty, flags, size, name, storage_name(name), Shape::new(), 0)
}

/// [`create`], its storage named `storage` (`{name}/storage`, perhaps shared with other
/// structures of the same name: [`storage_name_reusing`]), with the `shape` and update scratch
/// size of the build that creates it (set here, not under its lock after: issue 20 item 3).
#[allow(clippy::too_many_arguments)]
pub(crate) fn create_in(
    memory: &dyn MemoryAllocator,
    ty: vk::AccelerationStructureTypeKHR,
    flags: vk::BuildAccelerationStructureFlagsKHR,
    size: u64,
    name: &str,
    storage: Arc<str>,
    shape: Shape,
    update_scratch: u64,
) -> Result<AccelerationStructure> {
    let ctx = memory.context();
    ctx.acceleration_structure_fns("create an acceleration structure")?;
    if ty != vk::AccelerationStructureTypeKHR::TOP_LEVEL && ty != vk::AccelerationStructureTypeKHR::BOTTOM_LEVEL {
        return Err(Error::InvalidDescription {
            name: name.into(),
            reason: format!("{ty:?} is neither top nor bottom level"),
        });
    }
    let usage = vk::BufferUsageFlags::ACCELERATION_STRUCTURE_STORAGE_KHR | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS;
    let storage: Buffer = buffer::create_shared_name(memory, &BufferDesc::new(size, usage), storage)?;
    let info = vk::AccelerationStructureCreateInfoKHR::default().buffer(storage.handle()).offset(0).size(size).ty(ty);
    // SAFETY: the buffer is live, has ACCELERATION_STRUCTURE_STORAGE usage and `size` bytes at
    // offset 0 (which is 256-byte aligned, as the spec requires); the structure's owner
    // destroys it before the buffer it holds.
    let handle = unsafe { ctx.create_acceleration_structure(&info, name) }?;
    let shared = AccelShared {
        handle,
        ty,
        address: OnceLock::new(),
        flags,
        built: AtomicBool::new(false),
        shape: Mutex::new(shape),
        references: Mutex::new(Vec::new()),
        update_scratch: AtomicU64::new(update_scratch),
        refits: Mutex::new(RefitSets::default()),
        buffer: storage,
    };
    Ok(AccelerationStructure { shared: Shared::new(shared) })
}
