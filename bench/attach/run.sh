#!/usr/bin/env bash
# Benchmark of gmd's live-process reader (pid:PID) against Delve and the
# program's own net/http/pprof, and the target's slowdown while gmd reads it.
# See bench/attach/README.md.
#
#   bench/attach/run.sh [RUNS]     RUNS timed runs of each gmd command (default 5)
#
# Env: GMD (gmd binary, default ./build/gmd), GO, DLV (default: dlv on PATH or
#      ~/go/bin/dlv; Delve is skipped when absent), GOROUTINES (100000),
#      BUCKETS (10000), REF_RUNS (runs of each pprof fetch, 3), DLV_RUNS (1),
#      PHASE (seconds per slowdown phase, 10), ONLY (speed|slowdown).
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
GMD=${GMD:-./build/gmd}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
DLV=${DLV:-$(command -v dlv || echo "$HOME/go/bin/dlv")}
ng=${GOROUTINES:-100000}
nb=${BUCKETS:-10000}
ref_runs=${REF_RUNS:-3}
dlv_runs=${DLV_RUNS:-1}
phase=${PHASE:-10}
only=${ONLY:-}
out=$root/bench/out/attach
[ -x "$GMD" ] || { echo "bench: no gmd at $GMD (set GMD)" >&2; exit 1; }
GMD=$(cd "$(dirname "$GMD")" && pwd)/$(basename "$GMD")
[ -x /usr/bin/time ] || { echo "bench: needs GNU time at /usr/bin/time" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench: needs curl" >&2; exit 1; }
mkdir -p "$out"

echo "== building bench/attach/prog"
(cd "$root/bench/attach/prog" && GOTOOLCHAIN=local GOFLAGS=-mod=mod GOWORK=off "$GO" build -o "$out/prog" .)

calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }

# The programs this script starts, killed (by pid) on exit.
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start NAME ARGS...: run prog in the background; sets PID and PORT once it
# has printed its port (everything parked / allocated by then).
start() {
  local name=$1 i; shift
  : >"$out/$name.out"
  "$@" >"$out/$name.out" 2>&1 &
  PID=$!
  pids+=("$PID")
  for ((i = 0; i < 3000; i++)); do
    PORT=$(sed -n 's/^port //p' "$out/$name.out")
    [ -n "$PORT" ] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: $name did not start:" >&2
  cat "$out/$name.out" >&2
  exit 1
}
stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }

# The longest time the target's heartbeat goroutine went without waking
# since the last call, in ms: how long the target was stopped.
stall() { curl -s --max-time 600 "http://127.0.0.1:$PORT/stall"; }

# measure RUNS CMD...: wall time (s), peak RSS (KiB) of CMD and the target's
# longest stall (ms) while it ran; sets MED_T, MED_RSS, MAX_STALL.
measure() {
  local n=$1 i t0 t1 ts=() rss=() st=() fn=0; shift
  # A shell function (Delve's runs) is timed as is, with no warm-up run.
  declare -F "$1" >/dev/null && fn=1
  [ "$fn" = 1 ] || "$@" >"$out/last.out" 2>&1 || { echo "bench: '$*' failed:" >&2; head -5 "$out/last.out" >&2; exit 1; }
  for ((i = 0; i < n; i++)); do
    stall >/dev/null
    t0=$EPOCHREALTIME
    if [ "$fn" = 1 ]; then "$@"; echo 0 >"$out/.time"
    else /usr/bin/time -f '%M' -o "$out/.time" "$@" >/dev/null 2>&1; fi
    t1=$EPOCHREALTIME
    st+=("$(stall)")
    ts+=("$(calc "$t1 - $t0")")
    rss+=("$(tail -1 "$out/.time")")
  done
  MED_T=$(median "${ts[@]}")
  MED_RSS=$(median "${rss[@]}")
  MAX_STALL=$(max "${st[@]}")
  printf '   %-58s %8.3f s  %7.1f MB  target stopped at most %8.1f ms   (%s)\n' "$LABEL" "$MED_T" \
    "$(calc "$MED_RSS / 1024")" "$MAX_STALL" "${ts[*]}"
}

