//! Binding arrays in a derived schema (issue 17 item 5): a `buffers` collection with
//! `binding = N` is one descriptor binding whose count is the collection's length, partially
//! bound and updatable after bind; `write_descriptors` writes every element. The set is made
//! with the flags the bindings ask for and validated by the layer (0 messages).

use vkres::{Buffer, DescriptorBinding, DescriptorKind, GpuResources, vk};

use crate::support::Gpu;

#[derive(GpuResources)]
struct Bindless {
    #[gpu(buffers(usage = STORAGE_BUFFER, data = input), binding = 0, stages = COMPUTE)]
    meshes: Vec<Buffer<u32>>,
    #[gpu(buffer(usage = UNIFORM_BUFFER, data = [1u32]), binding = 1, stages = COMPUTE)]
    globals: Buffer<u32>,
}

/// A set layout, pool and set for `bindings` with their binding flags, destroyed on drop.
struct Set<'a> {
    device: &'a ash::Device,
    layout: vk::DescriptorSetLayout,
    pool: vk::DescriptorPool,
    set: vk::DescriptorSet,
}

impl<'a> Set<'a> {
    fn new(device: &'a ash::Device, bindings: &[DescriptorBinding]) -> Self {
        let layout_bindings: Vec<_> = bindings.iter().map(DescriptorBinding::layout_binding).collect();
        let flags: Vec<_> = bindings.iter().map(|b| b.flags).collect();
        let mut binding_flags = vk::DescriptorSetLayoutBindingFlagsCreateInfo::default().binding_flags(&flags);
        let layout_flags = DescriptorBinding::layout_flags(bindings);
        let pool_flags = if layout_flags.contains(vk::DescriptorSetLayoutCreateFlags::UPDATE_AFTER_BIND_POOL) {
            vk::DescriptorPoolCreateFlags::UPDATE_AFTER_BIND
        } else {
            vk::DescriptorPoolCreateFlags::empty()
        };
        let sizes: Vec<_> = bindings
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| vk::DescriptorPoolSize { ty: b.kind.descriptor_type(), descriptor_count: b.count })
            .collect();
        // SAFETY: plain creation of objects of this device from valid create infos; each is
        // stored in `this` at once, whose `Drop` destroys it.
        unsafe {
            let info = vk::DescriptorSetLayoutCreateInfo::default()
                .flags(layout_flags)
                .bindings(&layout_bindings)
                .push_next(&mut binding_flags);
            let layout = device.create_descriptor_set_layout(&info, None).expect("set layout");
            let mut this = Self { device, layout, pool: vk::DescriptorPool::null(), set: vk::DescriptorSet::null() };
            let pool = vk::DescriptorPoolCreateInfo::default().flags(pool_flags).max_sets(1).pool_sizes(&sizes);
            this.pool = device.create_descriptor_pool(&pool, None).expect("pool");
            let layouts = [layout];
            let alloc = vk::DescriptorSetAllocateInfo::default().descriptor_pool(this.pool).set_layouts(&layouts);
            this.set = device.allocate_descriptor_sets(&alloc).expect("set")[0];
            this
        }
    }
}

impl Drop for Set<'_> {
    fn drop(&mut self) {
        // SAFETY: the objects were made on this device, are not in use (no submission uses the
        // set), and are destroyed once.
        unsafe {
            self.device.destroy_descriptor_pool(self.pool, None);
            self.device.destroy_descriptor_set_layout(self.layout, None);
        }
    }
}

fn data(n: usize) -> Vec<Vec<u32>> {
    (0..n).map(|i| vec![i as u32; i + 1]).collect()
}

#[test]
fn a_bound_collection_is_one_binding_array() {
    let gpu = Gpu::new();
    let data = data(3);
    let inputs = BindlessInputs { meshes: data.iter().map(Vec::as_slice).collect() };
    let result = Bindless::create(gpu.alloc(), inputs);
    if !gpu.ctx().capabilities().enabled.descriptor_indexing {
        let err = result.map(|_| ()).expect_err("no descriptor indexing");
        assert!(matches!(err, vkres::Error::MissingFeature { .. }), "{err}");
        return;
    }
    let bundle = result.expect("bindless");
    let bindings = bundle.descriptor_bindings();
    assert_eq!(bindings.len(), 2);
    let array = bindings[0];
    assert_eq!((array.binding, array.kind, array.count), (0, DescriptorKind::StorageBuffer, 3));
    assert_eq!(
        array.flags,
        vk::DescriptorBindingFlags::PARTIALLY_BOUND | vk::DescriptorBindingFlags::UPDATE_AFTER_BIND
    );
    assert_eq!(array.layout_binding().descriptor_count, 3);
    assert_eq!((bindings[1].count, bindings[1].flags), (1, vk::DescriptorBindingFlags::empty()));
    let device = gpu.ctx().device();
    let set = Set::new(device, &bindings);
    let writes = bundle.write_descriptors(set.set);
    assert_eq!(writes.bindings(), vec![(0, DescriptorKind::StorageBuffer), (1, DescriptorKind::UniformBuffer)]);
    writes
        .with_writes(|w| {
            assert_eq!(w[0].descriptor_count, 3, "one write of every element");
            // SAFETY: the writes name the bundle's live buffers, of the layout's types and counts;
            // the set is not in use; the bundle outlives the set.
            unsafe { device.update_descriptor_sets(w, &[]) }
        })
        .expect("writes the checks accept");
}

#[test]
fn an_empty_bound_collection_has_no_descriptors_and_no_write() {
    let gpu = Gpu::new();
    if !gpu.ctx().capabilities().enabled.descriptor_indexing {
        println!("SKIPPED: no descriptor indexing");
        return;
    }
    let bundle = Bindless::create(gpu.alloc(), BindlessInputs { meshes: Vec::new() }).expect("bindless");
    let bindings = bundle.descriptor_bindings();
    assert_eq!(bindings[0].count, 0);
    let device = gpu.ctx().device();
    let set = Set::new(device, &bindings);
    let writes = bundle.write_descriptors(set.set);
    assert_eq!(writes.bindings(), vec![(1, DescriptorKind::UniformBuffer)]);
    // SAFETY: as above.
    writes.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) }).expect("writes the checks accept");
}
