#!/usr/bin/env bash
# Build gmd trace's fixtures into OUTDIR and record execution traces:
#   traceref                 the reference reader (golang.org/x/exp/trace)
#   traceprog[-goVER]        the workload (see traceprog/main.go), built by the
#                            local Go and by Go 1.22/1.23/1.25 (GOTOOLCHAIN)
#   go126.trace ...          one trace per wire format (go122, go123, go125,
#                            go126), recorded with GODEBUG=traceadvanceperiod
#                            =20ms so each has many generations
#   go126-1gen.trace         the local Go's trace in one generation
# An older toolchain that cannot be had is skipped with a loud note.
# Run by tests/fixtures/make-fixtures.sh.
set -euo pipefail
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export GOFLAGS=-mod=mod GO111MODULE=on GOWORK=off

(cd "$here/traceref" && GOTOOLCHAIN=local "$GO" build -o "$out/traceref" .)
(cd "$here" && GOTOOLCHAIN=local "$GO" build -o "$out/traceprog" ./traceprog)
GODEBUG=traceadvanceperiod=20000000 "$out/traceprog" "$out/go126.trace"
"$out/traceprog" "$out/go126-1gen.trace"

# Go 1.24 writes the 1.23 format; 1.22, 1.23 and 1.25 cover the older ones.
for v in 1.22.12:go122 1.23.12:go123 1.25.5:go125; do
  tc=${v%%:*} name=${v##*:}
  rm -f "$out/$name.trace"
  if (cd "$here" && GOTOOLCHAIN=go$tc "$GO" build -o "$out/traceprog-$name" ./traceprog) 2>"$out/traceprog-$name.log"; then
    GODEBUG=traceadvanceperiod=20000000 "$out/traceprog-$name" "$out/$name.trace"
  else
    echo "trace-fixtures: WARNING: SKIPPED $name.trace: GOTOOLCHAIN=go$tc failed (see $out/traceprog-$name.log)" >&2
  fi
done
echo "trace-fixtures: ok: $out ($(ls "$out" | grep -c '\.trace$') traces)"
