#!/usr/bin/env bash
# Speed benchmark: `gmd pprof top` against `go tool pprof -top` on the same
# large, real heap profile, timed as whole processes. See bench/README.md.
#
#   bench/run.sh [RUNS]          RUNS timed runs of each command (default 5)
#
# Env: GO (go binary), BUILD (gmd Release build dir, default build-bench),
#      WALKS (samples in the proto profile, default 300000),
#      TEXT_WALKS (samples in the debug=1 text profile, default 30000).
set -euo pipefail
runs=${1:-5}
# gmd's run is short, so its median needs more samples to be steady.
gmd_runs=${GMD_RUNS:-$((runs * 4 + 1))}
root=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
build=${BUILD:-$root/build-bench}
out=$root/bench/out
walks=${WALKS:-300000}
text_walks=${TEXT_WALKS:-30000}
[ -x /usr/bin/time ] || { echo "bench: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }

echo "== building gmd (Release) in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target gmd >/dev/null
gmd=$build/gmd

mkdir -p "$out"
if [ ! -s "$out/heap.pb.gz" ] || [ ! -s "$out/heap-debug1.txt" ] || [ ! -x "$out/benchprog" ]; then
  echo "== generating the benchmark program and its profiles into $out (once)"
  (cd "$root/bench/gen" && GOFLAGS=-mod=mod "$GO" run . -o "$out/prog")
  (cd "$out/prog" && GOFLAGS=-mod=mod "$GO" build -o "$out/benchprog" .)
  "$out/benchprog" "$out/heap.pb.gz" "$walks"
  "$out/benchprog" "$out/heap-debug1.txt" "$text_walks" debug
fi

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

# measure NAME RUNS CMD...: RUNS runs after one warm-up. Sets MED_T (median wall
# seconds), MED_CPU (median user+sys seconds) and MED_RSS (median peak RSS,
# KiB) and prints them. Wall time suffers when the machine is busy; CPU time
# much less, so both are shown.
measure() {
  local name=$1 runs=$2; shift 2
  "$@" >/dev/null 2>&1 || { echo "bench: '$*' failed:" >&2; "$@" 2>&1 >/dev/null | head -5 >&2; exit 1; }
  local ts=() cpu=() rss=() i t0 t1
  # Wall time of the command alone (GNU time's own start-up is a few ms,
  # which matters next to gmd's); then CPU and peak RSS through GNU time.
  for ((i = 0; i < runs; i++)); do
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1
    t1=$EPOCHREALTIME
    ts+=("$(calc "$t1 - $t0")")
    /usr/bin/time -f '%U %S %M' -o "$out/.time" "$@" >/dev/null 2>&1
    read -r u s m < <(tail -1 "$out/.time")
    cpu+=("$(calc "$u + $s")")
    rss+=("$m")
  done
  median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
  MED_T=$(median "${ts[@]}")
  MED_CPU=$(median "${cpu[@]}")
  MED_RSS=$(median "${rss[@]}")
  printf '  %-20s wall %7.3f s   cpu %7.2f s   peak RSS %7.1f MiB   (median of %d)\n' \
    "$name" "$MED_T" "$MED_CPU" "$(calc "$MED_RSS / 1024")" "$runs"
}

# compare LABEL FILE: gmd pprof top vs go tool pprof -top on FILE.
compare() {
  local label=$1 file=$2
  echo "== $label: $file ($(wc -c <"$file") bytes on disk, $(gzip -cdf "$file" | wc -c) uncompressed)"
  measure "gmd pprof top" "$gmd_runs" "$gmd" pprof top "$file"
  local gt=$MED_T gc=$MED_CPU gr=$MED_RSS
  measure "go tool pprof -top" "$runs" "$GO" tool pprof -top "$file"
  local pt=$MED_T pc=$MED_CPU pr=$MED_RSS
  printf '  => gmd: %.1fx faster (wall), %.1fx less CPU, %.1fx less peak memory (targets: 30x faster, 5x less memory)\n' \
    "$(calc "$pt / $gt")" "$(calc "$pc / $gc")" "$(calc "$pr / $gr")"
}

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $("$GO" version)"
compare "heap profile, gzipped protobuf" "$out/heap.pb.gz"
if "$gmd" pprof top "$out/heap-debug1.txt" >/dev/null 2>&1; then
  compare "heap profile, debug=1 text" "$out/heap-debug1.txt"
else
  echo "== debug=1 text: skipped (gmd cannot read it yet)"
fi
