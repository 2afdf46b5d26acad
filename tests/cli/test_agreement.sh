#!/usr/bin/env bash
# gmd's reports agree with `go tool pprof` on real profiles: the "Showing
# nodes accounting for" totals line and every row (name and all five
# columns) of `gmd pprof top -n 0` against `go tool pprof -top`, for the four
# heap sample indexes, sorted by flat and by cum, with and without --base;
# plus tree, peek, traces and list on one profile. Only whitespace is
# normalized; any other difference fails with a diff.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"

# Keep a row-shaped line: totals, Dropped, and table rows; squeeze blanks.
rows() { sed -e 's/[[:space:]]\+/ /g' -e 's/^ //' -e 's/ $//' "$1"; }

# compare NAME "gmd args" "pprof args": whole reports compared, header included.
compare() {
    local name=$1 gargs=$2 pargs=$3
    # shellcheck disable=SC2086
    "$GO" tool pprof $pargs >"$T/$name.go" 2>"$T/$name.goerr" || fail "$name: go tool pprof $pargs failed: $(head -c 400 "$T/$name.goerr")"
    # shellcheck disable=SC2086
    "$GMD" pprof $gargs >"$T/$name.gmd" 2>"$T/$name.err" || fail "$name: gmd pprof $gargs failed: $(head -c 400 "$T/$name.err")"
    grep -q . "$T/$name.go" || fail "$name: pprof printed nothing"
    rows "$T/$name.go" >"$T/$name.go.n"
    rows "$T/$name.gmd" >"$T/$name.gmd.n"
    if ! diff -u "$T/$name.go.n" "$T/$name.gmd.n" >"$T/$name.diff"; then
        echo "--- go tool pprof $pargs / +++ gmd pprof $gargs" >&2
        head -40 "$T/$name.diff" >&2
        fail "$name: gmd differs from go tool pprof"
    fi
    pass
}

H1=$FIXTURES/heap-1.pb.gz
H3=$FIXTURES/heap-3.pb.gz
for f in "$H1" "$H3" "$FIXTURES/allocs.pb.gz"; do [ -s "$f" ] || fail "missing fixture $f"; done

for si in inuse_space inuse_objects alloc_space alloc_objects; do
    for cum in "" "-cum"; do
        gcum=${cum:+--cum}
        compare "top-$si$cum" "top -n 0 $gcum -i $si $H3" "-top $cum -sample_index=$si $H3"
        compare "base-$si$cum" "top -n 0 $gcum -i $si --base $H1 $H3" "-top $cum -sample_index=$si -base $H1 $H3"
    done
    compare "diff-$si" "diff -i $si $H1 $H3" "-top -sample_index=$si -base $H1 $H3"
done

# The check itself must be able to fail: a real row must be among those compared.
grep -q "main.(\*leakyCache).add" "$T/top-inuse_space.gmd.n" || fail "leak row missing from top"
assert_eq "$(grep -c 'Showing nodes accounting for' "$T/top-inuse_space.gmd.n")" 1 "one totals line"

compare "allocs-default" "top -n 0 $FIXTURES/allocs.pb.gz" "-top $FIXTURES/allocs.pb.gz"
compare "top-n5" "top -n 5 $H3" "-top -nodecount=5 $H3"
compare "lines" "top -n 0 --granularity lines $H3" "-top -lines $H3"
compare "focus" "top -n 0 --focus leaky $H3" "-top -focus=leaky $H3"
compare "hide" "top -n 0 --hide fillCache -i alloc_space $H3" "-top -hide=fillCache -sample_index=alloc_space $H3"
compare "tree" "tree -i alloc_space $H3" "-tree -sample_index=alloc_space $H3"
compare "peek" "peek fillCache $H3" "-peek fillCache $H3"
compare "traces" "traces $H3" "-traces $H3"
compare "goroutine-top" "top -n 0 $FIXTURES/goroutine.pb.gz" "-top $FIXTURES/goroutine.pb.gz"
# A CPU profile: time units and pprof's "Duration: ..., Total samples = ..." line.
if [ -z "${HOME:-}" ]; then export GOCACHE=$FIXTURES/.gocache GOPATH=$FIXTURES/.gopath; fi
export GOFLAGS=-mod=mod GO111MODULE=on GOTOOLCHAIN=local GOWORK=off
mkdir -p "$T/cpu"
printf 'module cpuprog\ngo 1.22\n' >"$T/cpu/go.mod"
cat >"$T/cpu/main.go" <<'EOF'
package main

import (
	"os"
	"runtime/pprof"
	"time"
)

var x uint64

//go:noinline
func spin(n int) {
	for i := 0; i < n; i++ {
		x = x*31 + uint64(i)
	}
}

func work() { spin(1000000) }

func main() {
	f, _ := os.Create(os.Args[1])
	pprof.StartCPUProfile(f)
	for end := time.Now().Add(700 * time.Millisecond); time.Now().Before(end); {
		work()
		spin(300000)
	}
	pprof.StopCPUProfile()
	f.Close()
}
EOF
(cd "$T/cpu" && "$GO" build -o cpuprog . && ./cpuprog "$T/cpu.pb.gz") >"$T/cpu.log" 2>&1 || fail "CPU program: $(tail -5 "$T/cpu.log")"
compare "cpu-top" "top -n 0 $T/cpu.pb.gz" "-top $T/cpu.pb.gz"
grep -q "^Duration: " "$T/cpu-top.gmd" || fail "cpu profile: no Duration line"
compare "cpu-tree" "tree $T/cpu.pb.gz" "-tree $T/cpu.pb.gz"

# pprof guesses a prefix to trim from source paths from the working
# directory's name (a build dir called "tests" breaks its lookup), so list
# runs from a neutral directory; the recorded paths are absolute.
cd "$T" || fail "cd $T"
compare "list" "list main.fillCache $H3" "-list main.fillCache $H3"
done_ok
