//! Issue 8's targets, checked against the figures of the same run.

use crate::json::Results;
use crate::report;

/// What a figure must be.
#[derive(Clone, Copy)]
enum Goal {
    AtLeast(f64),
    AtMost(f64),
    /// A count that must be exactly this.
    Exactly(f64),
}

impl Goal {
    fn shown(self) -> String {
        match self {
            Goal::AtLeast(g) => format!(">= {g}"),
            Goal::AtMost(g) => format!("<= {g}"),
            Goal::Exactly(g) => format!("= {g}"),
        }
    }

    fn met(self, v: f64) -> bool {
        match self {
            Goal::AtLeast(g) => v >= g,
            Goal::AtMost(g) => v <= g,
            Goal::Exactly(g) => v == g,
        }
    }
}

fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?).filter(|v| v.is_finite())
}

/// The targets table.
pub fn table_rows(r: &Results) -> Vec<Vec<String>> {
    let count = |v: Option<u64>| v.map(|v| v as f64);
    let rows: [(&str, Option<f64>, Goal); 17] = [
        (
            "upload_256mib_gbps: vkres / ash",
            div(r.upload_256mib_gbps.vkres, r.upload_256mib_gbps.ash),
            Goal::AtLeast(0.95),
        ),
        ("upload_1gib_gbps: vkres / ash", div(r.upload_1gib_gbps.vkres, r.upload_1gib_gbps.ash), Goal::AtLeast(0.95)),
        (
            "upload_256mib_gbps: vkres / wgpu",
            div(r.upload_256mib_gbps.vkres, r.upload_256mib_gbps.wgpu),
            Goal::AtLeast(2.5),
        ),
        ("upload_1gib_gbps.vkres (H100 target)", r.upload_1gib_gbps.vkres, Goal::AtLeast(30.0)),
        ("upload_4kib_us.vkres (H100 target)", r.upload_4kib_us.vkres, Goal::AtMost(5.0)),
        ("upload_64kib_us.vkres (H100 target)", r.upload_64kib_us.vkres, Goal::AtMost(10.0)),
        (
            "small_uploads_1000_ms: vkres / ash",
            div(r.small_uploads_1000_ms.vkres, r.small_uploads_1000_ms.ash),
            Goal::AtMost(1.05),
        ),
        (
            "small_uploads_1000_ms: vkres_arena / ash_one_buffer",
            div(r.small_uploads_1000_one_buffer_ms[0], r.small_uploads_1000_one_buffer_ms[1]),
            Goal::AtMost(1.05),
        ),
        ("bundle_create_ms: vkres / ash", div(r.bundle_create_ms.vkres, r.bundle_create_ms.ash), Goal::AtMost(1.05)),
        (
            "small_buffers_10k_ms: vkres / ash",
            div(r.small_buffers_10k_ms.vkres, r.small_buffers_10k_ms.ash),
            Goal::AtMost(1.05),
        ),
        (
            "small_buffers_10k_ms: ash / suballocated",
            div(r.small_buffers_10k_ms.ash, r.small_buffers_10k_suballocated_ms),
            Goal::AtLeast(10.0),
        ),
        (
            "small_buffers_10k_ms: ash / suballocated_group",
            div(r.small_buffers_10k_ms.ash, r.small_buffers_10k_group_ms),
            Goal::AtLeast(10.0),
        ),
        ("blas_1m_tri_ms: vkres / ash", div(r.blas_1m_tri_ms.vkres, r.blas_1m_tri_ms.ash), Goal::AtMost(1.05)),
        ("tlas_10k_ms: vkres / ash", div(r.tlas_10k_ms.vkres, r.tlas_10k_ms.ash), Goal::AtMost(1.05)),
        ("submits_per_bundle", count(r.submits_per_bundle), Goal::Exactly(1.0)),
        ("samplers_for_1000_identical", count(r.samplers_for_1000_identical), Goal::Exactly(1.0)),
        ("device_memory_blocks_10k", count(r.device_memory_blocks_10k), Goal::AtMost(8.0)),
    ];
    rows.into_iter()
        .map(|(name, value, goal)| {
            let (measured, met) = match value {
                Some(v) => (format!("{v:.2}"), if goal.met(v) { "yes" } else { "no" }),
                None => ("n/a".into(), "not measured"),
            };
            vec![name.into(), measured, goal.shown(), met.into()]
        })
        .collect()
}

/// The targets as a Markdown table, with the derive's compile cost beside them.
pub fn table(r: &Results) -> String {
    let mut out = String::from("## Targets (ratios from this run)\n\n");
    if r.quick {
        out += "Quick mode: the keys are measured at smaller sizes (uploads of 16 and 64 MiB, 1000 small \
                buffers, a 20 000-triangle BLAS, a 1000-instance TLAS): a smoke run, not figures to quote.\n\n";
    }
    out += &report::table(&["target", "measured", "goal", "met"], &table_rows(r));
    if let (Some(d), Some(p)) = (r.derive_incremental_build_s, r.plain_incremental_build_s) {
        out += &format!("\nderive_incremental_build_s: {d:.2} (the same structs without the derive: {p:.2})\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Three;

    #[test]
    fn met_missed_and_unmeasured() {
        let mut r = Results { upload_sizes: [256 << 20, 1 << 30], ..Default::default() };
        r.upload_256mib_gbps = Three { vkres: Some(10.0), ash: Some(8.0), wgpu: Some(5.0) };
        r.submits_per_bundle = Some(2);
        let rows = table_rows(&r);
        assert_eq!(rows[0], ["upload_256mib_gbps: vkres / ash", "1.25", ">= 0.95", "yes"]);
        assert_eq!(rows[2][1..], ["2.00", ">= 2.5", "no"]);
        assert_eq!(rows[1][3], "not measured");
        assert_eq!(rows[14][1..], ["2.00", "= 1", "no"]);
    }
}
