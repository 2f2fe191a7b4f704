//! Where the time of many small staged uploads in one batch goes (issue 20 item 1): 1000
//! uploads of 256 B-4 KiB into 1000 device-local buffers, recorded (not submitted) and then
//! submitted, many rounds; run under `perf record` to see the pieces.
//!
//! ```sh
//! cargo run -p vkres-bench --release --example gather_probe -- [ROUNDS] [EVICT_MIB]
//! ```

use std::time::Instant;

use vkres::ash::vk;
use vkres::{BufferDesc, Context, ContextOptions, MemoryLocation, ResourceAllocator};
use vkres_bench::{BenchResult, stats};

fn main() -> BenchResult<()> {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    // Optional: MiB of memory written between rounds, so that each round starts with cold
    // caches (as in the bench, where the other ways run in between).
    let evict_mib: usize = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(0);
    let mut evict = vec![0u8; evict_mib << 20];
    let mut cool = move || {
        for (i, b) in evict.iter_mut().enumerate().step_by(64) {
            *b = b.wrapping_add(i as u8);
        }
        std::hint::black_box(&evict);
    };
    let ctx = Context::new(ContextOptions::new().debug_utils(false))?;
    let alloc = ResourceAllocator::new(&ctx)?;
    let usage = vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::TRANSFER_DST;
    let sizes: Vec<u64> = (0..1000).map(|i| 256 << (i % 5)).collect();
    let buffers = sizes
        .iter()
        .map(|&s| alloc.create_buffer(&BufferDesc::new(s, usage).location(MemoryLocation::PreferDevice)))
        .collect::<vkres::Result<Vec<_>>>()?;
    let data = vkres_bench::upload_input(4096);
    let (mut record, mut submit) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        cool();
        let t = Instant::now();
        let mut batch = alloc.batch()?;
        for (buffer, &size) in buffers.iter().zip(&sizes) {
            batch.upload_bytes(buffer, 0, &data[..size as usize])?;
        }
        record.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        batch.submit_and_wait()?;
        submit.push(t.elapsed().as_secs_f64() * 1e3);
    }
    // The same uploads hand-written (as the bench's ash way): one memcpy, the copies, one
    // submission and wait; timed in the same pieces.
    let raw = vkres_bench::raw::Raw::new(&ctx, vk_mem::AllocatorCreateFlags::empty())?;
    let total: u64 = sizes.iter().sum();
    let staging = raw.staging_buffer(total)?;
    let dsts = sizes.iter().map(|&s| raw.device_buffer(s, usage)).collect::<BenchResult<Vec<_>>>()?;
    let input = vkres_bench::upload_input(total);
    let (mut ash_copy, mut ash_submit) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        cool();
        let t = Instant::now();
        let mut at = 0;
        for &size in &sizes {
            // SAFETY: the staging buffer is mapped, `total` bytes long, and idle (every
            // submission was waited for).
            unsafe { std::ptr::copy_nonoverlapping(input.as_ptr().add(at), staging.mapped.add(at), size as usize) };
            at += size as usize;
        }
        ash_copy.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        raw.submit(|cmd| {
            let mut at = 0;
            for dst in &dsts {
                let region = vk::BufferCopy { src_offset: at, dst_offset: 0, size: dst.size };
                // SAFETY: both buffers are live; the region lies in both.
                unsafe { ctx.device().cmd_copy_buffer(cmd, staging.buffer, dst.buffer, &[region]) };
                at += dst.size;
            }
        })?;
        ash_submit.push(t.elapsed().as_secs_f64() * 1e3);
    }
    for (name, v) in [
        ("batch + 1000 upload_bytes", record),
        ("submit_and_wait", submit),
        ("ash: 1000 memcpy", ash_copy),
        ("ash: record, submit, wait", ash_submit),
    ] {
        println!("{name:26} {:.4} ms (median of {rounds})", stats::median(&v).unwrap_or(f64::NAN));
    }
    for buffer in dsts.iter().chain([&staging]) {
        // SAFETY: nothing is in flight (every submission was waited for); each once.
        unsafe { raw.destroy_in_place(buffer) };
    }
    Ok(())
}
