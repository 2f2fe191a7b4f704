//! Every wait vkres makes for the device goes through here, with one bound (the context's
//! wait timeout) and one typed error for each way a wait can end badly: [`Error::Timeout`]
//! names what was waited on, [`Error::DeviceLost`] a device that will never signal.
//!
//! Why a bound at all: a wait without one turns a hung device, a lost submission or a fence
//! nobody submits into a thread blocked forever, which a test harness can only kill and a
//! program cannot report. Why 60 s by default: far above anything vkres itself waits for
//! (its longest measured waits are whole-scene builds and 1 GiB uploads, well under a second
//! on the H100 and a few seconds on lavapipe), far below the 180 s after which CI gave up on
//! the hung tests of issue 16, and on the order of a driver's own hang detection (Windows
//! resets a GPU after 2 s, NVIDIA's Linux watchdog after several seconds of a stuck channel).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ash::vk;

use super::Context;
use crate::error::{Error, Result};

/// The default bound of every wait (see the module docs for why).
pub(crate) const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// `bound` in nanoseconds, at most `u64::MAX - 1` (`u64::MAX` would mean no bound to Vulkan).
pub(crate) fn nanos(bound: Duration) -> u64 {
    u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX).min(u64::MAX - 1)
}

impl Context {
    /// The bound of every wait vkres makes for the device.
    pub fn wait_timeout(&self) -> Duration {
        Duration::from_nanos(self.wait_timeout_ns.load(Ordering::Relaxed))
    }

    /// Changes the bound of every later wait (set at creation by
    /// [`ContextOptions::wait_timeout`](crate::ContextOptions::wait_timeout); 60 s for a context
    /// made with [`Context::from_raw`]). A zero bound makes every wait a poll: a wait for work
    /// not finished yet is [`Error::Timeout`](crate::Error::Timeout) at once, and that work
    /// keeps what it holds.
    pub fn set_wait_timeout(&self, bound: Duration) {
        self.wait_timeout_ns.store(nanos(bound), Ordering::Relaxed);
    }

    /// Waits until every one of `fences` has signalled, at most the wait timeout;
    /// `what` names them for the error (built only when there is one).
    ///
    /// # Safety
    /// Every fence must be a live fence of this device.
    pub(crate) unsafe fn wait_fences(&self, fences: &[vk::Fence], what: impl FnOnce() -> String) -> Result<()> {
        let bound = self.wait_timeout_ns.load(Ordering::Relaxed);
        let start = Instant::now();
        // SAFETY: by the caller's contract; a bounded wait.
        let result = unsafe { self.device().wait_for_fences(fences, true, bound) };
        wait_result(result, "vkWaitForFences", start, what)
    }

    /// Waits until the timeline `semaphore` has reached `value`, at most the wait timeout.
    ///
    /// # Safety
    /// `semaphore` must be a live timeline semaphore of this device.
    pub(crate) unsafe fn wait_timeline(
        &self,
        semaphore: vk::Semaphore,
        value: u64,
        what: impl FnOnce() -> String,
    ) -> Result<()> {
        let bound = self.wait_timeout_ns.load(Ordering::Relaxed);
        let semaphores = [semaphore];
        let values = [value];
        let info = vk::SemaphoreWaitInfo::default().semaphores(&semaphores).values(&values);
        let start = Instant::now();
        // SAFETY: by the caller's contract (timeline semaphores are core in Vulkan 1.2); bounded.
        let result = unsafe { self.device().wait_semaphores(&info, bound) };
        wait_result(result, "vkWaitSemaphores", start, what)
    }
}

/// The typed outcome of a bounded wait.
fn wait_result(
    result: ash::prelude::VkResult<()>,
    operation: &'static str,
    start: Instant,
    what: impl FnOnce() -> String,
) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(vk::Result::TIMEOUT) => Err(Error::Timeout { what: what(), waited: start.elapsed() }),
        Err(vk::Result::ERROR_DEVICE_LOST) => Err(Error::DeviceLost { what: what() }),
        Err(result) => Err(Error::Vulkan { operation, result }),
    }
}
