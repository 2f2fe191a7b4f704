#!/usr/bin/env bash
# The README's first command: installs what is missing, then runs the main example (a
# ray-traced picture, written to target/raytrace/out.png) with the Khronos validation layer on.
# Arguments go to the example (e.g. --out DIR, --tracer query|pipeline).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/ensure-deps.sh
command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs), then run this again" >&2; exit 1; }
# A newer validation layer than the system's, where it can be had: every test and example runs
# under it through cargo's target runner (tools/ensure-validation-layer.sh says how and why).
if prefix=$(tools/ensure-validation-layer.sh); then
    export VKRES_LAYER_PREFIX="$prefix"
    export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="$PWD/tools/vk-runner.sh"
    echo "validation layer: Debian's vulkan-validationlayers $(basename "$prefix") (private prefix $prefix)"
else
    echo "validation layer: the system's"
fi
VKRES_VALIDATION=1 cargo run --release --example raytrace -- "$@"
