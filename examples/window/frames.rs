//! Three frames in flight. Each frame records, into its own command buffer: the view's upload
//! and the TLAS refit by a vkres `Recorder`, the trace by the main example's pipeline into the
//! window-sized target (`target.rs`), the blit of the target into the acquired swapchain image
//! and, on the frame that is checked, a copy of that image into a read-back buffer. The
//! frame's `vkres::Fence` signals when its submission has finished; the `InFlight` the recorder
//! returned, which holds the staging and the resources that work used (the target among them)
//! until then, goes to the allocator's retire queue: the frame keeps nothing of it.

use std::sync::Arc;

use vkres::{Buffer, BufferDesc, Context, Error, Fence, MappingType, ResourceAllocator, vk};

use super::pose::Pose;
use super::render::Renderer;
use super::scene::{HEIGHT, RaytraceScene, WIDTH};
use super::swapchain::Swapchain;
use super::target::{Target, fit};

/// How many frames the CPU records ahead of the GPU.
pub const FRAMES_IN_FLIGHT: usize = 3;

fn failed(operation: &'static str) -> impl FnOnce(vk::Result) -> Error {
    move |result| Error::Vulkan { operation, result }
}

/// What one frame in flight owns.
struct Frame {
    pool: vk::CommandPool,
    cmd: vk::CommandBuffer,
    /// Signalled by the presentation engine when the acquired image may be written.
    acquired: vk::Semaphore,
    fence: Fence,
    /// Whether a submission of this frame signals `fence` (waited for before the frame's reuse).
    pending: bool,
    /// The scene's descriptor set of this frame, its picture binding pointing at target
    /// `bound` (rewritten, when the frame's last use has finished, for a new target).
    set: vk::DescriptorSet,
    bound: u64,
}

/// What drawing a frame came to.
pub enum Drawn {
    /// Presented.
    Presented,
    /// The swapchain no longer fits the window: nothing was drawn; make it again.
    OutOfDate,
}

/// The frames in flight and the read-back buffer of the checked frame.
pub struct Frames {
    ctx: Arc<Context>,
    alloc: ResourceAllocator,
    frames: Vec<Frame>,
    /// The frames' descriptor sets come from it.
    descriptor_pool: vk::DescriptorPool,
    next: usize,
    /// The checked frame's pixels (4 bytes each, the swapchain's format), host-readable.
    readback: Buffer,
}

