#!/usr/bin/env bash
# gmd run / gmd report on real Go programs with known behaviour
# (tests/run-fixtures): a heap leak, a goroutine leak, and heavy allocation
# with a warm-up but no leak. Each runs for a few seconds under gmd run with
# its net/http/pprof; the verdict and the top suspect are asserted from
# --json, and gmd report must reach the same verdict offline from the bundle.
. "$(dirname "$0")/lib.sh"
: "${GO:?GO must name the go binary}"
: "${SRCDIR:?SRCDIR must name the repo root}"

for p in heapleak goleak noleak; do
    "$GO" build -o "$T/$p" "$SRCDIR/tests/run-fixtures/$p.go" || fail "go build $p"
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# json_get FILE EXPR: evaluate a Python expression over the parsed object `j`.
json_get() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# observe NAME: gmd run the fixture for 6 s; JSON in $T/NAME.json, bundle in $T/NAME.bundle.
observe() {
    local port
    port=$(free_port)
    PORT=$port "$GMD" run --duration 6s --interval 0.5s --json --out "$T/$1.bundle" \
        --pprof "http://127.0.0.1:$port" -- "$T/$1" >"$T/$1.json" 2>"$T/$1.err"
    RC=$?
    cp "$T/$1.json" "$T/out"
    cp "$T/$1.err" "$T/err"
}

# The three programs run one after another: each gets the machine's CPUs.
observe heapleak
assert_rc 0
assert_err_contains "heapleak: serving pprof on 127.0.0.1"     # its stdout passed through (to stderr under --json)
assert_eq "$(json_get "$T/heapleak.json" 'j["leak"]')" "True" "heapleak: verdict"
assert_eq "$(json_get "$T/heapleak.json" 'j["suspects"][0]["site"]')" "main.rememberRequest" "heapleak: top suspect"
assert_eq "$(json_get "$T/heapleak.json" 'j["suspects"][0]["kind"]')" "heap" "heapleak: kind"
assert_eq "$(json_get "$T/heapleak.json" 'j["suspects"][0]["unit"]')" "bytes" "heapleak: unit"
assert_eq "$(json_get "$T/heapleak.json" 'j["suspects"][0]["stack"][:2]')" "['main.rememberRequest', 'main.main']" "heapleak: stack"
# 16 KiB every ~10 ms is at most 1.6 MB/s; sleeping overshoots, so expect 100 KB/s..2 MB/s.
assert_eq "$(json_get "$T/heapleak.json" '100e3 < j["suspects"][0]["growth_per_sec"] < 2e6')" "True" "heapleak: rate"
# Whether the churn site (main.handleRequest) is named at all is judged on
# recorded bundles (cli/test_verdict, unit/test_leak_forced): under load the
# garbage alive at each GC can grow with the heap and, looped under a CPU hog,
# it was named below the leak 3 runs in 50. Here: the leak ranks first.
assert_eq "$(json_get "$T/heapleak.json" 'j["snapshots"]["heap"] >= 5 and j["snapshots"]["gc_cycles"] > 0 and j["snapshots"]["proc"] > 0')" "True" "heapleak: snapshots"

# The bundle: raw artifacts plus an index with the time of each.
B="$T/heapleak.bundle"
for f in index.jsonl meta.json gctrace.log proc.jsonl report.html; do
    [ -s "$B/$f" ] || fail "bundle lacks $f"; pass
done
assert_eq "$(python3 -c '
import json, sys, os
kinds = set(); ok = True
for line in open(sys.argv[1] + "/index.jsonl"):
    e = json.loads(line); kinds.add(e["kind"])
    ok &= isinstance(e["t"], (int, float)) and e["wall"] > 0 and os.path.exists(sys.argv[1] + "/" + e["file"])
