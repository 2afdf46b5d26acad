#!/usr/bin/env bash
# Every profile Go serves, read as pprof reads it (issue 13): delta profiles
# fetched with ?seconds=N (negative values), the debug=1 texts of block,
# mutex and threadcreate, and pprof's "Total samples" unit. Profiles come
# from tests/fixtures/profprog (see tests/fixtures/README.md); reports are
# compared with the installed `go tool pprof` row for row.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"

rows() { sed -e 's/[[:space:]]\+/ /g' -e 's/^ //' -e 's/ $//' "$1"; }
# Rows of tree/peek with each node's block sorted: pprof orders edges of
# equal |weight| but opposite sign (a delta's +1 and -1) by chance (its
# comparator calls them equal and sort.Sort is not stable), so only the
# set of rows in a block can be compared.
blocks() {
    rows "$1" | awk '
        function flush(   i, j, t) {
            for (i = 2; i <= n; i++)
                for (j = i; j > 1 && b[j] < b[j - 1]; j--) { t = b[j]; b[j] = b[j - 1]; b[j - 1] = t }
            for (i = 1; i <= n; i++) print b[i]
            n = 0
        }
        /^-+\+-+$/ { flush(); print; next }
        { b[++n] = $0 }
        END { flush() }'
}

# compare NAME "gmd args" "pprof args": whole reports, header included.
compare() {
    local name=$1 gargs=$2 pargs=$3
    # shellcheck disable=SC2086
    "$GO" tool pprof $pargs >"$T/$name.go" 2>"$T/$name.goerr" || fail "$name: go tool pprof $pargs failed: $(head -c 400 "$T/$name.goerr")"
    # shellcheck disable=SC2086
    "$GMD" pprof $gargs >"$T/$name.gmd" 2>"$T/$name.err" || fail "$name: gmd pprof $gargs failed: $(head -c 400 "$T/$name.err")"
    grep -q . "$T/$name.go" || fail "$name: pprof printed nothing"
    ${NORM:-rows} "$T/$name.go" >"$T/$name.go.n"
    ${NORM:-rows} "$T/$name.gmd" >"$T/$name.gmd.n"
    if ! diff -u "$T/$name.go.n" "$T/$name.gmd.n" >"$T/$name.diff"; then
        echo "--- go tool pprof $pargs / +++ gmd pprof $gargs" >&2
        head -40 "$T/$name.diff" >&2
        fail "$name: gmd differs from go tool pprof"
    fi
    pass
}

GD=$FIXTURES/goroutine-delta.pb.gz
HD=$FIXTURES/heap-delta.pb.gz
AD=$FIXTURES/allocs-delta.pb.gz
for f in "$GD" "$HD" "$AD" "$FIXTURES"/{block,mutex,threadcreate}-debug1.txt; do [ -s "$f" ] || fail "missing fixture $f"; done

# ---- 1. delta profiles: every verb keeps pprof's rows, negative values and edges included
for v in top tree traces; do
    gv=$v; [ $v = top ] && gv="top -n 0"
    norm=rows; [ $v = tree ] && norm=blocks
    NORM=$norm compare "gdelta-$v" "$gv $GD" "-$v $GD"
    NORM=$norm compare "hdelta-$v" "$gv $HD" "-$v $HD"
    NORM=$norm compare "adelta-$v" "$gv $AD" "-$v $AD"
done
compare "hdelta-alloc" "top -n 0 -i alloc_space $HD" "-top -sample_index=alloc_space $HD"
NORM=blocks compare "gdelta-peek" "peek main\\. $GD" "-peek main\\. $GD"
NORM=blocks compare "hdelta-peek" "peek main\\. $HD" "-peek main\\. $HD"
# The checks can fail: the negative rows and an edge from an all-zero node are there.
grep -q -- "-10 .*main.leavingWorker" "$T/gdelta-top.gmd.n" || fail "goroutine delta: leavingWorker -10 row missing"
grep -q -- "-1 100% | main.delta" "$T/gdelta-tree.gmd.n" || fail "goroutine delta: the edge from main.delta (cum 0) is missing"
grep -q -- "-.*main.allocDropped" "$T/hdelta-top.gmd.n" || fail "heap delta: the freed allocDropped row is missing"

