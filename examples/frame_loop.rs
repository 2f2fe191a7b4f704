//! The frame loop of Merian's staging example (`RingFences<3, FrameData>`), with per-frame
//! uploads: each frame waits for the ring slot of three frames ago, releases that frame's
//! staging set, records this frame's uploads (4096 particles, 64 KiB) into the slot's own
//! buffer plus a copy of the first particle into a history buffer, finalizes and submits with
//! the slot's fence, and goes on without waiting. At the end the history is read back: every
//! frame's upload arrived, in order. Staging memory stays bounded by the frames in flight.
//!
//! Run: `cargo run --example frame_loop` (validation on with `VKRES_VALIDATION=1`).

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use vkres::{Buffer, GpuResources, InFlight, ResourceAllocator, RingFences, SetId, StagingConfig};

const FRAMES: u32 = 240;
const PARTICLES: u64 = 4096;
const PARTICLE_BYTES: u64 = 16;
/// Staging chunk size.
const CHUNK: u64 = 256 << 10;
/// Frames in flight: the ring's size.
const RING: usize = 3;

/// Per-slot device buffers (a frame in flight owns its slot's buffer) and the history the
/// frames write into.
#[derive(GpuResources)]
struct FrameResources {
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC | TRANSFER_DST, len = PARTICLES))]
    slot0: Buffer<[f32; 4]>,
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC | TRANSFER_DST, len = PARTICLES))]
    slot1: Buffer<[f32; 4]>,
    #[gpu(buffer(usage = STORAGE | TRANSFER_SRC | TRANSFER_DST, len = PARTICLES))]
    slot2: Buffer<[f32; 4]>,
    /// One particle per frame, read by the host at the end.
    #[gpu(buffer(usage = STORAGE | TRANSFER_DST, len = FRAMES as u64, mapping = random))]
    history: Buffer<[f32; 4]>,
}

/// What a ring slot keeps between its frames (Merian's `FrameData`).
#[derive(Default)]
struct FrameData {
    /// The slot's last frame: its work, resources and staging set, released when dropped.
    in_flight: Option<InFlight>,
    /// The staging set that frame used (Merian's `staging_set_id`), for the printout.
    staging_set: Option<SetId>,
}

/// Frame `f`'s particles: positions on a circle that turns with the frame.
fn particles(frame: u32) -> Vec<[f32; 4]> {
    (0..PARTICLES)
        .map(|i| {
            let a = i as f32 / PARTICLES as f32 * std::f32::consts::TAU + frame as f32 * 0.01;
            [a.cos(), a.sin(), 0.0, frame as f32]
        })
        .collect()
}

fn main() -> vkres::Result<()> {
    let ctx = common::context("frame_loop", true)?;
    // Staging chunks sized for per-frame uploads: each frame in flight holds one chunk (its
    // resource set) until its fence has signalled. The default (16 MiB chunks) suits loading.
    let config = StagingConfig { budget: 4 << 20, chunk_size: CHUNK };
    let alloc = ResourceAllocator::new(&ctx)?.with_staging(config)?;
    println!("device: {}", ctx.capabilities().device_name);
    let resources = FrameResources::create(&alloc)?;
    let slots = [&resources.slot0, &resources.slot1, &resources.slot2];

    // Ensures that we can release the resources: at most RING frames in flight.
    let mut ring = RingFences::<RING, FrameData>::new(&ctx)?;
    let staging = alloc.staging();
    staging.reset_peak();
    let submissions = ctx.submission_count();
    let t = Instant::now();
    let mut released = 0;
    for frame in 0..FRAMES {
        let slot = ring.wait_and_get()?;
        // Releases the resources of this ring slot's last frame: it has finished, since it was
        // submitted with this fence, which `wait_and_get` waited for.
        if let Some(last) = slot.user_data.in_flight.take() {
            debug_assert!(last.is_done());
            drop(last); // applies its effects and releases its staging set
            released += 1;
        }

        // Issue uploads and copies: the batch stages them in a resource set of its own.
        let mut batch = alloc.batch()?;
        let buffer = slots[slot.index];
        batch.upload(buffer, 0, &particles(frame))?;
        batch.copy_buffer(buffer, 0, &resources.history, u64::from(frame) * PARTICLE_BYTES, PARTICLE_BYTES)?;

        // Finalize the batch's resource set and submit with the slot's fence; don't wait.
        let in_flight = batch.submit_with_fence(slot.fence)?;
        slot.user_data.staging_set = Some(in_flight.staging_set());
        slot.user_data.in_flight = Some(in_flight);
    }
    let t_loop = t.elapsed();
    // The last frames: wait for each, which releases its staging.
    let last_sets: Vec<SetId> = ring.user_data().iter().filter_map(|d| d.staging_set).collect();
    drop(ring);
    let peak = staging.peak_bytes();

    let history = resources.history.read_vec()?;
    let arrived = history.iter().enumerate().filter(|&(f, p)| *p == particles(f as u32)[0]).count();
    println!(
        "{FRAMES} frames, {RING} in flight: {} submissions, {:.3} ms per frame recorded and submitted",
        ctx.submission_count() - submissions,
        t_loop.as_secs_f64() * 1e3 / f64::from(FRAMES)
    );
    println!(
        "staging: {} KiB per frame, peak {} KiB ({} sets released in the loop, last sets {last_sets:?})",
        PARTICLES * PARTICLE_BYTES / 1024,
        peak / 1024,
        released
    );
    println!("history read back: {arrived} of {FRAMES} frames arrived, in order");

    drop(resources);
    // Staging stays bounded by the frames in flight (one chunk each, one more while a slot turns).
    common::exit_on_failure(&ctx, arrived != FRAMES as usize || peak > (RING as u64 + 1) * CHUNK);
    Ok(())
}
