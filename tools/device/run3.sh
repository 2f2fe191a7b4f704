#!/usr/bin/env bash
# Device-tool script (H100): run from the repository root with .gl, .gl2 and .devbin carried; see tools/device/README.md.
. tools/device/setup.sh > /dev/null 2>&1
M=$PWD/.devbin/models/glTF2; export VKRES_GLTF_MODELS=$M
timeout 45 env VKRES_VALIDATION=1 .devbin/gltf $M/BoxTextured-glTF/BoxTextured.gltf --size 96x72 --out $OUT 2>&1 | tail -4; echo "example with validation rc=$?"
.devbin/runtime --test-threads=1 gltf::picture::the_textured_box --nocapture > $OUT/box.log 2>&1 & pid=$!
sleep 40; echo "after 40 s:"; ps -o pid,etime,time,pcpu,stat -p $pid; for t in /proc/$pid/task/*; do echo "$(cat $t/comm) $(cat $t/wchan) $(cut -d' ' -f14,15 $t/stat)"; done | sort | uniq -c | head -20; kill $pid; tail -5 $OUT/box.log