print(sorted(kinds - {"trace"}), ok)' "$B")" "['gctrace', 'goroutine', 'heap', 'memstats', 'proc'] True" "index kinds and files (memstats: read from memory beside --pprof)"
assert_eq "$(head -c 2 "$(ls "$B"/heap/*.pb.gz | head -1)" | od -An -tx1 | tr -d ' ')" "1f8b" "heap profile kept as received (gzip)"
grep -q '^gc 1 @' "$B/gctrace.log" || fail "gctrace.log lacks the first GC line"; pass

# gmd report: the same verdict offline.
run "$GMD" report --json --no-html "$B"
assert_rc 0
cp "$T/out" "$T/report.json"
assert_eq "$(json_get "$T/report.json" 'j["leak"]')" "True" "report: verdict"
assert_eq "$(json_get "$T/report.json" 'j["suspects"][0]["site"]')" "main.rememberRequest" "report: top suspect"
run "$GMD" report "$B" --no-html
assert_rc 0
assert_out_contains "LEAK: heap allocated in main.rememberRequest"
assert_out_contains "Kendall's tau"
assert_out_contains "Whole process:"
# pprof reads the same raw files.
run "$GMD" pprof top "$(ls "$B"/heap/*.pb.gz | tail -1)"
assert_rc 0
assert_out_contains "main.rememberRequest"

observe goleak
assert_rc 0
assert_eq "$(json_get "$T/goleak.json" 'j["leak"]')" "True" "goleak: verdict"
assert_eq "$(json_get "$T/goleak.json" 'j["suspects"][0]["site"]')" "main.waitForUpdate" "goleak: top suspect"
assert_eq "$(json_get "$T/goleak.json" 'j["suspects"][0]["kind"]')" "goroutine" "goleak: kind"
assert_eq "$(json_get "$T/goleak.json" 'j["suspects"][0]["unit"]')" "goroutines" "goleak: unit"
assert_eq "$(json_get "$T/goleak.json" 'j["suspects"][0]["state"]')" "chan receive" "goleak: wait reason"
assert_eq "$(json_get "$T/goleak.json" 'j["suspects"][0]["created_by"]')" "main.startWatcher" "goleak: creator"
assert_eq "$(json_get "$T/goleak.json" 'all(s["site"] != "main.shortJob" for s in j["suspects"])')" "True" "short-lived goroutines are no suspect"
run "$GMD" report --json --no-html "$T/goleak.bundle"
assert_rc 0
assert_eq "$(json_get "$T/out" 'j["suspects"][0]["site"]')" "main.waitForUpdate" "goleak report: top suspect"

# A program without a leak: its exact verdict is judged on a recorded bundle
# (cli/test_verdict's steady service: no_leak). Live, its cache warm-up can
# stretch into the run on a loaded machine (1 run in 30 read inconclusive
# under a CPU hog), so here: the run completes, and gmd report reaches the
# same verdict offline from the bundle.
observe noleak
assert_rc 0
assert_eq "$(json_get "$T/noleak.json" 'j["snapshots"]["heap"] >= 5')" "True" "noleak: enough snapshots to judge"
assert_eq "$(json_get "$T/noleak.json" 'j["verdict"] in ("leak", "no_leak", "inconclusive")')" "True" "noleak: a verdict"
run "$GMD" report --json --no-html "$T/noleak.bundle"
assert_rc 0
assert_eq "$(json_get "$T/out" 'j["verdict"]')" "$(json_get "$T/noleak.json" 'j["verdict"]')" "noleak: report reaches the run's verdict"

# Errors and usage.
run "$GMD" run --duration 1s --out "$T/nosuch.bundle" -- "$T/no-such-program"
assert_rc 1; assert_err_contains "cannot run"
run "$GMD" run --duration 1s
assert_rc 2; assert_err_contains "missing the program"
run "$GMD" run --interval 0 -- true
assert_rc 2
run "$GMD" run --out "$T/heapleak.bundle" -- true
assert_rc 1; assert_err_contains "already holds a bundle"
run "$GMD" report "$T/no-such-bundle"
assert_rc 1; assert_err_one_line
run "$GMD" watch
assert_rc 2
run "$GMD" run --help;    assert_rc 0; assert_out_contains "usage: gmd run"
run "$GMD" watch --help;  assert_rc 0; assert_out_contains "usage: gmd watch"
run "$GMD" report --help; assert_rc 0; assert_out_contains "usage: gmd report"

# A program that exits by itself ends collection; its status is reported.
# Exiting before anything was measured is a failure, not "no leak".
run "$GMD" run --interval 0.2s --out "$T/exit.bundle" -- sh -c 'echo hello; echo oops >&2; exit 3'
assert_rc 1
assert_out_contains "hello"
assert_err_contains "oops"
assert_err_contains "exited with status 3"
assert_err_contains "before anything could be measured"
done_ok