impl Frames {
    pub fn new(alloc: &ResourceAllocator, renderer: &Renderer, scene: &RaytraceScene) -> vkres::Result<Self> {
        let ctx = alloc.context().clone();
        let readback = alloc.create_buffer(
            &BufferDesc::new(u64::from(WIDTH * HEIGHT * 4), vk::BufferUsageFlags::TRANSFER_DST)
                .mapping(MappingType::HostAccessRandom)
                .name("window read-back"),
        )?;
        let mut frames = Self {
            ctx: ctx.clone(),
            alloc: alloc.clone(),
            frames: Vec::new(),
            descriptor_pool: vk::DescriptorPool::null(),
            next: 0,
            readback,
        };
        let device = ctx.device();
        for _ in 0..FRAMES_IN_FLIGHT {
            // SAFETY: objects of this device from valid create infos; each is kept in
            // `frames`, whose `Drop` destroys it.
            unsafe {
                let pool = device
                    .create_command_pool(
                        &vk::CommandPoolCreateInfo::default()
                            .queue_family_index(ctx.queue_family_index())
                            .flags(vk::CommandPoolCreateFlags::TRANSIENT),
                        None,
                    )
                    .map_err(failed("vkCreateCommandPool"))?;
                let acquired = match device.create_semaphore(&vk::SemaphoreCreateInfo::default(), None) {
                    Ok(s) => s,
                    Err(e) => {
                        device.destroy_command_pool(pool, None);
                        return Err(failed("vkCreateSemaphore")(e));
                    }
                };
                let cmd = vk::CommandBuffer::null();
                let fence = match Fence::new(&ctx, false) {
                    Ok(f) => f,
                    Err(e) => {
                        device.destroy_semaphore(acquired, None);
                        device.destroy_command_pool(pool, None);
                        return Err(e);
                    }
                };
                frames.frames.push(Frame {
                    pool,
                    cmd,
                    acquired,
                    fence,
                    pending: false,
                    set: vk::DescriptorSet::null(),
                    bound: 0,
                });
            }
        }
        for frame in &mut frames.frames {
            // SAFETY: one primary command buffer from the frame's own pool.
            frame.cmd = unsafe {
                device.allocate_command_buffers(
                    &vk::CommandBufferAllocateInfo::default().command_pool(frame.pool).command_buffer_count(1),
                )
            }
            .map_err(failed("vkAllocateCommandBuffers"))?[0];
        }
        // A descriptor set of the scene per frame, its picture binding written per target.
        let mut pool_sizes: Vec<vk::DescriptorPoolSize> = Vec::new();
        for binding in RaytraceScene::descriptor_bindings() {
            let binding = binding.layout_binding();
            match pool_sizes.iter_mut().find(|s| s.ty == binding.descriptor_type) {
                Some(size) => size.descriptor_count += FRAMES_IN_FLIGHT as u32,
                None => pool_sizes.push(vk::DescriptorPoolSize {
                    ty: binding.descriptor_type,
                    descriptor_count: FRAMES_IN_FLIGHT as u32,
                }),
            }
        }
        // SAFETY: a valid create info; destroyed by `Drop`.
        frames.descriptor_pool = unsafe {
            device.create_descriptor_pool(
                &vk::DescriptorPoolCreateInfo::default().max_sets(FRAMES_IN_FLIGHT as u32).pool_sizes(&pool_sizes),
                None,
            )
        }
        .map_err(failed("vkCreateDescriptorPool"))?;
        let layouts = [renderer.set_layout(); FRAMES_IN_FLIGHT];
        // SAFETY: the pool has room for these sets of the renderer's layout.
        let sets = unsafe {
            device.allocate_descriptor_sets(
                &vk::DescriptorSetAllocateInfo::default().descriptor_pool(frames.descriptor_pool).set_layouts(&layouts),
            )
        }
        .map_err(failed("vkAllocateDescriptorSets"))?;
        for (frame, set) in frames.frames.iter_mut().zip(sets) {
            frame.set = set;
            let writes = scene.write_descriptors(set);
            // SAFETY: the writes name live resources of the scene; the set is not in use.
            writes.with_writes(|w| unsafe { device.update_descriptor_sets(w, &[]) })?;
        }
        Ok(frames)
    }

    /// Waits until no frame is in flight (before the swapchain is made again, and at the end).
    pub fn wait_all(&mut self) -> vkres::Result<()> {
        for frame in &mut self.frames {
            if std::mem::take(&mut frame.pending) {
                frame.fence.wait()?;
            }
        }
        // Presentation waits on semaphores that no fence covers: idle the queue too.
        self.ctx.wait_idle()?;
        // What the frames held (old targets among it) is released now.
        self.alloc.collect_retired();
        Ok(())
    }

