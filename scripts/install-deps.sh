#!/usr/bin/env bash
# Install what building and testing gmd needs on Debian/Ubuntu, if missing.
# Safe to run repeatedly: it installs only absent packages. Go (1.22+) is
# not installed from apt (Debian's is too old); we look for it and say how
# to get it.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake make gcc pkg-config            # build
  libdeflate-dev                       # gzip (profiles are gzipped protobuf)
  libisal-dev                          # streaming gunzip, overlapped with parsing big profiles
  libcurl4-openssl-dev                 # live net/http/pprof endpoints
  libgraphviz-dev graphviz             # call graphs rendered to SVG
  libelf-dev libdw-dev                 # ELF symbols of Go binaries (heap dump roots)
  libcmocka-dev                        # unit tests
  gdb                                  # gcore: core files of live fixtures (target layer tests)
  clang                                # fuzz targets (libFuzzer)
  python3 time netcat-openbsd libxml2-utils   # test helpers
  strace                               # tests: gmd attach makes no ptrace/kill/write syscalls
)
if [ "${GMD_WITH_BROWSER:-1}" = 1 ]; then
  packages+=(chromium)                 # renders HTML reports in tests
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "gmd: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# libFuzzer's runtime: Debian's clang can come without it (libclang-rt-N-dev);
# best effort, since only the fuzz targets need it.
if command -v clang >/dev/null; then
  fuzzer_rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
  if [ ! -f "$fuzzer_rt" ]; then
    ver=$(clang -dumpversion 2>/dev/null | cut -d. -f1)
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    [ -n "$ver" ] && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "libclang-rt-$ver-dev" >/dev/null 2>&1 || echo "gmd: note: libclang-rt-$ver-dev not installed; fuzz targets may not link"
  fi
fi

# uPlot, embedded into HTML reports at build time, comes from npm (package.json pins it).
if [ ! -f node_modules/uplot/dist/uPlot.iife.min.js ]; then
  if ! command -v npm >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  echo "gmd: fetching uPlot with npm ci"
  npm ci --no-audit --no-fund --silent
fi

go=$(command -v go || true)
[ -n "$go" ] || { [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go; }
if [ -z "$go" ]; then
  echo "gmd: Go is required for the test suite (its fixtures are real Go programs)." >&2
  echo "     Install Go 1.22 or later from https://go.dev/dl/ into /usr/local/go, or put go on PATH." >&2
  exit 1
fi
echo "gmd: dependencies ok ($("$go" version))"
