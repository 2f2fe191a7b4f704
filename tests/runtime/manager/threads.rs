//! Eight threads create, look up, update, read back and destroy resources of one manager for
//! a few seconds: no error, no resource reached through another's handle, nothing left.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use vkres::manager::{ResourceManager, TextureDescriptor};
use vkres::{BufferType, ResourceHandle, ResourceType, vk};

use crate::support::{Gpu, xorshift};

const THREADS: u32 = 8;
const RUN_FOR: Duration = Duration::from_millis(2500);
/// Resources one thread holds at most (creations outnumber destructions 2 to 1, and the table
/// has 4096 slots): at the limit a thread destroys instead of creating.
const MAX_OWNED: usize = 256;

/// A resource one thread made: its handle and, for a buffer, the values it holds.
struct Owned {
    handle: ResourceHandle,
    values: Option<Vec<u32>>,
}

#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    created: u64,
    looked_up: u64,
    read_back: u64,
    updated: u64,
    destroyed: u64,
}

fn worker(gpu: &Gpu, manager: &ResourceManager, shared: &Mutex<Vec<(ResourceHandle, u64)>>, id: u32) -> Counts {
    let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ (u64::from(id + 1) * 0x1234_5678_9ABC_DEF1);
    let mut owned: Vec<Owned> = Vec::new();
    let mut counts = Counts::default();
    let start = Instant::now();
    let mut iteration = 0u32;
    while start.elapsed() < RUN_FOR {
        iteration += 1;
        let choice = if owned.len() >= MAX_OWNED { 9 } else { xorshift(&mut rng) % 10 };
        match choice {
            0..=2 => {
                let len = 1 + (xorshift(&mut rng) % 64) as u32;
                let values: Vec<u32> =
                    (0..len).map(|i| (id << 24) | ((iteration & 0xffff) << 8) | (i & 0xff)).collect();
                let handle = manager
                    .create_buffer_with_data(&values, vk::BufferUsageFlags::TRANSFER_SRC, BufferType::Storage)
                    .expect("create buffer");
                shared.lock().unwrap().push((handle, u64::from(len) * 4));
                owned.push(Owned { handle, values: Some(values) });
                counts.created += 1;
            }
            3 => {
                let handle = manager.create_texture(&TextureDescriptor::default()).expect("create texture");
                owned.push(Owned { handle, values: None });
                counts.created += 1;
            }
            4 | 5 => {
                // Anyone's buffer: it may be gone by now, but if found it is that very buffer.
                let pick = {
                    let pool = shared.lock().unwrap();
                    (!pool.is_empty()).then(|| pool[(xorshift(&mut rng) % pool.len() as u64) as usize])
                };
                if let Some((handle, size)) = pick {
                    if let Some(buffer) = manager.get_buffer(handle) {
                        assert_eq!(buffer.size(), size, "{handle} reached another buffer");
                    }
                    assert!(manager.get_texture(handle).is_none(), "a buffer handle never names a texture");
                    counts.looked_up += 1;
                }
            }
            6 if !owned.is_empty() => {
                let i = (xorshift(&mut rng) % owned.len() as u64) as usize;
                let Owned { handle, values: Some(values) } = &owned[i] else { continue };
                let buffer = manager.get_buffer(*handle).expect("own buffer is live");
                let back: Vec<u32> = bytemuck::pod_collect_to_vec(&gpu.read_back(&buffer));
                assert_eq!(&back, values, "{handle} holds what its thread wrote");
                counts.read_back += 1;
            }
            7 if !owned.is_empty() => {
                let i = (xorshift(&mut rng) % owned.len() as u64) as usize;
                let Owned { handle, values: Some(values) } = &mut owned[i] else { continue };
                values[0] = values[0].wrapping_add(1);
                manager.update_buffers(&[(*handle, 0, bytemuck::bytes_of(&values[0]))]).expect("update");
                counts.updated += 1;
            }
            _ if !owned.is_empty() => {
                let i = (xorshift(&mut rng) % owned.len() as u64) as usize;
                let Owned { handle, values } = owned.swap_remove(i);
                if values.is_some() {
                    shared.lock().unwrap().retain(|(h, _)| *h != handle);
                    assert_eq!(manager.get_resource_type(handle), Some(ResourceType::Buffer(BufferType::Storage)));
                } else {
                    assert_eq!(manager.get_resource_type(handle), Some(ResourceType::Texture));
                }
                manager.destroy_resource(handle).expect("destroy");
                // Even if another thread reuses the slot at once, this handle stays dead.
                assert!(manager.get_buffer(handle).is_none() && manager.get_texture(handle).is_none());
                assert_eq!(manager.get_resource_type(handle), None);
                counts.destroyed += 1;
            }
            _ => {}
        }
    }
    for Owned { handle, values } in owned {
        if values.is_some() {
            shared.lock().unwrap().retain(|(h, _)| *h != handle);
        }
        manager.destroy_resource(handle).expect("destroy at the end");
        counts.destroyed += 1;
    }
    counts
}

#[test]
fn eight_threads_create_read_and_destroy_concurrently() {
    let gpu = Gpu::new();
    let manager = ResourceManager::new(gpu.alloc()).expect("manager");
    let shared = Mutex::new(Vec::new());
    let counts: Vec<Counts> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|id| {
                s.spawn({
                    let (gpu, manager, shared) = (&gpu, &manager, &shared);
                    move || worker(gpu, manager, shared, id)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().expect("worker")).collect()
    });
    let total = counts.iter().fold(Counts::default(), |a, c| Counts {
        created: a.created + c.created,
        looked_up: a.looked_up + c.looked_up,
        read_back: a.read_back + c.read_back,
        updated: a.updated + c.updated,
        destroyed: a.destroyed + c.destroyed,
    });
    eprintln!("8 threads, {RUN_FOR:?}: {total:?}");
    assert_eq!(total.created, total.destroyed);
    assert!(total.created >= 8 && total.looked_up > 0 && total.read_back > 0 && total.updated > 0, "{total:?}");
    assert!(manager.is_empty(), "every resource was destroyed");
    assert!(shared.lock().unwrap().is_empty());
    drop(manager); // the harness then checks that no allocation is alive and nothing was reported
}
