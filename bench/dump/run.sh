#!/bin/bash
# Benchmark of gmd dump on a dump of >= 1 GB: read, graph, types, dominators, top.
# Usage: bench/dump/run.sh [GMD] [MB]   (outputs in bench/out/, gitignored)
# MB = 1200 gives the 1.46 GB, 15 M object dump of issue #12. Types are on
# (--binary the generator). The floor is one pass of gmd's record parser
# over the dump (bench/dump/floor.c, linked with GMD's libgmd.a).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GMD=${1:-$ROOT/build/gmd}
MB=${2:-1200}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
OUT=$ROOT/bench/out
mkdir -p "$OUT"
DUMP=$OUT/bench-$MB.dump
if [ ! -s "$DUMP" ]; then
    "$GO" build -o "$OUT/gen" "$HERE/gen.go"
    "$OUT/gen" "$DUMP" "$MB"
fi
[ -x "$OUT/gen" ] || "$GO" build -o "$OUT/gen" "$HERE/gen.go"
SIZE=$(stat -c %s "$DUMP")
cc -O2 -I"$ROOT/include" "$HERE/floor.c" "$(dirname "$GMD")/libgmd.a" -o "$OUT/floor"
# Warm the page cache so the figure is gmd's, not the disk's.
cat "$DUMP" >/dev/null
/usr/bin/time -f "%e %M %U %S" -o "$OUT/time-floor.txt" "$OUT/floor" "$DUMP" >/dev/null
read -r FSECS FRSS_KB U0 S0 <"$OUT/time-floor.txt"
/usr/bin/time -f "%e %M %U %S" -o "$OUT/time.txt" "$GMD" dump summary --json --binary "$OUT/gen" "$DUMP" >"$OUT/summary.json"
read -r SECS RSS_KB U1 S1 <"$OUT/time.txt"
OBJS=$(grep -o '"objects":[0-9]*' "$OUT/summary.json" | head -1 | cut -d: -f2)
/usr/bin/time -f "%e %M %U %S" -o "$OUT/time-top.txt" "$GMD" dump top -n 10 --binary "$OUT/gen" "$DUMP" >"$OUT/top.txt"
read -r TSECS TRSS_KB U2 S2 <"$OUT/time-top.txt"
awk -v fs="$FSECS" -v cpu0="$(echo "$U0 + $S0" | bc)" -v size="$SIZE" -v s="$SECS" -v rss="$RSS_KB" -v objs="$OBJS" -v ts="$TSECS" -v trss="$TRSS_KB" -v cpu1="$(echo "$U1 + $S1" | bc)" -v cpu2="$(echo "$U2 + $S2" | bc)" -v load="$(cut -d" " -f1 /proc/loadavg)" 'BEGIN {
    printf "dump: %.2f GB, %d objects\n", size / 1e9, objs
    printf "floor (records parsed once):       %.2f s, %.0f MB/s, %.2f M objects/s; CPU %.2f s\n",
        fs, size / 1e6 / fs, objs / 1e6 / fs, cpu0
    printf "summary (graph + types + dominators): %.2f s, %.0f MB/s, %.2f M objects/s, peak RSS %.0f MB\n",
        s, size / 1e6 / s, objs / 1e6 / s, rss / 1024
    printf "top (same + top retainers):          %.2f s, %.0f MB/s, %.2f M objects/s, peak RSS %.0f MB\n",
        ts, size / 1e6 / ts, objs / 1e6 / ts, trss / 1024
    printf "CPU time (user+sys): summary %.2f s, top %.2f s; load average at the end %s on %d cores\n", cpu1, cpu2, load, 2
    printf "by CPU time: top %.0f MB/s, %.2f M objects/s (floor %.0f MB/s)\n", size / 1e6 / cpu2, objs / 1e6 / cpu2, size / 1e6 / cpu0
}' | tee "$OUT/dump-bench.txt"
