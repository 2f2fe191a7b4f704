//! Timing: ways run interleaved, run by run, after warm-ups; median, min and max.

use std::time::Duration;

/// Median, min and max of a way's counted runs, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The median (the mean of the middle two for an even count).
    pub median_ms: f64,
    /// The fastest run.
    pub min_ms: f64,
    /// The slowest run.
    pub max_ms: f64,
}

impl Summary {
    /// The summary of `times`, or `None` when there are none (a way that cannot do the work).
    pub fn of(times: &[Duration]) -> Option<Self> {
        let ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        Self::of_ms(&ms)
    }

    /// The summary of `ms`, values already in milliseconds, or `None` when there are none.
    pub fn of_ms(ms: &[f64]) -> Option<Self> {
        let mut ms = ms.to_vec();
        ms.sort_by(f64::total_cmp);
        let n = ms.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => ms[n / 2],
            _ => (ms[n / 2 - 1] + ms[n / 2]) / 2.0,
        };
        Some(Summary { median_ms: median, min_ms: ms[0], max_ms: ms[n - 1] })
    }

    /// Throughput of `bytes` at the median, in GB/s (10^9 bytes per second).
    pub fn gbps(&self, bytes: u64) -> f64 {
        bytes as f64 / (self.median_ms / 1e3) / 1e9
    }
}

/// The median of `values` (the mean of the middle two for an even count), or `None` when there
/// are none: for figures that are not times (counts, sizes) as well as times in milliseconds.
pub fn median(values: &[f64]) -> Option<f64> {
    Summary::of_ms(values).map(|s| s.median_ms)
}

/// The median of `times` (the mean of the middle two for an even count; sorts them), or
/// `None` when there are none: [`median`] for durations, without a round trip through `f64`.
pub fn median_duration(times: &mut [Duration]) -> Option<Duration> {
    times.sort_unstable();
    let n = times.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(times[n / 2]),
        _ => Some((times[n / 2 - 1] + times[n / 2]) / 2),
    }
}

/// Runs `way(0..ways)` `warmups + runs` times, interleaved, and returns each way's counted
/// times. Each run takes the ways in a new order (a fixed-seed shuffle), so that a way does not
/// always follow the same one: a build run always right after 1000 one-by-one submissions,
/// which leave the GPU mostly idle, found its clocks down, 13% slower on a 2.5 ms BLAS build on
/// the H100 (`examples/accel_probe`, its "after idle" rows).
pub fn interleaved<E>(
    warmups: usize,
    runs: usize,
    ways: usize,
    mut way: impl FnMut(usize) -> Result<Option<Duration>, E>,
) -> Result<Vec<Vec<Duration>>, E> {
    let mut times = vec![Vec::with_capacity(runs); ways];
    // A probe run (`VKRES_BENCH_WAY=N`): only way N of each section runs, for an instruction
    // count of one way under callgrind (the difference of two runs' counts is per run).
    let only = only_way();
    let mut order: Vec<usize> = (0..ways).filter(|&w| only.is_none_or(|o| o == w)).collect();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for run in 0..warmups + runs {
        shuffle(&mut order, &mut seed);
        for &i in &order {
            let counted = way(i)?.filter(|_| run >= warmups);
            times[i].extend(counted);
        }
    }
    Ok(times)
}

/// Lets the C heap sort the chunks the last way freed, outside any timed region (session 10,
/// helper "perf10"): glibc's `malloc` puts freed chunks on an unsorted list and sorts them into
/// its bins at the next request it cannot serve from a cache, at most 10 000 a call. A way that
/// freed tens of thousands of objects after its clock stopped (10 000 buffers: the driver's,
/// VMA's and the way's own) left that sorting to the first `malloc` of whichever way ran next,
/// inside its clock: 0.1-0.4 ms measured on lavapipe (`perf record`), in the `malloc` of VMA's
/// first memory block (`VmaBlockVector::AllocatePage`) on the fresh allocator of the way that
/// follows one of them, the hand-written ways' and vkres's alike: noise of a tenth on a 2 ms
/// way, of twice its time on a 0.06 ms one. Each way's time is its own work again: a few
/// requests too large for the caches (64 KiB, under the `mmap` threshold) sort everything, and
/// are freed. It moves neither the hand-written way's median (2.0-2.4 ms with and without it,
/// six processes each) nor the ratio of its A/A control.
pub fn settle_heap() {
    for _ in 0..16 {
        drop(std::hint::black_box(Vec::<u8>::with_capacity(1 << 16)));
    }
}

