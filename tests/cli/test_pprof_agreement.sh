#!/usr/bin/env bash
# External agreement test (issue 13): gmd pprof and the installed `go tool
# pprof` read the same real-world-shaped profiles and must print the same
# rows. tests/agree-fixtures/agreeprog makes them here, in this test's temp
# dir: heap, allocs, goroutine (pprof.Do and SetGoroutineLabels labels),
# CPU (labeled), mutex, block, and the ?seconds=1 deltas of heap, allocs,
# goroutine, mutex and block, from a program with many functions, inlined
# helpers, deep direct and mutual recursion and a generic function.
# tests/agree-fixtures/compare.py parses both outputs of top, tree, peek,
# traces and dot and compares every value, percentage and name in order.
# Both tools read the same file, so nothing here depends on what the
# profiles hold (which varies from run to run); only pprof's chance orders
# and the differences the README names are let through, each by an explicit
# --allow.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary (ctest sets it)}"
: "${SRCDIR:?SRCDIR must name the source tree (ctest sets it)}"
command -v python3 >/dev/null || fail "python3 is required by this test (tests/agree-fixtures/compare.py)"

if [ -z "${HOME:-}" ]; then export GOCACHE=$FIXTURES/.gocache GOPATH=$FIXTURES/.gopath; fi
export GOFLAGS=-mod=mod GO111MODULE=on GOTOOLCHAIN=local GOWORK=off
# pprof's own binary: `go tool pprof` would start the go command each time.
PPROF=$("$GO" tool -n pprof 2>/dev/null) && [ -x "$PPROF" ] || PPROF="$GO tool pprof"
CMP="python3 $SRCDIR/tests/agree-fixtures/compare.py"

(cd "$SRCDIR/tests/agree-fixtures" && "$GO" build -o "$T/agreeprog" ./agreeprog) >"$T/build.err" 2>&1 ||
    fail "building agreeprog: $(head -c 600 "$T/build.err")"
P=$T/p
mkdir -p "$P"
"$T/agreeprog" "$P" 2>"$T/prog.err" || fail "agreeprog: $(head -c 600 "$T/prog.err")"

# agree KIND NAME "gmd pprof args" "go tool pprof args" [ALLOW...]
agree() {
    local kind=$1 name=$2 gargs=$3 pargs=$4 n a allows=()
    shift 4
    for a in "$@"; do allows+=(--allow "$a"); done
    # shellcheck disable=SC2086
    $PPROF $pargs >"$T/$name.go" 2>"$T/$name.goerr" || fail "$name: go tool pprof $pargs failed: $(head -c 400 "$T/$name.goerr")"
    # shellcheck disable=SC2086
    "$GMD" pprof $gargs >"$T/$name.gmd" 2>"$T/$name.err" || fail "$name: gmd pprof $gargs failed: $(head -c 400 "$T/$name.err")"
    n=$($CMP "$kind" "$T/$name.go" "$T/$name.gmd" "${allows[@]}" 2>"$T/$name.cmp") ||
        fail "$name: gmd pprof $gargs differs from go tool pprof $pargs: $(cat "$T/$name.cmp")"
    [ "$n" -gt 0 ] || fail "$name: nothing compared (no rows)"
    pass
}

# pprof ranks the nodes of a profile with negative values partly by NaN
# scores, as Go's int64(NaN) gives on its CPU; gmd ranks them as on amd64
# (graph.c, go_int64). Elsewhere such graphs are compared whole, as sets
# (AGREE_ARCH=arm64 tries that path here).
case ${AGREE_ARCH:-$(uname -m)} in x86_64 | amd64) NANRANK=1 ;; *) NANRANK= ;; esac
# negdot NAME "gmd pprof args" "go tool pprof args": dot of a profile with negative values.
negdot() {
    if [ -n "$NANRANK" ]; then
        for n in 80 10 3; do agree dot "$1$n" "dot -n $n $2" "-dot -nodecount=$n $3" dot-hint dot-n0; done
    else
        agree dot "$1" "dot -n 0 $2" "-dot -nodecount=0 $3" dot-hint dot-n0 dot-names
    fi
}

