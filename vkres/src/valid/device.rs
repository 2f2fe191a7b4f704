//! Objects of one device (issue 16, item 4). Every object a Vulkan command names must come from
//! the device of its command buffer or queue: the `commonparent` rules
//! (VUID-vkCmdCopyBuffer-commonparent, VUID-vkCmdCopyBufferToImage-commonparent,
//! VUID-vkCmdPipelineBarrier2-commonparent, VUID-vkCmdBuildAccelerationStructuresKHR-commonparent,
//! VUID-vkQueueSubmit2-commonparent and their kin). A handle of another `VkDevice` is
//! undefined behaviour there: without the validation layer the driver reads another device's
//! object through its own tables.
//!
//! Every vkres resource keeps the [`Context`] it was made with, so the check is a pointer
//! comparison (and, for two contexts made over one `VkDevice` with
//! [`Context::from_raw`](crate::Context::from_raw), a handle comparison), made before anything is
//! recorded or submitted.

use std::sync::Arc;

use crate::Context;
use crate::error::{Error, Result};

/// The resource `name` of context `of` may be used by work of `ctx`: the same `VkDevice`, else
/// [`Error::WrongDevice`].
#[inline]
pub(crate) fn same_device(ctx: &Arc<Context>, of: &Arc<Context>, name: impl FnOnce() -> String) -> Result<()> {
    if Arc::ptr_eq(ctx, of) || ctx.device().handle() == of.device().handle() {
        Ok(())
    } else {
        Err(Error::WrongDevice { name: name() })
    }
}
