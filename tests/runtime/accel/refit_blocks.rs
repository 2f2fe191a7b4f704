//! A refit of 200 instances (`Recorder::refit_tlas` writes each record straight into the
//! mapped instance buffer, leaving its loop where an instance places another BLAS): every
//! record reaches the device. The instances place two BLASes in runs of 50 and are refitted
//! through a recorder into a caller's command buffer with new places and custom indices; one
//! ray per instance, aimed at its new place (which its old one misses), must hit that instance
//! with its new index. Three callers' iterators, one per path of the loop: one that says it has
//! at most 200 instances (zipped with the records by value), one with no upper bound (by
//! reference, one more asked for), and one whose `size_hint` lies (says at most one, yields
//! 205): never more than the build's 200 records written, the first 200 instances refitted.

use vkres::{Aabb, BlasDesc, BufferDesc, TlasDesc, TlasInstance, TlasInstanceRef, TriangleGeometry, vk};

use super::scene::{INPUT, Ray, trace};
use crate::support::Gpu;

const COUNT: usize = 200;

/// Instance `i`'s place on a grid; `moved` shifts it by 1.5 in x (off its old triangle).
fn place(i: usize, moved: bool) -> [f32; 3] {
    let shift = if moved { 1.5 } else { 0.0 };
    [(i % 20) as f32 * 3.0 + shift, (i / 20) as f32 * 3.0, 0.0]
}

/// Which of the two BLASes instance `i` places: runs of 50, crossing the blocks of 64.
fn which(i: usize) -> usize {
    (i / 50) % 2
}

/// The new instance `i`: moved, its custom index `1000 + i`.
fn moved(blases: &[vkres::Blas; 2], i: usize) -> TlasInstanceRef<'_> {
    TlasInstanceRef::new(&blases[which(i)])
        .transform(vkres::Transform3x4::translation(place(i, true)))
        .custom_index(1000 + i as u32)
}

/// An iterator whose `size_hint` says at most one instance, over `items` (more): a caller's
/// buggy iterator, which `Iterator::size_hint` allows to exist in safe code.
struct LyingHint<I>(I);

impl<I: Iterator> Iterator for LyingHint<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        self.0.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(1))
    }
}

#[test]
fn refit_across_blocks_writes_every_record() {
    refit_and_trace(|blases| Box::new((0..COUNT).map(move |i| moved(blases, i))));
}

#[test]
fn refit_without_upper_bound_writes_every_record() {
    refit_and_trace(|blases| {
        let mut i = 0;
        Box::new(std::iter::from_fn(move || {
            i += 1;
            (i <= COUNT).then(|| moved(blases, i - 1))
        }))
    });
}

#[test]
fn refit_with_lying_size_hint_writes_no_record_past_the_build() {
    refit_and_trace(|blases| Box::new(LyingHint((0..COUNT + 5).map(move |i| moved(blases, i)))));
}