PLAIN="heap allocs goroutine cpu mutex block"
DELTAS="heap-delta allocs-delta goroutine-delta mutex-delta block-delta"
for p in $PLAIN $DELTAS heap-end; do [ -s "$P/$p.pb.gz" ] || fail "agreeprog wrote no $p.pb.gz"; done

for p in $PLAIN $DELTAS; do
    f=$P/$p.pb.gz
    # pprof orders a node's +w and -w edges by chance (delta profiles only:
    # elsewhere no weight is negative).
    ties=; case $p in *-delta) ties=edge-ties ;; esac
    agree top "$p-top" "top -n 0 $f" "-top $f"
    agree top "$p-top-cum" "top -n 0 --cum $f" "-top -cum $f"
    agree tree "$p-tree" "tree $f" "-tree $f" $ties
    agree peek "$p-peek" "peek main\\. $f" "-peek main\\. $f" $ties
    agree traces "$p-traces" "traces $f" "-traces $f"
    case $p in
    *-delta) negdot "$p-dot" "$f" "$f" ;;
    *) for n in 80 10 3; do agree dot "$p-dot$n" "dot -n $n $f" "-dot -nodecount=$n $f" dot-hint; done ;;
    esac
done

# Every sample index, lines granularity, and a filter, where they apply.
for p in heap allocs heap-delta; do
    f=$P/$p.pb.gz
    for si in inuse_space inuse_objects alloc_space alloc_objects; do
        agree top "$p-top-$si" "top -n 0 -i $si $f" "-top -sample_index=$si $f"
    done
    agree top "$p-lines" "top -n 0 --granularity lines $f" "-top -lines $f"
done
for p in mutex block; do
    for si in contentions delay; do
        agree top "$p-top-$si" "top -n 0 -i $si $P/$p.pb.gz" "-top -sample_index=$si $P/$p.pb.gz"
    done
done
agree tree "heap-focus" "tree --focus serve $P/heap.pb.gz" "-tree -focus=serve $P/heap.pb.gz"
agree tree "heap-tree-cum" "tree --cum $P/heap.pb.gz" "-tree -cum $P/heap.pb.gz"
agree peek "heap-peek-lines" "peek --granularity lines main\\. $P/heap.pb.gz" "-peek main\\. -lines $P/heap.pb.gz"
agree dot "heap-dot-lines" "dot --granularity lines $P/heap.pb.gz" "-dot -lines $P/heap.pb.gz" dot-hint
agree dot "heap-dot-focus" "dot --focus serve $P/heap.pb.gz" "-dot -focus=serve $P/heap.pb.gz" dot-hint
agree dot "heap-dot-alloc" "dot -i alloc_space $P/heap.pb.gz" "-dot -sample_index=alloc_space $P/heap.pb.gz" dot-hint
agree top "merged" "top -n 0 $P/heap.pb.gz $P/heap-end.pb.gz" "-top $P/heap.pb.gz $P/heap-end.pb.gz"
agree traces "merged-mutex" "traces $P/mutex.pb.gz $P/mutex-delta.pb.gz" "-traces $P/mutex.pb.gz $P/mutex-delta.pb.gz"
agree top "cpu-show" "top -n 0 --show main $P/cpu.pb.gz" "-top -show=main $P/cpu.pb.gz"
agree top "goroutine-hide" "top -n 0 --hide runtime $P/goroutine.pb.gz" "-top -hide=runtime $P/goroutine.pb.gz"
agree top "block-ignore" "top -n 0 --ignore pprof $P/block.pb.gz" "-top -ignore=pprof $P/block.pb.gz"
negdot "heap-dot-base" "--base $P/heap.pb.gz $P/heap-end.pb.gz" "-base $P/heap.pb.gz $P/heap-end.pb.gz"
agree top "heap-base" "top -n 0 --base $P/heap.pb.gz $P/heap-end.pb.gz" "-top -base $P/heap.pb.gz $P/heap-end.pb.gz"
agree tree "heap-base-tree" "tree -i alloc_space --base $P/heap.pb.gz $P/heap-end.pb.gz" "-tree -sample_index=alloc_space -base $P/heap.pb.gz $P/heap-end.pb.gz" edge-ties

