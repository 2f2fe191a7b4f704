//! The results every section fills in, and their JSON form (issue 8's keys).

use serde_json::{Value, json};

/// vkres, hand-written ash + vk-mem, and wgpu figures of one measurement (`None`: the way
/// cannot do the work, was not built in, or the section did not run).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Three {
    pub vkres: Option<f64>,
    pub ash: Option<f64>,
    pub wgpu: Option<f64>,
}

/// Upload throughput against upload size, for the plot.
#[derive(Debug, Default, Clone)]
pub struct Sweep {
    /// Upload sizes in bytes, ascending.
    pub sizes: Vec<u64>,
    /// Per way: its name and its GB/s at each size (`None`: not measured there).
    pub series: Vec<(String, Vec<Option<f64>>)>,
}

/// Everything the program measured.
#[derive(Debug, Default, Clone)]
pub struct Results {
    pub device: String,
    pub runs: usize,
    pub quick: bool,
    /// The sizes behind the two upload keys (smaller in quick mode).
    pub upload_sizes: [u64; 2],
    pub upload_256mib_gbps: Three,
    pub upload_1gib_gbps: Three,
    /// The limit of a large upload (issue 20, item 2): a copy from imported pinned host memory
    /// into device-local memory, at the larger upload size (1 GiB; `None`: not measured, the
    /// key is then absent and `pinned_copy_missing` says why).
    pub pinned_copy_gbps: Option<f64>,
    /// The same at the smaller upload size (256 MiB).
    pub pinned_copy_256mib_gbps: Option<f64>,
    /// Why the pinned copy was not measured.
    pub pinned_copy_missing: Option<String>,
    /// Where a large upload's time goes (`ways/upload_pieces.rs`), at the larger upload size.
    pub upload_pieces: Option<Value>,
    /// A 4 KiB upload ready for use, in microseconds (issue 20, item 1).
    pub upload_4kib_us: Three,
    /// A 64 KiB upload ready for use, in microseconds.
    pub upload_64kib_us: Three,
    pub bundle_create_ms: Three,
    pub small_buffers_10k_ms: Three,
    /// The same count as ranges of one `BufferArena`, one `allocate_bytes` each, the arena's
    /// creation included.
    pub small_buffers_10k_suballocated_ms: Option<f64>,
    /// The same as one `allocate_group` (one allocation for all the ranges, freed together).
    pub small_buffers_10k_group_ms: Option<f64>,
    pub small_buffer_count: u64,
    /// 1000 small staged uploads (256 B-4 KiB) into device-local buffers in one batch, ready
    /// for use, in milliseconds: vkres (gathered, one copy per destination) and hand-written
    /// (one staging buffer, one copy per destination).
    pub small_uploads_1000_ms: Three,
    /// The same into ranges of one buffer: vkres `upload_sub` into one arena's `SubBuffer`s,
    /// and hand-written, one copy of 1000 regions.
    pub small_uploads_1000_one_buffer_ms: [Option<f64>; 2],
    pub device_memory_blocks_10k: Option<u64>,
    pub submits_per_bundle: Option<u64>,
    pub samplers_for_1000_identical: Option<u64>,
    pub blas_1m_tri_ms: Three,
    pub tlas_10k_ms: Three,
    /// 1000 small BLASes (16 triangles each) built in one batch, ready for use, in
    /// milliseconds: vkres (one `build_blas` each, one batch) and hand-written (one build
    /// command for all of them).
    pub blas_small_1000_ms: Three,
    /// The frame loop's CPU time per frame, in microseconds (`ways/frame.rs`).
    pub frame_cpu_us: Three,
    /// Submissions per frame beyond the caller's one, vkres then ash.
    pub frame_extra_submissions: [Option<u64>; 2],
    /// Heap allocations per frame after warm-up, vkres then ash.
    pub frame_allocations: [Option<f64>; 2],
    /// Issue 17's generated scene (1 000 meshes, 10 000 instances, 256 textures) in one `create`.
    pub scene_create_ms: Three,
    /// The scene section's extras: submissions, peak staging and its budget, heap bytes kept
    /// by each way's scene.
    pub scene: Option<serde_json::Value>,
    pub derive_incremental_build_s: Option<f64>,
    /// The same crate with the 50 structs written without the derive.
    pub plain_incremental_build_s: Option<f64>,
    pub sweep: Sweep,
    /// The `defrag` key (`ways/defrag.rs`): blocks and bytes before and after, ms per MiB moved.
    pub defrag: Option<Value>,
}

