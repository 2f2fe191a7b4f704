#!/usr/bin/env bash
# The README's second command, and exactly what CI runs: installs what is missing, checks
# formatting, lints and docs, runs every example with validation, then every test (runtime
# tests on the machine's Vulkan driver with validation, the compile-fail suite, doctests).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/ensure-deps.sh
command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs), then run this again" >&2; exit 1; }
for tool in rustfmt clippy; do
    cargo "${tool/rustfmt/fmt}" --version >/dev/null 2>&1 || { echo "missing: rustup component add $tool" >&2; exit 1; }
done
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
source tools/use-validation-layer.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
# Also the MSRV check: clippy's `incompatible_msrv` (denied in the workspace's lints) fails on any
# standard-library item newer than the declared `rust-version`.
echo "== cargo clippy (and the rust-version check)"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
# What docs.rs builds ([package.metadata.docs.rs]: every feature).
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p vkres --all-features
# The crates as crates.io would get them, built from the packages (about 80 s on a fresh
# 2-core machine, a few seconds after that; vkres-derive resolves to its package). Offline:
# the steps above fetched every dependency, and CI machines may have no network.
echo "== cargo package"
cargo package --quiet --offline --allow-dirty -p vkres-derive -p vkres
echo "== examples (validation on)"
for example in examples/*.rs examples/*/main.rs; do
    name=$(basename "$example" .rs)
    [ "$name" = main ] && name=$(basename "$(dirname "$example")")
    echo "-- $name"
    if [ "$name" = window ]; then
        # A real window under Xvfb: 40 frames, a resize and back, the last frame read back from
        # the swapchain and compared with a CPU trace.
        VKRES_VALIDATION=1 xvfb-run -a -s "-screen 0 1024x768x24" \
            cargo run --quiet --example window -- --frames 40 --resize-at 10 --check --out target/window
    else
        VKRES_VALIDATION=1 cargo run --quiet --example "$name"
    fi
done
echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace 2>&1 | tee "$log"
# One closing line for the whole run: the sum of every test binary's and doctest's counts.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) s += $i } }
     END { printf "all tests: %d passed, %d failed, %d skipped\n", p, f, s; if (p == 0) exit 1 }' "$log"
