#!/usr/bin/env bash
# Device-tool script (H100), session 11: everything in one call (the device is scarce; see
# tools/device/README.md). Carry .gl, .gl2 and .devbin; `.devbin/` as for run-session10.sh plus
# `create_rounds` (a vkres-bench example) and `perf.tar.xz` (perf and its libraries, from this
# Debian machine: `perf` plus the libraries `ldd` lists that the device lacks).
#   bash tools/device/run-session11.sh          # suite and procs: about 380 s
#   bash tools/device/run-session11.sh PART...  # suite | procs | full | rounds
set -o pipefail
. tools/device/setup.sh > /dev/null 2>&1
export VKRES_GLTF_MODELS=$PWD/.devbin/models/glTF2 VKRES_TEST_SERIAL_DEVICES=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
since() { echo "$1 in $(( $(date +%s) - $2 )) s"; }
for part in "${@:-suite procs}"; do for part in $part; do
start=$(date +%s)
case "$part" in
suite)
    # One thread: with several, the loader/driver deadlock of docs/RELIABILITY.md.
    timeout 200 .devbin/runtime --test-threads=1 > "$OUT/suite.log" 2>&1; since "suite rc=$?" $start
    grep -E "FAILED|panicked|test result|SKIPPED" "$OUT/suite.log" | head -30
    timeout 40 .devbin/cuda_import 256 2>&1 | tail -2
    timeout 40 .devbin/gltf "$VKRES_GLTF_MODELS/2CylinderEngine-glTF-Binary/2CylinderEngine.glb" --out "$OUT" 2>&1 | tail -3 ;;
procs)
    timeout 260 .devbin/vkres-bench --no-derive-build --processes 9 --only small,bundle,gather,accel,scene \
        --json "$OUT/procs-h100.json" > "$OUT/procs.log" 2>&1; since "procs rc=$?" $start
    sed -n '/Targets in each of/,$p' "$OUT/procs.log" | grep -E "^\| [a-z]" | grep -v "not measured" ;;
full)
    timeout 200 .devbin/vkres-bench --no-derive-build --json "$OUT/bench-h100.json" --plot "$OUT/upload-h100.png" \
        > "$OUT/full.log" 2>&1; since "full rc=$?" $start ;;
rounds)
    # Where create_buffer's time goes on a real driver (helper perf11's probe): timed rounds,
    # then perf stat of each way (two round counts: the difference is the buffers' share).
    mkdir -p /tmp/perf && tar xJf .devbin/perf.tar.xz -C /tmp/perf
    P() { LD_LIBRARY_PATH=/tmp/perf/perflib /tmp/perf/perf "$@"; }
    timeout 30 .devbin/create_rounds 100 2>&1 | tail -8
    for kib in 2048; do echo "== $kib KiB evicted before each buffer"; EVICT_KIB=$kib COUNT=1000 timeout 30 .devbin/create_rounds 40 2>&1 | tail -6; done
    for w in vkres ash; do for r in 20 120; do
        echo "== perf stat $w $r rounds"
        P stat -x, -e task-clock,cycles,instructions,cache-misses,L1-dcache-load-misses,LLC-load-misses,branch-misses \
            timeout 30 .devbin/create_rounds $r $w 2>&1 | grep -v "^ *$" | grep -v median
    done; done
    since rounds $start ;;
esac
done; done
