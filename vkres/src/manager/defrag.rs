//! Defragmentation behind handles: VMA's passes move the manager's buffers, textures and
//! materials' uniform buffers to fuller blocks; each moved resource is re-created in place (a
//! new `VkBuffer`, or a new `VkImage` and view, bound to the destination and copied there on
//! the device, all of a pass in one submission, waited for with the table free), its
//! bindless descriptors rewritten, its handle unchanged.

use std::collections::HashMap;
use std::sync::Arc;

use ash::vk;

use super::{Entry, ResourceHandle, ResourceManager, Result};
use crate::memory::{AllocationId, DefragMove, DefragOptions, DefragStats, MappingType};
use crate::{Context, Error as VkresError, format_aspects};

impl ResourceManager {
    /// Defragments the memory of the manager's allocator (VMA's default pools, or the custom
    /// pool [`DefragOptions::pool`] names, where registered resources may live), moving the
    /// buffers, textures and materials' uniform buffers that only the manager holds; every
    /// handle stays valid and names the same contents afterwards, and the bindless descriptors
    /// name the new objects (objects the caller took from a lookup and wrote into its own
    /// descriptors are its to look up again after a run).
    ///
    /// Waits for the device to be idle first. Each pass holds the table's write lock while it
    /// makes the new objects and submits their copies, releases it while the device copies
    /// (lookups, creations and destructions on other threads go on), and takes it again to
    /// swap the new objects in. Not moved (VMA's move is declined, the allocation stays): a
    /// resource a lookup's clone (an `Arc<Material>` included) or work in flight still holds,
    /// one looked up, destroyed or evicted while its copy ran (the lookup's clone names the old
    /// object, valid until dropped), a buffer with a device address (the address lives in the caller's data:
    /// shaders, instance records, push constants; vkres cannot rewrite it) or without
    /// `TRANSFER_SRC | TRANSFER_DST` usage, a mapped allocation, a texture whose image is
    /// shared or not the manager's, and every allocation of the allocator that is not the
    /// manager's. Call it between frames: command buffers the caller submits while it runs
    /// must not use the manager's resources or its bindless set.
    ///
    /// Each pass's copies are one submission, waited for. A pass that fails (an object
    /// creation, the submission or the wait) leaves every resource of that pass where it was,
    /// valid, and returns the error; passes before it stay done. A memory backend that does
    /// not move allocations: [`crate::Error::DefragmentationUnsupported`].
    pub fn defragment(&self, options: &DefragOptions) -> Result<DefragStats> {
        let ctx = self.context().clone();
        ctx.wait_idle()?;
        // Resources made during the run are not in this map: their moves are declined.
        let movable: HashMap<AllocationId, ResourceHandle> =
            self.read().entries().filter_map(|(handle, entry)| movable_id(entry).map(|id| (id, handle))).collect();
        let memory = self.alloc.memory_allocator().clone();
        let stats = memory.defragment(options, &mut |moves| self.carry_out(&ctx, &movable, moves))?;
        Ok(stats)
    }

