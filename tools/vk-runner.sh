#!/usr/bin/env bash
# Cargo's target runner for the test command and the examples (CARGO_TARGET_<triple>_RUNNER):
# runs the program under the private prefix that tools/ensure-validation-layer.sh made, so that
# the newer Khronos validation layer there loads into it; without that prefix, runs the program
# as it is (the system's layer).
#
# The prefix's dynamic loader is started with --library-path for this one process: programs the
# test spawns (trybuild's cargo and rustc) start under the system's loader and libraries.
set -euo pipefail
prefix="${VKRES_LAYER_PREFIX:-}"
if [ -n "$prefix" ] && [ -f "$prefix/.complete" ]; then
    lib="$prefix/usr/lib/x86_64-linux-gnu"
    export VK_LAYER_PATH="$prefix/usr/share/vulkan/explicit_layer.d"
    # --library-path replaces LD_LIBRARY_PATH for this process: keep what cargo put there (the
    # toolchain's libstd, which proc-macro test binaries link dynamically).
    exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$@"
fi
exec "$@"
