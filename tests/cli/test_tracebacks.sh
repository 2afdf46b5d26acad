#!/bin/bash
# Tracebacks as users have them: real crashes of tests/traceback-fixtures
# (panic, nil dereference, deadlock, concurrent map writes, re-panic, deep
# recursion, SIGQUIT, go test timeout and failure) under several GOTRACEBACK
# levels, wrapped in log lines, pasted with spaces for tabs or CRLF, several
# in one log; the hand-made old-version forms in traceback-fixtures/old; and
# the one-line refusals that name what a file is.
. "$(dirname "$0")/lib.sh"
: "${GO:=go}"
SRC=$(cd "$(dirname "$0")/../traceback-fixtures" && pwd)
[ -n "${HOME:-}" ] || export GOCACHE=${GOCACHE:-$FIXTURES/.gocache} GOPATH=${GOPATH:-$FIXTURES/.gopath}
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
ulimit -c 0   # GOTRACEBACK=crash aborts: no core files
(cd "$SRC" && "$GO" build -o "$T/tbprog" ./tbprog) || fail "cannot build tbprog"

# The goroutines a dump really has: its distinct "goroutine N [" ids (a
# GOTRACEBACK=crash dump shows each thread's goroutine 0, and a running
# goroutine again, in its own section).
count_ids() { grep -o '^goroutine [0-9]* ' "$1" | sort -u | wc -l; }

# crash MODE [GOTRACEBACK]: the program's output as go run shows it, in $T/MODE-LEVEL.txt
crash() {
    local out="$T/$1-${2:-all}.txt"
    { echo "$ go run ./cmd/server"; GOTRACEBACK=${2:-all} "$T/tbprog" "$1" 2>&1; echo "exit status $?"; } >"$out"
    grep -q '^goroutine [0-9]' "$out" || fail "$1: no traceback in the output: $(head -c 300 "$out")"
    echo "$out"
}

expect_dump() {   # FILE REASON-PREFIX GOROUTINE-OR-none [COUNT]
    local f=$1 n=${4:-$(count_ids "$1")}
    run "$GMD" pprof goroutines -n 0 "$f"
    assert_rc 0
    assert_out_contains "stopped by: $2"
    if [ "$3" = none ]; then assert_out_lacks "(in goroutine"; else assert_out_contains "(in goroutine $3)"; fi
    assert_eq "$(grep -m1 'goroutines\?, [0-9]* distinct' "$T/out" | cut -d' ' -f1)" "$n" "$f: goroutine count"
}

f=$(crash panic)
expect_dump "$f" "panic: boom: the widget is broken" 1 7
assert_out_contains "6 goroutines: "   # chan receive, or runnable if not yet parked: states are not asserted
assert_out_contains "created by main.startWorkers at "
run "$GMD" pprof goroutines --json "$f"
assert_rc 0
assert_eq "$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["traceback"]; print(t["reason"], t["goroutine"], t["dump"], t["dumps"])' "$T/out")" \
    "panic: boom: the widget is broken 1 0 1" "traceback in --json"
# Every command taking a goroutine source reads it.
run "$GMD" pprof top "$f"
assert_rc 0
assert_out_contains "main.worker"

expect_dump "$(crash nilderef)" "panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV" 1 7
expect_dump "$(crash deadlock)" "fatal error: all goroutines are asleep - deadlock!" none 7
f=$(crash mapwrites)
expect_dump "$f" "fatal error: concurrent map writes" "$(grep -A2 '^fatal error' "$f" | sed -n 's/^goroutine \([0-9]*\) \[running\]:$/\1/p')"
expect_dump "$(crash repanic)" "panic: first [recovered]" 1 7
assert_out_contains "panic: again after first"
f=$(crash deep)
expect_dump "$f" "panic: too deep" 1 7
grep -q 'frames elided' "$f" || fail "deep: no elided frames in the real output"
pass

# GOTRACEBACK=system and crash: runtime goroutines too, "gp=... m=..." headers, crash's abort
expect_dump "$(crash panic system)" "panic: boom" 1
f=$(crash panic crash)
expect_dump "$f" "panic: boom" 1
expect_dump "$(crash deadlock single)" "fatal error: all goroutines are asleep" none

# Pasted: tabs turned to spaces, trailing blanks; CRLF line ends
sed 's/\t/    /g; s/$/  /' "$T/panic-all.txt" >"$T/spaces.txt"
expect_dump "$T/spaces.txt" "panic: boom: the widget is broken" 1 7
assert_out_contains "created by main.startWorkers at "
sed 's/$/\r/' "$T/panic-all.txt" >"$T/crlf.txt"
expect_dump "$T/crlf.txt" "panic: boom: the widget is broken" 1 7
gzip -c "$T/crlf.txt" >"$T/crlf.txt.gz"
expect_dump "$T/crlf.txt.gz" "panic: boom" 1 7

# SIGQUIT, once the program says it is ready (polled; no timing is asserted)
sigquit() {   # LEVEL: the program's stdout and stderr in $T/sq-LEVEL.{out,err}
    GOTRACEBACK=$1 "$T/tbprog" sigquit >"$T/sq-$1.out" 2>"$T/sq-$1.err" &
    local pid=$! i
    for i in $(seq 1 600); do grep -q ready "$T/sq-$1.out" && break; sleep 0.1; done
    grep -q ready "$T/sq-$1.out" || { kill -9 $pid; fail "sigquit: the program never got ready"; }
    kill -QUIT $pid
    wait $pid 2>/dev/null
}
sigquit all
expect_dump "$T/sq-all.err" "SIGQUIT: quit" none
# Stdout first: the text starts with "ready" ('r' looks like a protobuf key).
cat "$T/sq-all.out" "$T/sq-all.err" >"$T/sq-ready.txt"
expect_dump "$T/sq-ready.txt" "SIGQUIT: quit" none "$(count_ids "$T/sq-all.err")"
sigquit crash
grep -q '^-----$' "$T/sq-crash.err" || fail "GOTRACEBACK=crash SIGQUIT: no per-thread sections"
pass
expect_dump "$T/sq-crash.err" "SIGQUIT: quit" none
run "$GMD" pprof goroutines "$T/sq-crash.err"
assert_out_lacks "dump 2 of"

