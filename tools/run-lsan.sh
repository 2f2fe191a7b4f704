#!/usr/bin/env bash
# LeakSanitizer over the runtime tests (docs/RELIABILITY.md). Stable Rust has no
# -Zsanitizer, so the runtime is gcc's liblsan (Debian: liblsan0) loaded with LD_PRELOAD into
# the ordinary test binary: it intercepts malloc/free and reports, at exit, every block that
# nothing points to. A preloaded no-op dlclose keeps the Vulkan driver and layers loaded, so
# leaks in them are attributed to their library (and suppressed by tools/lsan/suppressions.txt)
# rather than shown as "<unknown module>". Extra arguments go to the test binary (a filter).
set -euo pipefail
cd "$(dirname "$0")/.."
lsan=$(ls /usr/lib/x86_64-linux-gnu/liblsan.so.0 /usr/lib/*/liblsan.so.0 2>/dev/null | head -1 || true)
[ -n "$lsan" ] || { echo "liblsan.so.0 not found: apt-get install liblsan0" >&2; exit 1; }
mkdir -p target/lsan
cc -shared -fPIC -O2 -o target/lsan/no_dlclose.so tools/lsan/no_dlclose.c
bin=$(cargo test --test runtime --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
[ -x "$bin" ] || { echo "could not build the runtime test binary" >&2; exit 1; }
export LSAN_OPTIONS="suppressions=$PWD/tools/lsan/suppressions.txt:print_suppressions=1:exitcode=23"
echo "== LeakSanitizer: $bin $*"
LD_PRELOAD="$lsan $PWD/target/lsan/no_dlclose.so" "$bin" "$@"
echo "== LeakSanitizer: no leak"
