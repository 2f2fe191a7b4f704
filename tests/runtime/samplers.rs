//! The sampler pool: identical descriptions share one `VkSampler`, destroyed after its last user.

use std::collections::HashSet;

use vkres::{Error, SamplerDesc, vk};

use crate::support::Gpu;

#[test]
fn identical_descriptions_share_one_sampler() {
    let gpu = Gpu::new();
    let pool = gpu.alloc().sampler_pool();
    let samplers: Vec<_> =
        (0..100).map(|_| gpu.alloc().create_sampler(&SamplerDesc::linear()).expect("sampler")).collect();
    let handles: HashSet<_> = samplers.iter().map(|s| s.handle()).collect();
    assert_eq!(handles.len(), 1);
    assert_eq!((pool.created(), pool.live()), (1, 1));

    // Distinct descriptions get distinct samplers; floats are compared by value.
    let descs = [
        SamplerDesc::nearest(),
        SamplerDesc::linear().address(vk::SamplerAddressMode::CLAMP_TO_EDGE),
        SamplerDesc { mip_lod_bias: 0.5, ..SamplerDesc::linear() },
        SamplerDesc { max_lod: 4.0, ..SamplerDesc::linear() },
    ];
    let distinct: Vec<_> = descs.iter().map(|d| gpu.alloc().create_sampler(d).expect("sampler")).collect();
    let all: HashSet<_> = distinct.iter().chain(&samplers[..1]).map(|s| s.handle()).collect();
    assert_eq!(all.len(), 5);
    assert_eq!((pool.created(), pool.live()), (5, 5));

    // The shared sampler lives until its last user drops, then is destroyed.
    let last = samplers[0].clone();
    drop(samplers);
    assert_eq!(pool.live(), 5);
    drop(last);
    assert_eq!(pool.live(), 4);
    drop(distinct);
    assert_eq!(pool.live(), 0);
    // Asking again makes a new one.
    let again = gpu.alloc().create_sampler(&SamplerDesc::linear()).expect("sampler");
    assert_eq!(pool.created(), 6);
    drop(again);
}

#[test]
fn pool_is_shared_across_threads() {
    let gpu = Gpu::new();
    // Held meanwhile: every thread must get this very sampler.
    let held = gpu.alloc().create_sampler(&SamplerDesc::nearest()).expect("sampler");
    let handles: Vec<vk::Sampler> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    let samplers: Vec<_> = (0..50)
                        .map(|_| gpu.alloc().create_sampler(&SamplerDesc::nearest()).expect("sampler"))
                        .collect();
                    assert!(samplers.iter().all(|x| x.handle() == samplers[0].handle()));
                    samplers[0].handle()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().expect("thread")).collect()
    });
    assert!(handles.iter().all(|&h| h == held.handle()));
    assert_eq!(gpu.alloc().sampler_pool().created(), 1);
    drop(held);
    assert_eq!(gpu.alloc().sampler_pool().live(), 0);
}

#[test]
fn anisotropy_and_bad_lods() {
    let gpu = Gpu::new();
    let caps = gpu.ctx().capabilities().clone();
    let aniso = gpu.alloc().create_sampler(&SamplerDesc::linear().anisotropy(16.0));
    if caps.enabled.sampler_anisotropy {
        aniso.expect("anisotropic sampler");
    } else {
        assert!(matches!(aniso, Err(Error::MissingFeature { feature: "samplerAnisotropy", .. })));
    }
    let bad = SamplerDesc { min_lod: 5.0, max_lod: 1.0, ..SamplerDesc::linear() };
    assert!(matches!(
        gpu.alloc().create_sampler(&bad),
        Err(Error::ValidUsage { vuid: "VUID-VkSamplerCreateInfo-maxLod-01973", .. })
    ));
    assert_eq!(gpu.alloc().sampler_pool().live(), 0);
}
