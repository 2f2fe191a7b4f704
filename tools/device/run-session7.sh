#!/usr/bin/env bash
# Device-tool script (H100): run from the repository root with .gl, .gl2 and .devbin carried; see
# tools/device/README.md. Session 7's runs, in one file: `bash tools/device/run-session7.sh PART`
# with PART one of tests | suite | bench | compare (each fits one device call of 600 s).
# `.devbin/vkres-bench-ddff5fa` (and `-baseline`, 6b5c0ae) are older builds for before/after rows.
set -o pipefail
. tools/device/setup.sh > /dev/null 2>&1
export VKRES_GLTF_MODELS=$PWD/.devbin/models/glTF2 VKRES_TEST_SERIAL_DEVICES=1
bench_rows() { grep -E "^\| (vkres|ash|1000|TLAS|BLAS)|_ms: " | grep -vE "n/a|wgpu" | cut -c1-120; }
case "${1:-tests}" in
tests)
    timeout 150 .devbin/runtime --test-threads=4 transfer_queue memory:: manager::defrag direct_writes import:: 2>&1 \
        | grep -E "FAILED|panicked|test result"
    timeout 40 .devbin/cuda_import 256 2>&1 | tail -3
    timeout 60 .devbin/runtime --test-threads=1 gltf::picture --nocapture 2>&1 | grep -E "after|test result|panicked"
    timeout 30 .devbin/gltf "$VKRES_GLTF_MODELS/2CylinderEngine-glTF-Binary/2CylinderEngine.glb" --out "$OUT" 2>&1 | tail -4 ;;
suite)
    # One thread: with several, the loader/driver deadlock of docs/RELIABILITY.md.
    timeout 280 .devbin/runtime --test-threads=1 2>&1 | grep -E "FAILED|panicked|test result" ;;
bench)
    timeout 150 .devbin/vkres-bench --only upload --no-derive-build --json "$OUT/upload.json" 2>&1 | tail -45
    timeout 80 .devbin/vkres-bench --only scene --runs 8 --no-derive-build 2>&1 | bench_rows
    timeout 60 .devbin/vkres-bench --only alias,gather --runs 5 --no-derive-build 2>&1 | bench_rows ;;
compare)
    for round in 1 2 3; do for v in baseline ddff5fa now; do
        bin=.devbin/vkres-bench-$v; [ $v = now ] && bin=.devbin/vkres-bench
        [ -x "$bin" ] || continue
        echo "== $v, round $round"
        timeout 60 "$bin" --only frame,bundle,small,accel --runs 9 --no-derive-build 2>&1 | bench_rows
    done; done ;;
esac
