#!/usr/bin/env bash
# `make demo`: gmd on real profiles bundled in examples/ (see examples/README.md),
# then, when Go is present, gmd run on a leaking program (examples/leaky).
set -euo pipefail
gmd=${1:-build/gmd}
cd "$(dirname "$0")/.."
case $gmd in /*) ;; */*) gmd=$PWD/$gmd ;; esac   # the run below changes directory
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

# The main job: a leaking program watched while it runs (needs Go).
if command -v go >/dev/null 2>&1; then
    port=${GMD_DEMO_PORT:-16060}
    bundle=${TMPDIR:-/tmp}/gmd-demo-run-$$
    say "cd examples/leaky && gmd run --duration 8s --pprof http://127.0.0.1:$port -- go run ."
    (cd examples/leaky && PORT=$port "$gmd" run --duration 8s --out "$bundle" \
        --pprof "http://127.0.0.1:$port" -- go run .)
    echo "open $bundle/report.html in a browser: the verdict, the charts and the flame graphs"
else
    echo
    echo "(Go is not installed: skipping 'gmd run' on examples/leaky)"
fi