# dot's node names, shortened as pprof's ShortenFunctionName does, on names
# no single Go program has: module major versions, paths with dots and
# dashes, Java- and C++-shaped names, generics, runtime type functions.
# A heap text carries them (gmd converts it; pprof reads the names as given).
names='type:.eq.internal/profile.functionKey github.com/redis/go-redis/v9.(*Client).Process
github.com/foo/bar/v10/baz.Func gopkg.in/yaml.v3.(*decoder).unmarshal main.Server.handle
main.Handler.func1 time.Time.Format main.collect[...] main.collect[go.shape.int64] absl::Mutex::Lock
net/http.HandlerFunc.ServeHTTP main.(*T).Method-fm example.com/a-b/c.d/e.F a/b main.main.func1.2
k8s.io/client-go/tools/cache.(*Reflector).ListAndWatch.func1 github.com/x/y/v2 C.malloc
std::vector<int>::push_back ns::Outer::~Outer github.com/a/b/v2x.F example.com/m/v2/v3.F
_Foo::Bar::baz<int,char>::qux pkg/path.(*T[...]).M main.T.m$1'
{
    echo "heap profile: 30: 3000 [30: 3000] @ heap/1048576"
    i=1
    set -f   # the names hold glob characters
    for n in $names; do
        printf '1: %d [1: %d] @ 0x%x001\n#\t0x%x000\t%s+0x10\t/src/x.go:%d\n\n' $((i * 100)) $((i * 100)) $i $i "$n" $i
        i=$((i + 1))
    done
    set +f
} >"$T/names.txt"
"$GMD" pprof convert "$T/names.txt" -o "$T/names.pb.gz" >/dev/null 2>"$T/names.err" || fail "convert names: $(cat "$T/names.err")"
agree dot "names-dot" "dot -n 100 $T/names.pb.gz" "-symbolize=none -dot -nodecount=100 $T/names.pb.gz" dot-hint
grep -q 'label="go-redis\\n(\*Client)\\nProcess' "$T/names-dot.gmd" || fail "names: go-redis/v9 not shortened as pprof does"

# The comparison can fail: the shapes it is about are in what was compared.
grep -q "(inline)" "$T/heap-top.gmd" || fail "no inlined frame in the heap profile's rows"
grep -q "role:" "$T/goroutine-traces.gmd" || fail "no goroutine labels in the goroutine traces"
grep -q "main.collect\[go.shape.int64\]" "$T/allocs-traces.gmd" || fail "no generic function in the allocs traces"
grep -q "main.Server.handle" "$T/heap-traces.gmd" && grep -q "main.Handler.func1" "$T/heap-traces.gmd" || fail "no value-receiver method or closure of an exported function in the heap traces"
[ "$(grep -c "main.buildTree" "$T/heap-traces.gmd")" -gt 60 ] || fail "no deep recursive stack in the heap traces"
grep -q "NN1_0" "$T/heap-dot80.gmd" || fail "no size boxes in the heap graph"
# And the comparer sees a one-digit change in any kind of row (the first
# digit of the first row holding a given text), allowances or not.
mutate() {
    python3 -c 'import sys, re
lines, sub, done = open(sys.argv[1]).read().split("\n"), sys.argv[2], False
for i, l in enumerate(lines):
    if not done and sub in l and re.search("[0-9]", l):
        lines[i] = re.sub("[0-9]", lambda m: str((int(m.group()) + 1) % 10), l, count=1)
        done = True
print("\n".join(lines), end="")' "$1" "$2"
}
for c in "top heap-top main." "tree heap-delta-tree | main." "traces heap-traces bytes:" "dot heap-dot80 N1 [label"; do
    set -f; set -- $c; set +f
    kind=$1 name=$2; shift 2; re="$*"
    mutate "$T/$name.gmd" "$re" >"$T/$name.mut"
    ! cmp -s "$T/$name.gmd" "$T/$name.mut" || fail "self-check: no row of $name changed"
    $CMP "$kind" "$T/$name.go" "$T/$name.mut" --allow edge-ties --allow dot-hint >/dev/null 2>"$T/$name.muterr" &&
        fail "self-check: compare.py missed a changed row in $name"
    grep -q "go tool pprof: " "$T/$name.muterr" || fail "self-check: not a row difference: $(cat "$T/$name.muterr")"
    pass
done
echo "go tool pprof: $PPROF" >&2
done_ok
