#!/usr/bin/env bash
# Speed benchmark: every `gmd pprof` verb against its `go tool pprof`
# counterpart on the same large, real heap profile, timed as whole processes.
# See bench/README.md.
#
#   bench/run.sh [RUNS]          RUNS timed runs of each command (default 5)
#   VERBS="top traces" bench/run.sh   only these verbs (default: all; "text"
#                                is top on the text forms: heap, goroutine,
#                                block, mutex debug=1, goroutine dumps)
#
# Env: GO (go binary), BUILD (gmd Release build dir, default build-bench),
#      WALKS (samples in the proto profile, default 300000),
#      TEXT_WALKS (samples in the debug=1 text profile, default 30000),
#      TEXT_GOROUTINES (goroutines of the goroutine/block/mutex texts, default 100000).
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
build=${BUILD:-$root/build-bench}
out=$root/bench/out
walks=${WALKS:-300000}
text_walks=${TEXT_WALKS:-30000}
text_goroutines=${TEXT_GOROUTINES:-100000}
[ -x /usr/bin/time ] || { echo "bench: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

echo "== building gmd (Release) in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target gmd >/dev/null
gmd=$build/gmd

mkdir -p "$out"
trap 'rm -f "$out/.time.$$"' EXIT
if [ ! -s "$out/heap.pb.gz" ] || [ ! -s "$out/heap-debug1.txt" ] || [ ! -x "$out/benchprog" ] ||
   [ ! -s "$out/heap-w100000.pb.gz" ] || [ ! -s "$out/heap-w150000.pb.gz" ] || [ ! -s "$out/heap-w200000.pb.gz" ]; then
  echo "== generating the benchmark program and its profiles into $out (once)"
  (cd "$root/bench/gen" && GOFLAGS=-mod=mod "$GO" run . -o "$out/prog")
  (cd "$out/prog" && GOFLAGS=-mod=mod "$GO" build -o "$out/benchprog" .)
  "$out/benchprog" "$out/heap.pb.gz" "$walks"
  "$out/benchprog" "$out/heap-debug1.txt" "$text_walks" debug
  # Smaller runs of the same program: the base of diff and the other inputs
  # of a four-profile convert (the same walks, so most stacks recur, as in
  # snapshots of one process).
  for w in 100000 150000 200000; do "$out/benchprog" "$out/heap-w$w.pb.gz" "$w"; done
fi

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
least() { printf '%s\n' "$@" | sort -g | head -1; }

# run1 CMD...: one timed run. Appends wall seconds (measured by the shell:
# GNU time's own start-up is a few ms, which matters next to gmd's), then
# through GNU time CPU seconds (user + sys, child processes included: `go tool
# pprof` runs the cached pprof binary as a child) and peak RSS (KiB) to the
# arrays named by R_T, R_C, R_M.
run1() {
  local t0 t1 u s m
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1
  t1=$EPOCHREALTIME
  eval "$R_T+=(\"$(calc "$t1 - $t0")\")"
  # A file of this run's own: two benches at once (a shared machine) must not read each other's times.
  /usr/bin/time -f '%U %S %M' -o "$out/.time.$$" "$@" >/dev/null 2>&1
  read -r u s m < <(tail -1 "$out/.time.$$")
  eval "$R_C+=(\"$(calc "$u + $s")\")"
  eval "$R_M+=(\"$m\")"
}

# verb NAME -- GMD_CMD... -- PPROF_CMD...: one warm-up of each, then
# interleaved rounds (gmd GMD_EACH times, pprof once per round, RUNS rounds),
# so a change in the machine's load hits both sides alike. Prints median
# wall, best-of-N and median CPU, median peak RSS, and the ratios.
verb() {
  local name=$1; shift; shift
  local g=() p=()
  while [ "$1" != -- ]; do g+=("$1"); shift; done; shift
  p=("$@")
  "${g[@]}" >/dev/null 2>&1 || { echo "bench: '${g[*]}' failed:" >&2; "${g[@]}" 2>&1 >/dev/null | head -5 >&2; exit 1; }
  "${p[@]}" >/dev/null 2>&1 || { echo "bench: '${p[*]}' failed:" >&2; "${p[@]}" 2>&1 >/dev/null | head -5 >&2; exit 1; }
  local gt=() gc=() gm=() pt=() pc=() pm=() i j
  for ((i = 0; i < runs; i++)); do
    for ((j = 0; j < gmd_each; j++)); do R_T=gt R_C=gc R_M=gm run1 "${g[@]}"; done
    R_T=pt R_C=pc R_M=pm run1 "${p[@]}"
  done
  local gT gC gB gM pT pC pB pM
  gT=$(median "${gt[@]}"); gC=$(median "${gc[@]}"); gB=$(least "${gc[@]}"); gM=$(median "${gm[@]}")
  pT=$(median "${pt[@]}"); pC=$(median "${pc[@]}"); pB=$(least "${pc[@]}"); pM=$(median "${pm[@]}")
  # GNU time counts CPU in 10 ms steps: a gmd run under that reads 0; count it as 5 ms.
  gC=$(calc "$gC < 0.005 ? 0.005 : $gC"); gB=$(calc "$gB < 0.005 ? 0.005 : $gB")
  printf '  %-8s gmd   wall %6.3f s  cpu %6.2f s (best %5.2f)  RSS %6.1f MiB\n' "$name" "$gT" "$gC" "$gB" "$(calc "$gM / 1024")"
  printf '  %-8s pprof wall %6.3f s  cpu %6.2f s (best %5.2f)  RSS %6.1f MiB\n' "" "$pT" "$pC" "$pB" "$(calc "$pM / 1024")"
  printf '  %-8s => %.1fx faster (wall), %.1fx less CPU (median), %.1fx (best), %.1fx less memory\n' "" \
    "$(calc "$pT / $gT")" "$(calc "$pC / $gC")" "$(calc "$pB / $gB")" "$(calc "$pM / $gM")"
  printf '| %s | %.3f s, %.2f s CPU, %.0f MB | %.3f s, %.2f s CPU, %.0f MB | %.1fx wall, %.1fx CPU (best-of-%d %.1fx), %.1fx less memory |\n' \
    "$name" "$gT" "$gC" "$(calc "$gM * 1.024 / 1000")" "$pT" "$pC" "$(calc "$pM * 1.024 / 1000")" \
    "$(calc "$pT / $gT")" "$(calc "$pC / $gC")" "$runs" "$(calc "$pB / $gB")" "$(calc "$pM / $gM")" >>"$out/table.md"
}

want() { [ -z "${VERBS:-}" ] || [[ " $VERBS " == *" $1 "* ]]; }

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $("$GO" version)"
gmd_each=${GMD_EACH:-3}
h=$out/heap.pb.gz
b=$out/heap-w150000.pb.gz
four=("$h" "$out/heap-w100000.pb.gz" "$b" "$out/heap-w200000.pb.gz")
sym='main\.f1199$'
: >"$out/table.md"
echo "== $h ($(wc -c <"$h") bytes, $(gzip -cd "$h" | wc -c) uncompressed); $runs interleaved rounds, gmd $gmd_each runs a round"
want top && verb top -- "$gmd" pprof top "$h" -- "$GO" tool pprof -top "$h"
want peek && verb peek -- "$gmd" pprof peek "$sym" "$h" -- "$GO" tool pprof -peek "$sym" "$h"
want tree && verb tree -- "$gmd" pprof tree "$h" -- "$GO" tool pprof -tree "$h"
want traces && verb traces -- "$gmd" pprof traces "$h" -- "$GO" tool pprof -traces "$h"
# list reads the generated program's source, which bench/out/prog holds.
want list && verb list -- "$gmd" pprof list --source-path "$out/prog" "$sym" "$h" -- \
  "$GO" tool pprof -source_path "$out/prog" -list "$sym" "$h"
want diff && verb diff -- "$gmd" pprof diff "$b" "$h" -- "$GO" tool pprof -top -diff_base "$b" "$h"
want dot && verb dot -- "$gmd" pprof dot "$h" -- "$GO" tool pprof -dot "$h"
# pprof draws flame graphs only in its web UI (-http); its nearest
# command-line picture is -svg, a call graph laid out by Graphviz (a child
# process, counted). Not the same work: the ratio is indicative only.
want flame && verb flame -- "$gmd" pprof flame -o "$out/.flame.svg" "$h" -- "$GO" tool pprof -svg -output "$out/.pprof.svg" "$h"
want convert && verb convert -- "$gmd" pprof convert -o "$out/.merged.pb.gz" "${four[@]}" -- \
  "$GO" tool pprof -proto -output "$out/.pprof-merged.pb.gz" "${four[@]}"
# alone NAME FILE -- GMD_CMD...: the readers pprof has none for (a goroutine
# dump): median wall and CPU of RUNS * GMD_EACH runs, peak RSS, MB/s.
alone() {
  local name=$1 file=$2; shift 3
  "$@" >/dev/null 2>&1 || { echo "bench: '$*' failed:" >&2; "$@" 2>&1 >/dev/null | head -5 >&2; exit 1; }
  local gt=() gc=() gm=() i mb T C M
  for ((i = 0; i < runs * gmd_each; i++)); do R_T=gt R_C=gc R_M=gm run1 "$@"; done
  T=$(median "${gt[@]}"); C=$(median "${gc[@]}"); M=$(median "${gm[@]}")
  mb=$(calc "$(wc -c <"$file") / 1e6")
  printf '  %-8s gmd   wall %6.3f s  cpu %6.2f s  RSS %6.1f MiB  (%.0f MB: %.0f MB/s wall, %.0f MB/s CPU)\n' \
    "$name" "$T" "$C" "$(calc "$M / 1024")" "$mb" "$(calc "$mb / $T")" "$(calc "$mb / $C")"
  printf '| %s | %.3f s, %.2f s CPU, %.0f MB | (pprof cannot read it) | %.0f MB at %.0f MB/s wall, %.0f MB/s CPU |\n' \
    "$name" "$T" "$C" "$(calc "$M * 1.024 / 1000")" "$mb" "$(calc "$mb / $T")" "$(calc "$mb / $C")" >>"$out/table.md"
}

if want text && "$gmd" pprof top "$out/heap-debug1.txt" >/dev/null 2>&1; then
  echo "== debug=1 text: $out/heap-debug1.txt ($(wc -c <"$out/heap-debug1.txt") bytes)"
  verb "top (text)" -- "$gmd" pprof top "$out/heap-debug1.txt" -- "$GO" tool pprof -top "$out/heap-debug1.txt"
  # The other text forms, from bench/text: TEXT_GOROUTINES goroutines on
  # 5000 call paths; goroutine, block and mutex debug=1 against pprof, the
  # debug=2 dump (cut at 64 MiB by the runtime) and an uncut SIGQUIT dump alone.
  td=$out/text
  if [ ! -s "$td/goroutine-sigquit.txt" ] || [ ! -s "$td/mutex-debug1.txt" ]; then
    echo "== generating the text profiles of $text_goroutines goroutines into $td (once; a minute or more)"
    mkdir -p "$td"
    (cd "$root/bench/text" && GOFLAGS=-mod=mod "$GO" build -o "$out/textprog" .)
    (cd "$td" && GOTRACEBACK=all "$out/textprog" . "$text_goroutines" 5000 quit 2>goroutine-sigquit.txt) || true
  fi
  for k in goroutine block mutex; do
    echo "== $td/$k-debug1.txt ($(wc -c <"$td/$k-debug1.txt") bytes)"
    verb "$k (text)" -- "$gmd" pprof top "$td/$k-debug1.txt" -- "$GO" tool pprof -top "$td/$k-debug1.txt"
  done
  for k in debug2 sigquit; do
    echo "== $td/goroutine-$k.txt ($(wc -c <"$td/goroutine-$k.txt") bytes, $(grep -c '^goroutine ' "$td/goroutine-$k.txt") goroutines)"
    alone "goroutine $k" "$td/goroutine-$k.txt" -- "$gmd" pprof top "$td/goroutine-$k.txt"
  done
fi
echo "== table rows (also in $out/table.md):"
cat "$out/table.md"
