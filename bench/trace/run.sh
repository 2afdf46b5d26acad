#!/usr/bin/env bash
# Benchmark of gmd's execution trace reader against the least a Go program
# does with golang.org/x/exp/trace (bench/trace/readevents: a ReadEvent loop).
# Records a large trace from tests/trace-fixtures/traceprog ("big" mode, the
# suite's workload looped), then times, best of RUNS, the contenders
# interleaved (run 1 of each, run 2 of each, ...: the machine is shared, so
# its load moves all of them alike):
#   gmd trace count     the reader alone (every event ordered, nothing kept), one thread
#   gmd trace summary   the reader plus every analysis gmd trace does: on one
#                       thread (GMD_TRACE_THREADS=0) and with the reader on a
#                       second thread (=1: gmd's default for a trace of 8 MB
#                       or more when the load average leaves half a core idle)
#   readevents          x/exp/trace's ReadEvent loop
# and reports events/s, bytes/event, peak RSS (GNU time's maximum RSS) and
# CPU time (user + sys, all threads; the least of the runs: on a shared
# machine it moves less than wall time does).
#
#   bench/trace/run.sh [RUNS]      (default 3; the README's figures: nice -n -20 bench/trace/run.sh 7)
#
# Env: GMD (default ./build/gmd; use a Release build, as the README's figures), GO, BIG_ROUNDS (traceprog rounds; 10000
#      gives about 220 MB), TRACE (use this trace instead of recording one).
set -euo pipefail
runs=${1:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
GMD=${GMD:-./build/gmd}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
out=$root/bench/out/trace
[ -x "$GMD" ] || { echo "bench: no gmd at $GMD (set GMD)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time at /usr/bin/time" >&2; exit 1; }
mkdir -p "$out"
export GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local

echo "== building traceprog and readevents"
(cd "$root/tests/trace-fixtures" && "$GO" build -o "$out/traceprog" ./traceprog)
(cd "$root/bench/trace/readevents" && "$GO" build -o "$out/readevents" .)

trace=${TRACE:-$out/big.trace}
if [ -z "${TRACE:-}" ]; then
  echo "== recording $trace (BIG_ROUNDS=${BIG_ROUNDS:-10000})"
  "$out/traceprog" "$trace" big
fi
bytes=$(stat -c %s "$trace")
echo "   $(awk "BEGIN { printf \"%.1f\", $bytes / 1048576 }") MiB"
cat "$trace" >/dev/null   # in the page cache for every contender alike

# once NAME CMD...: run it once; keep the fastest wall time so far and its
# RSS, and the least CPU time so far.
once() {
  local name=$1 t rss u s c
  shift
  /usr/bin/time -f "%e %M %U %S" -o "$out/time" "$@" >"$out/$name.out" 2>"$out/$name.err"
  read -r t rss u s <"$out/time"
  c=$(awk "BEGIN { print $u + $s }")
  eval "local bt=\${T_$name:-} bc=\${C_$name:-}"
  if [ -z "$bt" ] || awk "BEGIN { exit !($t < $bt) }"; then eval "T_$name=$t RSS_$name=$rss"; fi
  if [ -z "$bc" ] || awk "BEGIN { exit !($c < $bc) }"; then eval "C_$name=$c"; fi
}
for _ in $(seq "$runs"); do
  once count env GMD_TRACE_THREADS=0 "$GMD" trace count "$trace"
  once summary1 env GMD_TRACE_THREADS=0 "$GMD" trace summary "$trace"
  once summary env GMD_TRACE_THREADS=1 "$GMD" trace summary "$trace"
  once ref "$out/readevents" "$trace"
done

events=$(sed -n 's/^\([0-9]*\) events.*/\1/p' "$out/count.out")
ref_events=$(sed -n 's/^\([0-9]*\) events.*/\1/p' "$out/ref.out")
[ "$events" = "$ref_events" ] || echo "WARNING: event counts differ: gmd $events, x/exp/trace $ref_events"
row() {  # name seconds rss_kb cpu_seconds
  awk -v n="$1" -v t="$2" -v r="$3" -v c="$4" -v e="$events" -v b="$bytes" -v rt="$T_ref" -v rc="$C_ref" 'BEGIN {
    printf "| %-34s | %7.2f s | %6.1f M events/s | %5.1f | %7.1f MB | %5.1fx | %6.2f s | %5.1fx |\n", n, t, e / t / 1e6, b / e, r / 1024, rt / t, c, rc / c }'
}
echo
echo "trace: $(awk "BEGIN { printf \"%.0f\", $bytes / 1e6 }") MB, $events events ($(awk "BEGIN { printf \"%.1f\", $bytes / $events }") bytes/event), $(sed -n 's/.* events, \([0-9]*\) generations.*/\1/p' "$out/count.out") generations; best of $runs"
echo "| reader                             |  wall   |       events/s      | B/ev  |  peak RSS  | vs x/exp |   CPU    | vs x/exp |"
echo "|------------------------------------|---------|---------------------|-------|------------|----------|----------|----------|"
row "gmd trace count (reader, 1 thread)" "$T_count" "$RSS_count" "$C_count"
row "gmd trace summary (1 thread)" "$T_summary1" "$RSS_summary1" "$C_summary1"
row "gmd trace summary (2 threads)" "$T_summary" "$RSS_summary" "$C_summary"
row "x/exp/trace ReadEvent loop" "$T_ref" "$RSS_ref" "$C_ref"
