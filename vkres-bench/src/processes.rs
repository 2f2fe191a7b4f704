//! `--processes N` (issue 20, item 3): the program runs itself N times, one process after
//! another, and merges their JSON: every figure is the median over the processes of each
//! process's median, and each target's figure of every process is kept (`ratios_per_process`)
//! with the highest of them (`ratio_spread`), so that "met in every one of 9 processes" is
//! checked by one command. A figure that differs from process to process (as the H100's
//! hand-written BLAS builds did, in two groups) shows there, not only in the median.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::{Map, Value, json};

use crate::BenchResult;
use crate::args::Args;
use crate::stats::median;
use crate::targets;

/// Runs the program `args.processes` times with `args` (the first process also writes the
/// plot and times the derive's build), prints each one's tables as it goes and then the
/// targets of every process, and writes the merged JSON.
pub fn run(args: &Args) -> BenchResult<()> {
    let n = args.processes;
    let exe = std::env::current_exe().map_err(|e| format!("the program's own path: {e}"))?;
    let dir = std::env::temp_dir().join(format!("vkres-bench-processes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut docs = Vec::with_capacity(n);
    for k in 0..n {
        println!("# Process {} of {n}\n", k + 1);
        let json = dir.join(format!("process-{k}.json"));
        let status = Command::new(&exe)
            .args(args.child_args(&json, k == 0))
            .status()
            .map_err(|e| format!("process {} of {n}: {e}", k + 1))?;
        if !status.success() {
            return Err(format!("process {} of {n} failed ({status})", k + 1).into());
        }
        docs.push(read(&json)?);
    }
    // Best effort: a left-over temporary folder is harmless.
    let _ = std::fs::remove_dir_all(&dir);
    let merged = merge_processes(&docs);
    let per_process = per_process(&docs);
    println!("{}", targets::table_per_process(&per_process, n));
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&merged)? + "\n")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        println!("JSON (medians over the {n} processes) written to {}", path.display());
    }
    Ok(())
}

fn read(path: &Path) -> BenchResult<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}

/// Each target's figure in each process, by target id.
pub fn per_process(docs: &[Value]) -> BTreeMap<String, Vec<Option<f64>>> {
    targets::targets(&Default::default())
        .into_iter()
        .map(|t| (t.id.to_string(), docs.iter().map(|d| d["ratios"][t.id].as_f64()).collect()))
        .collect()
}

/// The processes' documents merged: every number the median over the processes that have it
/// (kept as it is where all agree), then `ratios_per_process`, `ratio_spread` (the highest
/// figure of each target over the processes) and `processes`.
pub fn merge_processes(docs: &[Value]) -> Value {
    let refs: Vec<&Value> = docs.iter().collect();
    let mut merged = merge(&refs);
    let per_process = per_process(docs);
    let spread: Map<String, Value> =
        per_process.iter().map(|(id, values)| (id.clone(), json!(targets::spread(values)))).collect();
    if let Value::Object(map) = &mut merged {
        map.insert("ratios_per_process".into(), json!(per_process));
        map.insert("ratio_spread".into(), Value::Object(spread));
        map.insert("processes".into(), json!(docs.len()));
    }
    merged
}

/// The merge of one key's values over the processes (`Null` where a process lacks it).
fn merge(values: &[&Value]) -> Value {
    let Some(first) = values.first() else { return Value::Null };
    let numeric = values.iter().all(|v| v.is_number() || v.is_null()) && values.iter().any(|v| v.is_number());
    if numeric {
        let numbers: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
        if values.iter().all(|v| *v == *first) {
            return (*first).clone();
        }
        return json!(median(&numbers));
    }
    match first {
        Value::Object(map) => Value::Object(
            map.keys()
                .map(|k| (k.clone(), merge(&values.iter().map(|v| &v[k.as_str()]).collect::<Vec<_>>())))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            (0..items.len())
                .map(|i| merge(&values.iter().map(|v| v.get(i).unwrap_or(&Value::Null)).collect::<Vec<_>>()))
                .collect(),
        ),
        other => (*other).clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_spread_and_per_process_figures() {
        let doc = |bundle: f64, ash: f64, ratio: f64| {
            json!({
                "device": "dev", "runs": 7, "submits_per_bundle": 1,
                "bundle_create_ms": { "vkres": bundle, "ash": ash },
                "upload_bytes": [256, 1024],
                "upload_sweep_gbps": { "bytes": [256], "vkres": [ratio * 10.0] },
                "ratios": {
                    "bundle_create_vkres_over_ash": ratio,
                    "tlas_10k_vkres_over_ash": null,
                    "blas_small_1000_vkres_over_ash": ratio * 1.01,
                },
            })
        };
        let docs = [doc(1.0, 1.0, 1.0), doc(3.0, 2.0, 1.5), doc(2.0, 2.0, 1.0)];
        let merged = merge_processes(&docs);
        assert_eq!(merged["bundle_create_ms"]["vkres"], 2.0);
        assert_eq!(merged["bundle_create_ms"]["ash"], 2.0);
        assert_eq!((merged["runs"].as_u64(), merged["submits_per_bundle"].as_u64()), (Some(7), Some(1)));
        assert_eq!(merged["device"], "dev");
        assert_eq!(merged["upload_bytes"], json!([256, 1024]));
        assert_eq!(merged["upload_sweep_gbps"]["vkres"], json!([10.0]));
        assert_eq!(merged["ratio_spread"]["bundle_create_vkres_over_ash"], 1.5);
        assert!(merged["ratio_spread"]["tlas_10k_vkres_over_ash"].is_null());
        assert_eq!(merged["ratios_per_process"]["bundle_create_vkres_over_ash"], json!([1.0, 1.5, 1.0]));
        assert_eq!(merged["ratios"]["bundle_create_vkres_over_ash"], 1.0);
        assert_eq!(merged["processes"], 3);
        assert_eq!(merged["ratio_spread"]["blas_small_1000_vkres_over_ash"], 1.5 * 1.01);
        assert_eq!(merged["ratios_per_process"]["blas_small_1000_vkres_over_ash"], json!([1.01, 1.5 * 1.01, 1.01]));
    }
}