    /// The tick of `handle`'s slot's last use: lookups set it under the table's read lock, so
    /// a pass that holds the write lock reads every use made before it took the lock.
    fn last_use(&self, handle: ResourceHandle) -> u64 {
        self.uses.get(handle.index() as usize).map_or(0, |u| u.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// One pass: declines the moves of allocations that are not movable resources, makes and
    /// binds the new objects of the others and submits their copies (table locked), waits for
    /// the copies (table free), then swaps the new objects in where the resource was left
    /// alone meanwhile and rewrites their bindless descriptors (table locked). On an error
    /// nothing was swapped (the caller's pass ignores every move).
    fn carry_out(
        &self,
        ctx: &Arc<Context>,
        movable: &HashMap<AllocationId, ResourceHandle>,
        moves: &mut [DefragMove<'_>],
    ) -> crate::Result<()> {
        let mut fresh = FreshObjects { ctx, objects: Vec::new() };
        // Beside each new object: a clone of the old resource (its objects stay alive through
        // the copy whatever other threads do), its Vulkan handle and its slot's last use.
        let mut olds: Vec<(Entry, u64, u64)> = Vec::new();
        let copies = {
            let table = self.write();
            for (i, m) in moves.iter_mut().enumerate() {
                let Some(&handle) = movable.get(&m.allocation()) else {
                    m.ignore();
                    continue;
                };
                let Some(entry) = table.get(handle).filter(|e| movable_id(e) == Some(m.allocation())) else {
                    m.ignore();
                    continue;
                };
                let Some(objects) = make_and_bind(ctx, entry, m)? else {
                    m.ignore();
                    continue;
                };
                fresh.objects.push((i, handle, objects));
                olds.push((entry.clone(), raw_handle(entry), self.last_use(handle)));
            }
            if fresh.objects.is_empty() {
                return Ok(());
            }
            record_and_submit(ctx, &table, &fresh.objects)?
        };
        // The device copies with the table free. Declared after `fresh` and `olds`: on a
        // failure it drops first, waiting for the device before either is destroyed.
        copies.wait()?;
        let mut table = self.write();
        let mut moved = Vec::with_capacity(fresh.objects.len());
        let mut old = Vec::with_capacity(fresh.objects.len());
        for ((i, handle, objects), (clone, raw, last_use)) in std::mem::take(&mut fresh.objects).into_iter().zip(olds) {
            // The clone goes first: the table's entry is then the one holder of a resource that
            // no other thread took, as `relocate` checks. (Where the entry was destroyed during
            // the copy, this drops the old resource; its memory is freed when the run ends.)
            drop(clone);
            let untouched = self.last_use(handle) == last_use;
            let swapped = match (table.get_mut(handle), objects) {
                (Some(Entry::Buffer(b, _)), Fresh::Buffer(new)) if untouched && raw_handle_of_buffer(b) == raw => {
                    // SAFETY: made as the buffer was, bound to the destination, contents copied
                    // (and waited for) from this very object, which no lookup took since (its
                    // last use unchanged under the lock); the allocation is at the destination
                    // once the pass ends.
                    unsafe { b.relocate(new) }.map(Fresh::Buffer).map_err(Fresh::Buffer)
                }
                (Some(Entry::Material(material)), Fresh::Buffer(new))
                    if untouched && raw_handle_of_buffer(material.buffer()) == raw =>
                {
                    match Arc::get_mut(material) {
                        Some(material) => {
                            // SAFETY: as for a buffer: the material's uniform buffer, copied
                            // from this very object; no other holder of the material (`get_mut`).
                            let relocated = unsafe { material.buffer_mut().relocate(new) };
                            relocated.map(Fresh::Buffer).map_err(Fresh::Buffer)
                        }
                        None => Err(Fresh::Buffer(new)),
                    }
                }
                (Some(Entry::Texture(t)), Fresh::Image(image, view)) if untouched && raw_handle_of_view(t) == raw => {
                    // SAFETY: as for the buffer; the new image is in the tracked layout.
                    unsafe { t.view.relocate(image, view) }
                        .map(|(i, v)| Fresh::Image(i, v))
                        .map_err(|(i, v)| Fresh::Image(i, v))
                }
                (_, objects) => Err(objects),
            };
            match swapped {
                Ok(previous) => {
                    old.push(previous);
                    moved.push(handle);
                }
                Err(unused) => {
                    moves[i].ignore();
                    fresh.objects.push((i, handle, unused));
                }
            }
        }
        // The bindless descriptors name the new objects before the old ones are destroyed.
        if let Some(set) = self.bindless.as_ref() {
            for handle in moved {
                match table.get(handle) {
                    Some(Entry::Buffer(b, _)) if b.usage().contains(vk::BufferUsageFlags::STORAGE_BUFFER) => {
                        set.write_buffer(handle.index(), b)
                    }
                    Some(Entry::Texture(t)) => set.write_texture(handle.index(), t),
                    _ => {}
                }
            }
        }
        drop(table);
        let device = ctx.device();
        for objects in old {
            // SAFETY: the old objects were used last by the copies, waited for; no handle holds
            // them any more (swapped out above). Destroyed before VMA frees their memory.
            unsafe { destroy(device, objects) };
        }
        Ok(())
    }
}

/// The Vulkan handle that names a buffer's or texture's objects (a texture's view), as a number.
fn raw_handle(entry: &Entry) -> u64 {
    match entry {
        Entry::Buffer(b, _) => raw_handle_of_buffer(b),
        Entry::Material(m) => raw_handle_of_buffer(m.buffer()),
        Entry::Texture(t) => raw_handle_of_view(t),
        _ => 0,
    }
}

fn raw_handle_of_buffer(b: &crate::Buffer) -> u64 {
    use vk::Handle;
    b.handle().as_raw()
}

fn raw_handle_of_view(t: &crate::Texture) -> u64 {
    use vk::Handle;
    t.view().handle().as_raw()
}

/// Makes the new buffer of a moving buffer `b` and binds it to `m`'s destination.
fn make_and_bind_buffer(ctx: &Arc<Context>, b: &crate::Buffer, m: &mut DefragMove<'_>) -> crate::Result<Fresh> {
    let info = vk::BufferCreateInfo::default().size(b.size()).usage(b.usage()).sharing_mode(vk::SharingMode::EXCLUSIVE);
    // SAFETY: the moving buffer's size and usage (valid, since it was made with them);
    // the manager's buffers are EXCLUSIVE. Bound below, destroyed on failure here, else
    // by the caller's `FreshObjects` or after the swap.
    let buffer = unsafe { ctx.create_unbound_buffer(&info, b.name()) }?;
    // SAFETY: made as the moving buffer was, so its requirements are the ones VMA
    // placed the destination for; not bound yet. The rest of the contract is
    // `carry_out`'s: the copies are waited for and the new buffer swapped in and the
    // old destroyed before it returns, or the move ignored (by it, or on any failure by
    // the caller's pass) and the new buffer destroyed.
    if let Err(e) = unsafe { m.bind_buffer(buffer) } {
        // SAFETY: made above, used by nothing.
        unsafe { ctx.device().destroy_buffer(buffer, None) };
        return Err(e);
    }
    Ok(Fresh::Buffer(buffer))
}

/// Makes the new object(s) of a movable `entry` and binds them to `m`'s destination; `None`
/// for an entry that is not a buffer or texture.
fn make_and_bind(ctx: &Arc<Context>, entry: &Entry, m: &mut DefragMove<'_>) -> crate::Result<Option<Fresh>> {
    if let Some(b) = entry_buffer(entry) {
        return make_and_bind_buffer(ctx, b, m).map(Some);
    }
    match entry {
        Entry::Texture(t) => {
            let desc = t.image().desc();
            // SAFETY: the moving image's own create info (checked when it was made).
            let image = unsafe { ctx.create_unbound_image(&desc.create_info(), &desc.name) }?;
            // SAFETY: made as the moving image was; not bound yet. As for a buffer: copied
            // (every mip and layer) and swapped in with a new view, or the move ignored and
            // the image destroyed (here if the view fails, else by the caller).
            if let Err(e) = unsafe { m.bind_image(image) } {
                // SAFETY: made above, used by nothing.
                unsafe { ctx.device().destroy_image(image, None) };
                return Err(e);
            }
            let view = t.view();
            let info = vk::ImageViewCreateInfo::default()
                .image(image)
                .view_type(view.view_type())
                .format(view.format())
                .subresource_range(view.subresource_range());
            // SAFETY: the moving view's type, format and range (checked when it was made) on an
            // image made as its image was, bound to memory above.
            match unsafe { ctx.create_image_view(&info, &desc.name) } {
                Ok(v) => Ok(Some(Fresh::Image(image, v))),
                Err(e) => {
                    // SAFETY: made above, used by nothing.
                    unsafe { ctx.device().destroy_image(image, None) };
                    Err(e)
                }
            }
        }
        _ => Ok(None),
    }
}

/// The allocation of a buffer or texture the manager may move (see
/// [`ResourceManager::defragment`]), or `None`.
fn movable_id(entry: &Entry) -> Option<AllocationId> {
    let image_copy = vk::ImageUsageFlags::TRANSFER_SRC | vk::ImageUsageFlags::TRANSFER_DST;
    let memory = match entry {
        Entry::Buffer(..) | Entry::Material(_) => entry_buffer(entry).filter(|b| movable_buffer(b))?.memory(),
        Entry::Texture(t)
            if t.view().holders() == 1
                && t.image().holders() == 1
                && t.image().is_owned()
                && t.image().desc().usage.contains(image_copy) =>
        {
            t.image().memory()
        }
        _ => return None,
    };
    (memory.mapping() == MappingType::None).then(|| memory.allocation_id()).flatten()
}

/// Whether `b` (a buffer's or material's) can be re-created in place: no other holder, both
/// copy directions, no device address (which would change, and lives in the caller's data).
fn movable_buffer(b: &crate::Buffer) -> bool {
    let copy = vk::BufferUsageFlags::TRANSFER_SRC | vk::BufferUsageFlags::TRANSFER_DST;
    b.holders() == 1 && b.usage().contains(copy) && b.device_address().is_none()
}

/// The buffer an entry moves with: a buffer's, or a material's uniform buffer where the
/// material itself has no other holder (a lookup's `Arc<Material>`).
fn entry_buffer(entry: &Entry) -> Option<&crate::Buffer> {
    match entry {
        Entry::Buffer(b, _) => Some(b),
        Entry::Material(m) if Arc::strong_count(m) == 1 => Some(m.buffer()),
        _ => None,
    }
}

/// A new object made for a move, destroyed on drop unless committed.
enum Fresh {
    Buffer(vk::Buffer),
    Image(vk::Image, vk::ImageView),
}

/// The new objects of a pass: destroyed when it drops (a failed pass), taken when committed.
struct FreshObjects<'c> {
    ctx: &'c Arc<Context>,
    /// Move index, handle, new objects.
    objects: Vec<(usize, ResourceHandle, Fresh)>,
}

impl Drop for FreshObjects<'_> {
    fn drop(&mut self) {
        let device = self.ctx.device();
        for (_, _, fresh) in self.objects.drain(..) {
            // SAFETY: made by this pass and used by no pending work (the pass's submission was
            // waited for, or never made; a failed wait waited for the device to be idle).
            unsafe { destroy(device, fresh) };
        }
    }
}

/// Destroys a view before its image.
///
/// # Safety
/// The objects are live, of `device`, and no pending work uses them.
unsafe fn destroy(device: &ash::Device, objects: Fresh) {
    // SAFETY: the caller's contract.
    unsafe {
        match objects {
            Fresh::Buffer(b) => device.destroy_buffer(b, None),
            Fresh::Image(i, v) => {
                device.destroy_image_view(v, None);
                device.destroy_image(i, None);
            }
        }
    }
}

/// Records the copies from each old object to its new one (images: every mip and layer, the
/// new image left in the old one's tracked layout) and submits them: the caller waits.
fn record_and_submit<'c>(
    ctx: &'c Arc<Context>,
    table: &super::slots::SlotTable<Entry>,
    objects: &[(usize, ResourceHandle, Fresh)],
) -> crate::Result<OneShot<'c>> {
    let mut once = OneShot::new(ctx)?;
    let device = ctx.device();
    let cmd = once.cmd;
    let mut before = Vec::new();
    let mut after = Vec::new();
    let mut buffers = Vec::new();
    let mut images = Vec::new();
    for (_, handle, objects) in objects {
        match (table.get(*handle), objects) {
            (Some(Entry::Buffer(b, _)), Fresh::Buffer(new)) => buffers.push((b.handle(), *new, b.size())),
            (Some(Entry::Material(m)), Fresh::Buffer(new)) => {
                buffers.push((m.buffer().handle(), *new, m.buffer().size()))
            }
            (Some(Entry::Texture(t)), Fresh::Image(new, _)) => {
                let image = t.image();
                let layout = image.layout();
                if layout == vk::ImageLayout::UNDEFINED {
                    continue; // no contents: the new image starts UNDEFINED too
                }
                let desc = image.desc();
                let range = vk::ImageSubresourceRange {
                    aspect_mask: format_aspects(desc.format),
                    base_mip_level: 0,
                    level_count: vk::REMAINING_MIP_LEVELS,
                    base_array_layer: 0,
                    layer_count: vk::REMAINING_ARRAY_LAYERS,
                };
                let barrier = |img, from, to, src: (vk::PipelineStageFlags2, vk::AccessFlags2), dst: (_, _)| {
                    vk::ImageMemoryBarrier2::default()
                        .image(img)
                        .old_layout(from)
                        .new_layout(to)
                        .src_stage_mask(src.0)
                        .src_access_mask(src.1)
                        .dst_stage_mask(dst.0)
                        .dst_access_mask(dst.1)
                        .src_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
                        .dst_queue_family_index(vk::QUEUE_FAMILY_IGNORED)
                        .subresource_range(range)
                };
                let all = (vk::PipelineStageFlags2::ALL_COMMANDS, vk::AccessFlags2::MEMORY_WRITE);
                let all_rw = (
                    vk::PipelineStageFlags2::ALL_COMMANDS,
                    vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE,
                );
                let copy_read = (vk::PipelineStageFlags2::COPY, vk::AccessFlags2::TRANSFER_READ);
                let copy_write = (vk::PipelineStageFlags2::COPY, vk::AccessFlags2::TRANSFER_WRITE);
                let none = (vk::PipelineStageFlags2::NONE, vk::AccessFlags2::NONE);
                before.push(barrier(image.handle(), layout, vk::ImageLayout::TRANSFER_SRC_OPTIMAL, all, copy_read));
                before.push(barrier(
                    *new,
                    vk::ImageLayout::UNDEFINED,
                    vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                    none,
                    copy_write,
                ));
                after.push(barrier(*new, vk::ImageLayout::TRANSFER_DST_OPTIMAL, layout, copy_write, all_rw));
                images.push((image.handle(), *new, desc.clone(), range.aspect_mask));
            }
            _ => {}
        }
    }
    // Buffers: every earlier write before the copies, the copies before every later access.
    let memory_before = [vk::MemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .src_access_mask(vk::AccessFlags2::MEMORY_WRITE)
        .dst_stage_mask(vk::PipelineStageFlags2::COPY)
        .dst_access_mask(vk::AccessFlags2::TRANSFER_READ | vk::AccessFlags2::TRANSFER_WRITE)];
    let memory_after = [vk::MemoryBarrier2::default()
        .src_stage_mask(vk::PipelineStageFlags2::COPY)
        .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
        .dst_stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)
        .dst_access_mask(vk::AccessFlags2::MEMORY_READ | vk::AccessFlags2::MEMORY_WRITE)];
    // SAFETY: `cmd` is in the recording state (begun by `OneShot::new`); every handle is live
    // (old objects held by the locked table, new ones by the caller) and bound to memory; the
    // regions lie within each object (same size, extent, mips and layers on both sides).
    unsafe {
        device.cmd_pipeline_barrier2(
            cmd,
            &vk::DependencyInfo::default().memory_barriers(&memory_before).image_memory_barriers(&before),
        );
        for (src, dst, size) in &buffers {
            let region = [vk::BufferCopy { src_offset: 0, dst_offset: 0, size: *size }];
            device.cmd_copy_buffer(cmd, *src, *dst, &region);
        }
        for (src, dst, desc, aspect) in &images {
            let regions: Vec<vk::ImageCopy> = (0..desc.mip_levels)
                .map(|mip| {
                    let layers = vk::ImageSubresourceLayers {
                        aspect_mask: *aspect,
                        mip_level: mip,
                        base_array_layer: 0,
                        layer_count: desc.array_layers,
                    };
                    let e = desc.extent;
                    let extent = vk::Extent3D {
                        width: (e.width >> mip).max(1),
                        height: (e.height >> mip).max(1),
                        depth: (e.depth >> mip).max(1),
                    };
                    vk::ImageCopy { src_subresource: layers, dst_subresource: layers, extent, ..Default::default() }
                })
                .collect();
            device.cmd_copy_image(
                cmd,
                *src,
                vk::ImageLayout::TRANSFER_SRC_OPTIMAL,
                *dst,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &regions,
            );
        }
        device.cmd_pipeline_barrier2(
            cmd,
            &vk::DependencyInfo::default().memory_barriers(&memory_after).image_memory_barriers(&after),
        );
    }
    once.submit()?;
    Ok(once)
}

