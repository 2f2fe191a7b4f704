#!/usr/bin/env bash
# Device-tool script (H100): run from the repository root with .gl, .gl2 and .devbin carried; see
# tools/device/README.md. Session 8's runs: `bash tools/device/run-session8.sh PART` with PART one of
# suite | compare | first | last | bench (each fits one device call of 600 s). `.devbin/vkres-bench-s7` is session 7's
# build (7ff026a), the "before" of the compare rounds.
set -o pipefail
. tools/device/setup.sh > /dev/null 2>&1
export VKRES_GLTF_MODELS=$PWD/.devbin/models/glTF2 VKRES_TEST_SERIAL_DEVICES=1
# One before/after round: session 7's build, then this one's, each `vkres-bench --only $1 --runs $2`.
round() {
    for v in s7 now; do
        bin=.devbin/vkres-bench-$v; [ $v = now ] && bin=.devbin/vkres-bench
        echo "== $v"; timeout 70 "$bin" --only "$1" --runs "$2" --no-derive-build 2>&1 | bench_rows
    done
}
bench_rows() { grep -E "^\| (vkres|ash|1000|TLAS|BLAS|frame)|_ms: |frame" | grep -vE "n/a|wgpu" | cut -c1-140; }
case "${1:-suite}" in
suite)
    # One thread: with several, the loader/driver deadlock of docs/RELIABILITY.md.
    timeout 400 .devbin/runtime --test-threads=1 2>&1 | grep -E "FAILED|panicked|test result|SKIPPED" | head -40
    timeout 40 .devbin/cuda_import 256 2>&1 | tail -2 ;;
compare)
    # Before/after, interleaved round by round on the same warm machine.
    for r in 1 2 3; do echo "= round $r"; round frame,bundle,small,accel,gather 9; done ;;
first)
    # One call when machines are scarce: the suite, then two before/after rounds.
    timeout 260 .devbin/runtime --test-threads=1 2>&1 | grep -E "FAILED|panicked|test result" | head -20
    for r in 1 2; do echo "= round $r"; round frame,bundle,small,accel,gather 9; done ;;
last)
    # Little device time left: the suite, then the frame loop before/after once.
    timeout 200 .devbin/runtime --test-threads=1 2>&1 | grep -E "FAILED|panicked|test result" | head -20
    round frame 5 ;;
bench)
    timeout 300 .devbin/vkres-bench --no-derive-build --processes 9 --only small,bundle,gather,accel,frame 2>&1 | tail -60 ;;
esac