    /// Draws `pose` into the next swapchain image and presents it; with `check`, also copies
    /// the image into the read-back buffer (read it with [`read_back`](Self::read_back) after
    /// [`wait_all`](Self::wait_all)).
    #[expect(clippy::too_many_arguments, reason = "what one frame draws with, as the example's parts")]
    pub fn draw(
        &mut self,
        alloc: &ResourceAllocator,
        scene: &RaytraceScene,
        renderer: &Renderer,
        chain: &Swapchain,
        target: &mut Target,
        pose: &Pose,
        check: bool,
    ) -> vkres::Result<Drawn> {
        let device = self.ctx.device();
        let frame = &mut self.frames[self.next];
        // The frame's last use: once it finished, its command pool, semaphore, fence and
        // descriptor set are free (what its work held is released by the retire queue).
        if std::mem::take(&mut frame.pending) {
            frame.fence.wait()?;
        }
        if frame.bound != target.serial {
            let image = [vk::DescriptorImageInfo::default()
                .image_view(target.view.handle())
                .image_layout(vk::ImageLayout::GENERAL)];
            // The scene's picture binding (1), a storage image.
            let write = vk::WriteDescriptorSet::default()
                .dst_set(frame.set)
                .dst_binding(1)
                .descriptor_type(vk::DescriptorType::STORAGE_IMAGE)
                .image_info(&image);
            // SAFETY: the set is not in use (the frame's last submission finished); the view
            // is live and its image a storage image.
            unsafe { device.update_descriptor_sets(&[write], &[]) };
            frame.bound = target.serial;
        }
        // SAFETY: the swapchain is live; the semaphore is unsignalled (its last wait finished
        // with the frame's previous submission, or it was never used).
        let acquired =
            unsafe { chain.loader.acquire_next_image(chain.handle, u64::MAX, frame.acquired, vk::Fence::null()) };
        let index = match acquired {
            Ok((index, _suboptimal)) => index,
            Err(vk::Result::ERROR_OUT_OF_DATE_KHR) => return Ok(Drawn::OutOfDate),
            Err(e) => return Err(failed("vkAcquireNextImageKHR")(e)),
        };
        let image = chain.images[index as usize];
        // SAFETY: the pool's command buffer is not pending (the frame's fence was waited for).
        unsafe {
            device
                .reset_command_pool(frame.pool, vk::CommandPoolResetFlags::empty())
                .map_err(failed("vkResetCommandPool"))?;
            device
                .begin_command_buffer(
                    frame.cmd,
                    &vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT),
                )
                .map_err(failed("vkBeginCommandBuffer"))?;
        }
        // vkres records the frame's data: the view and the TLAS refit, with their barriers.
        // SAFETY: `frame.cmd` is recording, of the context's queue family, and is submitted
        // once below with `frame.fence`.
        let mut recorder = unsafe { alloc.recorder(frame.cmd) };
        recorder.upload(&scene.view, 0, &[fit(pose.view, target.extent)])?;
        // Written straight into the TLAS's own instance buffer of this frame: no allocation.
        recorder.refit_tlas(&scene.world, pose.instances(scene))?;
        if !target.initialized {
            // A new target: every later frame traces after this transition (queue order).
            recorder.transition_image(&target.image, vk::ImageLayout::GENERAL)?;
            target.initialized = true;
        }
        // The trace writes the target: held until this frame's fence has signalled, however
        // soon a resize drops its handle.
        recorder.keep_alive(&target.view);
        let in_flight = recorder.finish(&frame.fence)?;

