//! vkres's own host cost per `create_buffer` (session 6's H100 regression): creates COUNT
//! unnamed 4 KiB `PreferDevice` `STORAGE` buffers through `ResourceAllocator::create_buffer`
//! (`vkres`) or through `vmaCreateBuffer` on a VMA configured as vkres's (`ash`), then drops
//! them. Count instructions, not time (the difference of two counts is vkres's share):
//!
//! ```sh
//! cargo build -p vkres-bench --release --example create_probe
//! perf stat -e instructions:u target/release/examples/create_probe vkres 100000
//! perf stat -e instructions:u target/release/examples/create_probe ash 100000
//! ```
//! (and each with COUNT 0, to subtract the setup).

use vkres::ash::vk;
use vkres::{Buffer, BufferDesc, Context, ContextOptions, MemoryLocation, ResourceAllocator};
use vkres_bench::BenchResult;
use vkres_bench::raw::Raw;

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let way = args.next().unwrap_or_else(|| "vkres".into());
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let (size, usage) = (4096u64, vk::BufferUsageFlags::STORAGE_BUFFER);
    let ctx = Context::new(ContextOptions::new().debug_utils(false))?;
    match way.as_str() {
        "vkres" => {
            let alloc = ResourceAllocator::new(&ctx)?;
            let desc = BufferDesc::new(size, usage).location(MemoryLocation::PreferDevice);
            let buffers = (0..count).map(|_| alloc.create_buffer(&desc)).collect::<vkres::Result<Vec<Buffer>>>()?;
            println!("vkres: {} buffers", buffers.len());
            drop(buffers);
        }
        "ash" => {
            let raw = Raw::like_vkres(&ctx)?;
            let create =
                vk_mem::AllocationCreateInfo { usage: vk_mem::MemoryUsage::AutoPreferDevice, ..Default::default() };
            let buffers = (0..count).map(|_| raw.buffer(size, usage, &create)).collect::<BenchResult<Vec<_>>>()?;
            println!("ash: {} buffers", buffers.len());
            buffers.into_iter().for_each(|b| raw.destroy_buffer(b));
        }
        other => return Err(format!("unknown way `{other}` (vkres or ash)").into()),
    }
    Ok(())
}
