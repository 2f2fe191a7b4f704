//! Interposed Vulkan functions: a second [`Context`] over the bench's own device whose ash
//! function tables send a few entry points through here. Each logs when it was called and when
//! it returned; the build command is also bracketed by two GPU timestamps. vkres itself is not
//! changed: it reaches the tables through [`Context::from_raw`] like any borrowed device, and the
//! hand-written ways use the same tables, so both pay the same (small) instrumentation.

use std::ffi::{CStr, c_char};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use vkres::ash::{self, vk};
use vkres::{Context, EnabledFeatures, Ownership, RawDevice};

/// An interposed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `vkAllocateMemory` of this many bytes.
    AllocateMemory(u64),
    FreeMemory,
    /// `vkGetBufferDeviceAddress` (the last one before a build is the scratch buffer's).
    BufferAddress,
    /// `vkCmdBuildAccelerationStructuresKHR` (host time of recording it).
    Build,
    Submit,
    Wait,
}

/// One interposed call: when it was entered and when it returned.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub call: Call,
    pub start: Instant,
    pub end: Instant,
}

/// The driver's functions behind the interposed ones.
struct Real {
    get_device_proc_addr: vk::PFN_vkGetDeviceProcAddr,
    allocate_memory: vk::PFN_vkAllocateMemory,
    free_memory: vk::PFN_vkFreeMemory,
    wait_for_fences: vk::PFN_vkWaitForFences,
    cmd_reset_query_pool: vk::PFN_vkCmdResetQueryPool,
    get_buffer_device_address: vk::PFN_vkGetBufferDeviceAddress,
    queue_submit2: vk::PFN_vkQueueSubmit2,
    cmd_write_timestamp2: vk::PFN_vkCmdWriteTimestamp2,
}

static REAL: OnceLock<Real> = OnceLock::new();
/// The driver's build command, found when vkres or ash asks the (interposed) instance for it.
static REAL_BUILD: OnceLock<vk::PFN_vkCmdBuildAccelerationStructuresKHR> = OnceLock::new();
static LOG: Mutex<Vec<Event>> = Mutex::new(Vec::new());
/// The raw handle of a query pool of two timestamps written around each build; 0 for none.
static STAMPS: AtomicU64 = AtomicU64::new(0);

fn real() -> &'static Real {
    REAL.get().expect("hooks::install runs before any interposed call")
}

fn log(call: Call, start: Instant) {
    let end = Instant::now();
    LOG.lock().unwrap_or_else(|e| e.into_inner()).push(Event { call, start, end });
}

/// Takes the calls logged since the last `take`.
pub fn take() -> Vec<Event> {
    std::mem::take(&mut *LOG.lock().unwrap_or_else(|e| e.into_inner()))
}

/// From now on every build is bracketed by timestamps 0 and 1 of `pool` (null: none). The
/// pool must live while builds are recorded and be a pool of at least two timestamp queries.
pub fn stamp_builds_into(pool: vk::QueryPool) {
    use vk::Handle;
    STAMPS.store(pool.as_raw(), Ordering::Relaxed);
}

/// A context over `owner`'s device and queue with the interposed tables. It borrows the device
/// and instance: drop it, and everything made from it, before `owner`; and submit nothing
/// through `owner` meanwhile (the two contexts lock the queue separately).
pub fn install(owner: &Context) -> vkres::Result<Arc<Context>> {
    let (instance, device) = (owner.instance(), owner.device());
    let _ = REAL.set(Real {
        get_device_proc_addr: instance.fp_v1_0().get_device_proc_addr,
        allocate_memory: device.fp_v1_0().allocate_memory,
        free_memory: device.fp_v1_0().free_memory,
        wait_for_fences: device.fp_v1_0().wait_for_fences,
        cmd_reset_query_pool: device.fp_v1_0().cmd_reset_query_pool,
        get_buffer_device_address: device.fp_v1_2().get_buffer_device_address,
        queue_submit2: device.fp_v1_3().queue_submit2,
        cmd_write_timestamp2: device.fp_v1_3().cmd_write_timestamp2,
    });
    let mut i0 = instance.fp_v1_0().clone();
    i0.get_device_proc_addr = get_device_proc_addr;
    let instance =
        ash::Instance::from_parts_1_3(instance.handle(), i0, instance.fp_v1_1().clone(), instance.fp_v1_3().clone());
    let (mut d0, mut d2, mut d3) = (device.fp_v1_0().clone(), device.fp_v1_2().clone(), device.fp_v1_3().clone());
    d0.allocate_memory = allocate_memory;
    d0.free_memory = free_memory;
    d0.wait_for_fences = wait_for_fences;
    d2.get_buffer_device_address = get_buffer_device_address;
    d3.queue_submit2 = queue_submit2;
    let device = ash::Device::from_parts_1_3(device.handle(), d0, device.fp_v1_1().clone(), d2, d3);
    let caps = owner.capabilities();
    let raw = RawDevice {
        entry: owner.entry().clone(),
        instance,
        physical_device: owner.physical_device(),
        device,
        queue_family_index: owner.queue_family_index(),
        // vkres's own contexts take the family's first queue.
        queue_index: 0,
        transfer_queue: owner.transfer_queue_family_index().map(|family| (family, 0)),
        enabled: EnabledFeatures { debug_utils: false, ..caps.enabled },
        device_extensions: caps.device_extensions.clone(),
        message_log: None,
    };
    // SAFETY: the instance and device are `owner`'s, made together with exactly the features
    // its capabilities report; every table entry is the driver's own or forwards to it
    // unchanged. The caller keeps `owner` alive longer and does not submit through it.
    unsafe { Context::from_raw(raw, Ownership::Borrowed) }
}