        let picture = target.image.handle();
        let color = vk::ImageSubresourceRange {
            aspect_mask: vk::ImageAspectFlags::COLOR,
            base_mip_level: 0,
            level_count: 1,
            base_array_layer: 0,
            layer_count: 1,
        };
        let layers = vk::ImageSubresourceLayers {
            aspect_mask: vk::ImageAspectFlags::COLOR,
            mip_level: 0,
            base_array_layer: 0,
            layer_count: 1,
        };
        // SAFETY: recording into the frame's command buffer; every handle is live and the
        // layouts are those the images are in (the picture is GENERAL for good, the swapchain
        // image's contents are discarded from UNDEFINED).
        unsafe {
            // The last frame's blit read the picture the trace now writes.
            let before_trace = [vk::ImageMemoryBarrier2::default()
                .src_stage_mask(vk::PipelineStageFlags2::BLIT)
                .dst_stage_mask(renderer.stage())
                .dst_access_mask(vk::AccessFlags2::SHADER_STORAGE_WRITE)
                .old_layout(vk::ImageLayout::GENERAL)
                .new_layout(vk::ImageLayout::GENERAL)
                .image(picture)
                .subresource_range(color)];
            device
                .cmd_pipeline_barrier2(frame.cmd, &vk::DependencyInfo::default().image_memory_barriers(&before_trace));
            renderer.record_trace_with(frame.cmd, frame.set, target.extent);
            // The acquired image: waited for at BLIT (the submission's wait stage), then written.
            let to_dst = [vk::ImageMemoryBarrier2::default()
                .src_stage_mask(vk::PipelineStageFlags2::BLIT)
                .dst_stage_mask(vk::PipelineStageFlags2::BLIT)
                .dst_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                .old_layout(vk::ImageLayout::UNDEFINED)
                .new_layout(vk::ImageLayout::TRANSFER_DST_OPTIMAL)
                .image(image)
                .subresource_range(color)];
            device.cmd_pipeline_barrier2(frame.cmd, &vk::DependencyInfo::default().image_memory_barriers(&to_dst));
            let blit = vk::ImageBlit {
                src_subresource: layers,
                src_offsets: [
                    vk::Offset3D::default(),
                    vk::Offset3D { x: target.extent.width as i32, y: target.extent.height as i32, z: 1 },
                ],
                dst_subresource: layers,
                dst_offsets: [
                    vk::Offset3D::default(),
                    vk::Offset3D { x: chain.extent.width as i32, y: chain.extent.height as i32, z: 1 },
                ],
            };
            device.cmd_blit_image(
                frame.cmd,
                picture,
                vk::ImageLayout::GENERAL,
                image,
                vk::ImageLayout::TRANSFER_DST_OPTIMAL,
                &[blit],
                vk::Filter::LINEAR,
            );
            let mut layout = vk::ImageLayout::TRANSFER_DST_OPTIMAL;
            if check {
                let to_src = [vk::ImageMemoryBarrier2::default()
                    .src_stage_mask(vk::PipelineStageFlags2::BLIT)
                    .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                    .dst_stage_mask(vk::PipelineStageFlags2::COPY)
                    .dst_access_mask(vk::AccessFlags2::TRANSFER_READ)
                    .old_layout(layout)
                    .new_layout(vk::ImageLayout::TRANSFER_SRC_OPTIMAL)
                    .image(image)
                    .subresource_range(color)];
                device.cmd_pipeline_barrier2(frame.cmd, &vk::DependencyInfo::default().image_memory_barriers(&to_src));
                layout = vk::ImageLayout::TRANSFER_SRC_OPTIMAL;
                let region = vk::BufferImageCopy {
                    buffer_offset: 0,
                    buffer_row_length: 0,
                    buffer_image_height: 0,
                    image_subresource: layers,
                    image_offset: vk::Offset3D::default(),
                    image_extent: vk::Extent3D { width: WIDTH, height: HEIGHT, depth: 1 },
                };
                device.cmd_copy_image_to_buffer(frame.cmd, image, layout, self.readback.handle(), &[region]);
                let to_host = [vk::BufferMemoryBarrier2::default()
                    .src_stage_mask(vk::PipelineStageFlags2::COPY)
                    .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                    .dst_stage_mask(vk::PipelineStageFlags2::HOST)
                    .dst_access_mask(vk::AccessFlags2::HOST_READ)
                    .buffer(self.readback.handle())
                    .size(vk::WHOLE_SIZE)];
                device
                    .cmd_pipeline_barrier2(frame.cmd, &vk::DependencyInfo::default().buffer_memory_barriers(&to_host));
            }
            // Presentation waits on the semaphore the submission signals: no stage after this.
            let to_present = [vk::ImageMemoryBarrier2::default()
                .src_stage_mask(vk::PipelineStageFlags2::ALL_TRANSFER)
                .src_access_mask(vk::AccessFlags2::TRANSFER_WRITE)
                .old_layout(layout)
                .new_layout(vk::ImageLayout::PRESENT_SRC_KHR)
                .image(image)
                .subresource_range(color)];
            device.cmd_pipeline_barrier2(frame.cmd, &vk::DependencyInfo::default().image_memory_barriers(&to_present));
            device.end_command_buffer(frame.cmd).map_err(failed("vkEndCommandBuffer"))?;
        }
        let waits =
            [vk::SemaphoreSubmitInfo::default().semaphore(frame.acquired).stage_mask(vk::PipelineStageFlags2::BLIT)];
        let rendered = chain.rendered[index as usize];
        let signals =
            [vk::SemaphoreSubmitInfo::default().semaphore(rendered).stage_mask(vk::PipelineStageFlags2::ALL_COMMANDS)];
        let cmds = [vk::CommandBufferSubmitInfo::default().command_buffer(frame.cmd)];
        let submit = vk::SubmitInfo2::default()
            .wait_semaphore_infos(&waits)
            .command_buffer_infos(&cmds)
            .signal_semaphore_infos(&signals);
        let locked = frame.fence.lock_for_submit()?;
        // SAFETY: the command buffer is executable; the fence was made unsignalled by the
        // recorder's `finish`, and is locked for the submission (vkres may ask its status from
        // other threads); the semaphores are this frame's and this image's.
        unsafe { self.ctx.submit(&[submit], locked.handle()) }?;
        drop(locked);
        frame.pending = true;
        // The frame keeps nothing: the retire queue releases what its work holds once the
        // fence has signalled (checked whenever the allocator opens a recorder).
        alloc.retire(in_flight);
        self.next = (self.next + 1) % FRAMES_IN_FLIGHT;

