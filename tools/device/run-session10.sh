#!/usr/bin/env bash
# Device-tool script (H100): run from the repository root with .gl, .gl2 and .devbin carried; see
# tools/device/README.md. Session 10's runs, each one device call (600 s at most):
#   bash tools/device/run-session10.sh suite   # the runtime suite (one thread), CUDA import, glTF example
#   bash tools/device/run-session10.sh full    # the full bench (JSON + plot into $OUT), one process
#   bash tools/device/run-session10.sh procs   # the per-process rows: 9 processes (JSON into $OUT)
# `.devbin/` holds stripped builds of one commit: `runtime` (target/debug/deps/runtime-*),
# `vkres-bench` (release, --features wgpu), `cuda_import` and `gltf` (release examples), and
# `models/glTF2` (from /usr/share/assimp/models/glTF2).
set -o pipefail
. tools/device/setup.sh > /dev/null 2>&1
export VKRES_GLTF_MODELS=$PWD/.devbin/models/glTF2 VKRES_TEST_SERIAL_DEVICES=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
case "${1:-suite}" in
suite)
    # One thread: with several, the loader/driver deadlock of docs/RELIABILITY.md.
    start=$(date +%s)
    timeout 330 .devbin/runtime --test-threads=1 > "$OUT/suite.log" 2>&1; echo "suite rc=$? in $(( $(date +%s) - start )) s"
    grep -E "FAILED|panicked|test result|SKIPPED" "$OUT/suite.log" | head -40
    timeout 40 .devbin/cuda_import 256 2>&1 | tail -2
    timeout 60 .devbin/gltf "$VKRES_GLTF_MODELS/2CylinderEngine-glTF-Binary/2CylinderEngine.glb" --out "$OUT" 2>&1 | tail -4 ;;
full)
    timeout 560 .devbin/vkres-bench --no-derive-build --json "$OUT/bench-h100.json" --plot "$OUT/upload-h100.png" \
        > "$OUT/full.log" 2>&1; echo "full rc=$?"; grep -A40 "^#### Targets" "$OUT/full.log" | head -60 ;;
procs)
    timeout 560 .devbin/vkres-bench --no-derive-build --processes 9 --only small,bundle,gather,accel,frame,scene \
        --json "$OUT/procs-h100.json" > "$OUT/procs.log" 2>&1; echo "procs rc=$?"; tail -45 "$OUT/procs.log" ;;
esac
