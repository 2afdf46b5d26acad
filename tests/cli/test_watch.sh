#!/usr/bin/env bash
# gmd watch on a running service (tests/run-fixtures/heapleak.go, started
# here with GODEBUG=gctrace=1 and its stderr in a log file): the verdict from
# its pprof endpoint, /proc (--pid) and the log (--gctrace); Ctrl-C ends
# collection and still writes the results; the service is never signalled;
# with --pid, watch stops when the service exits. And gmd run forwards
# Ctrl-C to the program it started, then writes its results.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary}"
: "${SRCDIR:?SRCDIR must name the repo root}"

"$GO" build -o "$T/heapleak" "$SRCDIR/tests/run-fixtures/heapleak.go" || fail "go build heapleak"
json_get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# wait_for WHAT SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
    local what=$1 tries=$(($2 * 10)); shift 2
    until "$@"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || fail "timed out waiting for $what"
        sleep 0.1
    done
}

# start_service: heapleak in the background on a free port; sets SVC and URL.
start_service() {
    rm -f "$T/port"
    PORT=0 PORTFILE="$T/port" GODEBUG=gctrace=1 "$T/heapleak" >"$T/svc.out" 2>"$T/svc.log" &
    SVC=$!
    wait_for "the service's port" 20 test -s "$T/port"
    URL="http://127.0.0.1:$(cat "$T/port")"
}
alive() { kill -0 "$1" 2>/dev/null; }
# A child that ended but is not reaped yet is a zombie: gone too.
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
trap 'kill $SVC 2>/dev/null; rm -rf "$T"' EXIT

# 1. A fixed duration, all three sources.
start_service
"$GMD" watch --duration 6s --interval 0.5s --json --quiet --pid "$SVC" --gctrace "$T/svc.log" \
    --out "$T/w1.bundle" "$URL" >"$T/w1.json" 2>"$T/w1.err"
RC=$?
cp "$T/w1.err" "$T/err"
assert_rc 0
assert_eq "$(json_get "$T/w1.json" 'j["leak"]')" "True" "watch: verdict"
assert_eq "$(json_get "$T/w1.json" 'j["suspects"][0]["site"]')" "main.rememberRequest" "watch: top suspect"
assert_eq "$(json_get "$T/w1.json" 'j["snapshots"]["heap"] >= 5')" "True" "watch: heap snapshots"
assert_eq "$(json_get "$T/w1.json" 'j["snapshots"]["proc"] >= 5')" "True" "watch: /proc samples (--pid)"
assert_eq "$(json_get "$T/w1.json" 'j["snapshots"]["gc_cycles"] > 0')" "True" "watch: gctrace cycles from the log"
for f in index.jsonl meta.json gctrace.log proc.jsonl report.html; do
    [ -s "$T/w1.bundle/$f" ] || fail "watch bundle lacks $f"; pass
done
alive "$SVC" || fail "watch stopped the service"; pass
run "$GMD" report --json --no-html "$T/w1.bundle"
assert_rc 0
assert_eq "$(json_get "$T/out" 'j["suspects"][0]["site"]')" "main.rememberRequest" "watch bundle: report agrees"

# 1b. URL and --pid, no gctrace: the runtime's statistics are still read from the
# process's memory beside the fetches, so the live heap after GC is known (the
# first heap fetch forces a GC, so later reads see NumGC >= 1).
"$GMD" watch --duration 3s --interval 0.5s --json --quiet --pid "$SVC" \
    --out "$T/w1b.bundle" "$URL" >"$T/w1b.json" 2>"$T/w1b.err"
RC=$?
cp "$T/w1b.err" "$T/err"
assert_rc 0
[ -n "$(ls "$T/w1b.bundle/memstats/" 2>/dev/null)" ] || fail "watch URL --pid: no memstats in the bundle"; pass
assert_eq "$(json_get "$T/w1b.json" 'j["snapshots"]["gc_cycles"] >= 1')" "True" \
    "watch URL --pid: live heap after GC from the runtime's statistics"

# 2. No duration: Ctrl-C (SIGINT) ends collection, and the results are written.
"$GMD" watch --interval 0.5s --json --quiet --out "$T/w2.bundle" "$URL" >"$T/w2.json" 2>"$T/w2.err" &
W=$!
wait_for "three heap profiles" 30 sh -c "[ \$(ls '$T/w2.bundle/heap' 2>/dev/null | wc -l) -ge 3 ]"
kill -INT "$W"
wait_for "watch to stop after SIGINT" 20 gone "$W"
wait "$W"
RC=$?
cp "$T/w2.err" "$T/err"
assert_rc 0
assert_eq "$(json_get "$T/w2.json" 'j["snapshots"]["heap"] >= 3')" "True" "watch after Ctrl-C: verdict printed"
[ -s "$T/w2.bundle/index.jsonl" ] && [ -s "$T/w2.bundle/report.html" ] || fail "watch after Ctrl-C: bundle incomplete"; pass
alive "$SVC" || fail "Ctrl-C of watch reached the service"; pass

# 3. --pid: watch ends by itself when the service exits.
"$GMD" watch --interval 0.5s --quiet --pid "$SVC" --out "$T/w3.bundle" "$URL" >"$T/w3.out" 2>"$T/w3.err" &
W=$!
wait_for "two heap profiles" 30 sh -c "[ \$(ls '$T/w3.bundle/heap' 2>/dev/null | wc -l) -ge 2 ]"
kill "$SVC"
wait "$SVC" 2>/dev/null
wait_for "watch to notice the service exited" 20 gone "$W"
wait "$W"
RC=$?
cp "$T/w3.err" "$T/err"
assert_rc 0
[ -s "$T/w3.bundle/index.jsonl" ] || fail "watch --pid: no bundle"; pass

# 4. gmd run forwards Ctrl-C to its program and still writes its results.
"$GMD" run --interval 0.2s --quiet --out "$T/r.bundle" -- \
    sh -c 'trap "echo got-interrupt; exit 7" INT; echo started; while :; do sleep 0.1; done' \
    >"$T/r.out" 2>"$T/r.err" &
R=$!
wait_for "the program to start" 20 grep -q started "$T/r.out"
sleep 0.5
kill -INT "$R"
wait_for "run to stop after SIGINT" 20 gone "$R"
wait "$R"
RC=$?
cp "$T/r.out" "$T/out"
cp "$T/r.err" "$T/err"
assert_rc 0
assert_out_contains "got-interrupt"        # the program saw the SIGINT
assert_out_contains "Program exit status: 7 (interrupted)"
[ -s "$T/r.bundle/index.jsonl" ] && [ -s "$T/r.bundle/meta.json" ] || fail "run after Ctrl-C: bundle incomplete"; pass
done_ok
