//! Fault injection: for a derived bundle of every kind (and for a batch of several bundles),
//! every allocation and every Vulkan object creation or submission that `create` makes is made
//! to fail in turn, on one context. Each time `create` must return the injected error and leave
//! nothing behind: no live allocation, no extra holder of the context (every Vulkan object of
//! vkres holds one), and, when the harness destroys the device at the end, no object the
//! validation layer finds alive.

use std::sync::Arc;

use vkres::memory::FailingAllocator;
use vkres::{
    Aabb, Blas, Buffer, GpuResources, ImageView, ResourceAllocator, Sampler, ShaderModule, StagingConfig, Texture,
    Tlas, vk,
};

use crate::support::{Gpu, noise};

const TRIANGLE: [[f32; 3]; 3] = [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];

/// A nested bundle with run-time inputs and a texture with generated mips.
#[derive(GpuResources)]
struct Leaf {
    #[gpu(buffer(usage = STORAGE, data = [1u32, 2, 3]))]
    a: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, data = input))]
    b: Buffer<u32>,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [8, 8], mips = generate, data = noise(8 * 8 * 4, 3), sampler(filter = nearest)))]
    t: Texture,
}

/// A nested bundle without inputs.
#[derive(GpuResources)]
struct Constants {
    #[gpu(buffer(usage = UNIFORM, data = [[0.5f32; 4]; 2]))]
    c: Buffer<[f32; 4]>,
}

/// 25 resources of every kind: buffers with constant data, run-time inputs, a GPU copy, no data
/// and a host mapping; textures with generated mips, given mips and layers, none (storage);
/// samplers (fields and inline); a shader module; nested bundles; three BLASes (triangles,
/// indexed, boxes) and a TLAS over them.
#[derive(GpuResources)]
struct Everything {
    #[gpu(tlas(instance(blas = fan), instance(blas = indexed, custom_index = 1), instance(blas = boxes_blas, mask = 0x0F)))]
    tlas: Tlas,
    #[gpu(blas(vertices = v0))]
    fan: Blas,
    #[gpu(blas(vertices = v1, indices = idx))]
    indexed: Blas,
    #[gpu(blas(aabbs = boxes))]
    boxes_blas: Blas,
    #[gpu(buffer(usage = VERTEX, data = TRIANGLE))]
    v0: Buffer<[f32; 3]>,
    #[gpu(buffer(data = input))]
    v1: Buffer<[f32; 3]>,
    #[gpu(buffer(data = [0u16, 1, 2]))]
    idx: Buffer<u16>,
    #[gpu(buffer(usage = STORAGE, data = input))]
    boxes: Buffer<Aabb>,
    #[gpu(buffer(usage = UNIFORM, data = [[1.0f32, 0.5, 0.25, 1.0]]))]
    params: Buffer<[f32; 4]>,
    #[gpu(buffer(usage = STORAGE, copy = params))]
    params_copy: Buffer<[f32; 4]>,
    #[gpu(buffer(usage = STORAGE, len = 256))]
    scratch: Buffer<u32>,
    #[gpu(buffer(usage = STORAGE, size = 64, mapping = random))]
    host: Buffer,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [16, 16], mips = generate, data = input, sampler = linear))]
    albedo: Texture,
    #[gpu(texture(format = R8_UNORM, extent = [4, 4], mips = 2, layers = 2, view = TYPE_2D_ARRAY, data = [7u8; 40]))]
    layered: ImageView,
    #[gpu(texture(format = R32_SFLOAT, extent = [8, 8], usage = STORAGE))]
    target: ImageView,
    #[gpu(texture(format = R8G8B8A8_UNORM, extent = [4, 4], data = [9u8; 64], sampler(filter = nearest)))]
    rough: Texture,
    #[gpu(sampler(filter = linear, address = repeat))]
    linear: Sampler,
    #[gpu(sampler(filter = nearest, address = clamp_to_edge))]
    nearest: Sampler,
    #[gpu(shader(path = "tests/fixtures/empty_compute.spv"))]
    compute: ShaderModule,
    #[gpu(bundle(inputs))]
    leaf: Leaf,
    #[gpu(bundle)]
    constants: Constants,
}

struct Data {
    v1: Vec<[f32; 3]>,
    boxes: Vec<Aabb>,
    albedo: Vec<u8>,
    b: Vec<u32>,
}

impl Data {
    fn new() -> Self {
        Self {
            v1: TRIANGLE.iter().map(|p| [p[0] + 2.0, p[1], p[2]]).collect(),
            boxes: vec![Aabb { min: [0.0; 3], max: [1.0; 3] }, Aabb { min: [2.0; 3], max: [3.0; 3] }],
            albedo: noise(16 * 16 * 4, 1),
            b: vec![4, 5, 6, 7],
        }
    }

    fn inputs(&self) -> EverythingInputs<'_> {
        EverythingInputs { v1: &self.v1, boxes: &self.boxes, albedo: &self.albedo, leaf: LeafInputs { b: &self.b } }
    }
}

/// Three bundles recorded into one batch, submitted once.
fn batch_of_three(alloc: &ResourceAllocator, data: &Data) -> vkres::Result<(Everything, Leaf, Everything)> {
    let mut batch = alloc.batch()?;
    let first = Everything::record(&mut batch, data.inputs())?;
    let leaf = Leaf::record(&mut batch, LeafInputs { b: &data.b })?;
    let second = Everything::record(&mut batch, data.inputs())?;
    batch.submit_and_wait()?;
    Ok((first, leaf, second))
}