unsafe extern "system" fn get_device_proc_addr(device: vk::Device, name: *const c_char) -> vk::PFN_vkVoidFunction {
    // SAFETY: forwarded unchanged; the loader's contract is the caller's.
    let found = unsafe { (real().get_device_proc_addr)(device, name) };
    // SAFETY: the loader passes a NUL-terminated name.
    if unsafe { CStr::from_ptr(name) } != c"vkCmdBuildAccelerationStructuresKHR" {
        return found;
    }
    let found = found?;
    // SAFETY: the driver's function for this name has this signature.
    let build: vk::PFN_vkCmdBuildAccelerationStructuresKHR = unsafe { std::mem::transmute(found) };
    let _ = REAL_BUILD.set(build);
    let hooked: vk::PFN_vkCmdBuildAccelerationStructuresKHR = cmd_build_acceleration_structures;
    // SAFETY: the caller casts it back to the type of the name it asked for, this one.
    Some(unsafe {
        std::mem::transmute::<vk::PFN_vkCmdBuildAccelerationStructuresKHR, unsafe extern "system" fn()>(hooked)
    })
}

unsafe extern "system" fn cmd_build_acceleration_structures(
    cmd: vk::CommandBuffer,
    count: u32,
    infos: *const vk::AccelerationStructureBuildGeometryInfoKHR<'_>,
    ranges: *const *const vk::AccelerationStructureBuildRangeInfoKHR,
) {
    use vk::Handle;
    let start = Instant::now();
    let pool = vk::QueryPool::from_raw(STAMPS.load(Ordering::Relaxed));
    let stamp = |query| {
        // SAFETY: `cmd` is recording (the build's own contract) and the pool has two timestamp
        // queries (`stamp_builds_into`'s contract), reset just before.
        unsafe { (real().cmd_write_timestamp2)(cmd, vk::PipelineStageFlags2::ALL_COMMANDS, pool, query) }
    };
    if pool != vk::QueryPool::null() {
        // SAFETY: as above; outside any render pass (a build cannot be inside one).
        unsafe { (real().cmd_reset_query_pool)(cmd, pool, 0, 2) };
        stamp(0);
    }
    let build = REAL_BUILD.get().expect("resolved through get_device_proc_addr");
    // SAFETY: forwarded unchanged.
    unsafe { build(cmd, count, infos, ranges) };
    if pool != vk::QueryPool::null() {
        stamp(1);
    }
    log(Call::Build, start);
}

unsafe extern "system" fn allocate_memory(
    device: vk::Device,
    info: *const vk::MemoryAllocateInfo<'_>,
    callbacks: *const vk::AllocationCallbacks<'_>,
    memory: *mut vk::DeviceMemory,
) -> vk::Result {
    let start = Instant::now();
    // SAFETY: forwarded unchanged; `info` is valid (the caller's contract).
    let (result, bytes) =
        unsafe { ((real().allocate_memory)(device, info, callbacks, memory), (*info).allocation_size) };
    log(Call::AllocateMemory(bytes), start);
    result
}

unsafe extern "system" fn free_memory(
    device: vk::Device,
    memory: vk::DeviceMemory,
    callbacks: *const vk::AllocationCallbacks<'_>,
) {
    let start = Instant::now();
    // SAFETY: forwarded unchanged.
    unsafe { (real().free_memory)(device, memory, callbacks) };
    log(Call::FreeMemory, start);
}

unsafe extern "system" fn get_buffer_device_address(
    device: vk::Device,
    info: *const vk::BufferDeviceAddressInfo<'_>,
) -> vk::DeviceAddress {
    let start = Instant::now();
    // SAFETY: forwarded unchanged.
    let address = unsafe { (real().get_buffer_device_address)(device, info) };
    log(Call::BufferAddress, start);
    address
}

unsafe extern "system" fn queue_submit2(
    queue: vk::Queue,
    count: u32,
    submits: *const vk::SubmitInfo2<'_>,
    fence: vk::Fence,
) -> vk::Result {
    let start = Instant::now();
    // SAFETY: forwarded unchanged.
    let result = unsafe { (real().queue_submit2)(queue, count, submits, fence) };
    log(Call::Submit, start);
    result
}

unsafe extern "system" fn wait_for_fences(
    device: vk::Device,
    count: u32,
    fences: *const vk::Fence,
    wait_all: vk::Bool32,
    timeout: u64,
) -> vk::Result {
    let start = Instant::now();
    // SAFETY: forwarded unchanged.
    let result = unsafe { (real().wait_for_fences)(device, count, fences, wait_all, timeout) };
    log(Call::Wait, start);
    result
}
