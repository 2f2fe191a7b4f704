//! Usage flags of a buffer or an image, for [`Error::MissingUsage`](super::Error::MissingUsage).

use ash::vk;

/// The usage flags of a buffer or of an image.
///
/// `Send + Sync`: plain data.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// A buffer's usage.
    Buffer(vk::BufferUsageFlags),
    /// An image's usage.
    Image(vk::ImageUsageFlags),
}

impl core::fmt::Debug for Usage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Usage::Buffer(flags) => flags.fmt(f),
            Usage::Image(flags) => flags.fmt(f),
        }
    }
}

impl From<vk::BufferUsageFlags> for Usage {
    fn from(flags: vk::BufferUsageFlags) -> Self {
        Usage::Buffer(flags)
    }
}

impl From<vk::ImageUsageFlags> for Usage {
    fn from(flags: vk::ImageUsageFlags) -> Self {
        Usage::Image(flags)
    }
}