# The same for a pprof endpoint fetch (no RSS: it is the target's own work).
fetch() {
  local n=$1 url=$2 i t0 t1 ts=() st=()
  for ((i = 0; i < n; i++)); do
    stall >/dev/null
    t0=$EPOCHREALTIME
    curl -s --max-time 600 -o "$out/fetch.out" "$url"
    t1=$EPOCHREALTIME
    st+=("$(stall)")
    ts+=("$(calc "$t1 - $t0")")
  done
  MED_T=$(median "${ts[@]}")
  MAX_STALL=$(max "${st[@]}")
  printf '   %-58s %8.3f s               target stopped at most %8.1f ms   (%s)\n' "$LABEL" "$MED_T" \
    "$MAX_STALL" "${ts[*]}"
}

have_dlv=1
[ -x "$DLV" ] || { have_dlv=0; echo "== no Delve at $DLV: Delve rows skipped (GOTOOLCHAIN=local go install github.com/go-delve/delve/cmd/dlv@v1.26.0)"; }

# dlv CMDS: attach, run the commands, detach (answering no to "kill it?").
dlv_run() {
  printf '%s\n' "$@" >"$out/dlv.init"
  printf 'exit\nn\n' | "$DLV" attach "$PID" --allow-non-terminal-interactive=true --init "$out/dlv.init" >"$out/dlv.out" 2>&1 || true
  kill -0 "$PID" || { echo "bench: Delve killed the target" >&2; exit 1; }
}

results=()
row() { results+=("$1"); }

if [ "$only" != slowdown ]; then
  echo "== $ng parked goroutines (10-20 frames deep, 4 creation sites)"
  start goroutines "$out/prog" -goroutines "$ng"
  LABEL="gmd pprof goroutines pid:P"; measure "$runs" "$GMD" pprof goroutines "pid:$PID"
  g_t=$MED_T g_rss=$MED_RSS g_stall=$MAX_STALL
  head -1 "$out/last.out" | sed 's/^/   read: /'
  LABEL="gmd pprof goroutines --json pid:P"; measure "$runs" "$GMD" pprof goroutines --json "pid:$PID"
  LABEL="curl /debug/pprof/goroutine?debug=2 (the program's own)"; fetch "$ref_runs" "http://127.0.0.1:$PORT/debug/pprof/goroutine?debug=2"
  r_t=$MED_T r_stall=$MAX_STALL
  LABEL="curl /debug/pprof/goroutine (proto, no stops per stack)"; fetch "$ref_runs" "http://127.0.0.1:$PORT/debug/pprof/goroutine"
  rp_t=$MED_T rp_stall=$MAX_STALL
  row "| all $ng goroutines with stacks | gmd: $g_t s, $(calc "$g_rss / 1024") MB, target stopped ≤ $g_stall ms (its 1 ms heartbeat) | /debug/pprof/goroutine?debug=2: $r_t s, stopped $r_stall ms; proto form: $rp_t s, stopped $rp_stall ms | $(calc "$r_t / $g_t")× faster than debug=2 |"
  if [ "$have_dlv" = 1 ]; then
    LABEL="dlv attach + detach (nothing listed)"; measure "$dlv_runs" dlv_run
    d0_t=$MED_T d0_stall=$MAX_STALL
    LABEL="dlv attach, goroutines (no stacks), detach"; measure "$dlv_runs" dlv_run "goroutines"
    d1_t=$MED_T d1_stall=$MAX_STALL
    LABEL="dlv attach, goroutines -t 20 (stacks), detach"; measure "$dlv_runs" dlv_run "goroutines -t 20"
    d2_t=$MED_T d2_stall=$MAX_STALL
    grep -m1 -E '^\[[0-9]+ goroutines\]' "$out/dlv.out" | sed 's/^/   delve: /' || true
    row "| the same, Delve ($("$DLV" version | sed -n 's/^Version: //p')) | gmd: $g_t s, target never stopped | dlv attach + goroutines -t 20: $d2_t s, target stopped $d2_stall ms (attach+detach alone: stopped $d0_stall ms; goroutines without stacks: $d1_stall ms) | $(calc "$d2_stall / 1000 / $g_t")× shorter than Delve's stop, and no stop |"
  fi
  stop

  echo "== heap profile with ~$nb distinct buckets (MemProfileRate 1)"
  start buckets "$out/prog" -buckets "$nb"
  LABEL="gmd pprof top pid:P"; measure "$runs" "$GMD" pprof top "pid:$PID"
  h_t=$MED_T h_rss=$MED_RSS h_stall=$MAX_STALL
  nsamples=$("$GMD" pprof info "pid:$PID" 2>/dev/null | sed -n 's/^ *samples: *\([0-9]*\).*/\1/p')
  "$GMD" pprof info "pid:$PID" 2>/dev/null | sed 's/^/   info: /' | head -6
  LABEL="gmd pprof info pid:P (open + read, no report)"; measure "$runs" "$GMD" pprof info "pid:$PID"
  hi_t=$MED_T
  LABEL="curl /debug/pprof/heap (the program's own, gzipped proto)"; fetch "$ref_runs" "http://127.0.0.1:$PORT/debug/pprof/heap"
  rh_t=$MED_T rh_stall=$MAX_STALL
  row "| heap profile, ${nsamples:-?} buckets | gmd pprof top: $h_t s (info: $hi_t s), $(calc "$h_rss / 1024") MB, target stopped ≤ $h_stall ms | /debug/pprof/heap: $rh_t s | $(calc "$rh_t / $h_t")× |"
  if [ "$have_dlv" = 1 ]; then
    LABEL="dlv attach + detach (nothing listed)"; measure "$dlv_runs" dlv_run
    row "| the same, Delve | — | dlv attach + detach alone: $MED_T s, target stopped $MAX_STALL ms (Delve has no heap profile command) | |"
  fi
  stop
