//! Order in derived bundles: creation in dependency order, release in reverse dependency order
//! whatever the declaration order (observed through a `MemoryAllocator` wrapper that logs
//! every freed allocation by name), GPU copies between fields, and several bundles recorded
//! into one batch.

use std::sync::{Arc, Mutex};

use vkres::memory::MemoryRequest;
use vkres::{
    Buffer, Context, GpuResources, MappingType, MemoryAllocation, MemoryAllocator, MemoryInfo, ResourceAllocator,
    Sampler, StagingConfig, Texture, VmaAllocator, vk,
};

use crate::support::Gpu;

/// The names of freed allocations, in the order they were freed.
type FreeLog = Arc<Mutex<Vec<String>>>;

/// VMA, with every allocation's release logged.
#[derive(Debug)]
struct Logging {
    inner: VmaAllocator,
    log: FreeLog,
}

#[derive(Debug)]
struct Logged {
    inner: Box<dyn MemoryAllocation>,
    name: String,
    log: FreeLog,
}

impl Drop for Logged {
    fn drop(&mut self) {
        self.log.lock().unwrap().push(std::mem::take(&mut self.name));
    }
}

impl MemoryAllocation for Logged {
    fn info(&self) -> MemoryInfo {
        self.inner.info()
    }
    fn mapping(&self) -> MappingType {
        self.inner.mapping()
    }
    fn map(&self) -> vkres::Result<std::ptr::NonNull<u8>> {
        self.inner.map()
    }
    unsafe fn unmap(&self) {
        // SAFETY: forwarded; the caller's contract is the same.
        unsafe { self.inner.unmap() }
    }
    fn flush(&self, offset: vk::DeviceSize, size: vk::DeviceSize) -> vkres::Result<()> {
        self.inner.flush(offset, size)
    }
    fn invalidate(&self, offset: vk::DeviceSize, size: vk::DeviceSize) -> vkres::Result<()> {
        self.inner.invalidate(offset, size)
    }
}

impl Logging {
    fn wrap(&self, inner: Box<dyn MemoryAllocation>, request: &MemoryRequest<'_>) -> Box<dyn MemoryAllocation> {
        Box::new(Logged { inner, name: request.name.to_owned(), log: self.log.clone() })
    }
}

impl MemoryAllocator for Logging {
    fn context(&self) -> &Arc<Context> {
        self.inner.context()
    }
    unsafe fn create_buffer(
        &self,
        info: &vk::BufferCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> vkres::Result<(vk::Buffer, Box<dyn MemoryAllocation>)> {
        // SAFETY: forwarded; the caller's contract is the same.
        let (buffer, memory) = unsafe { self.inner.create_buffer(info, request) }?;
        Ok((buffer, self.wrap(memory, request)))
    }
    unsafe fn create_image(
        &self,
        info: &vk::ImageCreateInfo<'_>,
        request: &MemoryRequest<'_>,
    ) -> vkres::Result<(vk::Image, Box<dyn MemoryAllocation>)> {
        // SAFETY: forwarded; the caller's contract is the same.
        let (image, memory) = unsafe { self.inner.create_image(info, request) }?;
        Ok((image, self.wrap(memory, request)))
    }
    fn live_allocations(&self) -> usize {
        self.inner.live_allocations()
    }
    fn live_allocation_names(&self) -> Vec<String> {
        self.inner.live_allocation_names()
    }
}

#[derive(GpuResources)]
struct Inner {
    /// Declared before the buffer it copies.
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, copy = a))]
    b: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, data = [5u32, 6]))]
    a: Buffer<u32>,
}

/// Declared against its dependencies: `mid` copies `base` (declared last), `top` copies `mid`,
/// `tex` is paired with `smp` (declared after it). Creation order: inner, smp, tex, base, mid,
/// top; release order: the reverse.
#[derive(GpuResources)]
struct Order {
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, copy = base))]
    mid: Buffer<u32>,
    #[gpu(bundle)]
    inner: Inner,
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, copy = mid, len = 8))]
    top: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], sampler = smp))]
    tex: Texture,
    #[gpu(sampler)]
    smp: Sampler,
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = [1u32, 2, 3, 4]))]
    base: Buffer<u32>,
}