# goroutines: changes over the window, not "-6 goroutines"
run "$GMD" pprof goroutines -n 0 "$GD"
assert_rc 0
assert_out_contains "delta profile over 2."
assert_out_contains "-10 goroutines ended"
assert_out_contains "+4 goroutines started"
assert_out_lacks " goroutines, "
grep -A6 -- "-10 goroutines ended" "$T/out" | grep -q "main.leavingWorker" || fail "ended group is not leavingWorker's"
grep -A6 -- "+4 goroutines started" "$T/out" | grep -q "main.arrivingWorker" || fail "started group is not arrivingWorker's"
run "$GMD" pprof goroutines --json "$GD"
assert_rc 0
assert_out_contains '"delta": true'
# diff: a delta is already a difference; no "7046 -> -1"
run "$GMD" pprof diff "$FIXTURES/goroutine.pb.gz" "$GD"
assert_rc 1
assert_err_one_line
assert_err_contains "delta profile"

# ---- 2. block, mutex and threadcreate debug=1 texts
# pprof cannot name their frames without the binary (it prints <unknown>),
# gmd reads names from the '#' lines; the type, the total and every
# sample's value agree.
for name in block mutex threadcreate; do
    f=$FIXTURES/$name-debug1.txt
    "$GO" tool pprof -traces "$f" >"$T/$name.go" 2>/dev/null || fail "$name: go tool pprof -traces failed"
    run "$GMD" pprof traces "$f"
    assert_rc 0
    grep '^Type:' "$T/$name.go" >"$T/$name.type.go"
    grep '^Type:' "$T/out" >"$T/$name.type.gmd"
    assert_eq "$(cat "$T/$name.type.gmd")" "$(cat "$T/$name.type.go")" "$name: Type line"
    # The value column: the first field of each trace's first line.
    awk '/^-----------\+/{getline; if ($0 !~ /^-/) print $1}' "$T/$name.go" >"$T/$name.v.go"
    awk '/^-----------\+/{getline; if ($0 !~ /^-/) print $1}' "$T/out" >"$T/$name.v.gmd"
    [ -s "$T/$name.v.go" ] || fail "$name: pprof printed no traces"
    diff -u "$T/$name.v.go" "$T/$name.v.gmd" >&2 || fail "$name: sample values differ from pprof's"
    pass
    # (The totals agree as the values do; their printed unit need not: it
    # follows the smallest node, and pprof has one <unknown> node.)
done
run "$GMD" pprof top -n 0 -i contentions "$FIXTURES/mutex-debug1.txt"
assert_rc 0
assert_out_contains "main.holdAndRelease"
run "$GMD" pprof top -n 0 "$FIXTURES/threadcreate-debug1.txt"
assert_out_contains "Type: threadcreate"
assert_out_contains "runtime.newm"
run "$GMD" pprof info "$FIXTURES/block-debug1.txt"
assert_rc 0
assert_out_contains "contention text (debug=1)"

# ---- 7. dot: pprof's nodes, label/size boxes (nodelets) and edges, and its
# node counting, where a node's boxes count toward -nodecount
dotset() {   # node and nodelet labels, and edges with their labels
    grep -o '^N[N0-9_]* \[label *= *"[^"]*"' "$1" | sed 's/label *= */label=/'
    grep -o '^N[N0-9_]* -> N[N0-9_]* \[label=" [^"]*"' "$1" | sort
}
for f in heap-3.pb.gz allocs.pb.gz goroutine.pb.gz block.pb.gz mutex.pb.gz cpu.pb.gz; do
    for n in 5 10 80; do
        "$GO" tool pprof -dot -nodecount=$n "$FIXTURES/$f" >"$T/p.dot" 2>/dev/null || fail "go tool pprof -dot $f failed"
        run "$GMD" pprof dot -n $n "$FIXTURES/$f"
        assert_rc 0
        dotset "$T/p.dot" >"$T/p.set"
        dotset "$T/out" >"$T/g.set"
        diff -u "$T/p.set" "$T/g.set" >&2 || fail "dot -n $n $f: nodes, boxes or edges differ from pprof's"
        pass
    done
done
# The checks can fail: size boxes (heap) and label boxes (goroutine labels) are there.
run "$GMD" pprof dot "$FIXTURES/heap-3.pb.gz"
assert_out_contains 'NN1_0 [label = "1kB"'
run "$GMD" pprof dot "$FIXTURES/goroutine.pb.gz"
assert_out_contains '[label = "role:labeled-worker"'

