#!/usr/bin/env bash
# Device-tool script (H100): run from the repository root with .gl, .gl2 and .devbin carried; see tools/device/README.md.
set -o pipefail
. tools/device/setup.sh
export VKRES_GLTF_MODELS=$PWD/.devbin/models/glTF2
echo "== suite, 16 threads, loader+layer ${LOADER:-new}"
timeout 150 .devbin/runtime --test-threads=16 > $OUT/suite16.log 2>&1; echo "suite rc=$?"
grep -E "FAILED|test result|panicked" $OUT/suite16.log | head -30
echo "== gltf example"
timeout 30 .devbin/gltf $VKRES_GLTF_MODELS/2CylinderEngine-glTF-Binary/2CylinderEngine.glb --out $OUT 2>&1 | tail -6
echo "== bench: baseline (6b5c0ae) small,bundle"
timeout 60 .devbin/vkres-bench-baseline --only small,bundle --runs 5 --no-derive-build > $OUT/bench-base.txt 2>&1; tail -14 $OUT/bench-base.txt
echo "== bench: now"
timeout 150 .devbin/vkres-bench --only small,bundle,frame,scene,gather --runs 5 --no-derive-build --json $OUT/now.json > $OUT/bench-now.txt 2>&1; echo "bench rc=$?"; tail -40 $OUT/bench-now.txt
