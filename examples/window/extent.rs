//! The extent of a swapchain for a surface's capabilities, or none where the surface has no
//! drawable extent now: a zero extent (a minimized window on Windows reports a current extent
//! of 0x0) is VUID-VkSwapchainCreateInfoKHR-imageExtent-01689, and a maximum below the minimum
//! (reported by some drivers for a minimized window) made `u32::clamp` panic. Shared, through
//! `#[path]`, with the runtime tests (`tests/runtime/window_extent.rs`).

use vkres::vk;

/// The extent to make a swapchain of: the surface's current extent where it has one, else
/// `wanted` clamped to the surface's range (VUID-VkSwapchainCreateInfoKHR-imageExtent-01274);
/// `None` where that is zero or the range is empty (try again once the window has a size).
pub fn swapchain_extent(caps: &vk::SurfaceCapabilitiesKHR, wanted: vk::Extent2D) -> Option<vk::Extent2D> {
    let extent = if caps.current_extent.width != u32::MAX {
        caps.current_extent
    } else {
        let (min, max) = (caps.min_image_extent, caps.max_image_extent);
        if min.width > max.width || min.height > max.height {
            return None;
        }
        vk::Extent2D {
            width: wanted.width.clamp(min.width, max.width),
            height: wanted.height.clamp(min.height, max.height),
        }
    };
    (extent.width > 0 && extent.height > 0).then_some(extent)
}
