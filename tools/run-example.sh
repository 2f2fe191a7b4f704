#!/usr/bin/env bash
# The README's first command: installs what is missing, then runs the main example with the
# Khronos validation layer on.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/ensure-deps.sh
command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs), then run this again" >&2; exit 1; }
VKRES_VALIDATION=1 cargo run --release --example hello_buffers