/// Builds the 200-instance TLAS, refits it with the instances `instances` gives (the moved
/// ones, `moved`) and traces one ray per instance at its new place.
fn refit_and_trace(
    instances: impl for<'b> FnOnce(&'b [vkres::Blas; 2]) -> Box<dyn Iterator<Item = TlasInstanceRef<'b>> + 'b>,
) {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let tri = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let vertices =
        alloc.create_buffer_with_data(&BufferDesc::elements::<[f32; 3]>(3, INPUT).name("tri"), &tri).unwrap();
    let desc =
        |name: &str| BlasDesc::new(name).triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT));
    let mut batch = alloc.batch().unwrap();
    let blases = [batch.build_blas(&desc("a")).unwrap(), batch.build_blas(&desc("b")).unwrap()];
    batch.submit_and_wait().unwrap();
    let tlas_desc =
        TlasDesc::new("200 instances")
            .instances((0..COUNT).map(|i| {
                TlasInstance::new(&blases[which(i)]).transform(vkres::Transform3x4::translation(place(i, false)))
            }))
            .allow_update();
    let mut batch = alloc.batch().unwrap();
    let tlas = batch.build_tlas(&tlas_desc).unwrap();
    batch.submit_and_wait().unwrap();

    // The refit, recorded into the test's own command buffer and submitted by it.
    let ctx = gpu.ctx();
    let device = ctx.device();
    let pool_info = vk::CommandPoolCreateInfo::default().queue_family_index(ctx.queue_family_index());
    // SAFETY: a pool of the context's family, destroyed below after the device is idle.
    let pool = unsafe { device.create_command_pool(&pool_info, None) }.unwrap();
    let allocate = vk::CommandBufferAllocateInfo::default().command_pool(pool).command_buffer_count(1);
    // SAFETY: the pool is live.
    let cmd = unsafe { device.allocate_command_buffers(&allocate) }.unwrap()[0];
    let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
    // SAFETY: a new command buffer, not pending.
    unsafe { device.begin_command_buffer(cmd, &begin) }.unwrap();
    let fence = vkres::Fence::new(ctx, false).unwrap();
    // SAFETY: `cmd` is recording, of the context's family, and submitted once below with `fence`.
    let mut rec = unsafe { alloc.recorder(cmd) };
    rec.refit_tlas(&tlas, instances(&blases)).unwrap();
    let work = rec.finish(&fence).unwrap();
    let locked = fence.lock_for_submit().unwrap();
    // SAFETY: recording; then an executable buffer of the queue's family, the fence unsignalled
    // (and locked for the submission).
    unsafe {
        device.end_command_buffer(cmd).unwrap();
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(cmd)];
        ctx.submit(&[vk::SubmitInfo2::default().command_buffer_infos(&cmds)], locked.handle()).unwrap();
    }
    drop(work);
    let held = tlas.blases();
    assert_eq!(held.len(), 2, "each BLAS held once");

    // The records are checked by tracing: on lavapipe (the suite's device) it must trace, or
    // the test would check only the holds.
    if gpu.ctx().capabilities().device_name.contains("llvmpipe") {
        assert!(gpu.has_ray_query(), "lavapipe has VK_KHR_ray_query: the records must be traced");
    }
    if gpu.has_ray_query() {
        let rays: Vec<Ray> = (0..COUNT)
            .map(|i| {
                let [x, y, _] = place(i, true);
                Ray { origin: [x + 0.25, y + 0.25, 5.0], t_min: 0.0, direction: [0.0, 0.0, -1.0], t_max: 100.0 }
            })
            .collect();
        let boxes = alloc
            .create_buffer_with_data(
                &BufferDesc::elements::<Aabb>(1, vk::BufferUsageFlags::STORAGE_BUFFER).name("no boxes"),
                &[Aabb { min: [0.0; 3], max: [0.0; 3] }],
            )
            .unwrap();
        let hits = trace(&gpu, &tlas, &boxes, &rays);
        for (i, hit) in hits.iter().enumerate() {
            assert_eq!(
                (hit.kind, hit.instance_index, hit.custom_index),
                (1, i as u32, 1000 + i as u32),
                "ray {i} (instance {i}, BLAS {}): {hit:?}",
                which(i)
            );
        }
    }
    ctx.wait_idle().unwrap();
    // SAFETY: the device is idle; the pool's buffer is not pending.
    unsafe { device.destroy_command_pool(pool, None) };
}

