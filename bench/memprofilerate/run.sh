#!/usr/bin/env bash
# What heap profiling costs a Go program at each MemProfileRate: main.go
# (mixed small allocations) run RUNS times per rate, the rates interleaved
# so that other load on the machine spreads over all of them; the median
# allocations per second and the slowdown against no profiling (rate 0).
# Not a test: nothing is asserted. Usage: bench/memprofilerate/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")"
export PATH=$PATH:/usr/local/go/bin
runs=${1:-7}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/allocbench" main.go
rates="0 524288 65536 16384 4096 1024 512"
for i in $(seq "$runs"); do
    for rate in $rates; do
        GODEBUG=memprofilerate=$rate "$dir/allocbench" | awk '{print $2}' >>"$dir/$rate"
    done
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(median "$dir/0")
printf '%-16s %14s %10s\n' "MemProfileRate" "allocs/s" "slowdown"
for rate in $rates; do
    v=$(median "$dir/$rate")
    printf '%-16s %14.0f %9.1f%%\n' "$rate" "$v" "$(echo "($base / $v - 1) * 100" | bc -l)"
done