        let semaphores = [rendered];
        let chains = [chain.handle];
        let indices = [index];
        let present =
            vk::PresentInfoKHR::default().wait_semaphores(&semaphores).swapchains(&chains).image_indices(&indices);
        let presented = {
            let _queue = self.ctx.lock_queue();
            // SAFETY: the image was acquired and its drawing submitted, signalling `rendered`;
            // the queue is held by the lock.
            unsafe { chain.loader.queue_present(self.ctx.queue(), &present) }
        };
        match presented {
            Ok(false) => Ok(Drawn::Presented),
            Ok(true) | Err(vk::Result::ERROR_OUT_OF_DATE_KHR) => Ok(Drawn::OutOfDate),
            Err(e) => Err(failed("vkQueuePresentKHR")(e)),
        }
    }

    /// The checked frame's pixels as linear RGBA floats, row by row (the swapchain stores
    /// 8-bit UNORM: exact to 1/255). Call after [`wait_all`](Self::wait_all).
    pub fn read_back(&self, format: vk::Format) -> vkres::Result<Vec<[f32; 4]>> {
        let bytes = self.readback.read_vec()?;
        let bgra = format == vk::Format::B8G8R8A8_UNORM;
        Ok(bytes
            .chunks_exact(4)
            .map(|p| {
                let c = p.iter().map(|&b| f32::from(b) / 255.0).collect::<Vec<_>>();
                if bgra { [c[2], c[1], c[0], c[3]] } else { [c[0], c[1], c[2], c[3]] }
            })
            .collect())
    }
}

impl Drop for Frames {
    fn drop(&mut self) {
        // Whatever is still in flight is waited for first.
        for frame in &mut self.frames {
            if std::mem::take(&mut frame.pending) {
                let _ = frame.fence.wait();
            }
        }
        let _ = self.ctx.wait_idle();
        self.alloc.collect_retired();
        // SAFETY: no work uses the frames' objects any more.
        unsafe {
            self.ctx.device().destroy_descriptor_pool(self.descriptor_pool, None);
            for frame in &self.frames {
                self.ctx.device().destroy_semaphore(frame.acquired, None);
                self.ctx.device().destroy_command_pool(frame.pool, None);
            }
        }
    }
}