# ---- 5. C++ names demangled and simplified as pprof's default shows them.
# No Go program makes these names, so a heap text carries them; gmd
# converts it (demangling on the way, the mangled name kept as the system
# name) and pprof, forced to demangle the system names itself, must agree.
names="_ZN4absl5Mutex4LockEv _ZNSt6vectorIiSaIiEE9push_backERKi _ZN12_GLOBAL__N_13fooEv _Z3fooIiEvT_
_ZZ4mainENKUlvE_clEv _ZNK3Foo3barEv _ZN3FooclEv _ZN3FooltERKS_ _ZN6__tsan10ThreadFreeEPNS_11ThreadStateEm
_Z1fv.cold _ZN3Foo3bazIiEENS_4IterEi _ZN3FoonwEm _ZN3FoocviEv __tsan_read8 _ZN3FooixEi _ZN5outer5innerILi3EE3runEv"
{
    echo "heap profile: 16: 1600 [16: 1600] @ heap/1048576"
    i=1
    for n in $names; do
        printf '1: %d [1: %d] @ 0x%x001\n#\t0x%x000\t%s+0x10\t/src/x.cc:%d\n\n' $((i * 100)) $((i * 100)) $i $i "$n" $i
        i=$((i + 1))
    done
} >"$T/mangled.txt"
if ldconfig -p 2>/dev/null | grep -q 'libstdc++\.so\.6'; then   # the demangler gmd loads
    run "$GMD" pprof convert "$T/mangled.txt" -o "$T/mangled.pb.gz"
    assert_rc 0
    compare "demangle" "top -n 0 $T/mangled.pb.gz" "-symbolize=force -top $T/mangled.pb.gz"
    grep -q "__tsan::ThreadFree$" "$T/demangle.gmd.n" || fail "demangle: __tsan::ThreadFree missing"
    grep -q "std::vector::push_back$" "$T/demangle.gmd.n" || fail "demangle: std::vector::push_back missing"
else
    echo "WARNING: no libstdc++.so.6: demangling not tested" >&2
fi

# ---- 6. A legacy C++ (gperftools) heap profile keeps its memory map: frames
# get their mapping, "File:" names the main binary, convert keeps them.
# No Go program writes this form; the text is gperftools' layout.
cat >"$T/cxxheap.txt" <<'EOF'
heap profile:    3:   300 [    10:  1000] @ heapprofile
     1:   100 [     5:   500] @ 0x401234 0x7f0000001234
     2:   200 [     5:   500] @ 0x401300 0x401234

MAPPED_LIBRARIES:
00400000-00452000 r-xp 00000000 08:01 123        /usr/bin/myserver
00651000-00652000 rw-p 00051000 08:01 123        /usr/bin/myserver
7f0000000000-7f0000100000 r-xp 00000000 08:01 456 /lib/x86_64-linux-gnu/libc.so.6
EOF
compare "cxxheap-top" "top -n 0 $T/cxxheap.txt" "-symbolize=none -top $T/cxxheap.txt"
compare "cxxheap-traces" "traces $T/cxxheap.txt" "-symbolize=none -traces $T/cxxheap.txt"
grep -q "^File: myserver" "$T/cxxheap-top.gmd.n" || fail "cxxheap: no File line"
grep -q "\[libc.so.6\]" "$T/cxxheap-traces.gmd.n" || fail "cxxheap: libc frame not named by its mapping"
run "$GMD" pprof convert "$T/cxxheap.txt" -o "$T/cxxheap.pb.gz"
assert_rc 0
"$GO" tool pprof -symbolize=none -raw "$T/cxxheap.pb.gz" 2>/dev/null | sed -n '/^Mappings/,$p' >"$T/cxx.maps"
grep -q "1: 0x400000/0x452000/0x0 /usr/bin/myserver" "$T/cxx.maps" || fail "convert lost the main mapping: $(cat "$T/cxx.maps")"
grep -q "2: 0x7f0000000000/0x7f0000100000/0x0 /lib/x86_64-linux-gnu/libc.so.6" "$T/cxx.maps" || fail "convert lost libc's mapping"
pass

# ---- 3. CPU profiles: units, "Duration: ..., Total samples = ... (N%)"
compare "cpu-top" "top -n 0 $FIXTURES/cpu.pb.gz" "-top $FIXTURES/cpu.pb.gz"
compare "cpu-traces" "traces $FIXTURES/cpu.pb.gz" "-traces $FIXTURES/cpu.pb.gz"
grep -q "^Duration: .*, Total samples = .*(.*%)" "$T/cpu-top.gmd.n" || fail "cpu: no Duration/Total samples line"
grep -q "main.burn" "$T/cpu-top.gmd.n" || fail "cpu: main.burn missing"

# ---- 4. "Total samples =" in the report's unit (pprof: 1256.62kB in tree, bytes in peek)
compare "hdelta-tree-unit" "tree $HD" "-tree $HD"
grep -q "^Duration: .*, Total samples = [0-9.]*kB" "$T/hdelta-tree-unit.gmd.n" || fail "tree: Total samples not in kB"
done_ok