/// A command pool, one command buffer (begun) and a fence: the one submission of a pass.
struct OneShot<'c> {
    ctx: &'c Arc<Context>,
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    fence: vk::Fence,
    /// Submitted and not known to be finished: the drop waits for the device first.
    pending: bool,
}

impl<'c> OneShot<'c> {
    fn new(ctx: &'c Arc<Context>) -> crate::Result<Self> {
        let info = vk::CommandPoolCreateInfo::default()
            .queue_family_index(ctx.queue_family_index())
            .flags(vk::CommandPoolCreateFlags::TRANSIENT);
        // SAFETY: a queue family of this device; destroyed by the drop.
        let pool = unsafe { ctx.create_command_pool(&info, "vkres defragmentation") }?;
        let mut once = Self { ctx, pool, cmd: vk::CommandBuffer::null(), fence: vk::Fence::null(), pending: false };
        let info = vk::CommandBufferAllocateInfo::default()
            .command_pool(pool)
            .level(vk::CommandBufferLevel::PRIMARY)
            .command_buffer_count(1);
        // SAFETY: the pool is live and used by this thread only.
        let cmds = unsafe { ctx.allocate_command_buffers(&info, "vkres defragmentation") }?;
        once.cmd = cmds
            .first()
            .copied()
            .ok_or(VkresError::Vulkan { operation: "vkAllocateCommandBuffers", result: vk::Result::ERROR_UNKNOWN })?;
        // SAFETY: a plain fence; destroyed by the drop, after its submission finished.
        once.fence = unsafe { ctx.create_fence(&vk::FenceCreateInfo::default(), "vkres defragmentation") }?;
        let begin = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
        // SAFETY: a fresh command buffer of the pool.
        unsafe { ctx.device().begin_command_buffer(once.cmd, &begin) }
            .map_err(|result| VkresError::Vulkan { operation: "vkBeginCommandBuffer", result })?;
        Ok(once)
    }