impl Results {
    /// The JSON document: the issue's keys (dotted keys as nested objects), then extras.
    pub fn to_json(&self) -> Value {
        // Each target's figure (as the targets table has it), by id; one process: its spread
        // is its own figure.
        let ratios: serde_json::Map<String, Value> =
            crate::targets::targets(self).into_iter().map(|t| (t.id.to_string(), json!(t.value))).collect();
        let with_wgpu = |t: &Three| json!({ "vkres": t.vkres, "ash": t.ash, "wgpu": t.wgpu });
        let without_wgpu = |t: &Three| json!({ "vkres": t.vkres, "ash": t.ash });
        let mut sweep = serde_json::Map::new();
        sweep.insert("bytes".into(), json!(self.sweep.sizes));
        for (name, gbps) in &self.sweep.series {
            sweep.insert(name.clone(), json!(gbps));
        }
        let mut doc = json!({
            "upload_256mib_gbps": with_wgpu(&self.upload_256mib_gbps),
            "upload_1gib_gbps": without_wgpu(&self.upload_1gib_gbps),
            "upload_4kib_us": with_wgpu(&self.upload_4kib_us),
            "upload_64kib_us": with_wgpu(&self.upload_64kib_us),
            "bundle_create_ms": without_wgpu(&self.bundle_create_ms),
            "small_buffers_10k_ms": {
                "vkres": self.small_buffers_10k_ms.vkres,
                "ash": self.small_buffers_10k_ms.ash,
                "wgpu": self.small_buffers_10k_ms.wgpu,
                "suballocated": self.small_buffers_10k_suballocated_ms,
                "suballocated_group": self.small_buffers_10k_group_ms,
            },
            "small_uploads_1000_ms": {
                "vkres": self.small_uploads_1000_ms.vkres,
                "ash": self.small_uploads_1000_ms.ash,
                "vkres_arena": self.small_uploads_1000_one_buffer_ms[0],
                "ash_one_buffer": self.small_uploads_1000_one_buffer_ms[1],
            },
            "device_memory_blocks_10k": self.device_memory_blocks_10k,
            "submits_per_bundle": self.submits_per_bundle,
            "samplers_for_1000_identical": self.samplers_for_1000_identical,
            "blas_1m_tri_ms": without_wgpu(&self.blas_1m_tri_ms),
            "tlas_10k_ms": without_wgpu(&self.tlas_10k_ms),
            "blas_small_1000_ms": without_wgpu(&self.blas_small_1000_ms),
            "frame_cpu_us": without_wgpu(&self.frame_cpu_us),
            "frame_extra_submissions": { "vkres": self.frame_extra_submissions[0], "ash": self.frame_extra_submissions[1] },
            "frame_allocations_per_frame": { "vkres": self.frame_allocations[0], "ash": self.frame_allocations[1] },
            "scene_create_ms": without_wgpu(&self.scene_create_ms),
            "scene": self.scene,
            "device": self.device,
            "runs": self.runs,
            "derive_incremental_build_s": self.derive_incremental_build_s,
            "plain_incremental_build_s": self.plain_incremental_build_s,
            "quick": self.quick,
            "upload_bytes": self.upload_sizes,
            "small_buffer_count": self.small_buffer_count,
            "upload_sweep_gbps": sweep,
            "defrag": self.defrag,
            "ratios": ratios.clone(),
            "ratio_spread": ratios,
            "processes": 1,
        });
        // The pinned-copy limit: present only where it was measured (issue 20, item 2).
        if let Some(object) = doc.as_object_mut() {
            if let Some(gbps) = self.pinned_copy_gbps {
                object.insert("pinned_copy_gbps".into(), json!(gbps));
                object.insert("pinned_copy_256mib_gbps".into(), json!(self.pinned_copy_256mib_gbps));
            }
            if let Some(why) = &self.pinned_copy_missing {
                object.insert("pinned_copy_missing".into(), json!(why));
            }
            if let Some(pieces) = &self.upload_pieces {
                object.insert("upload_1gib_pieces_ms".into(), pieces.clone());
            }
        }
        doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_keys_nested_with_nulls() {
        let mut r = Results { device: "dev".into(), runs: 3, ..Default::default() };
        r.upload_256mib_gbps = Three { vkres: Some(10.0), ash: Some(8.0), wgpu: None };
        r.submits_per_bundle = Some(1);
        let v = r.to_json();
        assert_eq!(v["upload_256mib_gbps"]["vkres"], 10.0);
        assert!(v["upload_256mib_gbps"]["wgpu"].is_null());
        assert!(v["upload_256mib_gbps"].as_object().unwrap().contains_key("wgpu"));
        assert!(!v["upload_1gib_gbps"].as_object().unwrap().contains_key("wgpu"));
        for key in ["bundle_create_ms", "blas_1m_tri_ms", "tlas_10k_ms", "blas_small_1000_ms"] {
            assert_eq!(v[key].as_object().unwrap().len(), 2, "{key}");
        }
        assert_eq!(v["small_buffers_10k_ms"].as_object().unwrap().len(), 5);
        assert!(v["small_buffers_10k_ms"]["suballocated"].is_null());
        for key in ["device_memory_blocks_10k", "samplers_for_1000_identical", "derive_incremental_build_s"] {
            assert!(v[key].is_null(), "{key}");
        }
        assert_eq!(
            (v["submits_per_bundle"].as_u64(), v["device"].as_str(), v["runs"].as_u64()),
            (Some(1), Some("dev"), Some(3))
        );
    }

    #[test]
    fn the_pinned_copy_key_is_present_only_where_measured() {
        let mut r =
            Results { upload_1gib_gbps: Three { vkres: Some(45.0), ..Default::default() }, ..Default::default() };
        r.pinned_copy_missing = Some("no extension".into());
        let v = r.to_json();
        assert!(!v.as_object().unwrap().contains_key("pinned_copy_gbps"));
        assert_eq!(v["pinned_copy_missing"], "no extension");
        assert!(v["ratios"]["upload_1gib_vkres_over_pinned"].is_null(), "no ratio without the limit");
        r.pinned_copy_missing = None;
        r.pinned_copy_gbps = Some(50.0);
        let v = r.to_json();
        assert_eq!(v["pinned_copy_gbps"], 50.0);
        assert!(!v.as_object().unwrap().contains_key("pinned_copy_missing"));
        assert_eq!(v["ratios"]["upload_1gib_vkres_over_pinned"], 0.9);
    }
}
