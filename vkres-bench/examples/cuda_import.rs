//! Exported memory into CUDA (issue 19, item 5): a vkres buffer of device memory, filled through
//! staging, exported as an opaque file descriptor, imported into CUDA with the driver API
//! (`cuImportExternalMemory`, `cuExternalMemoryGetMappedBuffer`) and copied back to the host by
//! CUDA (`cuMemcpyDtoH`), byte for byte against what Vulkan wrote.
//!
//! The driver API is loaded at run time from `libcuda.so.1` (no CUDA toolkit at build time); the
//! CUDA device is the one whose UUID is the Vulkan device's. Without `libcuda.so.1` or a CUDA
//! device of that UUID it says so and exits with status 2.
//!
//! ```text
//! cargo run --release -p vkres-bench --example cuda_import [-- MiB]
//! ```

use std::ffi::{c_int, c_uint, c_void};
use std::os::fd::IntoRawFd;
use std::process::ExitCode;

use vkres::{BufferDesc, Context, ContextOptions, ResourceAllocator, vk};

type CuResult = c_int;
type CuDevice = c_int;
type CuContext = *mut c_void;
type CuExternalMemory = *mut c_void;
type CuDevicePtr = u64;

/// `CU_EXTERNAL_MEMORY_HANDLE_TYPE_OPAQUE_FD`.
const OPAQUE_FD: c_uint = 1;
/// `CUDA_EXTERNAL_MEMORY_DEDICATED`.
const DEDICATED: c_uint = 1;

/// `CUDA_EXTERNAL_MEMORY_HANDLE_DESC` (cuda.h): the handle is a 16-byte union at offset 8.
#[repr(C)]
struct HandleDesc {
    ty: c_uint,
    handle: HandleUnion,
    size: u64,
    flags: c_uint,
    reserved: [c_uint; 16],
}

#[repr(C)]
union HandleUnion {
    fd: c_int,
    win32: [*const c_void; 2],
}

/// `CUDA_EXTERNAL_MEMORY_BUFFER_DESC`.
#[repr(C)]
struct BufferDescCu {
    offset: u64,
    size: u64,
    flags: c_uint,
    reserved: [c_uint; 16],
}

/// The driver API entry points the example calls.
struct Cuda {
    _lib: libloading::Library,
    init: unsafe extern "C" fn(c_uint) -> CuResult,
    device_get_count: unsafe extern "C" fn(*mut c_int) -> CuResult,
    device_get: unsafe extern "C" fn(*mut CuDevice, c_int) -> CuResult,
    device_get_uuid: unsafe extern "C" fn(*mut [u8; 16], CuDevice) -> CuResult,
    ctx_create: unsafe extern "C" fn(*mut CuContext, c_uint, CuDevice) -> CuResult,
    ctx_destroy: unsafe extern "C" fn(CuContext) -> CuResult,
    import: unsafe extern "C" fn(*mut CuExternalMemory, *const HandleDesc) -> CuResult,
    mapped_buffer: unsafe extern "C" fn(*mut CuDevicePtr, CuExternalMemory, *const BufferDescCu) -> CuResult,
    memcpy_dtoh: unsafe extern "C" fn(*mut c_void, CuDevicePtr, usize) -> CuResult,
    mem_free: unsafe extern "C" fn(CuDevicePtr) -> CuResult,
    destroy_external: unsafe extern "C" fn(CuExternalMemory) -> CuResult,
}

impl Cuda {
    fn load() -> Result<Self, String> {
        // SAFETY: loading the CUDA driver runs its initialisers, which have no preconditions.
        let lib = unsafe { libloading::Library::new("libcuda.so.1") }.map_err(|e| format!("libcuda.so.1: {e}"))?;
        macro_rules! sym {
            ($name:literal) => {
                // SAFETY: the symbol is the driver API function of that name, whose C signature
                // the field's type spells (cuda.h, CUDA 11.4 and later).
                *unsafe { lib.get(concat!($name, "\0").as_bytes()) }.map_err(|e| format!("{}: {e}", $name))?
            };
        }
        Ok(Self {
            init: sym!("cuInit"),
            device_get_count: sym!("cuDeviceGetCount"),
            device_get: sym!("cuDeviceGet"),
            device_get_uuid: sym!("cuDeviceGetUuid"),
            ctx_create: sym!("cuCtxCreate_v2"),
            ctx_destroy: sym!("cuCtxDestroy_v2"),
            import: sym!("cuImportExternalMemory"),
            mapped_buffer: sym!("cuExternalMemoryGetMappedBuffer"),
            memcpy_dtoh: sym!("cuMemcpyDtoH_v2"),
            mem_free: sym!("cuMemFree_v2"),
            destroy_external: sym!("cuDestroyExternalMemory"),
            _lib: lib,
        })
    }
}

