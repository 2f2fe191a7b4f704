#!/usr/bin/env bash
# The README's first command: installs what is missing, then runs the main example (a
# ray-traced picture, written to target/raytrace/out.png) with the Khronos validation layer on.
# Arguments go to the example (e.g. --out DIR, --tracer query|pipeline).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/ensure-deps.sh
command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs), then run this again" >&2; exit 1; }
source tools/use-validation-layer.sh
VKRES_VALIDATION=1 cargo run --release --example raytrace -- "$@"
