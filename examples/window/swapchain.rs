//! The window's surface and swapchain, made again when the window's size changes. Plain ash:
//! vkres manages resources, not presentation.

use std::sync::Arc;

use vkres::{Context, Error, vk};

fn failed(operation: &'static str) -> impl FnOnce(vk::Result) -> Error {
    move |result| Error::Vulkan { operation, result }
}

/// The swapchain's images are blitted to (the picture) and copied from (the read-back check).
const USAGE: vk::ImageUsageFlags = vk::ImageUsageFlags::from_raw(
    vk::ImageUsageFlags::TRANSFER_DST.as_raw() | vk::ImageUsageFlags::TRANSFER_SRC.as_raw(),
);

/// A surface and its current swapchain, with a semaphore per image that the frame drawn into
/// the image signals and its presentation waits for.
pub struct Swapchain {
    ctx: Arc<Context>,
    surface_fn: ash::khr::surface::Instance,
    pub loader: ash::khr::swapchain::Device,
    surface: vk::SurfaceKHR,
    pub handle: vk::SwapchainKHR,
    pub images: Vec<vk::Image>,
    pub format: vk::Format,
    pub extent: vk::Extent2D,
    /// Per image: signalled by the submission that draws into it, waited for by its present.
    pub rendered: Vec<vk::Semaphore>,
}

impl Swapchain {
    /// Takes `surface` (made for this context's instance) and makes its first swapchain of
    /// `extent` (or the surface's own, where it has one).
    pub fn new(ctx: &Arc<Context>, surface: vk::SurfaceKHR, extent: vk::Extent2D) -> vkres::Result<Self> {
        let surface_fn = ash::khr::surface::Instance::new(ctx.entry(), ctx.instance());
        let mut chain = Self {
            ctx: ctx.clone(),
            loader: ash::khr::swapchain::Device::new(ctx.instance(), ctx.device()),
            surface_fn,
            surface,
            handle: vk::SwapchainKHR::null(),
            images: Vec::new(),
            format: vk::Format::UNDEFINED,
            extent,
            rendered: Vec::new(),
        };
        // SAFETY: the surface belongs to this instance; the queue family is the context's.
        let presents = unsafe {
            chain.surface_fn.get_physical_device_surface_support(
                ctx.physical_device(),
                ctx.queue_family_index(),
                surface,
            )
        }
        .map_err(failed("vkGetPhysicalDeviceSurfaceSupportKHR"))?;
        if !presents {
            return Err(Error::MissingFeature {
                feature: "presentation from the context's queue family",
                operation: "the window example's swapchain",
            });
        }
        if !chain.recreate(extent)? {
            return Err(Error::InvalidDescription {
                name: "the window example's swapchain".into(),
                reason: "the surface has no drawable extent (a minimized window?)".into(),
            });
        }
        Ok(chain)
    }

    /// Makes the swapchain again for `extent` (the window's new size), handing the old one to
    /// the new one's creation. The caller has waited for every frame that used the old images.
    /// `false` (nothing made, the old swapchain kept) where the surface has no drawable extent
    /// now (a minimized window): try again later.
    pub fn recreate(&mut self, extent: vk::Extent2D) -> vkres::Result<bool> {
        let pd = self.ctx.physical_device();
        // SAFETY: queries on the context's physical device and this instance's surface.
        let (caps, formats) = unsafe {
            (
                self.surface_fn
                    .get_physical_device_surface_capabilities(pd, self.surface)
                    .map_err(failed("vkGetPhysicalDeviceSurfaceCapabilitiesKHR"))?,
                self.surface_fn
                    .get_physical_device_surface_formats(pd, self.surface)
                    .map_err(failed("vkGetPhysicalDeviceSurfaceFormatsKHR"))?,
            )
        };
        if !caps.supported_usage_flags.contains(USAGE) {
            return Err(Error::MissingFeature {
                feature: "swapchain images usable as transfer source and destination",
                operation: "the window example's swapchain",
            });
        }
        // UNORM, not SRGB: the read-back compares the stored values with the linear picture.
        let format = formats
            .iter()
            .find(|f| matches!(f.format, vk::Format::B8G8R8A8_UNORM | vk::Format::R8G8B8A8_UNORM))
            .copied()
            .ok_or(Error::MissingFeature {
                feature: "a B8G8R8A8_UNORM or R8G8B8A8_UNORM surface format",
                operation: "the window example's swapchain",
            })?;
        let Some(extent) = super::extent::swapchain_extent(&caps, extent) else {
            return Ok(false);
        };
        let mut count = caps.min_image_count + 1;
        if caps.max_image_count > 0 {
            count = count.min(caps.max_image_count);
        }
        let info = vk::SwapchainCreateInfoKHR::default()
            .surface(self.surface)
            .min_image_count(count)
            .image_format(format.format)
            .image_color_space(format.color_space)
            .image_extent(extent)
            .image_array_layers(1)
            .image_usage(USAGE)
            .image_sharing_mode(vk::SharingMode::EXCLUSIVE)
            .pre_transform(caps.current_transform)
            .composite_alpha(vk::CompositeAlphaFlagsKHR::OPAQUE)
            .present_mode(vk::PresentModeKHR::FIFO)
            .clipped(true)
            .old_swapchain(self.handle);
        // SAFETY: a valid create info for this device's surface; the old swapchain's images
        // are used by no pending work (the caller waited).
        let handle = unsafe { self.loader.create_swapchain(&info, None) }.map_err(failed("vkCreateSwapchainKHR"))?;
        self.destroy_chain();
        self.handle = handle;
        // SAFETY: the swapchain was just made.
        self.images = unsafe { self.loader.get_swapchain_images(handle) }.map_err(failed("vkGetSwapchainImagesKHR"))?;
        self.format = format.format;
        self.extent = extent;
        for _ in &self.images {
            // SAFETY: a plain semaphore of this device, destroyed with the swapchain.
            let semaphore = unsafe { self.ctx.device().create_semaphore(&vk::SemaphoreCreateInfo::default(), None) }
                .map_err(failed("vkCreateSemaphore"))?;
            self.rendered.push(semaphore);
        }
        Ok(true)
    }

    /// Destroys the swapchain and its semaphores (not the surface).
    fn destroy_chain(&mut self) {
        // SAFETY: no pending work uses them: the caller waited for every frame.
        unsafe {
            for semaphore in self.rendered.drain(..) {
                self.ctx.device().destroy_semaphore(semaphore, None);
            }
            self.loader.destroy_swapchain(self.handle, None);
        }
        self.handle = vk::SwapchainKHR::null();
        self.images.clear();
    }
}

impl Drop for Swapchain {
    fn drop(&mut self) {
        self.destroy_chain();
        // SAFETY: the swapchain made from the surface is gone; the window outlives this.
        unsafe { self.surface_fn.destroy_surface(self.surface, None) };
    }
}