/// The ratio of two ways run by run: `a[i] / b[i]` for each counted run `i` (both ran in the
/// same interleaved round, a few milliseconds apart, so a slow stretch of the machine slows
/// both), and its median, lowest and highest. `None` unless both have the same number of runs.
/// Where the ratio of the two medians moves between processes and this one does not, the
/// spread was the machine's, not the ways'.
pub fn paired(a: &[Duration], b: &[Duration]) -> Option<Summary> {
    if a.is_empty() || a.len() != b.len() {
        return None;
    }
    let ratios: Vec<f64> = a.iter().zip(b).map(|(x, y)| x.as_secs_f64() / y.as_secs_f64().max(1e-12)).collect();
    Summary::of_ms(&ratios)
}

/// A line saying [`paired`]'s figures of `label`, or nothing where it has none.
pub fn paired_line(label: &str, a: &[Duration], b: &[Duration]) -> String {
    match paired(a, b) {
        Some(p) => format!(
            "{label}, run by run (same round): median {:.3}, lowest {:.3}, highest {:.3}\n",
            p.median_ms, p.min_ms, p.max_ms
        ),
        None => String::new(),
    }
}

/// The way that `VKRES_BENCH_WAY` names, where it is set: a probe run of that way alone.
pub fn only_way() -> Option<usize> {
    std::env::var("VKRES_BENCH_WAY").ok().and_then(|w| w.trim().parse().ok())
}

/// Fisher-Yates with xorshift64 (no dependency for a benchmark's run order).
fn shuffle(items: &mut [usize], state: &mut u64) {
    for i in (1..items.len()).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        items.swap(i, (*state % (i as u64 + 1)) as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_max() {
        let ms = |v: &[u64]| v.iter().map(|&m| Duration::from_millis(m)).collect::<Vec<_>>();
        let s = Summary::of(&ms(&[5, 1, 3])).unwrap();
        assert_eq!((s.median_ms, s.min_ms, s.max_ms), (3.0, 1.0, 5.0));
        assert_eq!(Summary::of(&ms(&[4, 2])).unwrap().median_ms, 3.0);
        assert!(Summary::of(&[]).is_none());
        assert_eq!(median(&[2.0, 9.0, 1.0, 4.0]), Some(3.0));
        assert_eq!(median(&[]), None);
        assert_eq!(median_duration(&mut ms(&[7, 1, 3, 5])), Some(Duration::from_millis(4)));
        assert_eq!(median_duration(&mut ms(&[7, 1, 3])), Some(Duration::from_millis(3)));
        assert_eq!(median_duration(&mut []), None);
        assert_eq!(Summary::of_ms(&[7.0, 5.0, 6.0]).map(|s| (s.min_ms, s.max_ms)), Some((5.0, 7.0)));
        assert!((Summary::of(&ms(&[1000])).unwrap().gbps(2_000_000_000) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn paired_ratios_are_taken_run_by_run() {
        let ms = |v: &[u64]| v.iter().map(|&m| Duration::from_millis(m)).collect::<Vec<_>>();
        // The machine doubles both ways' times in the second run: each run still says 1.1.
        let p = paired(&ms(&[11, 22, 11]), &ms(&[10, 20, 10])).unwrap();
        assert!((p.median_ms - 1.1).abs() < 1e-9 && (p.min_ms - 1.1).abs() < 1e-9 && (p.max_ms - 1.1).abs() < 1e-9);
        // A run where only one way was slowed shows up as that run's ratio alone.
        let p = paired(&ms(&[10, 30, 10]), &ms(&[10, 10, 10])).unwrap();
        assert_eq!((p.median_ms, p.max_ms), (1.0, 3.0));
        assert!(paired(&ms(&[1, 2]), &ms(&[1])).is_none());
        assert!(paired(&[], &[]).is_none());
        assert!(paired_line("x", &ms(&[2]), &ms(&[1])).starts_with("x, run by run (same round): median 2.000"));
    }

    #[test]
    fn warmups_are_not_counted_and_ways_interleave() {
        let mut order = Vec::new();
        let times = interleaved::<()>(1, 40, 3, |way| {
            order.push(way);
            Ok((way != 2).then_some(Duration::from_millis(1)))
        })
        .unwrap();
        assert_eq!(times.iter().map(Vec::len).collect::<Vec<_>>(), [40, 40, 0]);
        // Every run runs every way once, in orders that vary: way 0 follows each other way.
        for run in order.chunks(3) {
            let mut sorted = run.to_vec();
            sorted.sort();
            assert_eq!(sorted, [0, 1, 2]);
        }
        let before_0: std::collections::HashSet<usize> = order.windows(2).filter(|w| w[1] == 0).map(|w| w[0]).collect();
        assert!(before_0.contains(&1) && before_0.contains(&2), "way 0 followed only {before_0:?}");
    }
}
