#!/usr/bin/env bash
# Sets up a newer Khronos validation layer than Debian bookworm ships (1.3.239, early 2023):
# Debian trixie's `vulkan-validationlayers` (1.4.309), which knows many more VUIDs and has a
# better synchronization validation. It needs glibc >= 2.38 and libstdc++ 14, which bookworm does
# not have, so the layer and trixie's libc6, libstdc++6 and libgcc-s1 are unpacked into a private
# prefix (nothing is installed system-wide) and `tools/vk-runner.sh` runs a program under that
# prefix's dynamic loader, with the layer found through VK_LAYER_PATH. The rest of the process
# (the Vulkan loader, Mesa's lavapipe) is bookworm's, which runs on the newer glibc.
#
# Prints the prefix on success. Where it cannot set the layer up (no apt, no network, not
# x86-64), it says why on stderr, exits 1, and the callers keep the system's layer.
# VKRES_SYSTEM_LAYER=1 skips it. VKRES_LAYER_SUITE=sid takes unstable's layer instead, the
# newest Debian has (1.4.363 on 2026-12-07; the runtime suite passed under it too), at whatever
# version sid has that day: not the default, because CI must not change with the day it runs.
set -euo pipefail
cd "$(dirname "$0")/.."

suite="${VKRES_LAYER_SUITE:-trixie}"
case "$suite" in
    trixie) version=1.4.309.0-1; layer="vulkan-validationlayers=$version" ;;
    sid) version=sid; layer=vulkan-validationlayers ;;
    *) echo "validation layer: VKRES_LAYER_SUITE is trixie or sid, not $suite" >&2; exit 1 ;;
esac
prefix="$PWD/target/vk-validation/$version"

[ "${VKRES_SYSTEM_LAYER:-0}" = 1 ] && { echo "validation layer: the system's (VKRES_SYSTEM_LAYER=1)" >&2; exit 1; }
if [ -f "$prefix/.complete" ]; then
    echo "$prefix"
    exit 0
fi
[ "$(uname -m)" = x86_64 ] || { echo "validation layer: $suite's packages are unpacked for x86-64 only" >&2; exit 1; }
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
    || { echo "validation layer: needs apt-get and dpkg-deb to fetch $suite's vulkan-validationlayers" >&2; exit 1; }

work="$PWD/target/vk-validation/apt"
rm -rf "$work" "$prefix"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$prefix"
echo "deb http://deb.debian.org/debian $suite main" > "$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root
    -o Debug::NoLocking=1)
if ! apt-get "${apt_opts[@]}" update -qq >"$work/log" 2>&1; then
    echo "validation layer: could not read $suite's package lists (see $work/log)" >&2
    exit 1
fi
# The layer (pinned on trixie), and the runtime it was built against at whatever version the
# suite has (on a stable suite they only move with security updates).
if ! (cd "$work/debs" && apt-get "${apt_opts[@]}" download "$layer" \
        libc6 libstdc++6 libgcc-s1 >>"$work/log" 2>&1); then
    echo "validation layer: could not download vulkan-validationlayers $version from $suite (see $work/log)" >&2
    exit 1
fi
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$prefix"
done
lib="$prefix/usr/lib/x86_64-linux-gnu"
[ -x "$lib/ld-linux-x86-64.so.2" ] && [ -f "$lib/libVkLayer_khronos_validation.so" ] \
    || { echo "validation layer: the unpacked packages lack the loader or the layer" >&2; exit 1; }
# The prefix's loader must run here (a kernel too old for that glibc would fail).
"$lib/ld-linux-x86-64.so.2" --library-path "$lib" /bin/true \
    || { echo "validation layer: $suite's dynamic loader does not run on this machine" >&2; exit 1; }
rm -rf "$work"
touch "$prefix/.complete"
echo "$prefix"
