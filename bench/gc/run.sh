#!/usr/bin/env bash
# Benchmark gmd gc on a 1 GB log where gctrace lines are ~3% of the lines:
# input throughput (MB/s) and peak RSS. Not a test: timings vary by machine.
# usage: bench/gc/run.sh [path/to/gmd] [bytes]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
gmd=${1:-$root/build/gmd}
bytes=${2:-1073741824}
out=$root/bench/out
mkdir -p "$out"
log=$out/gctrace-$bytes.log
if [ ! -s "$log" ]; then
    cc -O2 -o "$out/gen-log" "$here/gen-log.c"
    echo "generating $log ..."
    "$out/gen-log" "$bytes" >"$log"
fi
size=$(stat -c %s "$log")
lines=$(grep -c '' "$log" || true)
gclines=$(grep -c '^gc [0-9]' "$log" || true)
echo "log: $size bytes, $lines lines, $gclines gc lines"
cat "$log" >/dev/null   # warm the page cache: measure gmd, not the disk
for mode in file stdin; do
    best=
    for i in 1 2 3; do
        if [ $mode = file ]; then
            /usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" "$gmd" gc "$log" >/dev/null
        else
            /usr/bin/time -f '%e %U %S %M' -o "$out/time.txt" sh -c "\"$gmd\" gc - <\"$log\" >/dev/null"
        fi
        read -r secs usr sys rss <"$out/time.txt"; cpu=$(awk "BEGIN{print $usr + $sys}")
        if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; bestcpu=$cpu; bestrss=$rss; fi
    done
    # Wall time is what a user waits; CPU time (user+sys) is what the parser
    # costs, and equals wall time on an idle machine.
    awk -v s="$size" -v t="$best" -v c="$bestcpu" -v r="$bestrss" -v m="$mode" \
        'BEGIN{printf "gmd gc (%s): wall %.2f s = %.2f GB/s; CPU %.2f s = %.2f GB/s; peak RSS %.1f MB\n", m, t, s/t/1e9, c, s/c/1e9, r/1024}'
done