fi

if [ "$only" != speed ]; then
  echo "== target slowdown: prog -work (1 CPU) while gmd reads it (the other CPU), ${phase}s phases"
  # The target on CPU 0 with GOMAXPROCS=1, gmd on CPU 1: what is left is
  # memory bandwidth and cache, not CPU time taken from the target.
  start work env GOMAXPROCS=1 taskset -c 0 "$out/prog" -work -goroutines 10000 -buckets 2000
  reader() {
    while :; do
      "$GMD" pprof goroutines "pid:$PID" >/dev/null 2>&1
      "$GMD" pprof top "pid:$PID" >/dev/null 2>&1
      sleep "$1"
    done
  }
  lines() { grep -c '^ops/s' "$out/work.out" || true; }
  # phase NAME [INTERVAL]: ops/s of the seconds fully inside the phase.
  declare -A samples=() reads=()
  run_phase() {
    local name=$1 iv=${2:-} a b rp=""
    if [ -n "$iv" ]; then
      taskset -c 1 bash -c "$(declare -f reader); GMD='$GMD' PID=$PID reader $iv" &
      rp=$!
    fi
    sleep 1.5
    a=$(lines)
    sleep "$phase"
    b=$(lines)
    [ -n "$rp" ] && { kill "$rp" 2>/dev/null; wait "$rp" 2>/dev/null || true; }
    samples[$name]+=" $(sed -n '/^ops\/s/p' "$out/work.out" | sed -n "$((a + 1)),$((b))p" | awk '{print $2}' | tr '\n' ' ')"
  }
  for round in 1 2; do
    run_phase alone
    run_phase every100ms 0.1
    run_phase alone
    run_phase every1s 1
  done
  run_phase alone
  base=$(median ${samples[alone]})
  for k in alone every100ms every1s; do
    # shellcheck disable=SC2086
    m=$(median ${samples[$k]})
    printf '   %-12s median %10.0f ops/s  (%s)  %+.1f%%\n' "$k" "$m" "$(echo ${samples[$k]} | wc -w) s" \
      "$(calc "($m - $base) * 100 / $base")"
    [ "$k" = alone ] || row "| target throughput, gmd reading goroutines + heap $k | $(calc "($base - $m) * 100 / $base")% slower | alone: $base ops/s; with gmd: $m ops/s | |"
  done
  stop
fi

echo
echo "| workload | gmd | reference | ratio |"
echo "| --- | --- | --- | --- |"
printf '%s\n' "${results[@]}"
