//! Format properties, asked of the device once per allocator: what a format supports does not
//! change, and batches ask for every BLAS build (vertex formats) and every mip generation.

use std::sync::Mutex;

use ash::vk;

use crate::Context;

/// The properties of each format asked for so far. Shared by the clones of one
/// [`ResourceAllocator`](super::ResourceAllocator) (behind an `Arc`).
#[derive(Debug, Default)]
pub(crate) struct FormatCache {
    /// Few formats are asked for (vertex and texture formats): a list searched in order.
    known: Mutex<Vec<(vk::Format, vk::FormatProperties)>>,
}

impl FormatCache {
    /// `format`'s properties on `ctx`'s physical device (queried on the first call only).
    pub fn properties(&self, ctx: &Context, format: vk::Format) -> vk::FormatProperties {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, props)) = known.iter().find(|(f, _)| *f == format) {
            return *props;
        }
        // SAFETY: a plain query on the context's physical device, valid for any format value.
        let props = unsafe { ctx.instance().get_physical_device_format_properties(ctx.physical_device(), format) };
        known.push((format, props));
        props
    }
}
