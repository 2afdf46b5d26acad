#!/bin/bash
# gmd pprof goroutines and the goroutine form of gmd pprof diff, on the
# fixture program's three profile forms, on snapshots and a crash dump of
# goroutine_states.go, and gmd pprof top on heap debug=1 text against
# go tool pprof.
. "$(dirname "$0")/lib.sh"
: "${GO:=go}"

# --- the fixtures' goroutine profile, in every form: 61 goroutines, 50 leaked workers
run "$GMD" pprof goroutines "$FIXTURES/goroutine-debug2.txt"
assert_rc 0
assert_out_contains "61 goroutines, "
assert_out_contains "50 goroutines: 50 chan receive"
assert_out_contains "created by main.startWorkers at "
assert_out_contains "main.leakWorker  "
assert_out_contains "5 goroutines: 5 select"
assert_out_contains "1 goroutine: 1 sleep"
first=$(grep -m1 'goroutines:' "$T/out")
assert_eq "$first" "50 goroutines: 50 chan receive" "largest group first"

for f in goroutine-debug1.txt goroutine.pb.gz; do
    run "$GMD" pprof goroutines "$FIXTURES/$f"
    assert_rc 0
    assert_out_contains "61 goroutines, "
    assert_out_contains "main.leakWorker"
    [ "$(sed -n 3p "$T/out")" = "50 goroutines" ] || fail "$f: first group is not 50 goroutines: $(head -5 "$T/out")"
    pass
done

run "$GMD" pprof goroutines -n 2 "$FIXTURES/goroutine-debug2.txt"
assert_rc 0
assert_out_contains "more groups with 6 goroutines (-n 0 shows all)"
assert_out_lacks "1 sleep"

run "$GMD" pprof goroutines --json -n 1 "$FIXTURES/goroutine-debug2.txt"
assert_rc 0
assert_out_contains '"total": 61'
assert_out_contains '"count": 50'
assert_out_contains '"state": "chan receive"'
assert_out_contains '"function": "main.startWorkers"'
assert_out_contains '"function": "main.leakWorker"'
assert_out_contains '"max_wait_minutes": null'

# --- a program of our own: snapshots before/after 20 goroutines block on a mutex, and a crash dump
prog="$T/goroutine_states"
# Without HOME, Go has no build cache: share the one the fixture setup made.
[ -n "${HOME:-}" ] || export GOCACHE=${GOCACHE:-$FIXTURES/.gocache} GOPATH=${GOPATH:-$FIXTURES/.gopath}
(cd "$(dirname "$0")" && "$GO" build -o "$prog" goroutine_states.go) || fail "cannot build goroutine_states.go"
"$prog" "$T/snap1.txt" "$T/snap2.txt" || fail "goroutine_states failed"

run "$GMD" pprof goroutines "$T/snap2.txt"
assert_rc 0
assert_out_contains "20 goroutines: 20 sync.Mutex.Lock"
assert_out_contains "sync.(*Mutex).Lock  "
assert_out_contains "(inline)"
assert_out_contains "main.mutexWaiter  "

run "$GMD" pprof diff "$T/snap1.txt" "$T/snap2.txt"
assert_rc 0
assert_out_contains "+20 (0 -> 20) now: 20 sync.Mutex.Lock  [new stack]"
assert_out_contains "main.mutexWaiter"
first=$(grep -m1 '^+' "$T/out")
assert_eq "${first%% *}" "+20" "largest growth first"

run "$GMD" pprof diff --json "$T/snap1.txt" "$T/snap2.txt"
assert_rc 0
assert_out_contains '"delta": 20'
assert_out_contains '"before": 0'
assert_out_contains '"after": 20'

GOTRACEBACK=all "$prog" crash 2>"$T/crash.txt" >/dev/null && fail "crash mode did not crash"
head -1 "$T/crash.txt" | grep -q '^panic: ' || fail "crash dump does not start with panic:"
pass
run "$GMD" pprof goroutines "$T/crash.txt"
assert_rc 0
assert_out_contains "20 goroutines: 20 sync.Mutex.Lock"
assert_out_contains "goroutine text (debug=2)"

# --- bad input: one line naming the file and byte offset, exit 1
printf 'goroutine 1 [running]:\n\t/x.go:1\n' >"$T/bad.txt"
run "$GMD" pprof goroutines "$T/bad.txt"
assert_rc 1
assert_err_one_line
assert_err_contains "bad.txt: byte 23: "
printf 'heap profile: 1: 8 [1: 8] @ heap/2\n1: 8 [1: 8] @ 0x10\nnonsense\n' >"$T/badheap.txt"
run "$GMD" pprof top "$T/badheap.txt"
assert_rc 1
assert_err_one_line
assert_err_contains "badheap.txt: byte 54: "
run "$GMD" pprof goroutines "$FIXTURES/heap-debug1.txt"
assert_rc 1
assert_err_contains "not a goroutine profile"

# --- --focus / --ignore keep the groups whose stack passes them (every form)
for f in goroutine-debug2.txt goroutine-debug1.txt goroutine.pb.gz; do
    run "$GMD" pprof goroutines --focus leakWorker "$FIXTURES/$f"
    assert_rc 0
    assert_out_contains "Active filters:"
    assert_out_contains "50 goroutines, 1 distinct stack"
    run "$GMD" pprof goroutines --ignore leakWorker -n 0 "$FIXTURES/$f"
    assert_rc 0
    assert_out_contains "11 goroutines,"
    assert_out_lacks "main.leakWorker"
done
run "$GMD" pprof goroutines --json --focus pollLoop "$FIXTURES/goroutine-debug2.txt"
assert_rc 0
assert_eq "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["total"], j["ngroups"], j["groups"][0]["stack"][0]["function"])' "$T/out")" \
    "5 1 main.pollLoop" "focused JSON"
run "$GMD" pprof diff --ignore leakWorker "$FIXTURES/goroutine-debug2.txt" "$FIXTURES/goroutine-debug2.txt"
assert_rc 0
assert_out_contains "goroutines: 11 -> 11 (0)"
run "$GMD" pprof goroutines --hide runtime "$FIXTURES/goroutine-debug2.txt"
assert_rc 1; assert_err_one_line; assert_err_contains "use --focus and --ignore"

# --- heap debug=1 text: the totals of gmd pprof top agree with go tool pprof -top on the same file
for idx in inuse_space inuse_objects alloc_space alloc_objects; do
    run "$GMD" pprof top -i "$idx" "$FIXTURES/heap-debug1.txt"
    assert_rc 0
    ours=$(sed -n 's/^Showing nodes accounting for .* of \(.*\) total$/\1/p' "$T/out")
    [ -n "$ours" ] || fail "no total line in gmd pprof top: $(head -3 "$T/out")"
    unit=$(printf '%s' "$ours" | sed 's/^[0-9.]*//')
    theirs=$("$GO" tool pprof -top -sample_index="$idx" ${unit:+-unit="$unit"} "$FIXTURES/heap-debug1.txt" 2>/dev/null |
             sed -n 's/^Showing nodes accounting for .* of \(.*\) total$/\1/p')
    assert_eq "$ours" "$theirs" "$idx total vs go tool pprof"
done
done_ok
