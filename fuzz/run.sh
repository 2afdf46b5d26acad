#!/usr/bin/env bash
# Build every libFuzzer target with clang and run each for SECONDS (default
# 30). New corpus entries stay in build-fuzz/fuzz/corpus/<name>/; crashes are
# written to build-fuzz/fuzz/artifacts/ and listed at the end.
#   usage: fuzz/run.sh [SECONDS]
set -uo pipefail
secs=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GMD_FUZZ_BUILD:-$root/build-fuzz}
jobs=${JOBS:-2}

CC=${CC:-clang} cmake -S "$root" -B "$build" -DGMD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
# Keep going past a target that fails to build; it is reported below.
cmake --build "$build" -j"$jobs" -- -k >"$build/fuzz-build.log" 2>&1 ||
  { echo "build had errors (see $build/fuzz-build.log):"; grep -m5 -E "error" "$build/fuzz-build.log"; }

failed=()
for src in "$root"/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  corpus=${name#fuzz_}
  work=$build/fuzz/corpus/$corpus
  mkdir -p "$work" "$build/fuzz/artifacts"
  dirs=("$work")
  [ -d "$root/fuzz/corpus/$corpus" ] && dirs+=("$root/fuzz/corpus/$corpus")
  if [ ! -x "$build/fuzz/$name" ]; then
    echo "== $name: not built"
    failed+=("$name(build)")
    continue
  fi
  echo "== $name for ${secs}s"
  if ! "$build/fuzz/$name" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz/artifacts/$name-" "${dirs[@]}" 2>"$build/fuzz/$name.log"; then
    failed+=("$name")
    grep -E "ERROR|SUMMARY|Test unit written" "$build/fuzz/$name.log" | head -5
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz/$name.log" | sed 's/^/   /'
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]} (crash inputs in $build/fuzz/artifacts/, logs in $build/fuzz/*.log)"
  exit 1
fi
echo "no crashes"
