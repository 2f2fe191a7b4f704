//! 1 000 identical sampler descriptions: how many `VkSampler`s vkres's pool makes for them,
//! and the time against 1 000 hand-written `vkCreateSampler` calls.

use std::time::{Duration, Instant};

use vkres::ash::vk;
use vkres::{Context, ResourceAllocator, SamplerDesc};

use crate::BenchResult;

/// (vkres times, hand-written times, `VkSampler`s the pool made for the 1 000 descriptions).
pub fn measure(
    ctx: &std::sync::Arc<Context>,
    count: usize,
    warmups: usize,
    runs: usize,
) -> BenchResult<(Vec<Duration>, Vec<Duration>, u64)> {
    let device = ctx.device();
    let mut made = 0;
    let times = crate::stats::interleaved(warmups, runs, 2, |way| -> BenchResult<Option<Duration>> {
        if way == 0 {
            // A fresh allocator: its pool has no sampler yet.
            let alloc = ResourceAllocator::new(ctx)?;
            let desc = SamplerDesc::default();
            let t = Instant::now();
            let samplers = (0..count).map(|_| alloc.create_sampler(&desc)).collect::<vkres::Result<Vec<_>>>()?;
            let elapsed = t.elapsed();
            made = alloc.sampler_pool().created();
            if samplers.iter().any(|s| s.handle() != samplers[0].handle()) {
                return Err("vkres: identical descriptions gave different samplers".into());
            }
            Ok(Some(elapsed))
        } else {
            let info = vk::SamplerCreateInfo::default()
                .mag_filter(vk::Filter::LINEAR)
                .min_filter(vk::Filter::LINEAR)
                .mipmap_mode(vk::SamplerMipmapMode::LINEAR)
                .max_lod(vk::LOD_CLAMP_NONE);
            let t = Instant::now();
            // SAFETY: a valid create info; each sampler is destroyed below, unused.
            let samplers = (0..count).map(|_| unsafe { device.create_sampler(&info, None) }).collect::<Vec<_>>();
            let elapsed = t.elapsed();
            let mut failed = None;
            for s in samplers {
                match s {
                    // SAFETY: made above, never used.
                    Ok(s) => unsafe { device.destroy_sampler(s, None) },
                    Err(e) => failed = Some(e),
                }
            }
            match failed {
                Some(e) => Err(e.into()),
                None => Ok(Some(elapsed)),
            }
        }
    })?;
    let mut times = times.into_iter();
    Ok((times.next().unwrap_or_default(), times.next().unwrap_or_default(), made))
}