/// Runs `make` once unarmed (to count the fault points `count` reports), then once per fault
/// point with `arm(k)` making the `k`-th fail: each run must return the injected error and
/// leave no allocation and no holder of the context behind. Returns the number of points.
pub fn sweep<T>(
    gpu: &Gpu,
    alloc: &ResourceAllocator,
    arm: impl Fn(u64),
    count: impl Fn() -> u64,
    make: impl Fn() -> vkres::Result<T>,
) -> u64 {
    // Warm-up: the pooled samplers and a recycled command pool exist from here on, so every
    // run makes the same calls.
    drop(make().expect("create without faults"));
    arm(0);
    drop(make().expect("create without faults"));
    let points = count();
    let holders = Arc::strong_count(gpu.ctx());
    assert_eq!(alloc.leak_report(), Vec::<String>::new());
    for k in 1..=points {
        arm(k);
        let err = match make() {
            Ok(_) => panic!("fault {k} of {points} was injected but create succeeded"),
            Err(err) => err,
        };
        arm(0);
        assert_eq!(err.vk_result(), Some(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY), "fault {k}: {err}");
        assert_eq!(alloc.leak_report(), Vec::<String>::new(), "fault {k} ({err}) leaked");
        assert_eq!(Arc::strong_count(gpu.ctx()), holders, "fault {k} ({err}) left a Vulkan object alive");
    }
    // And the allocator still works.
    drop(make().expect("create after the faults"));
    points
}

/// [`sweep`] over the context's object-creation fault hook: every Vulkan object creation and
/// submission `make` does, failed in turn. Returns the number of points.
pub fn sweep_object_creation<T>(gpu: &Gpu, alloc: &ResourceAllocator, make: impl Fn() -> vkres::Result<T>) -> u64 {
    let ctx = gpu.ctx();
    sweep(gpu, alloc, |k| ctx.fail_nth_object_creation(k), || ctx.fault_points_passed(), make)
}

/// [`sweep`] of every allocation `make` does on the allocator it is given, one over a
/// [`FailingAllocator`] on `gpu`'s memory, each failed in turn (and each injected exactly once).
/// Returns the number of fault points.
pub fn sweep_allocations<T>(gpu: &Gpu, make: impl Fn(&ResourceAllocator) -> vkres::Result<T>) -> u64 {
    let failing = Arc::new(FailingAllocator::new(gpu.alloc().memory_allocator().clone()));
    let alloc = ResourceAllocator::with_memory_allocator(failing.clone(), StagingConfig::default()).expect("alloc");
    let points = sweep(gpu, &alloc, |k| failing.fail_nth(k), || failing.allocations(), || make(&alloc));
    assert_eq!(failing.injected(), points, "each fault point injected once");
    points
}

/// Every allocation `make` does, failed in turn through a [`FailingAllocator`]: at least
/// `at_least` of them, each injected once.
fn allocation_faults<T>(what: &str, at_least: u64, make: impl Fn(&ResourceAllocator, &Data) -> vkres::Result<T>) {
    let Some(gpu) = Gpu::with_accel() else { return };
    let data = Data::new();
    let points = sweep_allocations(&gpu, |alloc| make(alloc, &data));
    assert!(points >= at_least, "{what}: {points} allocation fault points, expected at least {at_least}");
    println!("FIGURE {what} allocation faults: {points} injected, {points} survived");
}

/// Every Vulkan object creation and submission `make` does, failed in turn through the
/// context's fault hook: at least `at_least` of them, each injected once.
fn object_creation_faults<T>(what: &str, at_least: u64, make: impl Fn(&ResourceAllocator, &Data) -> vkres::Result<T>) {
    let Some(gpu) = Gpu::with_accel() else { return };
    let (alloc, ctx) = (gpu.alloc().clone(), gpu.ctx().clone());
    let data = Data::new();
    let before = ctx.faults_injected();
    let points = sweep_object_creation(&gpu, &alloc, || make(&alloc, &data));
    assert!(points >= at_least, "{what}: {points} object-creation fault points, expected at least {at_least}");
    assert_eq!(ctx.faults_injected() - before, points);
    println!("FIGURE {what} object-creation faults: {points} injected, {points} survived");
}

fn everything(alloc: &ResourceAllocator, data: &Data) -> vkres::Result<Everything> {
    Everything::create(alloc, data.inputs())
}

#[test]
fn every_failed_allocation_of_a_bundle_leaks_nothing() {
    // Every resource allocates.
    allocation_faults("bundle", 20, everything);
}

#[test]
fn every_failed_allocation_of_a_batch_of_bundles_leaks_nothing() {
    allocation_faults("batch", 40, batch_of_three);
}

#[test]
fn every_failed_object_creation_of_a_bundle_leaks_nothing() {
    // Views of 5 textures, a shader module, 4 structures, a command buffer, the submission.
    object_creation_faults("bundle", 12, everything);
}

#[test]
fn every_failed_object_creation_of_a_batch_of_bundles_leaks_nothing() {
    object_creation_faults("batch", 25, batch_of_three);
}
