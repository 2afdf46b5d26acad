#!/usr/bin/env bash
# Build the pcln program in the variants test_gobin checks, into OUTDIR:
#   pcln, pcln-pie, pcln-sw (-ldflags='-s -w'), pcln-pie-sw, and with Go 1.22
#   (GOTOOLCHAIN=go1.22.12, fetched by the go command the first time)
#   pcln-go122 and pcln-go122-pie-sw; with -linkmode=external pcln-ext and
#   pcln-ext-sw. When Go 1.22 cannot be had, its
#   variants are left out with a loud warning and the test skips only them.
set -euo pipefail
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -z "${HOME:-}" ]; then
  export GOCACHE=${GOCACHE:-$out/.gocache} GOPATH=${GOPATH:-$out/.gopath}
fi
export GOFLAGS=-mod=mod GO111MODULE=on GOWORK=off
cd "$here"
GOTOOLCHAIN=local "$GO" build -o "$out/pcln" .
GOTOOLCHAIN=local "$GO" build -buildmode=pie -o "$out/pcln-pie" .
GOTOOLCHAIN=local "$GO" build -ldflags='-s -w' -o "$out/pcln-sw" .
GOTOOLCHAIN=local "$GO" build -buildmode=pie -ldflags='-s -w' -o "$out/pcln-pie-sw" .
# Linked by the C linker: C start-up code precedes runtime.text in .text.
rm -f "$out/pcln-ext" "$out/pcln-ext-sw"
if ! { CGO_ENABLED=1 GOTOOLCHAIN=local "$GO" build -ldflags='-linkmode=external' -o "$out/pcln-ext" . &&
       CGO_ENABLED=1 GOTOOLCHAIN=local "$GO" build -ldflags='-linkmode=external -s -w' -o "$out/pcln-ext-sw" .; } 2>"$out/pcln-ext.log"; then
  rm -f "$out/pcln-ext" "$out/pcln-ext-sw"
  echo "pcln/build.sh: WARNING: SKIPPED the externally linked builds (no C toolchain? see $out/pcln-ext.log)" >&2
fi
rm -f "$out/pcln-go122" "$out/pcln-go122-pie-sw"
if GOTOOLCHAIN=go1.22.12 "$GO" build -o "$out/pcln-go122" . 2>"$out/pcln-go122.log" &&
   GOTOOLCHAIN=go1.22.12 "$GO" build -buildmode=pie -ldflags='-s -w' -o "$out/pcln-go122-pie-sw" . 2>>"$out/pcln-go122.log"; then
  :
else
  rm -f "$out/pcln-go122" "$out/pcln-go122-pie-sw"
  echo "pcln/build.sh: WARNING: SKIPPED the Go 1.22 builds: GOTOOLCHAIN=go1.22.12 failed (see $out/pcln-go122.log)" >&2
fi
