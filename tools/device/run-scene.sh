#!/usr/bin/env bash
# Device-tool script (H100): run from the repository root with .gl, .gl2 and .devbin carried; see
# tools/device/README.md. Issue 17, session 7 (helper "scene"): the glTF picture tests alone
# (each step's time printed; the threads' wait channels if still running after 60 s), the
# example's H100 picture (docs/gltf-engine-h100.png) and the scene benchmark against the
# baseline build (mips batched across textures since session 7).
set -o pipefail
. tools/device/setup.sh > /dev/null 2>&1
export VKRES_GLTF_MODELS=$PWD/.devbin/models/glTF2
echo "== gltf::picture alone, validation + synchronization validation"
.devbin/runtime --test-threads=1 gltf::picture --nocapture > $OUT/picture.log 2>&1 & pid=$!
for i in $(seq 60); do kill -0 $pid 2>/dev/null || break; sleep 1; done
if kill -0 $pid 2>/dev/null; then
    echo "still running after 60 s:"; ps -o pid,etime,time,pcpu,stat -p $pid
    for t in /proc/$pid/task/*; do echo "$(cat $t/comm) $(cat $t/wchan) $(cut -d' ' -f14,15 $t/stat)"; done | sort | uniq -c | head -20
    kill $pid
fi
wait $pid; echo "picture rc=$?"; grep -E "after|Tally|test result|panicked" $OUT/picture.log | tail -40
echo "== gltf example (pipeline tracer, no validation)"
timeout 30 .devbin/gltf $VKRES_GLTF_MODELS/2CylinderEngine-glTF-Binary/2CylinderEngine.glb --out $OUT 2>&1 | tail -6
echo "== bench scene: baseline, then now"
timeout 120 .devbin/vkres-bench-baseline --only scene --runs 15 --no-derive-build > $OUT/scene-base.txt 2>&1; grep -E "^\| (vkres|ash)|scene_create" $OUT/scene-base.txt
timeout 120 .devbin/vkres-bench --only scene --runs 15 --no-derive-build --json $OUT/scene-now.json > $OUT/scene-now.txt 2>&1; grep -E "^\| (vkres|ash)|scene_create|heap bytes" $OUT/scene-now.txt
