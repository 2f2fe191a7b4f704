//! Issue 8's targets, checked against the figures of the same run.

use crate::json::Results;
use crate::report;

/// What a figure must be.
#[derive(Clone, Copy, Debug)]
pub enum Goal {
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

/// One target: a stable id (its key in the JSON's `ratio_spread` and `ratios`), the row's
/// name, the figure of one run (`None`: not measured) and its goal.
pub struct Target {
    pub id: &'static str,
    pub name: &'static str,
    pub value: Option<f64>,
    pub goal: Goal,
}

/// Every target with its figure in `r`.
pub fn targets(r: &Results) -> Vec<Target> {
    let count = |v: Option<u64>| v.map(|v| v as f64);
    let rows: [(&str, &str, Option<f64>, Goal); 23] = [
        (
            "upload_256mib_vkres_over_ash",
            "upload_256mib_gbps: vkres / ash",
            div(r.upload_256mib_gbps.vkres, r.upload_256mib_gbps.ash),
            Goal::AtLeast(0.95),
        ),
        (
            "upload_1gib_vkres_over_ash",
            "upload_1gib_gbps: vkres / ash",
            div(r.upload_1gib_gbps.vkres, r.upload_1gib_gbps.ash),
            Goal::AtLeast(0.95),
        ),
        (
            "upload_256mib_vkres_over_wgpu",
            "upload_256mib_gbps: vkres / wgpu",
            div(r.upload_256mib_gbps.vkres, r.upload_256mib_gbps.wgpu),
            Goal::AtLeast(2.5),
        ),
        ("upload_1gib_vkres", "upload_1gib_gbps.vkres (H100 target)", r.upload_1gib_gbps.vkres, Goal::AtLeast(30.0)),
        ("upload_4kib_vkres", "upload_4kib_us.vkres (H100 target)", r.upload_4kib_us.vkres, Goal::AtMost(5.0)),
        ("upload_64kib_vkres", "upload_64kib_us.vkres (H100 target)", r.upload_64kib_us.vkres, Goal::AtMost(10.0)),
        (
            "small_uploads_1000_vkres_over_ash",
            "small_uploads_1000_ms: vkres / ash",
            div(r.small_uploads_1000_ms.vkres, r.small_uploads_1000_ms.ash),
            Goal::AtMost(1.05),
        ),
        (
            "small_uploads_1000_arena_over_ash_one_buffer",
            "small_uploads_1000_ms: vkres_arena / ash_one_buffer",
            div(r.small_uploads_1000_one_buffer_ms[0], r.small_uploads_1000_one_buffer_ms[1]),
            Goal::AtMost(1.05),
        ),
        (
            "bundle_create_vkres_over_ash",
            "bundle_create_ms: vkres / ash",
            div(r.bundle_create_ms.vkres, r.bundle_create_ms.ash),
            Goal::AtMost(1.05),
        ),
        (
            "small_buffers_10k_vkres_over_ash",
            "small_buffers_10k_ms: vkres / ash",
            div(r.small_buffers_10k_ms.vkres, r.small_buffers_10k_ms.ash),
            Goal::AtMost(1.05),
        ),
        (
            "small_buffers_10k_ash_over_suballocated",
            "small_buffers_10k_ms: ash / suballocated",
            div(r.small_buffers_10k_ms.ash, r.small_buffers_10k_suballocated_ms),
            Goal::AtLeast(10.0),
        ),
        (
            "small_buffers_10k_ash_over_suballocated_group",
            "small_buffers_10k_ms: ash / suballocated_group",
            div(r.small_buffers_10k_ms.ash, r.small_buffers_10k_group_ms),
            Goal::AtLeast(10.0),
        ),
        (
            "blas_1m_tri_vkres_over_ash",
            "blas_1m_tri_ms: vkres / ash",
            div(r.blas_1m_tri_ms.vkres, r.blas_1m_tri_ms.ash),
            Goal::AtMost(1.05),
        ),
        (
            "tlas_10k_vkres_over_ash",
            "tlas_10k_ms: vkres / ash",
            div(r.tlas_10k_ms.vkres, r.tlas_10k_ms.ash),
            Goal::AtMost(1.05),
        ),
        (
            "blas_small_1000_vkres_over_ash",
            "blas_small_1000_ms: vkres / ash",
            div(r.blas_small_1000_ms.vkres, r.blas_small_1000_ms.ash),
            Goal::AtMost(1.05),
        ),
        ("submits_per_bundle", "submits_per_bundle", count(r.submits_per_bundle), Goal::Exactly(1.0)),
        (
            "samplers_for_1000_identical",
            "samplers_for_1000_identical",
            count(r.samplers_for_1000_identical),
            Goal::Exactly(1.0),
        ),
        ("device_memory_blocks_10k", "device_memory_blocks_10k", count(r.device_memory_blocks_10k), Goal::AtMost(8.0)),
        (
            "scene_create_vkres_over_ash",
            "scene_create_ms: vkres / ash",
            div(r.scene_create_ms.vkres, r.scene_create_ms.ash),
            Goal::AtMost(1.05),
        ),
        (
            "upload_1gib_vkres_over_pinned",
            "upload_1gib_gbps.vkres / pinned_copy_gbps (issue 20: >= 90% of the limit)",
            div(r.upload_1gib_gbps.vkres, r.pinned_copy_gbps),
            Goal::AtLeast(0.9),
        ),
        // Issue 18 item 8: the frame loop (`ways/frame.rs`).
        (
            "frame_cpu_vkres_over_ash",
            "frame_cpu_us: vkres / ash (issue 18)",
            div(r.frame_cpu_us.vkres, r.frame_cpu_us.ash),
            Goal::AtMost(1.05),
        ),
        (
            "frame_extra_submissions_vkres",
            "frame_extra_submissions.vkres",
            count(r.frame_extra_submissions[0]),
            Goal::Exactly(0.0),
        ),
        (
            "frame_allocations_per_frame_vkres",
            "frame_allocations_per_frame.vkres",
            r.frame_allocations[0],
            Goal::Exactly(0.0),
        ),
    ];
    rows.into_iter().map(|(id, name, value, goal)| Target { id, name, value, goal }).collect()
}

/// The targets table: name, measured, goal, met.
pub fn table_rows(r: &Results) -> Vec<Vec<String>> {
    targets(r)
        .into_iter()
        .map(|t| {
            let (measured, met) = match t.value {
                Some(v) => (format!("{v:.2}"), if t.goal.met(v) { "yes" } else { "no" }),
                None => ("n/a".into(), "not measured"),
            };
            vec![t.name.into(), measured, t.goal.shown(), met.into()]
        })
        .collect()
}

/// The targets as a Markdown table, with the derive's compile cost beside them.
pub fn table(r: &Results) -> String {
    let mut out = String::from("## Targets (ratios from this run)\n\n");
    if r.quick {
        out += "Quick mode: the keys are measured at smaller sizes (uploads of 16 and 64 MiB, 1000 small \
                buffers, a 20 000-triangle BLAS, a 1000-instance TLAS, 100 small BLASes): a smoke run, not figures to quote.\n\n";
    }
    out += &report::table(&["target", "measured", "goal", "met"], &table_rows(r));
    if let (Some(d), Some(p)) = (r.derive_incremental_build_s, r.plain_incremental_build_s) {
        out += &format!("\nderive_incremental_build_s: {d:.2} (the same structs without the derive: {p:.2})\n");
    }
    out
}

/// The targets of several processes (`--processes`): per target, each process's figure and
/// whether it met the goal, and in how many processes it did. `per_process[id]` holds each
/// process's figure of target `id` (`None`: not measured there).
pub fn table_per_process(
    per_process: &std::collections::BTreeMap<String, Vec<Option<f64>>>,
    processes: usize,
) -> String {
    let mut out = format!("## Targets in each of {processes} processes (the goal must hold in every one)\n\n");
    let mut header = vec!["target".to_string(), "goal".to_string()];
    header.extend((1..=processes).map(|k| format!("p{k}")));
    header.extend(["met in".to_string(), "lowest".to_string(), "highest".to_string()]);
    let rows: Vec<Vec<String>> = targets(&Results::default())
        .into_iter()
        .map(|t| {
            let values = per_process.get(t.id).cloned().unwrap_or_default();
            let mut row = vec![t.name.to_string(), t.goal.shown()];
            row.extend(values.iter().map(|v| match v {
                Some(v) => format!("{v:.2} {}", if t.goal.met(*v) { "met" } else { "MISSED" }),
                None => "n/a".into(),
            }));
            row.extend(std::iter::repeat_n(String::new(), processes.saturating_sub(values.len())));
            let measured = values.iter().flatten().count();
            let met = values.iter().flatten().filter(|v| t.goal.met(**v)).count();
            row.push(if measured == 0 { "not measured".into() } else { format!("{met}/{measured}") });
            row.push(crate::report::num(values.iter().flatten().copied().reduce(f64::min)));
            row.push(crate::report::num(spread(&values)));
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    out += &report::table(&header, &rows);
    out
}

/// The highest of a target's figures over processes (`ratio_spread.<target>`), `None` where
/// no process measured it.
pub fn spread(values: &[Option<f64>]) -> Option<f64> {
    values.iter().flatten().copied().reduce(f64::max)
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
        let ids: std::collections::HashSet<_> = targets(&r).iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), rows.len(), "every target has its own id");
        assert_eq!(rows[15][1..], ["2.00", "= 1", "no"]);
    }
}

#[cfg(test)]
mod per_process {
    use super::*;

    #[test]
    fn spread_is_the_highest_and_the_table_counts_processes_met() {
        assert_eq!(spread(&[Some(1.02), None, Some(1.10), Some(0.98)]), Some(1.10));
        assert_eq!(spread(&[None, None]), None);
        let mut per = std::collections::BTreeMap::new();
        per.insert("bundle_create_vkres_over_ash".to_string(), vec![Some(1.01), Some(1.07), Some(1.04)]);
        let table = table_per_process(&per, 3);
        let row = table.lines().find(|l| l.starts_with("| bundle_create_ms")).unwrap();
        assert!(
            row.contains("1.01 met") && row.contains("1.07 MISSED") && row.contains("| 2/3 | 1.01 | 1.07 |"),
            "{row}"
        );
        let unmeasured = table.lines().find(|l| l.starts_with("| tlas_10k_ms")).unwrap();
        assert!(unmeasured.contains("not measured"), "{unmeasured}");
    }
}
