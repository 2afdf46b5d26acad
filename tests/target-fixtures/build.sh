#!/usr/bin/env bash
# Build the target-layer fixture (liveprog) in the variants gmd's memory
# sources and executable reader must handle, into OUTDIR:
#   liveprog            default build (non-PIE, symbols, DWARF)
#   liveprog-pie        -buildmode=pie (loaded at a random base: bias != 0)
#   liveprog-stripped   -ldflags='-s -w' (no .symtab, no DWARF)
#   liveprog-w          -ldflags=-w (symbols, no DWARF: layouts from gmd's table)
#   liveprog-go122      built by Go 1.22 (GOTOOLCHAIN=go1.22.12), when that
#                       toolchain can be fetched; skipped with a loud note if not
#   liveprog-go122-w    the same with -ldflags=-w
#   liveprog-go122-stripped  the same with -ldflags='-s -w' 
# Run by tests/fixtures/make-fixtures.sh.
set -euo pipefail
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export GOFLAGS=-mod=mod GO111MODULE=on GOWORK=off

cd "$here/liveprog"
GOTOOLCHAIN=local "$GO" build -o "$out/liveprog" .
GOTOOLCHAIN=local "$GO" build -buildmode=pie -o "$out/liveprog-pie" .
GOTOOLCHAIN=local "$GO" build -ldflags='-s -w' -o "$out/liveprog-stripped" .
# -w alone: symbols but no DWARF, so runtime layouts come from gmd's table.
GOTOOLCHAIN=local "$GO" build -ldflags=-w -o "$out/liveprog-w" .

# An older runtime's layouts (g, mspan, bucket) differ; build with Go 1.22
# when the go command can fetch it (needs network the first time).
rm -f "$out/liveprog-go122"
rm -f "$out/liveprog-go122-w" "$out/liveprog-go122-stripped"
if GOTOOLCHAIN=go1.22.12 "$GO" build -o "$out/liveprog-go122" . 2>"$out/liveprog-go122.log"; then
  GOTOOLCHAIN=go1.22.12 "$GO" build -ldflags=-w -o "$out/liveprog-go122-w" . 2>>"$out/liveprog-go122.log" ||
    rm -f "$out/liveprog-go122-w"
  GOTOOLCHAIN=go1.22.12 "$GO" build -ldflags='-s -w' -o "$out/liveprog-go122-stripped" . 2>>"$out/liveprog-go122.log" ||
    rm -f "$out/liveprog-go122-stripped"
else
  rm -f "$out/liveprog-go122"
  echo "target-fixtures: WARNING: SKIPPED liveprog-go122: GOTOOLCHAIN=go1.22.12 failed (see $out/liveprog-go122.log)" >&2
fi
# A goroutine running when a core is taken, and a panic (test_core_stacks).
(cd "$here/corestack" && GOTOOLCHAIN=local "$GO" build -o "$out/corestack" .)
# A program holding N open files under a set limit (test_attach_fds).
(cd "$here/fdprog" && GOTOOLCHAIN=local "$GO" build -o "$out/fdprog" .)

echo "target-fixtures: ok: $out ($(ls "$out" | grep -c '^liveprog[^.]*$') liveprog builds)"