    /// Ends the command buffer and submits it.
    fn submit(&mut self) -> crate::Result<()> {
        let ctx = self.ctx;
        // SAFETY: the command buffer is recording (begun in `new`).
        unsafe { ctx.device().end_command_buffer(self.cmd) }
            .map_err(|result| VkresError::Vulkan { operation: "vkEndCommandBuffer", result })?;
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(self.cmd)];
        let submit = [vk::SubmitInfo2::default().command_buffer_infos(&cmds)];
        // SAFETY: a recorded command buffer and an unsignalled fence of this device, neither
        // in use by another submission.
        unsafe { ctx.submit(&submit, self.fence) }?;
        self.pending = true;
        Ok(())
    }

    /// Waits for the submission.
    fn wait(mut self) -> crate::Result<()> {
        let ctx = self.ctx;
        // SAFETY: the fence is live.
        unsafe { ctx.wait_fences(&[self.fence], || "the copies of a defragmentation pass".into()) }?;
        self.pending = false;
        Ok(())
    }
}

impl Drop for OneShot<'_> {
    fn drop(&mut self) {
        if self.pending {
            // The wait failed (timeout, device lost): nothing more to wait for than the device.
            let _ = self.ctx.wait_idle();
        }
        let device = self.ctx.device();
        // SAFETY: made by `new` (null handles are no-ops), and no pending work uses them
        // (waited for above, or never submitted).
        unsafe {
            device.destroy_fence(self.fence, None);
            device.destroy_command_pool(self.pool, None);
        }
    }
}
