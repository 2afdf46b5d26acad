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

# libFuzzer's runtime (libclang_rt.fuzzer), which the fuzz targets link
# against and `.ci/run` requires: Debian 12+ and Ubuntu 24.04+ ship it in
# libclang-rt-N-dev, older releases in libclang-common-N-dev, N being the
# major version of the clang on PATH (not of whatever else is installed).
fuzzer_rt() { clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null; }
if command -v clang >/dev/null && [ ! -f "$(fuzzer_rt)" ]; then
  ver=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' | head -1)
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  pkg=""
  if [ -n "$ver" ]; then
    $sudo apt-get update -qq || true
    for p in "libclang-rt-$ver-dev" "libclang-common-$ver-dev"; do
      if apt-cache show "$p" >/dev/null 2>&1; then pkg=$p; break; fi
    done
  fi
  if [ -n "$pkg" ]; then
    echo "gmd: installing $pkg (libFuzzer's runtime for clang $ver)"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
  fi
  if [ ! -f "$(fuzzer_rt)" ]; then
    echo "gmd: clang ${ver:-?} has no libFuzzer runtime (libclang_rt.fuzzer-x86_64.a) and neither" >&2
    echo "     libclang-rt-${ver:-N}-dev nor libclang-common-${ver:-N}-dev provides it: the fuzz targets cannot link" >&2
    exit 1
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