fn check(result: CuResult, what: &str) -> Result<(), String> {
    match result {
        0 => Ok(()),
        code => Err(format!("{what} failed: CUresult {code}")),
    }
}

/// The Vulkan device's UUID (`VkPhysicalDeviceIDProperties::deviceUUID`).
fn vulkan_uuid(ctx: &Context) -> [u8; 16] {
    let mut id = vk::PhysicalDeviceIDProperties::default();
    let mut props = vk::PhysicalDeviceProperties2::default().push_next(&mut id);
    // SAFETY: a query of the context's physical device; the chained struct is Vulkan 1.1 core.
    unsafe { ctx.instance().get_physical_device_properties2(ctx.physical_device(), &mut props) };
    id.device_uuid
}

fn run(mib: u64) -> Result<bool, String> {
    let ctx = Context::new(ContextOptions::new()).map_err(|e| e.to_string())?;
    let alloc = ResourceAllocator::new(&ctx).map_err(|e| e.to_string())?;
    let size = mib << 20;
    let data: Vec<u32> = (0..size / 4).map(|i| (i as u32).wrapping_mul(2_654_435_761)).collect();
    let desc = BufferDesc::new(size, vk::BufferUsageFlags::STORAGE_BUFFER)
        .export(vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD)
        .name("shared with CUDA");
    let buffer = alloc.create_buffer_with_data(&desc, &data).map_err(|e| e.to_string())?;
    let exported =
        buffer.memory().export_fd(vk::ExternalMemoryHandleTypeFlags::OPAQUE_FD).map_err(|e| e.to_string())?;
    let props = buffer.memory().properties();
    println!(
        "{}: {} MiB exported from memory type {} ({props:?}), {} bytes, dedicated: {}",
        ctx.capabilities().device_name,
        mib,
        exported.memory_type,
        exported.memory_size,
        exported.dedicated
    );

    let cuda = Cuda::load()?;
    let uuid = vulkan_uuid(&ctx);
    // SAFETY: every call below follows the driver API's contract: initialised first, pointers
    // to live locals, the context current on this thread from its creation; the imported fd is
    // given to CUDA (which owns it on success), the mapping freed and the external memory
    // destroyed before the context.
    unsafe {
        check((cuda.init)(0), "cuInit")?;
        let mut count = 0;
        check((cuda.device_get_count)(&mut count), "cuDeviceGetCount")?;
        let mut device = None;
        for i in 0..count {
            let mut dev = 0;
            check((cuda.device_get)(&mut dev, i), "cuDeviceGet")?;
            let mut id = [0u8; 16];
            check((cuda.device_get_uuid)(&mut id, dev), "cuDeviceGetUuid")?;
            if id == uuid {
                device = Some(dev);
            }
        }
        let device = device.ok_or("no CUDA device has the Vulkan device's UUID")?;
        let mut cu_ctx = std::ptr::null_mut();
        check((cuda.ctx_create)(&mut cu_ctx, 0, device), "cuCtxCreate")?;
        let handle = HandleDesc {
            ty: OPAQUE_FD,
            handle: HandleUnion { fd: exported.fd.into_raw_fd() },
            size: exported.memory_size,
            flags: if exported.dedicated { DEDICATED } else { 0 },
            reserved: [0; 16],
        };
        let mut external = std::ptr::null_mut();
        check((cuda.import)(&mut external, &handle), "cuImportExternalMemory")?;
        let desc = BufferDescCu { offset: exported.offset, size, flags: 0, reserved: [0; 16] };
        let mut dptr = 0;
        check((cuda.mapped_buffer)(&mut dptr, external, &desc), "cuExternalMemoryGetMappedBuffer")?;
        let mut back = vec![0u32; data.len()];
        let start = std::time::Instant::now();
        check((cuda.memcpy_dtoh)(back.as_mut_ptr().cast(), dptr, size as usize), "cuMemcpyDtoH")?;
        let elapsed = start.elapsed();
        check((cuda.mem_free)(dptr), "cuMemFree")?;
        check((cuda.destroy_external)(external), "cuDestroyExternalMemory")?;
        check((cuda.ctx_destroy)(cu_ctx), "cuCtxDestroy")?;
        let same = back == data;
        println!(
            "CUDA read {} MiB back in {:.2} ms ({:.1} GB/s): {}",
            mib,
            elapsed.as_secs_f64() * 1e3,
            size as f64 / elapsed.as_secs_f64() / 1e9,
            if same { "identical" } else { "DIFFERENT" }
        );
        Ok(same)
    }
}

fn main() -> ExitCode {
    let mib = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(64);
    match run(mib) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cuda_import: {e}");
            ExitCode::from(2)
        }
    }
}
