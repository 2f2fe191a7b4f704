//! What the benchmarks share: command-line numbers and run statistics.

use std::time::Duration;

/// The number after `name` on the command line, or `default`.
pub fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Whether `flag` is on the command line.
#[allow(dead_code)] // not every benchmark has flags
pub fn flag(flag: &str) -> bool {
    std::env::args().any(|a| a == flag)
}

/// Median, min and max in milliseconds.
pub fn stats(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(times[times.len() / 2]), ms(times[0]), ms(times[times.len() - 1]))
}
