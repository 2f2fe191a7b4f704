#!/usr/bin/env bash
# Device-tool script (H100), session 11 helper perf11: where create_buffer's time goes on a real
# driver. Carry .gl, .gl2 and .devbin (create_rounds and vkres-bench release builds, and `perf`
# with its libraries under .devbin/perflib); see tools/device/README.md.
#   bash tools/device/run-perf11.sh rounds   # the create_rounds ways, timed; perf stat per way
#   bash tools/device/run-perf11.sh bench    # vkres-bench --only small,bundle, 3 processes
set -o pipefail
. tools/device/setup.sh > /dev/null 2>&1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
lscpu | grep -E "Model name|^CPU\(s\)|L2|L3" ; uptime
mkdir -p /tmp/perf && tar xJf .devbin/perf.tar.xz -C /tmp/perf
P() { LD_LIBRARY_PATH=/tmp/perf/perflib /tmp/perf/perf "$@"; }
for part in "${@:-rounds}"; do
case "$part" in
rounds)
    for i in 1 2; do for b in base refill; do echo "== rounds-$b"; .devbin/rounds-$b 100; done; done
    for kib in 2048 16384; do echo "== rounds-t1, $kib KiB evicted before each buffer"; EVICT_KIB=$kib COUNT=1000 .devbin/rounds-t1 40; done
    for w in vkres ash ash-like-bare; do
        for r in 20 120; do
            echo "== perf stat $w $r rounds"
            P stat -x, -e task-clock,cycles,instructions,cache-misses,L1-dcache-load-misses,LLC-load-misses,branch-misses \
                .devbin/rounds-base $r $w 2>&1 | grep -v "^ *$" | grep -v median
        done
    done
    for w in vkres ash; do
        echo "== perf record $w"
        P record -q -o /tmp/perf-$w.data .devbin/rounds-base 200 $w > /dev/null 2>&1
        P report -i /tmp/perf-$w.data --stdio --no-children --sort dso,sym 2>/dev/null | grep -v "^#" | grep -v "^$" | head -30
    done ;;
bench)
    # Builds: base (fda6680), t1 (one dynamic call fewer), and base with: spare-slot cap 0
    # (every state a new `malloc`), empty slots made 8 KiB at a time (`refill`), the next slot
    # prefetched for writing (`pf`); alternately.
    for i in 1 2 3; do for b in base t1 nospare refill pf; do
        echo "== bench-$b"
        timeout 100 .devbin/bench-$b --no-derive-build --only small,bundle 2>&1 \
            | grep -E "create_buffer|vmaCreateBuffer. |configured as vkres|run by run|A/A control\)|GpuResources|one staging buffer" | head -14
    done; done ;;
esac
done
uptime