#[test]
fn drop_releases_in_reverse_dependency_order() {
    let gpu = Gpu::new();
    let log = FreeLog::default();
    let memory = Logging { inner: VmaAllocator::new(gpu.ctx()).expect("vma"), log: log.clone() };
    let alloc = ResourceAllocator::with_memory_allocator(Arc::new(memory), StagingConfig::default()).expect("alloc");

    let order = Order::create(&alloc).expect("order");
    // The copies ran after the uploads they read, in one submission.
    assert_eq!(gpu.read_back(&order.mid), bytemuck::cast_slice::<_, u8>(&[1u32, 2, 3, 4]));
    let top = gpu.read_back(&order.top);
    assert_eq!(top.len(), 32, "`len` sizes a copy's destination");
    assert_eq!(&top[..16], bytemuck::cast_slice::<_, u8>(&[1u32, 2, 3, 4]));
    assert_eq!(gpu.read_back(&order.inner.b), bytemuck::cast_slice::<_, u8>(&[5u32, 6]));
    assert!(order.base.usage().contains(vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST));
    assert!(order.mid.usage().contains(vk::BufferUsageFlags::TRANSFER_DST), "a copy destination");

    alloc.staging().trim();
    log.lock().unwrap().clear();
    drop(order);
    let freed = log.lock().unwrap().clone();
    // `inner` releases its own fields in its own reverse order: `b` (which copies `a`) first.
    assert_eq!(freed, ["Order.top", "Order.mid", "Order.base", "Order.tex", "Inner.b", "Inner.a"].map(String::from));
    drop(alloc);
}

/// Declared in a reverse dependency order already (each field before the fields it names):
/// the derive emits no `Drop` (issue 20 item 5) and Rust's declaration-order drop releases
/// `top` (a copy of `mid`), then `mid` (a copy of `base`), then `tex` before its sampler, then
/// `base`.
#[derive(GpuResources)]
struct Natural {
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, copy = mid))]
    top: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, copy = base))]
    mid: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], sampler = smp))]
    tex: Texture,
    #[gpu(sampler)]
    smp: Sampler,
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = [7u32, 8]))]
    base: Buffer<u32>,
}

#[test]
fn declaration_order_release_without_a_generated_drop() {
    let gpu = Gpu::new();
    let log = FreeLog::default();
    let memory = Logging { inner: VmaAllocator::new(gpu.ctx()).expect("vma"), log: log.clone() };
    let alloc = ResourceAllocator::with_memory_allocator(Arc::new(memory), StagingConfig::default()).expect("alloc");

    let natural = Natural::create(&alloc).expect("natural");
    assert_eq!(gpu.read_back(&natural.top), bytemuck::cast_slice::<_, u8>(&[7u32, 8]));
    // Without a generated `Drop` the fields can be moved out: `top` outlives the bundle.
    let Natural { top, mid, tex, smp, base } = natural;
    alloc.staging().trim();
    log.lock().unwrap().clear();
    drop((mid, tex, smp, base));
    assert_eq!(*log.lock().unwrap(), ["Natural.mid", "Natural.tex", "Natural.base"].map(String::from));
    drop(top);
    assert_eq!(log.lock().unwrap().last().map(String::as_str), Some("Natural.top"));
    // Dropped whole, Rust's declaration order releases each field before what it names.
    let whole = Natural::create(&alloc).expect("natural");
    alloc.staging().trim();
    log.lock().unwrap().clear();
    drop(whole);
    assert_eq!(*log.lock().unwrap(), ["Natural.top", "Natural.mid", "Natural.tex", "Natural.base"].map(String::from));
    drop(alloc);
}

#[derive(GpuResources)]
struct Left {
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC, data = [1u32; 4]))]
    a: Buffer<u32>,
}

#[derive(GpuResources)]
struct Right {
    #[gpu(texture(format = R8_UNORM, extent = [2, 2], usage = SAMPLED | TRANSFER_SRC, data = [1u8, 2, 3, 4], sampler))]
    t: Texture,
}

#[test]
fn several_bundles_in_one_batch() {
    let gpu = Gpu::new();
    let before = gpu.ctx().submission_count();
    let mut batch = gpu.alloc().batch().expect("batch");
    let left = Left::record(&mut batch).expect("left");
    let right = <Right as GpuResources>::record(&mut batch, ()).expect("right");
    let again = Left::record(&mut batch).expect("left again");
    batch.submit_and_wait().expect("submit");
    assert_eq!(gpu.ctx().submission_count() - before, 1, "three bundles, one submission");
    assert_eq!(gpu.read_back(&left.a), gpu.read_back(&again.a));
    assert_eq!(gpu.download(right.t.image()), [1, 2, 3, 4]);
}
