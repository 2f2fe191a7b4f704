//! The leak report: every live allocation with its name, size, memory type and, where
//! captured, the backtrace of its creation ([`LeakReport`], [`LiveAllocation`]).

use std::backtrace::Backtrace;
use std::fmt;
use std::sync::Arc;

/// The environment variable that turns on backtrace capture for every [`VmaAllocator`](super::VmaAllocator)
/// (`1`), as [`VmaOptions::backtraces`](super::VmaOptions::backtraces) does for one.
pub const BACKTRACE_ENV: &str = "VKRES_ALLOCATION_BACKTRACE";

/// One live allocation.
///
/// `Send + Sync`: plain data and a shared backtrace.
#[derive(Debug, Clone)]
pub struct LiveAllocation {
    /// The resource's debug name (empty for an unnamed one).
    pub name: String,
    /// Bytes allocated (0 where the backend cannot say).
    pub size: u64,
    /// Index of its memory type, where the backend can say.
    pub memory_type: Option<u32>,
    /// Where it was created, where backtraces were captured.
    pub backtrace: Option<Arc<Backtrace>>,
}

impl fmt::Display for LiveAllocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() { "<unnamed>" } else { &self.name };
        write!(f, "`{name}`: {} bytes", self.size)?;
        if let Some(t) = self.memory_type {
            write!(f, " in memory type {t}")?;
        }
        if let Some(bt) = &self.backtrace {
            write!(f, ", created at:\n{bt}")?;
        }
        Ok(())
    }
}

/// The live allocations of an allocator, sorted by name; [`Display`](fmt::Display) writes one
/// line each (and the backtraces).
///
/// `Send + Sync`: plain data.
#[derive(Debug, Clone, Default)]
pub struct LeakReport {
    /// The allocations.
    pub allocations: Vec<LiveAllocation>,
}

impl LeakReport {
    /// A report of `allocations`, sorted by name.
    pub fn new(mut allocations: Vec<LiveAllocation>) -> Self {
        allocations.sort_by(|a, b| a.name.cmp(&b.name).then(a.size.cmp(&b.size)));
        Self { allocations }
    }

    /// Whether nothing is alive.
    pub fn is_empty(&self) -> bool {
        self.allocations.is_empty()
    }

    /// How many allocations are alive.
    pub fn len(&self) -> usize {
        self.allocations.len()
    }

    /// Their bytes together.
    pub fn bytes(&self) -> u64 {
        self.allocations.iter().map(|a| a.size).sum()
    }

    /// The names, sorted (an empty one for each unnamed allocation).
    pub fn names(&self) -> Vec<String> {
        self.allocations.iter().map(|a| a.name.clone()).collect()
    }

    /// Logs the report as a warning (`log` target `vkres::leaks`), unless it is empty.
    pub fn warn(&self, context: &str) {
        if !self.is_empty() {
            log::warn!(target: "vkres::leaks", "vkres: {context}: {self}");
        }
    }
}

impl fmt::Display for LeakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} allocation(s) alive, {} bytes", self.len(), self.bytes())?;
        for a in &self.allocations {
            write!(f, "\n  {a}")?;
        }
        Ok(())
    }
}

/// Whether the environment asks for backtraces ([`BACKTRACE_ENV`] set to anything but `0`).
pub(crate) fn backtraces_from_env() -> bool {
    std::env::var_os(BACKTRACE_ENV).is_some_and(|v| v != "0" && !v.is_empty())
}