# go test: a timeout and a panicking test, as go test prints them
(cd "$SRC" && GMD_TRACEBACK_FIXTURE=1 "$GO" test -count=1 -timeout 2s -run 'TestSlow$' ./tbtest) >"$T/timeout.txt" 2>&1 &&
    fail "go test -timeout did not fail"
grep -q '^FAIL' "$T/timeout.txt" || fail "no FAIL line in go test output"
pass
expect_dump "$T/timeout.txt" "panic: test timed out after 2s" \
    "$(sed -n '/^goroutine [0-9]* \[running\]:$/{s/^goroutine \([0-9]*\) .*/\1/p;q}' "$T/timeout.txt")"
assert_out_contains "TestSlow"
(cd "$SRC" && GMD_TRACEBACK_FIXTURE=1 "$GO" test -count=1 -run 'TestPanics$' ./tbtest) >"$T/testpanic.txt" 2>&1 &&
    fail "the panicking test passed"
grep -q -- '--- FAIL: TestPanics' "$T/testpanic.txt" || fail "no --- FAIL line"
pass
expect_dump "$T/testpanic.txt" "panic: assignment to entry in nil map" \
    "$(sed -n '/^goroutine [0-9]* \[running\]:$/{s/^goroutine \([0-9]*\) .*/\1/p;q}' "$T/testpanic.txt")"

# Several dumps in one log: the last by default, every one with --all
cat "$T/panic-all.txt" "$T/timeout.txt" "$T/deadlock-all.txt" >"$T/log.txt"
expect_dump "$T/log.txt" "fatal error: all goroutines are asleep" none 7
assert_out_contains "dump 3 of 3 in the text"
run "$GMD" pprof goroutines --all -n 1 "$T/log.txt"
assert_rc 0
assert_eq "$(grep -c '^dump [123] of 3' "$T/out")" 3 "--all reports three dumps"
assert_eq "$(grep '^stopped by' "$T/out" | cut -c1-30 | tr '\n' '|')" \
    "stopped by: panic: boom: the w|stopped by: panic: test timed |stopped by: fatal error: all g|" "--all in order"
run "$GMD" pprof goroutines --all --json "$T/log.txt"
assert_rc 0
assert_eq "$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print([d["total"] for d in j["dumps"]][0], [d["traceback"]["dump"] for d in j["dumps"]])' "$T/out")" \
    "7 [0, 1, 2]" "--all --json"
run "$GMD" pprof goroutines --all "$FIXTURES/goroutine.pb.gz"
assert_rc 0
assert_out_contains "61 goroutines"
run "$GMD" pprof top --all "$T/log.txt"
assert_rc 2

# Old Go versions' forms (hand-made, see traceback-fixtures/old/README.md)
expect_dump "$SRC/old/go1.5-deadlock.txt" "fatal error: all goroutines are asleep - deadlock!" none 4
assert_out_contains "longest wait 2 minutes"
assert_out_contains "created by main.main at /home/user/src/app/main.go:22"
expect_dump "$SRC/old/go1.9-sigquit-crlf.txt" "SIGQUIT: quit" none 4
assert_out_contains "1 goroutine: 1 syscall; longest wait 12 minutes"
expect_dump "$SRC/old/pasted-spaces.txt" "panic: open config.yaml: no such file or directory [recovered]" 1 2
assert_out_contains "main.loadConfig  /app/config.go:25"

# Refused files: one line naming what the file is
refused() {   # FILE TEXT
    run "$GMD" pprof goroutines "$1"
    assert_rc 1
    assert_err_one_line
    assert_err_contains "$2"
}
"$T/tbprog" trace >"$T/exec.trace" 2>/dev/null || fail "tbprog trace failed"
refused "$T/exec.trace" "not a pprof profile: a Go execution trace"
assert_err_contains "gmd trace"
refused "$T/tbprog" "not a pprof profile: an ELF binary"
{ head -c 16 "$T/tbprog"; printf '\x04\x00'; head -c 200 /dev/zero; } >"$T/core"
refused "$T/core" "an ELF core file: read it with gmd core"
printf 'go1.7 heap dump\n\x01\x00\x00' >"$T/heapdump"
refused "$T/heapdump" "a Go heap dump"
printf '\0\0\0\0\0\0\0\0\3\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x10\x27\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >"$T/cpu.legacy"
refused "$T/cpu.legacy" "a legacy binary CPU profile"
printf -- '--- contention:\ncycles/second=2000000000\n10 1 @ 0x1 0x2\n' >"$T/block.txt"
refused "$T/block.txt" "not a goroutine profile (contention text (debug=1)"
printf '{"total": 3}\n' >"$T/x.json"
refused "$T/x.json" "JSON"
printf 'gc 1 @0.012s 2%%: 0.01+1.2+0.01 ms clock, 0.1+0/1/2+0.1 ms cpu, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 8 P\n' >"$T/gc.log"
refused "$T/gc.log" "gctrace=1 log: read it with gmd gc"
printf 'ready\nnothing else here\n' >"$T/ready.txt"
refused "$T/ready.txt" "text without a Go profile or traceback"
done_ok
