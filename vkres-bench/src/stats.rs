//! Timing: ways run interleaved, run by run, after warm-ups; median, min and max.

use std::time::Duration;

/// Median, min and max of a way's counted runs, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    /// The summary of `times`, or `None` when there are none (a way that cannot do the work).
    pub fn of(times: &[Duration]) -> Option<Self> {
        let mut ms: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1e3).collect();
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

/// Runs `way(0..ways)` `warmups + runs` times, interleaved, and returns each way's counted
/// times. Each run starts one way later than the one before (0, 1, 2; 1, 2, 0; 2, 0, 1; ...),
/// so that every way follows every other equally often: a way that always ran after a long,
/// mostly idle one (1000 submissions one by one) found the GPU's clocks down, 13% on a 2.5 ms
/// build on the H100 (`examples/accel_probe`). `way(i)` returns the time to count (teardown may be
/// left out), or `None` where the way cannot do the work (its list stays empty).
pub fn interleaved<E>(
    warmups: usize,
    runs: usize,
    ways: usize,
    mut way: impl FnMut(usize) -> Result<Option<Duration>, E>,
) -> Result<Vec<Vec<Duration>>, E> {
    let mut times = vec![Vec::with_capacity(runs); ways];
    for run in 0..warmups + runs {
        for k in 0..ways {
            let i = (run + k) % ways;
            let counted = way(i)?.filter(|_| run >= warmups);
            times[i].extend(counted);
        }
    }
    Ok(times)
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
        assert!((Summary::of(&ms(&[1000])).unwrap().gbps(2_000_000_000) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn warmups_are_not_counted_and_ways_interleave() {
        let mut order = Vec::new();
        let times = interleaved::<()>(1, 2, 2, |way| {
            order.push(way);
            Ok((way == 0).then_some(Duration::from_millis(1)))
        })
        .unwrap();
        assert_eq!(times[0].len(), 2);
        assert!(times[1].is_empty());
        assert_eq!(order, [0, 1, 1, 0, 0, 1]);
    }
}
