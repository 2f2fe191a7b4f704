//! vkres's host cost per BLAS of the bench's 1 000 small BLASes in one batch (issue 20 item 3):
//! builds COUNT rounds of N small BLASes (16 triangles each) through `Batch::build_blas` and
//! one `submit_and_wait` (`vkres`), or the hand-written ash + vk-mem way of the bench
//! (`vkres-bench/src/ways/accel.rs`, the same file: one command with N build infos, one
//! scratch buffer) (`ash`), dropping each round's structures before the next. Count
//! instructions, not time, inside the round only:
//!
//! ```sh
//! cargo build -p vkres-bench --release --example blas_probe
//! valgrind --tool=callgrind --toggle-collect='blas_probe::round' \
//!     target/release/examples/blas_probe vkres 5 1000
//! tools/callgrind_own.py callgrind.out.PID     # vkres's own share; `--out` lists the driver calls
//! ```
//! (and with COUNT 1, to subtract the first round's warm-up).

#[allow(dead_code)]
#[path = "../src/ways/accel.rs"]
mod accel;

use std::time::Instant;

use vkres::TriangleGeometry;
use vkres::ash::vk;
use vkres::{Blas, BlasDesc, Buffer, BufferDesc, Context, ContextOptions, MemoryLocation, ResourceAllocator};
use vkres_bench::accel_raw::{RawMesh, grid};
// `accel.rs` names `raw` and `stats` through `crate::`, as in the bench's binary.
use vkres_bench::{BenchResult, raw, stats};

type Mesh = (Buffer<[f32; 3]>, Buffer<u32>);

/// One round: every BLAS built and waited for, then dropped.
#[inline(never)]
fn round(
    way: &str,
    alloc: &ResourceAllocator,
    hand: &accel::HandWritten<'_>,
    descs: &[BlasDesc],
    raw: &[RawMesh],
) -> BenchResult<()> {
    if way == "vkres" {
        let mut batch = alloc.batch()?;
        // Sized once, as the bench's way and the hand-written way's vectors are.
        let mut blases: Vec<Blas> = Vec::with_capacity(descs.len());
        for d in descs {
            blases.push(batch.build_blas(d)?);
        }
        batch.submit_and_wait()?;
        drop(std::hint::black_box(blases));
    } else {
        let built = hand.build_blases(raw, true)?;
        std::hint::black_box(&built);
        built.into_iter().for_each(|a| hand.destroy(a));
    }
    Ok(())
}

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let way = args.next().unwrap_or_else(|| "vkres".into());
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    if way != "vkres" && way != "ash" {
        return Err(format!("unknown way `{way}` (vkres or ash)").into());
    }
    let ctx = Context::new(ContextOptions::new().debug_utils(false))?;
    if !ctx.capabilities().enabled.acceleration_structure {
        return Err("no acceleration structures on this device".into());
    }
    let inputs = ResourceAllocator::new(&ctx)?;
    let (vertices, indices) = grid(4, 2); // 16 triangles, as the bench's
    let mut batch = inputs.batch()?;
    let meshes = (0..count)
        .map(|_| -> vkres::Result<Mesh> {
            let v: Buffer<[f32; 3]> = inputs.create_typed_buffer(
                &BufferDesc::elements::<[f32; 3]>(vertices.len() as u64, accel::INPUT)
                    .location(MemoryLocation::PreferDevice),
            )?;
            let i: Buffer<u32> = inputs.create_typed_buffer(
                &BufferDesc::elements::<u32>(indices.len() as u64, accel::INPUT).location(MemoryLocation::PreferDevice),
            )?;
            batch.upload(&v, 0, &vertices)?;
            batch.upload(&i, 0, &indices)?;
            Ok((v, i))
        })
        .collect::<vkres::Result<Vec<_>>>()?;
    batch.submit_and_wait()?;
    let descs: Vec<BlasDesc> = meshes
        .iter()
        .map(|(v, i)| {
            BlasDesc::new("small").triangles(TriangleGeometry::new(v, vk::Format::R32G32B32_SFLOAT).indices(i))
        })
        .collect();
    let raw: Vec<RawMesh> = meshes.iter().map(|(v, i)| RawMesh::of(v, i)).collect();
    // Each way on an allocator of its own, as in the bench.
    let alloc = ResourceAllocator::new(&ctx)?;
    let hand = accel::HandWritten::new(&ctx)?;
    let mut times = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        round(&way, &alloc, &hand, &descs, &raw)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!("{way}: {rounds} rounds of {count} BLASes, ms per round: {times:.2?}");
    Ok(())
}
