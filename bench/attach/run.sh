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

# The library's own time per call (no process start-up, no rendering).
lib=$(dirname "$GMD")/libgmd.a have_rt=0
if [ -f "$lib" ] && cc -O2 -I"$root/include" "$root/bench/attach/readtime.c" "$lib" -ldeflate -lisal -lm -ldl -ldw -lelf \
     -lpthread -o "$out/readtime" 2>"$out/readtime.log"; then
  have_rt=1
else
  echo "== bench/attach/readtime.c not built (needs $lib; see $out/readtime.log): library times skipped"
fi
# readtime: run it on $PID, print its lines; rt_ms WHAT: the median ms of the line starting WHAT.
readtime() {
  [ "$have_rt" = 1 ] || { RT_OUT=""; return 0; }
  RT_OUT=$("$out/readtime" "$PID" "$runs")
  printf '%s\n' "$RT_OUT" | sed 's/^/   library: /'
}
rt_ms() { printf '%s\n' "$RT_OUT" | sed -n "s/^$1.* \([0-9.][0-9.]*\) ms.*/\1/p"; }

calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
calc1() { awk "BEGIN { printf \"%.1f\", $1 }"; }
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
  printf '   %-58s %8.3f s  %7.1f MB  heartbeat late by <= %7.1f ms   (%s)\n' "$LABEL" "$MED_T" \
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
  printf '   %-58s %8.3f s               heartbeat late by <= %7.1f ms   (%s)\n' "$LABEL" "$MED_T" \
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
  readtime
  g_lib=$(rt_ms goroutines) g_open=$(rt_ms "open runtime")
  LABEL="gmd pprof goroutines --json pid:P"; measure "$runs" "$GMD" pprof goroutines --json "pid:$PID"
  LABEL="curl /debug/pprof/goroutine?debug=2 (the program's own)"; fetch "$ref_runs" "http://127.0.0.1:$PORT/debug/pprof/goroutine?debug=2"
  r_t=$MED_T r_stall=$MAX_STALL
  LABEL="curl /debug/pprof/goroutine (proto, no stops per stack)"; fetch "$ref_runs" "http://127.0.0.1:$PORT/debug/pprof/goroutine"
  rp_t=$MED_T rp_stall=$MAX_STALL
  row "| \`pprof goroutines pid:P\`, all $ng goroutines with stacks | $g_t s, $(calc1 "$g_rss / 1024") MB (in the library: ${g_lib:-?} ms reading, ${g_open:-?} ms opening the runtime's layouts); the target's heartbeat never late by more than $g_stall ms | the program's /debug/pprof/goroutine?debug=2: $r_t s, target stalled up to $r_stall ms (proto form: $rp_t s, $rp_stall ms) | $(calc1 "$r_t / $g_t")× faster than debug=2 |"
  if [ "$have_dlv" = 1 ]; then
    LABEL="dlv attach + detach (nothing listed)"; measure "$dlv_runs" dlv_run
    d0_t=$MED_T d0_stall=$MAX_STALL
    LABEL="dlv attach, goroutines (no stacks), detach"; measure "$dlv_runs" dlv_run "goroutines"
    d1_t=$MED_T d1_stall=$MAX_STALL
    LABEL="dlv attach, goroutines -t 20 (stacks), detach"; measure "$dlv_runs" dlv_run "goroutines -t 20"
    d2_t=$MED_T d2_stall=$MAX_STALL
    grep -m1 -E '^\[[0-9]+ goroutines\]' "$out/dlv.out" | sed 's/^/   delve: /' || true
    row "| the same with Delve $("$DLV" version | sed -n 's/^Version: //p') | (gmd never stops it) | \`dlv attach\` + \`goroutines -t 20\` + detach: $d2_t s, target stopped $(calc1 "$d2_stall / 1000") s (\`goroutines\` without stacks: stopped $(calc1 "$d1_stall / 1000") s; attach + detach alone: $(calc1 "$d0_stall / 1000") s) | Delve stops it $(calc1 "$d2_stall / 1000 / $g_t")× longer than gmd takes |"
  fi
  stop

  echo "== heap profile with ~$nb distinct buckets (MemProfileRate 1)"
  start buckets "$out/prog" -buckets "$nb"
  LABEL="gmd pprof top pid:P"; measure "$runs" "$GMD" pprof top "pid:$PID"
  h_t=$MED_T h_rss=$MED_RSS h_stall=$MAX_STALL
  nsamples=$("$GMD" pprof info "pid:$PID" 2>/dev/null | sed -n 's/^ *samples: *\([0-9]*\).*/\1/p')
  readtime
  h_lib=$(rt_ms "heap profile") h_open=$(rt_ms "open runtime")
  LABEL="gmd pprof info pid:P (open + read, no report)"; measure "$runs" "$GMD" pprof info "pid:$PID"
  hi_t=$MED_T
  LABEL="curl /debug/pprof/heap (the program's own, gzipped proto)"; fetch "$ref_runs" "http://127.0.0.1:$PORT/debug/pprof/heap"
  rh_t=$MED_T rh_stall=$MAX_STALL
  row "| \`pprof top pid:P\`, heap profile of ${nsamples:-?} buckets | $h_t s (\`pprof info\`: $hi_t s), $(calc1 "$h_rss / 1024") MB (in the library: ${h_lib:-?} ms reading the buckets, ${h_open:-?} ms opening the runtime's layouts); heartbeat late by ≤ $h_stall ms | the program's /debug/pprof/heap: $rh_t s | $(calc1 "$h_t / $rh_t")× the fetch's time |"
  if [ "$have_dlv" = 1 ]; then
    LABEL="dlv attach + detach (nothing listed)"; measure "$dlv_runs" dlv_run
    row "| the same with Delve | — | no heap profile command; \`dlv attach\` + detach alone stops it $(calc1 "$MAX_STALL / 1000") s | |"
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
  declare -A samples=() cpus=() desc=([every100ms]="gmd reading goroutines + heap, 100 ms pauses"
    [every1s]="gmd reading goroutines + heap every 1 s" [busyloop]="control: a busy loop on the other CPU, no gmd")
  run_phase() {
    local name=$1 iv=${2:-} a b rp=""
    if [ "$iv" = hog ]; then
      # The control: no gmd, only a busy loop on the other CPU. On a VM
      # whose two vCPUs share a core (SMT) or a host, this alone slows the
      # target; gmd's own effect is what it adds beyond this.
      taskset -c 1 bash -c 'while :; do :; done' &
      rp=$!
    elif [ -n "$iv" ]; then
      taskset -c 1 bash -c "$(declare -f reader); GMD='$GMD' PID=$PID reader $iv" &
      rp=$!
    fi
    sleep 1.5
    a=$(lines)
    sleep "$phase"
    b=$(lines)
    [ -n "$rp" ] && { kill "$rp" 2>/dev/null; wait "$rp" 2>/dev/null || true; }
    samples[$name]+=" $(sed -n '/^ops\/s/p' "$out/work.out" | sed -n "$((a + 1)),$((b))p" | awk '{print $2}' | tr '\n' ' ')"
    cpus[$name]+=" $(sed -n '/^ops\/s/p' "$out/work.out" | sed -n "$((a + 1)),$((b))p" | awk '{print $4}' | tr '\n' ' ')"
  }
  for round in 1 2; do
    run_phase alone
    run_phase every100ms 0.1
    run_phase alone
    run_phase every1s 1
    run_phase alone
    run_phase busyloop hog
  done
  run_phase alone
  base=$(median ${samples[alone]})
  cbase=$(median ${cpus[alone]})
  # shellcheck disable=SC2086
  echo "   alone phases: ops/s from $(printf '%s\n' ${samples[alone]} | sort -g | head -1) to $(printf '%s\n' ${samples[alone]} | sort -g | tail -1) (the machine is shared)"
  for k in alone every100ms every1s busyloop; do
    # shellcheck disable=SC2086
    m=$(median ${samples[$k]})
    # shellcheck disable=SC2086
    c=$(median ${cpus[$k]})
    printf '   %-12s median %10.0f ops/s %+6.1f%%   %10.0f ops per CPU second %+6.1f%%   (%s s)\n' "$k" \
      "$m" "$(calc "($m - $base) * 100 / $base")" "$c" "$(calc "($c - $cbase) * 100 / $cbase")" "$(echo ${samples[$k]} | wc -w)"
    [ "$k" = alone ] || row "| target's throughput, ${desc[$k]} | $(calc1 "($base - $m) * 100 / $base")% fewer ops/s, $(calc1 "($cbase - $c) * 100 / $cbase")% fewer ops per CPU second | alone: $base ops/s, $cbase ops/CPU-s; $k: $m ops/s, $c ops/CPU-s | |"
  done
  stop
fi

echo
echo "| workload | gmd | reference | ratio |"
echo "| --- | --- | --- | --- |"
printf '%s\n' "${results[@]}"
