#!/usr/bin/env bash
# Build every libFuzzer target with clang and run each for SECONDS (default
# 45). New corpus entries stay in build-fuzz/fuzz/corpus/<name>/; crashes are
# written to build-fuzz/fuzz/artifacts/ and listed at the end, with a table
# of executions per target.
#   usage: fuzz/run.sh [SECONDS]
# Exit status: 0 = no finding; 1 = a target found something (crash, leak,
# timeout, out of memory); 2 = a target did not build (always a defect:
# .ci/run fails on it, while a finding of a short run does not gate).
set -uo pipefail
secs=${1:-45}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GMD_FUZZ_BUILD:-$root/build-fuzz}
jobs=${JOBS:-2}

CC=${CC:-clang} cmake -S "$root" -B "$build" -DGMD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null ||
  { echo "fuzz: cmake could not configure the fuzz build (CC=${CC:-clang})"; exit 2; }
# Keep going past a target that fails to build; it is reported below.
cmake --build "$build" -j"$jobs" -- -k >"$build/fuzz-build.log" 2>&1 ||
  { echo "build had errors (see $build/fuzz-build.log):"; grep -m5 -E "error" "$build/fuzz-build.log"; }

# fuzz_goruntime reads a core of a real Go program (tests/target-fixtures/
# liveprog), made here with Go and gcore and shrunk by fuzz/shrink-core.py.
# Without Go, gdb or python3 (or ptrace permission) it is skipped, not failed.
goruntime_image() {
  local dir=$build/fuzz/goruntime-image go=${GO:-$(command -v go || echo /usr/local/go/bin/go)} pid i
  command -v gcore >/dev/null || { why="no gcore (gdb)"; return 1; }
  command -v python3 >/dev/null || { why="no python3"; return 1; }
  [ -x "$go" ] || { why="no go"; return 1; }
  rm -rf "$dir" && mkdir -p "$dir" || return 1
  (cd "$root/tests/target-fixtures/liveprog" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod GOWORK=off \
     "$go" build -o "$dir/liveprog" .) >"$dir/build.log" 2>&1 || { why="liveprog did not build (see $dir/build.log)"; return 1; }
  mkfifo "$dir/stdin" || return 1
  "$dir/liveprog" -nohttp <"$dir/stdin" >"$dir/out" 2>&1 &
  pid=$!
  exec 9>"$dir/stdin"   # liveprog exits when this closes
  for ((i = 0; i < 600; i++)); do
    grep -q ready "$dir/out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q ready "$dir/out" && gcore -o "$dir/core" "$pid" >"$dir/gcore.log" 2>&1
  exec 9>&-
  kill "$pid" 2>/dev/null   # in case it never got ready
  wait "$pid" 2>/dev/null
  [ -s "$dir/core.$pid" ] || { why="gcore made no core (see $dir/gcore.log)"; return 1; }
  python3 "$root/fuzz/shrink-core.py" "$dir/core.$pid" "$dir/small.core" >/dev/null || return 1
  rm -f "$dir/core.$pid"
  export GMD_FUZZ_CORE=$dir/small.core GMD_FUZZ_GOBIN=$dir/liveprog
}
why=""
if [ -x "$build/fuzz/fuzz_goruntime" ] && ! goruntime_image; then
  echo "== fuzz_goruntime: no core to fuzz ($why): skipped"
  skip_goruntime=1
fi

failed=()
unbuilt=()
table=()
for src in "$root"/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  corpus=${name#fuzz_}
  if [ "$name" = fuzz_goruntime ] && [ -n "${skip_goruntime:-}" ]; then
    table+=("$(printf '%-26s %14s %10s %9s  %s' "$name" - - - "skipped: $why")")
    continue
  fi
  work=$build/fuzz/corpus/$corpus
  mkdir -p "$work" "$build/fuzz/artifacts"
  dirs=("$work")
  [ -d "$root/fuzz/corpus/$corpus" ] && dirs+=("$root/fuzz/corpus/$corpus")
  if [ ! -x "$build/fuzz/$name" ]; then
    echo "== $name: not built"
    unbuilt+=("$name")
    table+=("$(printf '%-26s %14s %10s %9s  %s' "$name" - - - "not built")")
    continue
  fi
  echo "== $name for ${secs}s"
  status=ok
  if ! "$build/fuzz/$name" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz/artifacts/$name-" "${dirs[@]}" 2>"$build/fuzz/$name.log"; then
    failed+=("$name")
    status=FINDING
    grep -E "ERROR|SUMMARY|Test unit written" "$build/fuzz/$name.log" | head -5
  fi
  # libFuzzer's final stats (-print_final_stats=1): "stat::number_of_executed_units: N".
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz/$name.log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$build/fuzz/$name.log" | tail -1)
  per=-
  [ -n "$execs" ] && [ "$secs" -gt 0 ] && per=$((execs / secs))
  table+=("$(printf '%-26s %14s %10s %9s  %s' "$name" "${execs:--}" "$per" "${rss:+$rss MB}" "$status")")
done

echo
echo "executions per target (${secs} s each):"
printf '%-26s %14s %10s %9s  %s\n' target executions "exec/s" "peak RSS" result
printf '%s\n' "${table[@]}"
if [ ${#unbuilt[@]} -gt 0 ]; then
  echo "NOT BUILT: ${unbuilt[*]} (see $build/fuzz-build.log)"
  exit 2
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "findings: ${failed[*]} (crash inputs in $build/fuzz/artifacts/, logs in $build/fuzz/*.log)"
  exit 1
fi
echo "no crashes"
