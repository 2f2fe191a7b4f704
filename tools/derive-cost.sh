#!/bin/bash
# The derive's compile cost, measured outside vkres-bench (issue 20 item 5; docs/design-notes.md,
# "Derive, round 5"). Crates live under target/tmp/dc/, built with their own target dir.
#
#   tools/derive-cost.sh setup [REV]     crates `derived-structs` and `plain-structs` on this tree's
#                                        vkres, and `derived-base` on vkres of REV (git archive),
#                                        from the sources `vkres-bench --only derive` generated
#                                        under target/derive-cost/
#   tools/derive-cost.sh ir NAME...      instructions of the rustc of each crate's touch rebuild
#                                        (valgrind cachegrind; load-independent)
#   tools/derive-cost.sh wall RUNS NAME... median wall and CPU seconds of the touch rebuild,
#                                        crates interleaved (note the load: it is printed)
#   tools/derive-cost.sh macro NAME      the derive's own run in that rebuild (valgrind callgrind
#                                        from its entry point, the bridge's server side
#                                        included): total and the heaviest functions, inclusive;
#                                        the profile stays in target/tmp/macro.NAME.out
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
T=$root/target/tmp
dc=$T/dc
mkcrate() { # NAME VKRES_DIR SRC
  local d=$dc/$1
  mkdir -p "$d/src"
  printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n[workspace]\n\n[dependencies]\nvkres = { path = "%s" }\n' "$1" "$2" >"$d/Cargo.toml"
  [ -f "$d/Cargo.lock" ] || cp "$root/Cargo.lock" "$d/"
  cmp -s "$3" "$d/src/lib.rs" || cp "$3" "$d/src/lib.rs"
}
case "${1:-}" in
setup)
  src=$root/target/derive-cost
  [ -f "$src/derived-structs/src/lib.rs" ] || { echo "run \`vkres-bench --only derive\` once first" >&2; exit 1; }
  mkcrate derived-structs "$root/vkres" "$src/derived-structs/src/lib.rs"
  mkcrate plain-structs "$root/vkres" "$src/plain-structs/src/lib.rs"
  if [ -n "${2:-}" ]; then
    rm -rf "$T/base" && mkdir -p "$T/base"
    git -C "$root" archive "$2" Cargo.toml Cargo.lock vkres vkres-derive vkres-bench | tar -x -C "$T/base"
    # The root package's tests and examples are not in the archive: keep only the workspace.
    python3 - "$T/base/Cargo.toml" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
open(p, "w").write(s[:s.index("[package]")] + s[s.index("[profile.dev]"):])
PY
    mkcrate derived-base "$T/base/vkres" "$src/derived-structs/src/lib.rs"
  fi
  ;;
ir)
  shift
  cat >"$T/cg-wrap.sh" <<'W'
#!/bin/bash
rustc="$1"; shift
if [[ " $* " == *" --crate-name $VG_CRATE "* ]]; then
  exec valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$VG_OUT" -q "$rustc" "$@"
fi
exec "$rustc" "$@"
W
  chmod +x "$T/cg-wrap.sh"
  for n in "$@"; do
    (cd "$dc/$n" && CARGO_TARGET_DIR=$dc/target cargo build --quiet --offline --lib)
    touch "$dc/$n/src/lib.rs"
    (cd "$dc/$n" && VG_CRATE=${n//-/_} VG_OUT=$T/cg.$n.out RUSTC_WRAPPER=$T/cg-wrap.sh \
      CARGO_TARGET_DIR=$dc/target cargo build --quiet --offline --lib 2>/dev/null)
    echo "$n: $(($(awk '/^summary:/ {print $2}' "$T/cg.$n.out") / 1000000)) M instructions"
  done
  ;;
macro)
  n=$2
  cat >"$T/cgm-wrap.sh" <<'W'
#!/bin/bash
rustc="$1"; shift
if [[ " $* " == *" --crate-name $VG_CRATE "* ]]; then
  exec valgrind --tool=callgrind --toggle-collect=vkres_derive::derive_gpu_resources \
    --callgrind-out-file="$VG_OUT" -q "$rustc" "$@"
fi
exec "$rustc" "$@"
W
  chmod +x "$T/cgm-wrap.sh"
  (cd "$dc/$n" && CARGO_TARGET_DIR=$dc/target cargo build --quiet --offline --lib)
  touch "$dc/$n/src/lib.rs"
  (cd "$dc/$n" && VG_CRATE=${n//-/_} VG_OUT=$T/macro.$n.out RUSTC_WRAPPER=$T/cgm-wrap.sh \
    CARGO_TARGET_DIR=$dc/target cargo build --quiet --offline --lib 2>/dev/null)
  callgrind_annotate --inclusive=yes "$T/macro.$n.out" 2>/dev/null | grep -E 'PROGRAM TOTALS|vkres_derive::' | head -30
  ;;
wall)
  runs=$2; shift 2
  uptime
  f=$(mktemp)
  for n in "$@"; do (cd "$dc/$n" && CARGO_TARGET_DIR=$dc/target cargo build --quiet --offline --lib); done
  for _ in $(seq "$runs"); do for n in "$@"; do
    touch "$dc/$n/src/lib.rs"
    TIMEFORMAT="$n %3R %3U %3S"
    { time (cd "$dc/$n" && CARGO_TARGET_DIR=$dc/target cargo build --quiet --offline --lib 2>/dev/null); } 2>>"$f"
  done; done
  med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  for n in "$@"; do
    echo "$n: wall $(awk -v n="$n" '$1==n {print $2}' "$f" | med) s, cpu $(awk -v n="$n" '$1==n {print $3+$4}' "$f" | med) s (median of $runs)"
  done
  uptime
  rm -f "$f"
  ;;
*) sed -n 2,18p "$0"; exit 1 ;;
esac
