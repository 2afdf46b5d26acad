#!/usr/bin/env bash
# `make demo`: gmd on real profiles bundled in examples/ (see examples/README.md).
set -euo pipefail
gmd=${1:-build/gmd}
cd "$(dirname "$0")/.."
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say gmd pprof top -n 5 examples/heap-3.pb.gz
"$gmd" pprof top -n 5 examples/heap-3.pb.gz

say gmd pprof diff -n 5 examples/heap-1.pb.gz examples/heap-3.pb.gz
"$gmd" pprof diff -n 5 examples/heap-1.pb.gz examples/heap-3.pb.gz

say gmd pprof goroutines -n 3 examples/goroutine-debug2.txt
"$gmd" pprof goroutines -n 3 examples/goroutine-debug2.txt

out=${TMPDIR:-/tmp}/gmd-demo-flame.svg
say gmd pprof flame --base examples/heap-1.pb.gz examples/heap-3.pb.gz -o "$out"
"$gmd" pprof flame --base examples/heap-1.pb.gz examples/heap-3.pb.gz -o "$out"
echo "open $out in a browser: a diff flame graph (red = grew)"