/// review13 finding 2: `refit_tlas` runs the caller's iterator while it holds the TLAS's
/// refit-set lock (`Recorder::refit_set` calls its `fill` under `target.refits()`). An
/// iterator whose own code refits the same TLAS through another batch (safe code: two batches
/// of one allocator on one thread) locks it again on the same thread: `std::sync::Mutex`
/// deadlocks (or panics) there. Fails today: the refit never returns.
#[test]
fn a_refit_whose_iterator_refits_the_same_tlas_returns() {
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc().clone();
    let tri = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let vertices =
        alloc.create_buffer_with_data(&BufferDesc::elements::<[f32; 3]>(3, INPUT).name("tri"), &tri).unwrap();
    let mut batch = alloc.batch().unwrap();
    let blas =
        batch.build_blas(&BlasDesc::new("b").triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT)));
    let blas = blas.unwrap();
    batch.submit_and_wait().unwrap();
    let mut batch = alloc.batch().unwrap();
    let tlas = batch.build_tlas(&TlasDesc::new("re-entered").instances([TlasInstance::new(&blas)]).allow_update());
    let tlas = tlas.unwrap();
    batch.submit_and_wait().unwrap();

    let (tx, rx) = std::sync::mpsc::channel();
    let worker = {
        let (alloc, blas, tlas) = (alloc.clone(), blas.clone(), tlas.clone());
        std::thread::spawn(move || {
            let mut outer = alloc.batch().unwrap();
            let mut inner = alloc.batch().unwrap();
            let mut inner_ok = None;
            let outer_ok = outer
                .refit_tlas(
                    &tlas,
                    (0..1).map(|_| {
                        // The caller's iterator does its own work: a refit of the same TLAS.
                        inner_ok = Some(inner.refit_tlas(&tlas, [TlasInstanceRef::new(&blas)]).is_ok());
                        TlasInstanceRef::new(&blas)
                    }),
                )
                .is_ok();
            drop((outer, inner));
            let _ = tx.send((outer_ok, inner_ok));
        })
    };
    match rx.recv_timeout(std::time::Duration::from_secs(20)) {
        Ok(results) => {
            worker.join().unwrap();
            eprintln!("outer refit ok, inner refit ok: {results:?}");
        }
        Err(_) => {
            // The worker stays blocked (it holds a clone of the allocator): leak what the test made.
            std::mem::forget((vertices, blas, tlas, alloc));
            std::mem::forget(gpu);
            panic!(
                "refit_tlas did not return: its iterator's refit of the same TLAS waits for the lock its caller holds"
            );
        }
    }
}

/// review13 finding 3: a TLAS's references only grew: every BLAS a refit placed stayed alive
/// until the TLAS dropped. Refitted each frame with a fresh BLAS (LOD switching, streamed
/// geometry rebuilt as new `Blas`es), it now holds at most the BLASes of its settled content and
/// of its refit sets (session 10, helper "mend13"); before, all `FRAMES` + 1 stayed alive.
#[test]
fn a_tlas_refitted_with_fresh_blases_frees_those_no_refit_places_any_more() {
    const FRAMES: usize = 8;
    let Some(gpu) = Gpu::with_accel() else { return };
    let alloc = gpu.alloc();
    let memory = alloc.memory_allocator();
    let tri = [[0.0f32, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let vertices =
        alloc.create_buffer_with_data(&BufferDesc::elements::<[f32; 3]>(3, INPUT).name("tri"), &tri).unwrap();
    let blas = |name: String| {
        let mut batch = alloc.batch().unwrap();
        let blas = batch
            .build_blas(&BlasDesc::new(name).triangles(TriangleGeometry::new(&vertices, vk::Format::R32G32B32_SFLOAT)))
            .unwrap();
        batch.submit_and_wait().unwrap();
        blas
    };
    let fresh_alive = || memory.live_allocation_names().iter().filter(|n| n.starts_with("fresh ")).count();
    let first = blas("fresh first".into());
    let mut batch = alloc.batch().unwrap();
    let tlas = batch.build_tlas(&TlasDesc::new("lod").instances([TlasInstance::new(&first)]).allow_update()).unwrap();
    batch.submit_and_wait().unwrap();
    drop(first);
    for frame in 0..FRAMES {
        let next = blas(format!("fresh {frame}"));
        let mut batch = alloc.batch().unwrap();
        batch.refit_tlas(&tlas, [TlasInstanceRef::new(&next)]).unwrap();
        batch.submit_and_wait().unwrap();
        // The caller keeps no handle: only the TLAS holds the BLAS.
        drop(next);
        // The content of the last refit that ran, and the last refit's own (its set): two at
        // most, whatever the number of frames.
        assert!(fresh_alive() <= 2, "frame {frame}: {:?}", memory.live_allocation_names());
    }
    let held = tlas.blases();
    assert!(held.len() == 1 && held[0].name() == format!("fresh {}", FRAMES - 2), "{held:?}");
    drop(held);
    drop(tlas);
    assert_eq!(fresh_alive(), 0, "{:?}", memory.live_allocation_names());
}
