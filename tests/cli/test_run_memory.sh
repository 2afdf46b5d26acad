#!/usr/bin/env bash
# gmd run and gmd watch --pid with no --pprof: the heap profile and the
# goroutines come from the program's own memory every interval. The run
# fixtures leak fast (1.6 MB/s of heap; 50 goroutines/s), so over 6 s the
# verdict is decided by a wide margin; only robust facts are asserted.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary}"
: "${SRCDIR:?SRCDIR must name the repo root}"

SERVICE=
cleanup() { [ -n "$SERVICE" ] && kill "$SERVICE" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

for p in heapleak goleak offheap; do
    "$GO" build -o "$T/$p" "$SRCDIR/tests/run-fixtures/$p.go" || fail "go build $p"
done
json_get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# run NAME: gmd run the fixture for 6 s without an endpoint.
observe() {
    PORT=0 timeout 120 "$GMD" run --duration 6s --interval 0.5s --json --no-html --out "$T/$1.bundle" \
        -- "$T/$1" >"$T/$1.json" 2>"$T/$1.err"
    RC=$?
    cp "$T/$1.err" "$T/err"
}

observe heapleak
assert_rc 0
assert_eq "$(json_get "$T/heapleak.json" 'j["leak"]')" "True" "heapleak from memory: verdict"
assert_eq "$(json_get "$T/heapleak.json" 'j["suspects"][0]["site"]')" "main.rememberRequest" "heapleak from memory: top suspect"
assert_eq "$(json_get "$T/heapleak.json" 'j["suspects"][0]["kind"]')" "heap" "heapleak from memory: kind"
assert_eq "$(json_get "$T/heapleak.json" 'j["snapshots"]["heap"] >= 5 and j["snapshots"]["goroutine"] >= 5')" "True" \
    "heapleak from memory: snapshots"
# The bundle holds what was read, in the forms Go's tools read.
run "$GMD" pprof top "$(ls "$T/heapleak.bundle/heap/"* | tail -1)"
assert_rc 0; assert_out_contains "main.rememberRequest"
run "$GMD" pprof goroutines "$(ls "$T/heapleak.bundle/goroutine/"* | tail -1)"
# Not main.main: the main goroutine is now and then on a CPU when memory is
# read, and a running goroutine's stack cannot be read without stopping it
# (only runtime.main, where it started, is shown). The accept loop is parked
# for the whole run (nothing connects), so its unwound stack is always there.
assert_rc 0; assert_out_contains "goroutine text (debug=2)"; assert_out_contains "created by main.serve"
assert_out_contains "internal/poll.(*FD).Accept"

observe goleak
assert_rc 0
assert_eq "$(json_get "$T/goleak.json" 'j["leak"]')" "True" "goleak from memory: verdict"
assert_eq "$(json_get "$T/goleak.json" '[s for s in j["suspects"] if s["kind"] == "goroutine"][0]["site"]')" \
    "main.waitForUpdate" "goleak from memory: the goroutine suspect"
assert_eq "$(json_get "$T/goleak.json" '[s for s in j["suspects"] if s["kind"] == "goroutine"][0]["state"]')" \
    "chan receive" "goleak from memory: its state"
assert_eq "$(json_get "$T/goleak.json" 'j["suspects"][0]["kind"]')" "goroutine" "goleak from memory: ranked first"

# Off-heap growth (anonymous mmaps): with the runtime's own statistics read
# from memory, what the Go runtime holds is measured, not estimated.
observe offheap
assert_rc 0
assert_eq "$(json_get "$T/offheap.json" 'j["suspects"][0]["kind"]')" "offheap" "offheap from memory: kind"
assert_eq "$(json_get "$T/offheap.json" 'any("Go runtime\x27s own statistics" in e for e in j["suspects"][0]["evidence"])')" \
    "True" "offheap from memory: the runtime's statistics are the evidence"
[ -n "$(ls "$T/offheap.bundle/memstats/" 2>/dev/null)" ] || fail "the bundle keeps the runtime's statistics"
pass

# gmd watch --pid, no URL: a service already running, read and never signalled.
PORT=0 "$T/heapleak" >"$T/svc.out" 2>&1 </dev/null & SERVICE=$!
for _ in $(seq 1 100); do [ -s "$T/svc.out" ] && break; sleep 0.1; done
run timeout 120 "$GMD" watch --pid "$SERVICE" --duration 5s --interval 0.5s --json --no-html --out "$T/watch.bundle"
assert_rc 0
cp "$T/out" "$T/watch.json"
assert_eq "$(json_get "$T/watch.json" 'j["suspects"][0]["site"]')" "main.rememberRequest" "watch --pid from memory"
# No gctrace here: the live heap after each GC comes from the runtime's statistics.
assert_eq "$(json_get "$T/watch.json" 'j["live_heap"] is not None and j["live_heap"]["points"] >= 2')" "True" \
    "watch --pid: live heap after GC from the runtime's statistics"
assert_eq "$(json_get "$T/watch.json" 'any("the runtime\x27s statistics" in e for e in j["suspects"][0]["evidence"])')" \
    "True" "watch --pid: corroborated by the runtime's statistics"
kill -0 "$SERVICE" 2>/dev/null || fail "watch stopped or signalled the service"
pass

# --no-memory: only /proc and gctrace, so there is no heap to judge.
run timeout 60 "$GMD" watch --pid "$SERVICE" --no-memory --duration 2s --interval 0.5s --json --no-html --out "$T/nomem.bundle"
assert_rc 0
assert_eq "$(json_get "$T/out" 'j["snapshots"]["heap"]')" "0" "--no-memory reads no heap"
done_ok
