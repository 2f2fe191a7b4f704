//! Valid-usage checks: what vkres verifies before Vulkan sees a caller's input.
//!
//! One file per object kind; each check cites the VUID(s) it enforces and returns a typed
//! [`Error`](crate::Error) naming the resource and the numbers or flags that do not fit. The
//! checks take plain Vulkan values and the device's capabilities, so this layer sits between
//! `context` and the resources that call it (one line at the top of each creation function).
//! `docs/VALID_USAGE.md` maps every VUID to its check and to the test that breaks it.

pub(crate) mod descriptor;
pub(crate) mod device;
pub(crate) mod extension_bits;
pub(crate) mod image;
pub(crate) mod known;
pub(crate) mod layout;
pub(crate) mod sampler;
pub(crate) mod spirv;
pub(crate) mod spirv_capabilities;
mod spirv_enables_table;
mod spirv_module;
pub(crate) mod view;

use crate::error::Error;

/// A broken rule found where the error cannot be returned at once (descriptor writes are
/// collected, then handed out): plain data, cloneable, turned into [`Error::ValidUsage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    name: String,
    vuid: &'static str,
    detail: String,
}

impl Violation {
    /// `Some` violation of `vuid` by `name`.
    pub(crate) fn new(name: &str, vuid: &'static str, detail: String) -> Option<Self> {
        Some(Self { name: name.into(), vuid, detail })
    }

    /// The error it is.
    pub(crate) fn into_error(self) -> Error {
        Error::ValidUsage { name: self.name, vuid: self.vuid, detail: self.detail }
    }
}
