//! The window example's swapchain extent (`examples/window/extent.rs`) for surface
//! capabilities a minimized window reports: no swapchain (and no panic) where no non-zero
//! extent fits, else the current extent or the wanted one clamped.

#[path = "../../examples/window/extent.rs"]
mod extent;

use extent::swapchain_extent;
use vkres::vk;

fn caps(current: (u32, u32), min: (u32, u32), max: (u32, u32)) -> vk::SurfaceCapabilitiesKHR {
    let e = |(width, height)| vk::Extent2D { width, height };
    vk::SurfaceCapabilitiesKHR {
        current_extent: e(current),
        min_image_extent: e(min),
        max_image_extent: e(max),
        ..Default::default()
    }
}

const WANTED: vk::Extent2D = vk::Extent2D { width: 640, height: 480 };

#[test]
fn a_minimized_surface_gets_no_swapchain() {
    // Windows: current extent 0x0 (VUID-VkSwapchainCreateInfoKHR-imageExtent-01689).
    assert_eq!(swapchain_extent(&caps((0, 0), (0, 0), (0, 0)), WANTED), None);
    // No current extent, and a maximum below the minimum (`u32::clamp` panicked).
    assert_eq!(swapchain_extent(&caps((u32::MAX, u32::MAX), (1, 1), (0, 0)), WANTED), None);
    // A range of zero only.
    assert_eq!(swapchain_extent(&caps((u32::MAX, u32::MAX), (0, 0), (0, 0)), WANTED), None);
}

#[test]
fn a_surface_with_a_size_gets_its_extent_or_the_wanted_one_clamped() {
    let e = |width, height| Some(vk::Extent2D { width, height });
    assert_eq!(swapchain_extent(&caps((800, 600), (1, 1), (4096, 4096)), WANTED), e(800, 600));
    assert_eq!(swapchain_extent(&caps((u32::MAX, u32::MAX), (1, 1), (4096, 4096)), WANTED), e(640, 480));
    assert_eq!(swapchain_extent(&caps((u32::MAX, u32::MAX), (1, 1), (320, 4096)), WANTED), e(320, 480));
}
