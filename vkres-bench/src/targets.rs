//! Issue 8's targets, checked against the figures of the same run.

use crate::json::Results;
use crate::report;

/// `measured` against `goal`: `(shown, met)`; `None` where not measured.
fn check(value: Option<f64>, at_least: bool, goal: f64) -> (String, &'static str) {
    match value {
        Some(v) if at_least => (format!("{v:.2}"), if v >= goal { "yes" } else { "no" }),
        Some(v) => (format!("{v:.2}"), if v <= goal { "yes" } else { "no" }),
        None => ("n/a".into(), "not measured"),
    }
}

fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?).filter(|v| v.is_finite())
}

/// The targets table.
pub fn table_rows(r: &Results) -> Vec<Vec<String>> {
    let rows: Vec<(String, Option<f64>, bool, f64, &str)> = vec![
        (
            "upload_256mib_gbps: vkres / ash".into(),
            div(r.upload_256mib_gbps.vkres, r.upload_256mib_gbps.ash),
            true,
            0.95,
            ">= 0.95",
        ),
        (
            "upload_1gib_gbps: vkres / ash".into(),
            div(r.upload_1gib_gbps.vkres, r.upload_1gib_gbps.ash),
            true,
            0.95,
            ">= 0.95",
        ),
        (
            "upload_256mib_gbps: vkres / wgpu".into(),
            div(r.upload_256mib_gbps.vkres, r.upload_256mib_gbps.wgpu),
            true,
            2.5,
            ">= 2.5",
        ),
        ("upload_1gib_gbps.vkres (H100 target)".into(), r.upload_1gib_gbps.vkres, true, 30.0, ">= 30"),
        (
            "bundle_create_ms: vkres / ash".into(),
            div(r.bundle_create_ms.vkres, r.bundle_create_ms.ash),
            false,
            1.05,
            "<= 1.05",
        ),
        (
            "small_buffers_10k_ms: vkres / ash".into(),
            div(r.small_buffers_10k_ms.vkres, r.small_buffers_10k_ms.ash),
            false,
            1.05,
            "<= 1.05",
        ),
        (
            "blas_1m_tri_ms: vkres / ash".into(),
            div(r.blas_1m_tri_ms.vkres, r.blas_1m_tri_ms.ash),
            false,
            1.05,
            "<= 1.05",
        ),
        ("tlas_10k_ms: vkres / ash".into(), div(r.tlas_10k_ms.vkres, r.tlas_10k_ms.ash), false, 1.05, "<= 1.05"),
        ("submits_per_bundle".into(), r.submits_per_bundle.map(|v| v as f64), false, 1.0, "= 1"),
        ("samplers_for_1000_identical".into(), r.samplers_for_1000_identical.map(|v| v as f64), false, 1.0, "= 1"),
        ("device_memory_blocks_10k".into(), r.device_memory_blocks_10k.map(|v| v as f64), false, 8.0, "<= 8"),
    ];
    rows.into_iter()
        .map(|(name, value, at_least, goal, shown_goal)| {
            let (measured, met) = check(value, at_least, goal);
            vec![name, measured, shown_goal.into(), met.into()]
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
        assert_eq!(rows[8][1..], ["2.00", "= 1", "no"]);
    }
}
